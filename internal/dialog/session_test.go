package dialog

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// TestRestoredSessionContinues stops a conversation half-way, stores it
// as JSON (a restart), restores it and finishes it.
func TestRestoredSessionContinues(t *testing.T) {
	in := func(text string) Input { return Input{Now: testNow, Zone: "Europe/London", Text: text} }
	s := New()
	s.Step(testCfg, in("request"))
	out := s.Step(testCfg, in("sarah.johnson@contoso.com"))
	u, _ := fakeDirectory(out.Resolve)
	s.Step(testCfg, Input{Now: testNow, Zone: "Europe/London", Resolved: u})
	s.Step(testCfg, in("contractor"))
	s.Step(testCfg, in("skip"))
	s.Step(testCfg, in("UK"))
	out = s.Step(testCfg, in("Monday 9am"))
	if s.State != StateLifetime {
		t.Fatalf("state = %s before the restart", s.State)
	}
	stored, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored), "Secret") {
		t.Errorf("session JSON mentions a secret: %s", stored)
	}
	var restored Session
	if err := json.Unmarshal(stored, &restored); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&restored, s) {
		t.Fatalf("restored session differs:\n%+v\n%+v", restored, *s)
	}
	// The original and the restored session answer the next input alike.
	later := Input{Now: testNow.Add(20 * time.Minute), Zone: "Europe/London", Text: "2 days"}
	a, b := s.Step(testCfg, later), restored.Step(testCfg, later)
	if !reflect.DeepEqual(a, b) || restored.State != StateOneTime {
		t.Fatalf("restored session diverged: state %s\n%+v\n%+v", restored.State, a, b)
	}
	restored.Step(testCfg, Input{Now: testNow.Add(21 * time.Minute), Zone: "Europe/London", Text: "no"})
	out = restored.Step(testCfg, Input{Now: testNow.Add(22 * time.Minute), Zone: "Europe/London", Text: "confirm"})
	if out.Submit == nil || !out.Ended {
		t.Fatalf("no submit after restore: %+v", out)
	}
	want := Draft{Target: *u, Start: utc(11, 30, 9, 0), Lifetime: 48 * time.Hour, Reason: tap.ReasonContractor,
		RequesterZone: "Europe/London", HireZone: "Europe/London"}
	if !reflect.DeepEqual(*out.Submit, want) {
		t.Errorf("draft = %+v\nwant %+v", *out.Submit, want)
	}
}

// TestStepIsPure: the same session and input give the same output.
func TestStepIsPure(t *testing.T) {
	for _, st := range States {
		for _, k := range inputKinds {
			a, b := sessionIn(st), sessionIn(st)
			oa, ob := a.Step(testCfg, input(st, k)), b.Step(testCfg, input(st, k))
			if !reflect.DeepEqual(oa, ob) || !reflect.DeepEqual(a, b) {
				t.Errorf("%s × %s not deterministic", st, k)
			}
		}
	}
}

// TestUserTextIsEscaped: user text echoed in a reply is always inside
// chat.Esc marks, so no adapter renders it as markup or a mention.
func TestUserTextIsEscaped(t *testing.T) {
	const evil = "<!channel> *boom* <https://evil.example|click>"
	for _, st := range States {
		for _, text := range []string{evil, "TAP for x@y.com " + evil, evil + "@contoso.com"} {
			s := sessionIn(st)
			out := s.Step(testCfg, Input{Now: testNow, Zone: "UTC", Text: text})
			for _, m := range out.Replies {
				for _, frag := range []string{"<!channel>", "<https://evil"} {
					if strings.Contains(m.Text, frag) && !insideEsc(m.Text, frag) {
						t.Errorf("%s: %q echoed unescaped in %q", st, frag, m.Text)
					}
				}
			}
		}
	}
}

// insideEsc reports whether every occurrence of frag in s lies between
// chat.Esc marks.
func insideEsc(s, frag string) bool {
	marked := chat.Expand(s, func(x string) string { return strings.ReplaceAll(x, frag, "") }, nil)
	return !strings.Contains(marked, frag)
}

