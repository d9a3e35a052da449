package dialog

import (
	"testing"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// inputKind is a kind of input the machine can receive.
type inputKind string

const (
	inAnswer     inputKind = "answer"      // a valid answer to the state's question
	inBad        inputKind = "bad"         // text that answers nothing
	inDefault    inputKind = "default"     // "default" / an empty message
	inDefaults   inputKind = "defaults"    // use defaults for the rest
	inCorrection inputKind = "correction"  // "actually make it 4 hours"
	inChange     inputKind = "change"      // "change the start"
	inOneShot    inputKind = "one_shot"    // a message naming a (new) target and more
	inBack       inputKind = "back"        // back
	inHelp       inputKind = "help"        // help
	inCancel     inputKind = "cancel"      // cancel
	inRestart    inputKind = "restart"     // restart
	inCommand    inputKind = "command"     // status
	inForm       inputKind = "form"        // a valid form submission
	inFormBad    inputKind = "form_bad"    // a form with a field error
	inResolved   inputKind = "resolved"    // the router's lookup answer
	inResolveErr inputKind = "resolve_err" // the router's lookup failed (refusal)
)

var inputKinds = []inputKind{inAnswer, inBad, inDefault, inDefaults, inCorrection, inChange, inOneShot, inBack,
	inHelp, inCancel, inRestart, inCommand, inForm, inFormBad, inResolved, inResolveErr}

// answers are valid answers per asking state.
var answers = map[State]string{
	StateIdle: "request", StateTarget: "sarah.jones@contoso.com", StateResolving: "sarah.jones@contoso.com",
	StateReason: "recovery", StateJustification: "starts Monday", StateZone: "Pacific", StateStart: "tomorrow 9am",
	StateLifetime: "4 hours", StateOneTime: "yes", StateClarify: "India", StateConfirm: "confirm",
}

// input builds an input of kind k for a session in st.
func input(st State, k inputKind) Input {
	in := Input{Now: testNow, Zone: "America/New_York"}
	switch k {
	case inAnswer:
		in.Text = answers[st]
	case inBad:
		in.Text = "purple monkey dishwasher"
	case inDefault:
		in.Text = "default"
	case inDefaults:
		in.Text = "defaults"
	case inCorrection:
		in.Text = "actually make it 4 hours"
	case inChange:
		in.Text = "change the start"
	case inOneShot:
		in.Text = "TAP for raj.patel@contoso.com Monday 7am Pacific, 8 hours, onboarding"
	case inBack:
		in.Text = "back"
	case inHelp:
		in.Text = "help"
	case inCancel:
		in.Text = "cancel"
	case inRestart:
		in.Text = "restart"
	case inCommand:
		in.Text = "status"
	case inForm:
		in.Fields = map[string]string{FieldTarget: "raj.patel@contoso.com", FieldReason: "onboarding",
			FieldStart: "2026-12-01T08:00", FieldLifetime: "8 hours"}
	case inFormBad:
		in.Fields = map[string]string{FieldTarget: "raj", FieldLifetime: "8 hours"}
	case inResolved:
		in.Resolved = &tap.User{ID: "u2", UPN: "raj.patel@contoso.com", DisplayName: "Raj Patel"}
	case inResolveErr:
		in.ResolveErr = tap.Refuse(tap.ErrGuest, "Raj Patel is an external guest; guests cannot hold a pass.")
	}
	return in
}

// outcome is what a step did, compactly: next state plus flags
// (E ended, R resolve, S submit, C command).
func outcome(s *Session, out Output) string {
	flags := ""
	if out.Ended {
		flags += "E"
	}
	if out.Resolve != "" {
		flags += "R"
	}
	if out.Submit != nil {
		flags += "S"
	}
	if out.Command != nil {
		flags += "C"
	}
	if flags != "" {
		return string(s.State) + " " + flags
	}
	return string(s.State)
}

// machineTable is every (state, input kind) pair and its outcome.
var machineTable = map[State]map[inputKind]string{
	StateIdle: {
		inAnswer: "target", inBad: "idle EC", inDefault: "idle EC", inDefaults: "idle EC", inCorrection: "target",
		inChange: "idle EC", inOneShot: "resolving R", inBack: "idle EC", inHelp: "idle EC", inCancel: "idle E",
		inRestart: "target", inCommand: "idle EC", inForm: "resolving R", inFormBad: "idle E",
		inResolved: "idle E", inResolveErr: "idle E",
	},
	StateTarget: {
		inAnswer: "resolving R", inBad: "target", inDefault: "target", inDefaults: "target",
		inCorrection: "target", inChange: "start", inOneShot: "resolving R", inBack: "target", inHelp: "target",
		inCancel: "idle E", inRestart: "target", inCommand: "target C", inForm: "resolving R", inFormBad: "target",
		inResolved: "target", inResolveErr: "target",
	},
	StateResolving: {
		inAnswer: "resolving R", inBad: "resolving R", inDefault: "resolving R", inDefaults: "resolving R",
		inCorrection: "resolving R", inChange: "resolving R", inOneShot: "resolving R", inBack: "resolving R",
		inHelp: "resolving R", inCancel: "idle E", inRestart: "target", inCommand: "resolving RC",
		inForm: "resolving R", inFormBad: "resolving", inResolved: "reason", inResolveErr: "target",
	},
	StateReason: {
		inAnswer: "justification", inBad: "reason", inDefault: "justification", inDefaults: "confirm",
		inCorrection: "reason", inChange: "start", inOneShot: "resolving R", inBack: "target", inHelp: "reason",
		inCancel: "idle E", inRestart: "target", inCommand: "reason C", inForm: "resolving R", inFormBad: "reason",
		inResolved: "reason", inResolveErr: "reason",
	},
	StateJustification: {
		inAnswer: "zone", inBad: "zone", inDefault: "zone", inDefaults: "confirm", inCorrection: "justification",
		inChange: "start", inOneShot: "resolving R", inBack: "reason", inHelp: "justification", inCancel: "idle E",
		inRestart: "target", inCommand: "justification C", inForm: "resolving R", inFormBad: "justification",
		inResolved: "justification", inResolveErr: "justification",
	},
	StateZone: {
		inAnswer: "start", inBad: "zone", inDefault: "start", inDefaults: "confirm", inCorrection: "zone",
		inChange: "start", inOneShot: "resolving R", inBack: "justification", inHelp: "zone", inCancel: "idle E",
		inRestart: "target", inCommand: "zone C", inForm: "resolving R", inFormBad: "zone", inResolved: "zone",
		inResolveErr: "zone",
	},
	StateStart: {
		inAnswer: "lifetime", inBad: "start", inDefault: "lifetime", inDefaults: "confirm", inCorrection: "start",
		inChange: "start", inOneShot: "resolving R", inBack: "zone", inHelp: "start", inCancel: "idle E",
		inRestart: "target", inCommand: "start C", inForm: "resolving R", inFormBad: "start", inResolved: "start",
		inResolveErr: "start",
	},
	StateLifetime: {
		inAnswer: "one_time", inBad: "lifetime", inDefault: "one_time", inDefaults: "confirm",
		inCorrection: "one_time", inChange: "start", inOneShot: "resolving R", inBack: "start", inHelp: "lifetime",
		inCancel: "idle E", inRestart: "target", inCommand: "lifetime C", inForm: "resolving R",
		inFormBad: "lifetime", inResolved: "lifetime", inResolveErr: "lifetime",
	},
	StateOneTime: {
		inAnswer: "confirm", inBad: "one_time", inDefault: "confirm", inDefaults: "confirm",
		inCorrection: "one_time", inChange: "start", inOneShot: "resolving R", inBack: "lifetime",
		inHelp: "one_time", inCancel: "idle E", inRestart: "target", inCommand: "one_time C",
		inForm: "resolving R", inFormBad: "one_time", inResolved: "one_time", inResolveErr: "one_time",
	},
	StateClarify: {
		inAnswer: "resolving R", inBad: "clarify_zone", inDefault: "clarify_zone", inDefaults: "clarify_zone",
		inCorrection: "target", inChange: "start", inOneShot: "resolving R", inBack: "start",
		inHelp: "clarify_zone", inCancel: "idle E", inRestart: "target", inCommand: "clarify_zone C",
		inForm: "resolving R", inFormBad: "clarify_zone", inResolved: "clarify_zone", inResolveErr: "clarify_zone",
	},
	StateConfirm: {
		inAnswer: "confirm ES", inBad: "confirm", inDefault: "confirm", inDefaults: "confirm",
		inCorrection: "confirm", inChange: "start", inOneShot: "resolving R", inBack: "one_time",
		inHelp: "confirm", inCancel: "idle E", inRestart: "target", inCommand: "confirm C", inForm: "resolving R",
		inFormBad: "confirm", inResolved: "confirm", inResolveErr: "confirm",
	},
}

func TestMachineTable(t *testing.T) {
	gen := map[State]map[inputKind]string{}
	for _, st := range States {
		gen[st] = map[inputKind]string{}
		for _, k := range inputKinds {
			s := sessionIn(st)
			out := s.Step(testCfg, input(st, k))
			got := outcome(s, out)
			gen[st][k] = got
			for _, m := range out.Replies {
				if m.Text == text.DialogInternal {
					t.Errorf("%s × %s: internal error", st, k)
				}
			}
			if len(out.Replies) == 0 && out.Resolve == "" && out.Command == nil && out.Submit == nil &&
				!(k == inResolved || k == inResolveErr) {
				t.Errorf("%s × %s: silent", st, k)
			}
			want, ok := machineTable[st][k]
			if !ok {
				t.Errorf("%s × %s: no row in machineTable (got %q)", st, k, got)
				continue
			}
			if got != want {
				t.Errorf("%s × %s = %q, want %q", st, k, got, want)
			}
		}
	}
	if t.Failed() {
		for _, st := range States {
			t.Logf("State%s: {", st)
			for _, k := range inputKinds {
				t.Logf("\t%s: %q,", k, gen[st][k])
			}
			t.Log("},")
		}
	}
}
