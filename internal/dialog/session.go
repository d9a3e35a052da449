package dialog

import (
	"context"
	"errors"
	"time"

	"github.com/looplab/fsm"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
)

// Input is one turn of the conversation.
type Input struct {
	Now  time.Time // injected clock
	Zone string    // requester's IANA zone; "" means UTC
	// Text is what the user typed, or a button's value (chat.ActionSay).
	Text string
	// Fields is a submitted request form (chat.FormRequest).
	Fields map[string]string
	// Resolved answers a previous Output.Resolve; ResolveErr says the
	// lookup failed (wraps tap.ErrUserNotFound etc.; may be *tap.Refusal).
	Resolved   *tap.User
	ResolveErr error
}

// Output is what the router must do after a Step.
type Output struct {
	// Replies are what to say, in order.
	Replies []chat.Message
	// Resolve, when set, is a UPN or e-mail the router looks up in Entra
	// before calling Step again with Input.Resolved or Input.ResolveErr.
	Resolve string
	// Submit is the confirmed request for approvals. Ended is set with it:
	// delete the session once approvals accepts the draft; if approvals
	// refuses it, keep (store) the session instead: it is still at the
	// summary, so the requester can change something and confirm again.
	Submit *Draft
	// Command is a command outside a request. The router runs it after
	// saying the Replies; "help" (also sent for input the dialog did not
	// understand) is the router's to say, as it knows the user's roles.
	// Inside a request the dialog answers help itself, for the question
	// being asked.
	Command *Command
	// Ended means the session is finished or cancelled: delete it.
	Ended bool
}

// Draft is a confirmed request.
type Draft struct {
	Target        tap.User
	Start         time.Time // UTC; zero means as soon as the pass is issued
	Lifetime      time.Duration
	OneTime       bool
	Reason        tap.Reason
	Justification string
	RequesterZone string
	HireZone      string
}

// Command is a command given outside a request.
type Command struct {
	Name string // "status", "revoke", "pending", "stats", "done", "help", "cancel"
	Arg  string
}

// State is where a Session is in the conversation.
type State string

// Dialog states: idle, one asking state per slot, resolving (waiting for
// the router's directory lookup), clarify_zone (an ambiguous zone was
// named) and confirm (the summary is shown).
const (
	StateIdle          State = "idle"
	StateTarget        State = "target"
	StateResolving     State = "resolving"
	StateReason        State = "reason"
	StateJustification State = "justification"
	StateZone          State = "zone"
	StateStart         State = "start"
	StateLifetime      State = "lifetime"
	StateOneTime       State = "one_time"
	StateClarify       State = "clarify_zone"
	StateConfirm       State = "confirm"
)

// States lists every dialog state.
var States = []State{StateIdle, StateTarget, StateResolving, StateReason, StateJustification,
	StateZone, StateStart, StateLifetime, StateOneTime, StateClarify, StateConfirm}

// askState is the state asking each slot.
var askState = map[slot]State{
	slotTarget: StateTarget, slotReason: StateReason, slotJustification: StateJustification,
	slotZone: StateZone, slotStart: StateStart, slotLifetime: StateLifetime, slotOneTime: StateOneTime,
}

// slotOf is the slot a state asks, if any.
func slotOf(s State) (slot, bool) {
	for k, v := range askState {
		if v == s {
			return k, true
		}
	}
	return "", false
}

// Dialog events.
const (
	evBegin     = "begin"
	evLookup    = "lookup"
	evClarify   = "clarify"
	evSummarise = "summarise"
	evSubmit    = "submit"
	evCancel    = "cancel"
	evRestart   = "restart"
	evAskPrefix = "ask_"
)

// machineEvents is the dialog's transition table.
var machineEvents = func() fsm.Events {
	active := []string{}
	for _, s := range States {
		if s != StateIdle {
			active = append(active, string(s))
		}
	}
	all := append([]string{string(StateIdle)}, active...)
	ev := fsm.Events{
		{Name: evBegin, Src: []string{string(StateIdle)}, Dst: string(StateTarget)},
		{Name: evLookup, Src: all, Dst: string(StateResolving)},
		{Name: evClarify, Src: all, Dst: string(StateClarify)},
		{Name: evSummarise, Src: active, Dst: string(StateConfirm)},
		// submit stays at the summary: the router deletes the session when
		// approvals accepts the draft and keeps it when approvals refuses,
		// so the requester can change something and confirm again.
		{Name: evSubmit, Src: []string{string(StateConfirm)}, Dst: string(StateConfirm)},
		{Name: evCancel, Src: active, Dst: string(StateIdle)},
		{Name: evRestart, Src: active, Dst: string(StateTarget)},
	}
	for _, sl := range slotOrder {
		ev = append(ev, fsm.EventDesc{Name: evAskPrefix + string(sl), Src: active, Dst: string(askState[sl])})
	}
	return ev
}()