// TestFormErrorsReadLikeConversation: a field error from the form is the
// same sentence the conversation says for the same value.
func TestFormErrorsReadLikeConversation(t *testing.T) {
	for _, tc := range []struct {
		field, value string
		state        State
	}{
		{FieldLifetime, "40 days", StateLifetime},
		{FieldLifetime, "forever", StateLifetime},
		{FieldZone, "CST", StateZone},
		{FieldZone, "Mars", StateZone},
		{FieldOneTime, "maybe", StateOneTime},
		{FieldReason, "fun", StateReason},
	} {
		fields := map[string]string{FieldTarget: "raj.patel@contoso.com", tc.field: tc.value}
		s := New()
		out := s.Step(testCfg, Input{Now: testNow, Zone: "UTC", Fields: fields})
		if len(out.Replies) != 1 || out.Replies[0].Form == nil {
			t.Fatalf("%s=%q: no form back: %+v", tc.field, tc.value, out)
		}
		var formErr string
		for _, f := range out.Replies[0].Form.Fields {
			if f.ID == tc.field {
				formErr = f.Error
			} else if f.Error != "" {
				t.Errorf("%s=%q: unexpected error on %s: %s", tc.field, tc.value, f.ID, f.Error)
			}
		}
		conv := sessionIn(tc.state)
		out = conv.Step(testCfg, Input{Now: testNow, Zone: "UTC", Text: tc.value})
		if formErr == "" || len(out.Replies) == 0 || out.Replies[0].Text != formErr {
			t.Errorf("%s=%q: form says %q, conversation says %q", tc.field, tc.value, formErr, texts(out))
		}
	}
}

// TestFormMatchesConversation: a valid form fills the same slots as the
// same values typed.
func TestFormMatchesConversation(t *testing.T) {
	s := New()
	out := s.Step(testCfg, Input{Now: testNow, Zone: "America/New_York", Fields: map[string]string{
		FieldTarget: " Raj.Patel@contoso.com ", FieldReason: "recovery", FieldZone: "Pacific",
		FieldStart: "2026-11-30T07:00", FieldLifetime: "1h30", FieldOneTime: "yes", FieldJustification: "lost phone"}})
	if out.Resolve != "Raj.Patel@contoso.com" || s.State != StateResolving {
		t.Fatalf("form did not ask for the lookup: %+v", out)
	}
	out = s.Step(testCfg, Input{Now: testNow, Zone: "America/New_York", Resolved: &tap.User{ID: "u", UPN: "raj.patel@contoso.com"}})
	if s.State != StateConfirm {
		t.Fatalf("state = %s, want confirm: %v", s.State, texts(out))
	}
	if !s.Start.Equal(utc(11, 30, 15, 0)) || s.Lifetime != 90*time.Minute || !*s.OneTime ||
		s.Reason != tap.ReasonRecovery || s.HireZone != "America/Los_Angeles" || *s.Justification != "lost phone" {
		t.Errorf("slots = %+v", s)
	}
}

func TestRequestForm(t *testing.T) {
	f := RequestForm(Config{}, map[string]string{FieldTarget: "a@b.com"})
	if f.ID != chat.FormRequest || len(f.Fields) != len(formFields) {
		t.Fatalf("form = %+v", f)
	}
	for i, id := range formFields {
		if f.Fields[i].ID != id {
			t.Errorf("field %d = %s, want %s", i, f.Fields[i].ID, id)
		}
	}
	if f.Fields[0].Value != "a@b.com" {
		t.Errorf("prefill ignored: %+v", f.Fields[0])
	}
}

// TestMachineEventsDeclared: every state is reachable in the table and
// every event's sources are known states.
func TestMachineEventsDeclared(t *testing.T) {
	dst := map[string]bool{}
	for _, e := range machineEvents {
		dst[e.Dst] = true
		for _, src := range e.Src {
			if !validState(State(src)) {
				t.Errorf("event %s from unknown state %s", e.Name, src)
			}
		}
	}
	for _, st := range States {
		if !dst[string(st)] && st != StateIdle {
			t.Errorf("state %s is never entered", st)
		}
	}
	for _, st := range States {
		s := &Session{State: st}
		if err := s.fire(evSubmit); (err == nil) != (st == StateConfirm) {
			t.Errorf("submit from %s: %v", st, err)
		}
	}
}

// TestCorruptSessionStartsOver: an unknown stored state is reset, not trusted.
func TestCorruptSessionStartsOver(t *testing.T) {
	var s Session
	if err := json.Unmarshal([]byte(`{"v":1,"state":"hacked","pending_target":"x@y.com"}`), &s); err != nil {
		t.Fatal(err)
	}
	out := s.Step(testCfg, Input{Now: testNow, Text: "status"})
	if s.State != StateIdle || out.Command == nil || out.Command.Name != "status" {
		t.Errorf("state %s, out %+v", s.State, out)
	}
}

