package dialog

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/")

// testNow is Friday 27 Nov 2026 13:25 UTC.
var testNow = time.Date(2026, 11, 27, 13, 25, 0, 0, time.UTC)

// testCfg is a tenant allowing 1 hour to 3 days.
var testCfg = Config{MinLifetime: time.Hour, MaxLifetime: 72 * time.Hour}

// fakeDirectory plays the router's Entra lookup.
func fakeDirectory(upn string) (*tap.User, error) {
	switch strings.ToLower(upn) {
	case "sarah.johnson@contoso.com":
		return &tap.User{ID: "u-sarah", UPN: "sarah.johnson@contoso.com", DisplayName: "Sarah Johnson",
			Department: "Finance", HireDate: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), Enabled: true, UserType: "Member"}, nil
	case "sarah.jones@contoso.com":
		return &tap.User{ID: "u-sjones", UPN: "sarah.jones@contoso.com", DisplayName: "Sarah Jones",
			Department: "Sales", Enabled: true, UserType: "Member"}, nil
	case "raj.patel@contoso.com":
		return &tap.User{ID: "u-raj", UPN: "raj.patel@contoso.com", DisplayName: "Raj Patel", Enabled: true}, nil
	case "partner@fabrikam.com":
		return nil, tap.Refuse(tap.ErrGuest, "partner@fabrikam.com is an external guest; guests cannot hold a pass.")
	case "slow@contoso.com":
		return nil, fmt.Errorf("get user: %w", tap.ErrUnavailable)
	}
	return nil, fmt.Errorf("user %s: %w", upn, tap.ErrUserNotFound)
}

// conversation runs a script through a session the way the router does:
// the session is stored as JSON between every step (so each step also
// proves a restored session continues), lookups are answered by
// fakeDirectory. Lines: plain text is typed; "@form k=v|k=v" submits the
// form; "@wait 30m" moves the clock; "@zone X" sets the requester zone.
func conversation(t *testing.T, cfg Config, zone string, script []string) (string, []Output) {
	t.Helper()
	now := testNow
	stored, _ := json.Marshal(New())
	var b strings.Builder
	var outs []Output
	step := func(in Input) Output {
		var s Session
		if err := json.Unmarshal(stored, &s); err != nil {
			t.Fatalf("restore session: %v", err)
		}
		out := s.Step(cfg, in)
		var err error
		if stored, err = json.Marshal(&s); err != nil {
			t.Fatalf("store session: %v", err)
		}
		if out.Ended {
			stored, _ = json.Marshal(New())
		}
		outs = append(outs, out)
		render(&b, out)
		return out
	}
	for _, line := range script {
		switch {
		case strings.HasPrefix(line, "@wait "):
			d, err := time.ParseDuration(strings.TrimPrefix(line, "@wait "))
			if err != nil {
				t.Fatal(err)
			}
			now = now.Add(d)
			fmt.Fprintf(&b, "(%s later)\n", d)
			continue
		case strings.HasPrefix(line, "@zone "):
			zone = strings.TrimPrefix(line, "@zone ")
			continue
		}
		in := Input{Now: now, Zone: zone}
		if f, ok := strings.CutPrefix(line, "@form "); ok {
			in.Fields = map[string]string{}
			for _, kv := range strings.Split(f, "|") {
				k, v, _ := strings.Cut(kv, "=")
				in.Fields[k] = v
			}
			fmt.Fprintf(&b, "user submits the form: %s\n", f)
		} else {
			in.Text = line
			fmt.Fprintf(&b, "user: %s\n", line)
		}
		out := step(in)
		for i := 0; out.Resolve != "" && i < 3; i++ {
			u, err := fakeDirectory(out.Resolve)
			fmt.Fprintf(&b, "(router looks up %s: %s)\n", out.Resolve, lookupResult(u, err))
			out = step(Input{Now: now, Zone: zone, Resolved: u, ResolveErr: err})
		}
	}
	return b.String(), outs
}

func lookupResult(u *tap.User, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return "found " + string(u.ID)
}

// render writes an Output as plain text.
func render(b *strings.Builder, out Output) {
	for _, m := range out.Replies {
		renderMessage(b, m)
	}
	if out.Command != nil {
		fmt.Fprintf(b, "  -> command %s %q\n", out.Command.Name, out.Command.Arg)
	}
	if d := out.Submit; d != nil {
		start := "at issue"
		if !d.Start.IsZero() {
			start = d.Start.Format(time.RFC3339)
		}
		fmt.Fprintf(b, "  -> submit target=%s start=%s lifetime=%s one_time=%t reason=%s justification=%q requester_zone=%s hire_zone=%s\n",
			d.Target.UPN, start, d.Lifetime, d.OneTime, d.Reason, d.Justification, d.RequesterZone, d.HireZone)
	}
	if out.Ended {
		b.WriteString("  -> session ended\n")
	}
}

