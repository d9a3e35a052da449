package policy

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tapbot/tapbot/internal/tap"
)

func TestDefaultNeedsOnlyApproverGroups(t *testing.T) {
	c := Default()
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "approver_groups") {
		t.Fatalf("Default().Validate() = %v, want the missing approver_groups", err)
	}
	c.ApproverGroups = []string{"0b1c2d3e-0000-4000-8000-000000000001"}
	if err := c.Validate(); err != nil {
		t.Fatalf("Default with approver groups: %v", err)
	}
	if c.MaxAhead.D() != 30*24*time.Hour || c.Quotas != (Quotas{5, 20}) || !c.Requesters.Manager {
		t.Fatalf("defaults changed: %+v", c)
	}
	want := map[tap.Reason]ReasonPolicy{
		tap.ReasonOnboarding:       {Lifetime: Duration(8 * time.Hour), MaxLifetime: Duration(24 * time.Hour), StartLead: Duration(time.Hour)},
		tap.ReasonRecovery:         {Lifetime: Duration(2 * time.Hour), MaxLifetime: Duration(2 * time.Hour), OneTime: true},
		tap.ReasonContractor:       {Lifetime: Duration(8 * time.Hour), MaxLifetime: Duration(48 * time.Hour)},
		tap.ReasonDeviceEnrollment: {Lifetime: Duration(2 * time.Hour), MaxLifetime: Duration(8 * time.Hour), OneTime: true},
		tap.ReasonDemo:             {Lifetime: Duration(time.Hour), MaxLifetime: Duration(8 * time.Hour)},
		tap.ReasonGuestProject:     {Lifetime: Duration(8 * time.Hour), MaxLifetime: Duration(48 * time.Hour)},
	}
	for _, r := range tap.Reasons {
		if got := c.Reason(r); got != want[r] {
			t.Errorf("Reason(%s) = %+v, want %+v", r, got, want[r])
		}
	}
}