func TestHireDay(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	la, _ := time.LoadLocation("America/Los_Angeles")
	for _, tc := range []struct {
		at   time.Time
		loc  *time.Location
		want int
	}{
		{utc(12, 7, 0, 0), la, 7},                                        // midnight UTC: the UTC date
		{time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC), berlin, 7},       // Berlin midnight
		{time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC), la, 7},            // Pacific midnight
		{time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC).In(la), berlin, 7}, // any location on the value
	} {
		if _, _, d := hireDay(tc.at, tc.loc); d != tc.want {
			t.Errorf("hireDay(%v, %s) = %d, want %d", tc.at, tc.loc, d, tc.want)
		}
	}
}

func TestDefaultStart(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reason tap.Reason
		hire   time.Time
		now    time.Time
		want   time.Time // zero: now
	}{
		{"onboarding uses the hire date", tap.ReasonOnboarding, utc(12, 7, 0, 0), testNow, utc(12, 7, 12, 0)},
		{"onboarding without a hire date: next working day", tap.ReasonOnboarding, time.Time{}, testNow, utc(11, 30, 12, 0)},
		{"onboarding before today's start", tap.ReasonOnboarding, time.Time{}, utc(11, 26, 10, 0), utc(11, 26, 12, 0)},
		{"hire date today: at once", tap.ReasonOnboarding, utc(11, 27, 0, 0), testNow, time.Time{}},
		{"recovery: at once", tap.ReasonRecovery, utc(12, 7, 0, 0), testNow, time.Time{}},
	} {
		s := sessionIn(StateStart)
		s.Reason, s.Target.HireDate = tc.reason, tc.hire
		tn := &turn{s: s, cfg: testCfg.withDefaults(), in: Input{Now: tc.now}, mine: "America/New_York"}
		at, now := tn.defaultStart()
		if now != tc.want.IsZero() || !at.Equal(tc.want) {
			t.Errorf("%s: default start = %v now=%t, want %v", tc.name, at, now, tc.want)
		}
	}
}

func TestKeepCurrentValue(t *testing.T) {
	s := sessionIn(StateConfirm)
	s.Step(testCfg, Input{Now: testNow, Zone: "UTC", Text: "change person"})
	out := s.Step(testCfg, Input{Now: testNow, Zone: "UTC", Text: "keep"})
	if s.State != StateConfirm || s.Target == nil || out.Resolve != "" {
		t.Errorf("keep: state %s, replies %v", s.State, texts(out))
	}
}

func BenchmarkStepOneShot(b *testing.B) {
	u := &tap.User{ID: "u", UPN: "sarah.johnson@contoso.com"}
	for b.Loop() {
		s := New()
		s.Step(testCfg, Input{Now: testNow, Zone: "Europe/London",
			Text: "TAP for sarah.johnson@contoso.com Monday 7am Pacific, 8 hours, onboarding, multi-use because she starts in Finance"})
		s.Step(testCfg, Input{Now: testNow, Zone: "Europe/London", Resolved: u})
		out := s.Step(testCfg, Input{Now: testNow, Zone: "Europe/London", Text: "confirm"})
		if out.Submit == nil {
			b.Fatal("no submit")
		}
	}
}

func BenchmarkSessionJSON(b *testing.B) {
	s := sessionIn(StateConfirm)
	for b.Loop() {
		data, _ := json.Marshal(s)
		var back Session
		if err := json.Unmarshal(data, &back); err != nil {
			b.Fatal(err)
		}
	}
}