func renderMessage(b *strings.Builder, m chat.Message) {
	b.WriteString("bot:")
	if m.Title != "" {
		fmt.Fprintf(b, " *%s*\n    ", m.Title)
	}
	b.WriteString(" " + strings.ReplaceAll(chat.Plain(m.Text), "\n", "\n    ") + "\n")
	for _, f := range m.Facts {
		fmt.Fprintf(b, "    | %s: %s\n", f.Label, f.Value)
	}
	if m.Form != nil {
		fmt.Fprintf(b, "    form %q:\n", m.Form.Title)
		for _, f := range m.Form.Fields {
			fmt.Fprintf(b, "      %s = %q", f.ID, f.Value)
			if f.Error != "" {
				fmt.Fprintf(b, "  ERROR: %s", chat.Plain(f.Error))
			}
			b.WriteString("\n")
		}
	}
	if m.Note != "" {
		fmt.Fprintf(b, "    (%s)\n", chat.Plain(m.Note))
	}
	if len(m.Buttons) > 0 {
		b.WriteString("   ")
		for _, bt := range m.Buttons {
			fmt.Fprintf(b, " [%s]", bt.Label)
		}
		b.WriteString("\n")
	}
}

// golden compares got with testdata/name.txt (or rewrites it with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".txt")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update): %v", err)
	}
	if string(want) != got {
		t.Errorf("transcript %s differs from %s (run with -update to accept):\n%s", name, path, got)
	}
}