func TestLoadYAML(t *testing.T) {
	const doc = `
approver_groups: [g-approvers]
reason_approver_groups:
  recovery: [g-recovery]
two_approvers:
  reasons: [recovery, contractor]
  target_groups: [g-execs]
requesters:
  groups: [g-helpdesk]
reasons:
  recovery:
    lifetime: 1h
  contractor:
    lifetime: 12h
    max_lifetime: 2d
max_ahead: 14d
quotas:
  open_per_requester: 3
`
	var c Config
	if err := yaml.Unmarshal([]byte(doc), &c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"manager kept its default", c.Requesters.Manager, true},
		{"requester groups", c.Requesters.Groups, []string{"g-helpdesk"}},
		{"recovery lifetime", c.Reason(tap.ReasonRecovery).Lifetime.D(), time.Hour},
		{"recovery max kept", c.Reason(tap.ReasonRecovery).MaxLifetime.D(), 2 * time.Hour},
		{"recovery one-time kept", c.Reason(tap.ReasonRecovery).OneTime, true},
		{"contractor max in days", c.Reason(tap.ReasonContractor).MaxLifetime.D(), 48 * time.Hour},
		{"onboarding untouched", c.Reason(tap.ReasonOnboarding).StartLead.D(), time.Hour},
		{"max_ahead", c.MaxAhead.D(), 14 * 24 * time.Hour},
		{"max_lifetime default", c.MaxLifetime.D(), 48 * time.Hour},
		{"open quota", c.Quotas.OpenPerRequester, 3},
		{"daily quota default", c.Quotas.PerRequesterPerDay, 20},
		{"recovery approvers", c.ApproverGroupsFor(tap.ReasonRecovery), []string{"g-recovery"}},
		{"onboarding approvers", c.ApproverGroupsFor(tap.ReasonOnboarding), []string{"g-approvers"}},
		{"all approver groups", c.allApproverGroups(), []string{"g-approvers", "g-recovery"}},
	}
	for _, ch := range checks {
		if !equal(ch.got, ch.want) {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func equal(a, b any) bool {
	as, aok := a.([]string)
	bs, bok := b.([]string)
	if aok && bok {
		return strings.Join(as, ",") == strings.Join(bs, ",")
	}
	return a == b
}

func TestLoadYAMLErrors(t *testing.T) {
	for _, c := range []struct{ name, doc, want string }{
		{"bad duration", "max_lifetime: eight hours", `duration "eight hours"`},
		{"bare number", "max_ahead: 60", `duration "60"`},
		{"reasons not a mapping", "reasons: [onboarding]", "cannot unmarshal !!seq"},
		{"misspelt top-level key", "two_approver:\n  reasons: [recovery]", `line 1: unknown key "two_approver" in policy`},
		{"misspelt nested key", "quotas:\n  open_per_requestor: 2", `line 2: unknown key "open_per_requestor" in policy.quotas`},
		{"misspelt reason setting", "reasons:\n  recovery:\n    max_lifetme: 1h", `line 3: unknown key "max_lifetme" in policy.reasons.recovery`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var cfg Config
			err := yaml.Unmarshal([]byte(c.doc), &cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// TestValidateReportsEverything: one run lists every problem.
func TestValidateReportsEverything(t *testing.T) {
	c := Config{
		ApproverGroups:       []string{"g1", "g1", " "},
		ReasonApproverGroups: map[tap.Reason][]string{"party": {"g2"}, tap.ReasonDemo: nil},
		TwoApprovers:         TwoApprovers{Reasons: []tap.Reason{"whim"}},
		Requesters:           Requesters{Manager: false},
		Reasons: map[tap.Reason]ReasonPolicy{
			tap.ReasonRecovery: {Lifetime: Duration(3 * time.Hour), MaxLifetime: Duration(2 * time.Hour), StartLead: Duration(25 * time.Hour)},
			tap.ReasonDemo:     {Lifetime: Duration(5 * time.Minute), MaxLifetime: Duration(time.Hour)},
			"party":            {Lifetime: Duration(time.Hour), MaxLifetime: Duration(time.Hour)},
		},
		MaxLifetime: Duration(31 * 24 * time.Hour),
	}
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate() = nil")
	}
	want := []string{
		`approver_groups[1]: "g1" is listed twice`,
		`approver_groups[2]: empty group id`,
		`reason_approver_groups: unknown reason "party"`,
		`reason_approver_groups.demo: empty`,
		`two_approvers.reasons: unknown reason "whim"`,
		`requesters: manager is false and no groups are named`,
		`max_lifetime: 744h0m0s is above Graph's maximum`,
		`max_ahead: must be positive`,
		`quotas.open_per_requester: must be at least 1`,
		`quotas.per_requester_per_day: must be at least 1`,
		`reasons.party: unknown reason`,
		`reasons.demo.lifetime: 5m0s is outside Graph's range`,
		`reasons.recovery: lifetime 3h0m0s is longer than max_lifetime 2h0m0s`,
		`reasons.recovery.start_lead: 25h0m0s must be between 0 and 24h`,
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("Validate() lacks %q in:\n%s", w, msg)
		}
	}
}

func TestDurationText(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
	}{
		{"8h", 8 * time.Hour}, {"90m", 90 * time.Minute}, {"30d", 720 * time.Hour}, {" 1h30m ", 90 * time.Minute},
	} {
		var d Duration
		if err := d.UnmarshalText([]byte(c.in)); err != nil || d.D() != c.want {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", c.in, d, err, c.want)
		}
	}
	for _, bad := range []string{"", "x", "-2d", "1.5d"} {
		var d Duration
		if err := d.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("UnmarshalText(%q) accepted", bad)
		}
	}
	if b, _ := Duration(90 * time.Minute).MarshalText(); string(b) != "1h30m0s" {
		t.Errorf("MarshalText = %s", b)
	}
}
