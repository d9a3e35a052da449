package dialog

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"sarah.johnson@contoso.com", "<mailto:a@b.co|a@b.co>", "a\u200b@b.com",
		"\uff53@contoso.com", "x@y", strings.Repeat("a", 64) + "@b.com", "@", "a@b@c.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTarget(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty refusal")
			}
			return
		}
		if len(got) > maxUPN || strings.Count(got, "@") != 1 {
			t.Fatalf("ParseTarget(%q) = %q: bad shape", s, got)
		}
		for _, r := range got {
			if r < 0x21 || r > 0x7e || hiddenRune(r) {
				t.Fatalf("ParseTarget(%q) = %q contains %U", s, got, r)
			}
		}
		if again, err := ParseTarget(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q, %v", got, again, err)
		}
	})
}

func FuzzParseStart(f *testing.F) {
	for _, s := range []string{"now", "Monday 7am Pacific", "next friday 9:30 pm", "Dec 3", "3rd of December 2026",
		"2026-12-03T07:00:00-08:00", "in 2 hours", "tomorrow at 7 UK", "CST", "25:99", "in 999999 days"} {
		f.Add(s, int64(0))
	}
	f.Fuzz(func(t *testing.T, s string, shift int64) {
		now := testNow.Add(time.Duration(shift%(400*24)) * time.Hour)
		got, err := ParseStart(s, StartOptions{Now: now, Zone: "America/New_York", DayStart: 8, Lead: time.Hour})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty refusal")
			}
			return
		}
		if got.Now != got.At.IsZero() {
			t.Fatalf("ParseStart(%q) = %+v: Now and At disagree", s, got)
		}
		if !got.Now && got.At.Location() != time.UTC {
			t.Fatalf("ParseStart(%q) not UTC: %v", s, got.At)
		}
		if got.Zone != "" {
			if _, err := time.LoadLocation(got.Zone); err != nil {
				t.Fatalf("zone %q does not load", got.Zone)
			}
		}
	})
}

func FuzzParseLifetime(f *testing.F) {
	for _, s := range []string{"8h", "90 minutes", "1.5h", "1h30", "2 days", "480", "an hour and a half", "999999 weeks"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseLifetime(s)
		if err != nil {
			return
		}
		if d <= 0 || d%time.Minute != 0 || d > maxDuration {
			t.Fatalf("ParseLifetime(%q) = %v", s, d)
		}
		if FormatDuration(d) == "" {
			t.Fatal("empty words")
		}
	})
}

func FuzzParseZone(f *testing.F) {
	for _, s := range []string{"America/Los_Angeles", "pacific", "IST", "my time", "../../etc/passwd", "Etc/GMT+5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		z, err := ParseZone(s, "Europe/London")
		if err != nil {
			return
		}
		if _, err := time.LoadLocation(z); err != nil || z == "" || z == "Local" {
			t.Fatalf("ParseZone(%q) = %q which does not load", s, z)
		}
	})
}

func FuzzParseYesNo(f *testing.F) {
	for _, s := range []string{"yes", "no", "Y", "nope", "\U0001f44d", "yes no"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseYesNo(s)
		if err == nil {
			if again, err := ParseYesNo(strings.ToUpper(s)); err != nil || again != b {
				t.Fatalf("ParseYesNo(%q) = %t but upper case gives %t, %v", s, b, again, err)
			}
		}
	})
}

func FuzzParseOneTime(f *testing.F) {
	for _, s := range []string{"one-time", "multi use", "not one-time", "once", "reusable", "1 time use"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once, err := ParseOneTime(s)
		if err == nil && strings.HasPrefix(strings.ToLower(strings.TrimSpace(s)), "not ") && once {
			t.Fatalf("ParseOneTime(%q) = one-time", s)
		}
	})
}

func FuzzParseReason(f *testing.F) {
	for _, s := range []string{"onboarding", "lost phone", "onbaording", "device enrollment", "guest_project", "fun"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if r, err := ParseReason(s); err == nil && !r.Valid() {
			t.Fatalf("ParseReason(%q) = %q", s, r)
		}
	})
}

func FuzzCleanJustification(f *testing.F) {
	for _, s := range []string{"starts Monday", "a\x00b\x1bc", "\u202eevil", strings.Repeat("x", 600)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := CleanJustification(s)
		if err != nil {
			return
		}
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > MaxJustification {
			t.Fatalf("bad result %q", got)
		}
		for _, r := range got {
			if unicode.IsControl(r) || hiddenRune(r) || r == '\uE000' || r == '\uE001' {
				t.Fatalf("CleanJustification(%q) kept %U", s, r)
			}
		}
		if again, err := CleanJustification(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q", got, again)
		}
	})
}

// FuzzStep feeds arbitrary text to a session in every state: it never
// panics, never goes silent, never reports an internal error and always
// round-trips through JSON.
func FuzzStep(f *testing.F) {
	for _, s := range []string{"request", "TAP for a@b.com Monday 7am CST", "back", "cancel", "change the start",
		"yes", "actually 4 hours", "defaults", "x@y.com", "help"} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, said string, st uint8) {
		s := sessionIn(States[int(st)%len(States)])
		out := s.Step(testCfg, Input{Now: testNow, Zone: "America/New_York", Text: said})
		if len(out.Replies) == 0 && out.Resolve == "" && out.Command == nil && out.Submit == nil {
			t.Fatalf("silent answer to %q in %s", said, States[int(st)%len(States)])
		}
		for _, m := range out.Replies {
			if strings.Contains(m.Text, text.DialogInternal) {
				t.Fatalf("internal error for %q", said)
			}
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back Session
		if err := json.Unmarshal(b, &back); err != nil || !validState(back.State) {
			t.Fatalf("round trip: %v %q", err, back.State)
		}
	})
}

// sessionIn returns a session positioned in st with the slots such a
// session would have: every slot asked before st is filled, and the
// previous question is in History.
func sessionIn(st State) *Session {
	s := New()
	if st == StateIdle {
		return s
	}
	u := tap.User{ID: "u1", UPN: "sarah.johnson@contoso.com", DisplayName: "Sarah Johnson"}
	once, just := false, ""
	upto := len(slotOrder)
	switch st {
	case StateResolving:
		s.PendingTarget, upto = "sarah.johnson@contoso.com", 0
	case StateClarify:
		s.Pending, upto = "sarah.johnson@contoso.com Monday 7am CST", 0
		s.History = []State{StateStart}
	case StateConfirm:
		s.History = []State{StateOneTime}
	default:
		sl, _ := slotOf(st)
		for i, x := range slotOrder {
			if x == sl {
				upto = i
			}
		}
		if upto > 0 {
			s.History = []State{askState[slotOrder[upto-1]]}
		}
	}
	for _, sl := range slotOrder[:upto] {
		switch sl {
		case slotTarget:
			s.Target = &u
		case slotReason:
			s.Reason = tap.ReasonOnboarding
		case slotJustification:
			s.Justification = &just
		case slotZone:
			s.HireZone = "America/New_York"
		case slotStart:
			s.HasStart, s.Start, s.StartWall = true, utc(11, 30, 12, 0), true
		case slotLifetime:
			s.Lifetime = 8 * time.Hour
		case slotOneTime:
			s.OneTime = &once
		}
	}
	s.State = st
	return s
}