var transcripts = []struct {
	name   string
	zone   string
	script []string
	// check inspects the outputs.
	check func(t *testing.T, outs []Output)
}{
	{name: "step_by_step", zone: "America/Los_Angeles", script: []string{
		"request", "sarah.johnson@contoso.com", "onboarding", "Starts in Finance on Monday",
		"Pacific", "Monday 7am", "8 hours", "no", "confirm",
	}, check: submitted(func(t *testing.T, d *Draft) {
		wantDraft(t, d, "sarah.johnson@contoso.com", time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC), 8*time.Hour, false, tap.ReasonOnboarding)
	})},
	{name: "one_shot", zone: "Europe/London", script: []string{
		"TAP for sarah.johnson@contoso.com Monday 7am Pacific, 8 hours, onboarding, multi-use because she starts in Finance",
		"yes",
	}, check: submitted(func(t *testing.T, d *Draft) {
		wantDraft(t, d, "sarah.johnson@contoso.com", time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC), 8*time.Hour, false, tap.ReasonOnboarding)
		if d.HireZone != "America/Los_Angeles" || d.RequesterZone != "Europe/London" {
			t.Errorf("zones = %s, %s", d.HireZone, d.RequesterZone)
		}
	})},
	{name: "corrections", zone: "America/New_York", script: []string{
		"pass for sarah.jones@contoso.com tomorrow 9am, 8 hours, recovery",
		"skip",
		"actually make it 4 hours",
		"change the start",
		"back",
		"Monday 10:30",
		"change person",
		"raj.patel@contoso.com",
		"no",
		"change the time zone",
		"UK",
		"one-time",
		"confirm",
	}, check: submitted(func(t *testing.T, d *Draft) {
		wantDraft(t, d, "raj.patel@contoso.com", time.Date(2026, 11, 30, 10, 30, 0, 0, time.UTC), 4*time.Hour, true, tap.ReasonRecovery)
	})},
	{name: "cancel", zone: "UTC", script: []string{
		"new request", "sarah.johnson@contoso.com", "contractor", "cancel", "status",
	}, check: func(t *testing.T, outs []Output) {
		for _, o := range outs {
			if o.Submit != nil {
				t.Error("cancelled conversation submitted")
			}
		}
	}},
	{name: "unknown_user", zone: "UTC", script: []string{
		"TAP for sara.jonson@contoso.com", "slow@contoso.com", "sarah.johnson@contoso.com", "defaults", "confirm",
	}, check: submitted(nil)},
	{name: "guest", zone: "UTC", script: []string{
		"I need a TAP for partner@fabrikam.com", "raj.patel@contoso.com", "cancel",
	}},
	{name: "past_start", zone: "America/Los_Angeles", script: []string{
		"TAP for raj.patel@contoso.com today 3am, 2 hours, demo", "now", "skip", "yes", "no", "confirm",
	}, check: submitted(func(t *testing.T, d *Draft) {
		if !d.Start.IsZero() {
			t.Errorf("start = %v, want at issue", d.Start)
		}
	})},
	{name: "lifetime_over_policy", zone: "UTC", script: []string{
		"TAP for raj.patel@contoso.com contractor, 5 days, tomorrow 9am", "3 days", "skip", "no", "@wait 25m", "confirm",
	}, check: submitted(func(t *testing.T, d *Draft) {
		if d.Lifetime != 72*time.Hour {
			t.Errorf("lifetime = %v", d.Lifetime)
		}
	})},
	{name: "ambiguous_zone", zone: "UTC", script: []string{
		"TAP for raj.patel@contoso.com tomorrow 9am IST", "India", "defaults", "confirm",
	}, check: submitted(func(t *testing.T, d *Draft) {
		if want := time.Date(2026, 11, 28, 3, 30, 0, 0, time.UTC); !d.Start.Equal(want) {
			t.Errorf("start = %v, want %v", d.Start, want)
		}
	})},
	{name: "form", zone: "Europe/Berlin", script: []string{
		"@form target=sarah.johnson@contoso.com\u200b|reason=onboarding|zone=CST|start=2026-12-03T07:00|lifetime=40 days|one_time=maybe",
		"@form target=nobody@contoso.com|reason=onboarding|zone=Europe/Berlin|start=2026-12-03T07:00|lifetime=8h|one_time=default",
		"@form target=sarah.johnson@contoso.com|reason=contractor|zone=Europe/Berlin|start=2026-12-03T07:00|lifetime=8h|one_time=default|justification=Audit\x07 week",
		"confirm",
	}, check: submitted(func(t *testing.T, d *Draft) {
		wantDraft(t, d, "sarah.johnson@contoso.com", time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC), 8*time.Hour, false, tap.ReasonContractor)
		if d.Justification != "Audit week" {
			t.Errorf("justification = %q", d.Justification)
		}
	})},
	{name: "stale_summary", zone: "Europe/London", script: []string{
		"TAP for raj.patel@contoso.com in 30 minutes, 2 hours, demo, one-time, UK", "skip", "@wait 45m", "confirm",
		"in 10 minutes", "confirm",
	}, check: submitted(func(t *testing.T, d *Draft) {
		if want := testNow.Add(55 * time.Minute); !d.Start.Equal(want) {
			t.Errorf("start = %v, want %v", d.Start, want)
		}
	})},
	{name: "navigation", zone: "America/Chicago", script: []string{
		"request", "help", "sarah.johnson@contoso.com", "recovery", "back", "contractor", "help", "back", "back",
		"restart", "raj.patel@contoso.com", "use defaults for the rest", "no", "change lifetime", "36 hours", "send it",
	}, check: submitted(func(t *testing.T, d *Draft) {
		if d.Target.UPN != "raj.patel@contoso.com" || d.Lifetime != 36*time.Hour || d.Reason != tap.ReasonOnboarding {
			t.Errorf("draft = %+v", d)
		}
	})},
	{name: "commands", zone: "UTC", script: []string{
		"help", "status", "revoke sarah.johnson@contoso.com", "pending", "stats", "done", "what's the weather",
	}},
}

func submitted(check func(t *testing.T, d *Draft)) func(t *testing.T, outs []Output) {
	return func(t *testing.T, outs []Output) {
		t.Helper()
		var d *Draft
		for _, o := range outs {
			if o.Submit != nil {
				d = o.Submit
			}
		}
		if d == nil {
			t.Fatal("nothing submitted")
		}
		if check != nil {
			check(t, d)
		}
	}
}

func wantDraft(t *testing.T, d *Draft, upn string, start time.Time, life time.Duration, once bool, r tap.Reason) {
	t.Helper()
	if d.Target.UPN != upn || !d.Start.Equal(start) || d.Lifetime != life || d.OneTime != once || d.Reason != r {
		t.Errorf("draft = %s %v %v one_time=%t %s; want %s %v %v one_time=%t %s",
			d.Target.UPN, d.Start, d.Lifetime, d.OneTime, d.Reason, upn, start, life, once, r)
	}
}

func TestTranscripts(t *testing.T) {
	for _, tc := range transcripts {
		t.Run(tc.name, func(t *testing.T) {
			got, outs := conversation(t, testCfg, tc.zone, tc.script)
			golden(t, tc.name, got)
			if tc.check != nil {
				tc.check(t, outs)
			}
			for _, o := range outs {
				for _, m := range o.Replies {
					if strings.Contains(m.Text, text.DialogInternal) {
						t.Errorf("internal error reply in %s", tc.name)
					}
				}
			}
		})
	}
}