func TestSmallBehaviours(t *testing.T) {
	in := func(text string) Input { return Input{Now: testNow, Zone: "UTC", Text: text} }
	t.Run("two addresses are refused", func(t *testing.T) {
		s := New()
		out := s.Step(testCfg, in("TAP for a@contoso.com and b@contoso.com tomorrow 9am"))
		if out.Resolve != "" || s.State != StateTarget || !strings.Contains(texts(out)[0], "one person") {
			t.Errorf("state %s resolve %q replies %v", s.State, out.Resolve, texts(out))
		}
		if !s.HasStart {
			t.Error("the start given alongside was lost")
		}
	})
	t.Run("change with a value", func(t *testing.T) {
		s := sessionIn(StateConfirm)
		out := s.Step(testCfg, in("change the lifetime to 4 hours"))
		if s.State != StateConfirm || s.Lifetime != 4*time.Hour {
			t.Errorf("state %s lifetime %v replies %v", s.State, s.Lifetime, texts(out))
		}
	})
	t.Run("change with a bad value", func(t *testing.T) {
		s := sessionIn(StateConfirm)
		out := s.Step(testCfg, in("change the lifetime to 9 days"))
		if s.State != StateLifetime || s.Lifetime != 8*time.Hour || !strings.Contains(texts(out)[0], "from 1 hour to 3 days") {
			t.Errorf("state %s lifetime %v replies %v", s.State, s.Lifetime, texts(out))
		}
	})
	t.Run("empty text repeats the question", func(t *testing.T) {
		s := sessionIn(StateLifetime)
		out := s.Step(testCfg, in("  "))
		if s.State != StateLifetime || s.Lifetime != 0 || len(out.Replies) != 1 {
			t.Errorf("state %s lifetime %v replies %v", s.State, s.Lifetime, texts(out))
		}
	})
	t.Run("wrong person", func(t *testing.T) {
		s := sessionIn(StateReason)
		out := s.Step(testCfg, in("wrong person"))
		if s.State != StateTarget || len(out.Replies) != 1 || out.Replies[0].Note == "" {
			t.Errorf("state %s replies %+v", s.State, out.Replies)
		}
	})
	t.Run("thanks", func(t *testing.T) {
		out := New().Step(testCfg, in("thanks"))
		if !out.Ended || len(out.Replies) != 1 || out.Replies[0].Text != text.DialogWelcome {
			t.Errorf("out %+v", out)
		}
	})
	t.Run("commands keep the draft", func(t *testing.T) {
		s := sessionIn(StateLifetime)
		out := s.Step(testCfg, in("revoke sarah.johnson@contoso.com"))
		if out.Ended || out.Command == nil || out.Command.Name != "revoke" || out.Command.Arg != "sarah.johnson@contoso.com" || s.State != StateLifetime {
			t.Errorf("out %+v state %s", out, s.State)
		}
	})
	t.Run("stats with a period", func(t *testing.T) {
		s := sessionIn(StateLifetime)
		out := s.Step(testCfg, in("stats 7 days"))
		if out.Command == nil || out.Command.Name != "stats" || out.Command.Arg != "7 days" || s.State != StateLifetime || s.Lifetime != 0 {
			t.Errorf("out %+v state %s lifetime %v", out, s.State, s.Lifetime)
		}
	})
	t.Run("zone change moves a wall-clock start", func(t *testing.T) {
		s := sessionIn(StateConfirm) // Monday 07:00 New York
		s.Step(testCfg, in("change the time zone to Pacific"))
		if want := utc(11, 30, 15, 0); !s.Start.Equal(want) || s.HireZone != "America/Los_Angeles" {
			t.Errorf("start %v zone %s, want %v", s.Start, s.HireZone, want)
		}
	})
	t.Run("a lookup answer with no lookup pending", func(t *testing.T) {
		s := sessionIn(StateLifetime)
		out := s.Step(testCfg, Input{Now: testNow, Resolved: &tap.User{UPN: "x@y.com"}})
		if s.Target.UPN != "sarah.johnson@contoso.com" || s.State != StateLifetime || len(out.Replies) != 1 {
			t.Errorf("stale lookup changed the session: %+v", s)
		}
	})
}

// TestResubmitAfterRefusal: a session kept after approvals refused the
// draft is still at the summary; the requester changes the person and
// confirms again.
func TestResubmitAfterRefusal(t *testing.T) {
	s := sessionIn(StateConfirm)
	in := func(text string) Input { return Input{Now: testNow, Zone: "UTC", Text: text} }
	out := s.Step(testCfg, in("confirm"))
	if out.Submit == nil || s.State != StateConfirm {
		t.Fatalf("first confirm: %+v state %s", out, s.State)
	}
	out = s.Step(testCfg, in("change person to raj.patel@contoso.com"))
	if out.Resolve != "raj.patel@contoso.com" {
		t.Fatalf("change person: %+v", out)
	}
	s.Step(testCfg, Input{Now: testNow, Zone: "UTC", Resolved: &tap.User{ID: "u2", UPN: "raj.patel@contoso.com"}})
	out = s.Step(testCfg, in("confirm"))
	if out.Submit == nil || out.Submit.Target.UPN != "raj.patel@contoso.com" || out.Submit.Lifetime != 8*time.Hour {
		t.Fatalf("second confirm: %+v", out.Submit)
	}
}
