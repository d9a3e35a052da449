package diagnose_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/diagnose"
	"github.com/tapbot/tapbot/internal/tap"
)

var now = time.Date(2026, 12, 7, 6, 50, 0, 0, time.UTC)

func facts(mut func(*diagnose.Facts)) diagnose.Facts {
	f := diagnose.Facts{
		User:   tap.User{ID: "u1", UPN: "sarah@contoso.com", DisplayName: "Sarah Johnson", Enabled: true},
		Policy: tap.TenantPolicy{Enabled: true, IncludeGroups: []string{"g-new"}, ExcludeGroups: []string{"g-admins"}},
		Groups: []string{"g-new"},
		Passes: []tap.Pass{{MethodID: "m1", Start: now.Add(-time.Hour), Lifetime: 8 * time.Hour, Usable: true, UsabilityReason: "EnabledByPolicy"}},
	}
	if mut != nil {
		mut(&f)
	}
	return f
}

func TestEvaluateCauses(t *testing.T) {
	cases := []struct {
		name   string
		mut    func(*diagnose.Facts)
		cause  diagnose.Cause
		tell   bool
		answer string
	}{
		{"usable: typing", nil, diagnose.CauseUsable, false, "case-sensitive and include the symbols"},
		{"account disabled", func(f *diagnose.Facts) { f.User.Enabled = false }, diagnose.CauseAccountDisabled, true, "account is disabled"},
		{"policy off", func(f *diagnose.Facts) { f.Policy.Enabled = false }, diagnose.CausePolicyOff, true, "switched off"},
		{"outside targets", func(f *diagnose.Facts) { f.Groups = nil }, diagnose.CauseNotInPolicy, true, "not yet allowed"},
		{"excluded", func(f *diagnose.Facts) { f.Groups = []string{"g-new", "g-admins"} }, diagnose.CauseNotInPolicy, true, "not yet allowed"},
		{"all users", func(f *diagnose.Facts) { f.Groups, f.Policy.IncludeAll = nil, true }, diagnose.CauseUsable, false, "type it exactly"},
		{"no pass", func(f *diagnose.Facts) { f.Passes = nil }, diagnose.CauseNoPass, true, "no pass"},
		{"not yet valid", func(f *diagnose.Facts) {
			f.Passes[0] = tap.Pass{Start: now.Add(2*time.Hour + 10*time.Minute), Lifetime: time.Hour, UsabilityReason: "NotYetValid"}
		}, diagnose.CauseNotYetValid, false, "starts working at 09:00 your time (in 2 h 10 min)"},
		{"expired", func(f *diagnose.Facts) { f.Passes[0].Usable, f.Passes[0].UsabilityReason = false, "Expired" }, diagnose.CauseExpired, true, "has expired. Megan"},
		{"one time used", func(f *diagnose.Facts) {
			f.Passes[0].Usable, f.Passes[0].UsabilityReason, f.Passes[0].OneTime = false, "OneTimeUsed", true
		}, diagnose.CauseOneTimeUsed, true, "one use and it has been used. Megan"},
		{"disabled by policy", func(f *diagnose.Facts) { f.Passes[0].Usable, f.Passes[0].UsabilityReason = false, "DisabledByPolicy" }, diagnose.CauseDisabledPolicy, true, "blocked"},
		{"no reason, past end", func(f *diagnose.Facts) { f.Passes[0].Usable, f.Passes[0].Start = false, now.Add(-9*time.Hour) }, diagnose.CauseExpired, true, "expired"},
		{"used but set up", func(f *diagnose.Facts) {
			f.Passes = nil
			f.Methods = []tap.Method{{Kind: tap.MethodPassword}, {Kind: tap.MethodWindowsHello}}
		}, diagnose.CauseNoPass, false, "you have already set up Windows Hello"},
	}
	for _, c := range cases {
		rep := diagnose.Evaluate(facts(c.mut), now)
		if rep.Cause != c.cause {
			t.Errorf("%s: cause %s, want %s", c.name, rep.Cause, c.cause)
		}
		if rep.NeedsRequester() != c.tell || (diagnose.RequesterNotice(rep, "Sarah") != "") != c.tell {
			t.Errorf("%s: requester told = %v, want %v", c.name, rep.NeedsRequester(), c.tell)
		}
		got := chat.Expand(diagnose.HireAnswer(rep, "Megan", now, time.UTC), func(s string) string { return s }, nil)
		if !strings.Contains(got, c.answer) {
			t.Errorf("%s: answer %q lacks %q", c.name, got, c.answer)
		}
	}
}

func TestChecklistMarks(t *testing.T) {
	rep := diagnose.Evaluate(facts(func(f *diagnose.Facts) { f.Groups = nil }), now)
	m := diagnose.Checklist(rep, now, time.UTC)
	want := map[string]bool{"✓ Account enabled": true, "✗ User in the Temporary Access Pass policy's targets": true, "✓ Pass usable now": true}
	for _, f := range m.Facts {
		delete(want, f.Label)
	}
	if len(want) != 0 {
		t.Errorf("checklist lacks %v: %+v", want, m.Facts)
	}
	if !strings.Contains(m.Text, "outside the Temporary Access Pass policy's target groups") {
		t.Errorf("cause: %q", m.Text)
	}
}