// errInternal is a transition the table does not allow: a bug.
var errInternal = errors.New("dialog: transition not allowed")

// Session is one requester's conversation. It is plain data and
// round-trips through JSON; the router stores it between Steps.
type Session struct {
	V     int   `json:"v"`
	State State `json:"state"`
	// History is the asking states visited, for "back".
	History []State `json:"history,omitempty"`

	Target        *tap.User  `json:"target,omitempty"`
	PendingTarget string     `json:"pending_target,omitempty"`
	Reason        tap.Reason `json:"reason,omitempty"`
	Justification *string    `json:"justification,omitempty"`
	HireZone      string     `json:"hire_zone,omitempty"`
	HasStart      bool       `json:"has_start,omitempty"`
	StartNow      bool       `json:"start_now,omitempty"`
	Start         time.Time  `json:"start,omitempty"`
	// StartWall means Start was given as a wall-clock time in HireZone
	// (not "now", an offset or "in 2 hours"), so a zone change moves it.
	StartWall bool          `json:"start_wall,omitempty"`
	Lifetime  time.Duration `json:"lifetime,omitempty"`
	OneTime   *bool         `json:"one_time,omitempty"`
	// Next is a slot whose value was refused while a lookup was pending:
	// it is asked first once the lookup is answered.
	Next string `json:"next,omitempty"`
	// Pending is a message held while an ambiguous zone is clarified.
	Pending string `json:"pending,omitempty"`
	// Form holds submitted form values while the target is looked up.
	Form map[string]string `json:"form,omitempty"`
}

// New returns an idle session.
func New() *Session { return &Session{V: 1, State: StateIdle} }

// Step advances the conversation by one input. It is pure: no I/O, no
// clock reads; all time comes from in.Now.
func (s *Session) Step(cfg Config, in Input) Output {
	if !validState(s.State) {
		*s = *New()
	}
	if s.V == 0 {
		s.V = 1
	}
	t := &turn{s: s, cfg: cfg.withDefaults(), in: in, mine: zoneOrUTC(in.Zone)}
	if t.tooLong() {
		return t.out
	}
	before := s.rawValues()
	t.run()
	t.noteChanges(before)
	return t.out
}

func validState(st State) bool {
	for _, x := range States {
		if x == st {
			return true
		}
	}
	return false
}

// fire moves s along the transition table on a fresh machine built from
// the stored state (machines are never cached). Re-entering the same
// state is allowed.
func (s *Session) fire(event string) error {
	from := s.State
	m := fsm.NewFSM(string(s.State), machineEvents, fsm.Callbacks{
		"enter_state": func(_ context.Context, e *fsm.Event) {
			switch e.Event {
			case evCancel, evSubmit, evRestart, evBegin:
				s.History = nil
			}
		},
	})
	err := m.Event(context.Background(), event)
	var nt fsm.NoTransitionError
	if err != nil && !errors.As(err, &nt) {
		return errInternal
	}
	s.State = State(m.Current())
	if _, ok := slotOf(from); ok && from != s.State && event != evCancel && event != evRestart && event != evSubmit {
		if n := len(s.History); n == 0 || s.History[n-1] != from {
			s.History = append(s.History, from)
		}
		if len(s.History) > 16 {
			s.History = s.History[len(s.History)-16:]
		}
	}
	return nil
}

// reset clears every slot.
func (s *Session) reset() {
	*s = Session{V: 1, State: s.State, History: s.History}
}

// filled reports whether sl has a value.
func (s *Session) filled(sl slot) bool {
	switch sl {
	case slotTarget:
		return s.Target != nil
	case slotReason:
		return s.Reason != ""
	case slotJustification:
		return s.Justification != nil
	case slotZone:
		return s.HireZone != ""
	case slotStart:
		return s.HasStart
	case slotLifetime:
		return s.Lifetime > 0
	case slotOneTime:
		return s.OneTime != nil
	}
	return false
}

// missing returns the first unfilled slot, or "" when all are filled.
func (s *Session) missing() slot {
	for _, sl := range slotOrder {
		if !s.filled(sl) {
			return sl
		}
	}
	return ""
}

// draft builds the request from a complete session.
func (s *Session) draft(mine string) *Draft {
	d := &Draft{Target: *s.Target, Lifetime: s.Lifetime, OneTime: *s.OneTime, Reason: s.Reason,
		Justification: *s.Justification, RequesterZone: mine, HireZone: s.HireZone}
	if !s.StartNow {
		d.Start = s.Start.UTC()
	}
	return d
}
