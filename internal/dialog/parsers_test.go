package dialog

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

func TestParseTarget(t *testing.T) {
	long := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 43) + ".com" // 64 + 1 + 47 = 112
	for _, tc := range []struct {
		in, want string
		wantErr  string // substring of the refusal
	}{
		{in: "sarah.johnson@contoso.com", want: "sarah.johnson@contoso.com"},
		{in: "  Sarah.Johnson@Contoso.com\n", want: "Sarah.Johnson@Contoso.com"},
		{in: "<mailto:sarah@contoso.com|sarah@contoso.com>", wantErr: "e-mail"}, // Slack's wire form is the adapter's to unwrap
		{in: "mailto:sarah@contoso.com", want: "sarah@contoso.com"},
		{in: "sarah+tap@contoso.com", want: "sarah+tap@contoso.com"},
		{in: "o'brien@contoso.co.uk", want: "o'brien@contoso.co.uk"},
		{in: "sarah@contoso.onmicrosoft.com.", want: "sarah@contoso.onmicrosoft.com"},
		{in: "\uff53arah@contoso.com", want: "sarah@contoso.com"}, // fullwidth s, NFKC folds it
		{in: long, want: long},
		{in: "sarah@contoso.com\u200b", wantErr: "hidden"},
		{in: "sa\u202erah@contoso.com", wantErr: "hidden"},
		{in: "\u2066sarah@contoso.com\u2069", wantErr: "hidden"},
		{in: "s\ufeffarah@contoso.com", wantErr: "hidden"},
		{in: "s\u0430rah@contoso.com", wantErr: "plain ASCII"}, // Cyrillic a
		{in: "", wantErr: "Who is the pass for"},
		{in: "sarah", wantErr: "doesn't look like"},
		{in: "sarah@@contoso.com", wantErr: "doesn't look like"},
		{in: "sarah@contoso", wantErr: "doesn't look like"},
		{in: ".sarah@contoso.com", wantErr: "doesn't look like"},
		{in: "sa..rah@contoso.com", wantErr: "doesn't look like"},
		{in: "sarah@-contoso.com", wantErr: "doesn't look like"},
		{in: "sarah@10.0.0.1", wantErr: "doesn't look like"},
		{in: "sarah johnson@contoso.com", wantErr: "doesn't look like"},
		{in: "<script>@contoso.com", wantErr: "doesn't look like"},
		{in: strings.Repeat("a", 65) + "@contoso.com", wantErr: "at most 113"},
		{in: "a@" + strings.Repeat("b", 45) + ".com", wantErr: "at most 113"},
		{in: strings.Repeat("a", 64) + "@" + strings.Repeat("b", 46) + ".com", wantErr: "at most 113"},
	} {
		got, err := ParseTarget(tc.in)
		if tc.wantErr != "" {
			var r *tap.Refusal
			if !errors.As(err, &r) || !errors.Is(err, tap.ErrInvalidInput) || !strings.Contains(r.Msg, tc.wantErr) {
				t.Errorf("ParseTarget(%q) = %q, %v; want refusal containing %q", tc.in, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseTarget(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseLifetime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration // 0: refused
	}{
		{"8h", 8 * time.Hour}, {"8 hours", 8 * time.Hour}, {"8 hrs", 8 * time.Hour}, {"8hr", 8 * time.Hour},
		{"90 minutes", 90 * time.Minute}, {"90 mins", 90 * time.Minute}, {"90m", 90 * time.Minute},
		{"1.5h", 90 * time.Minute}, {"1.5 hours", 90 * time.Minute}, {"1h30", 90 * time.Minute},
		{"1h30m", 90 * time.Minute}, {"1h 30m", 90 * time.Minute}, {"1 hour 30 minutes", 90 * time.Minute},
		{"1 hour and 30 minutes", 90 * time.Minute}, {"an hour and a half", 90 * time.Minute},
		{"2 days", 48 * time.Hour}, {"2d", 48 * time.Hour}, {"a day", 24 * time.Hour}, {"1 week", 7 * 24 * time.Hour},
		{"90", 90 * time.Minute}, {"480", 8 * time.Hour}, {"eight hours", 8 * time.Hour},
		{"half an hour", 30 * time.Minute}, {"for 4 hours", 4 * time.Hour}, {"8-hour", 8 * time.Hour},
		{"make it 4 hours", 4 * time.Hour}, {"4 huors", 4 * time.Hour}, {"90 minuets", 90 * time.Minute},
		{"", 0}, {"forever", 0}, {"0", 0}, {"0h", 0}, {"8 apples", 0}, {"hours", 0}, {"-5h", 0},
		{"8 hours tomorrow", 0}, {"999999999 days", 0},
	} {
		got, err := ParseLifetime(tc.in)
		if tc.want == 0 {
			if err == nil && got <= 24*365*time.Hour {
				t.Errorf("ParseLifetime(%q) = %v, want refusal", tc.in, got)
			}
			if err != nil && !errors.Is(err, tap.ErrInvalidInput) {
				t.Errorf("ParseLifetime(%q) error %v does not wrap ErrInvalidInput", tc.in, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseLifetime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestCheckLifetime(t *testing.T) {
	c := testCfg.withDefaults()
	for _, d := range []time.Duration{time.Hour, 72 * time.Hour, 8 * time.Hour} {
		if err := c.checkLifetime(d); err != nil {
			t.Errorf("checkLifetime(%v) = %v", d, err)
		}
	}
	for _, d := range []time.Duration{59 * time.Minute, 73 * time.Hour} {
		err := c.checkLifetime(d)
		if !errors.Is(err, tap.ErrLifetimeRange) || !strings.Contains(err.Error(), "from 1 hour to 3 days") {
			t.Errorf("checkLifetime(%v) = %v; want range refusal naming the range", d, err)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		8 * time.Hour: "8 hours", time.Hour: "1 hour", 90 * time.Minute: "1 hour 30 minutes",
		45 * time.Minute: "45 minutes", time.Minute: "1 minute", 48 * time.Hour: "2 days",
		24 * time.Hour: "24 hours", 36 * time.Hour: "36 hours", 0: "0 minutes",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestParseZone(t *testing.T) {
	for _, tc := range []struct{ in, want, wantErr string }{
		{in: "America/Los_Angeles", want: "America/Los_Angeles"},
		{in: "america/los_angeles", want: "America/Los_Angeles"},
		{in: "Europe/London", want: "Europe/London"},
		{in: "Pacific", want: "America/Los_Angeles"}, {in: "pacific time", want: "America/Los_Angeles"},
		{in: "Eastern", want: "America/New_York"}, {in: "UK", want: "Europe/London"},
		{in: "Central European", want: "Europe/Berlin"}, {in: "New York time", want: "America/New_York"},
		{in: "pacfic", want: "America/Los_Angeles"}, {in: "UTC", want: "UTC"}, {in: "my time", want: "Asia/Tokyo"},
		{in: "CST", wantErr: "America/Chicago, Asia/Shanghai"}, {in: "IST", wantErr: "Asia/Kolkata, Europe/Dublin"},
		{in: "BST", wantErr: "more than one"},
		{in: "Mars/Olympus", wantErr: "don't know"}, {in: "local", want: "Asia/Tokyo"},
		{in: "../../etc/passwd", wantErr: "don't know"}, {in: "", wantErr: "don't know"},
		{in: "Pacific and Eastern", wantErr: "don't know"},
	} {
		got, err := ParseZone(tc.in, "Asia/Tokyo")
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, tap.ErrInvalidInput) {
				t.Errorf("ParseZone(%q) = %q, %v; want error containing %q", tc.in, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseZone(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseStart(t *testing.T) {
	o := StartOptions{Now: testNow, Zone: "America/New_York", DayStart: 8}
	for _, tc := range []struct {
		in      string
		want    time.Time
		now     bool
		zone    string
		wantErr string
	}{
		{in: "now", now: true}, {in: "right away", now: true}, {in: "ASAP", now: true},
		{in: "today 5pm", want: utc(11, 27, 22, 0)},
		{in: "tomorrow", want: utc(11, 28, 13, 0)},
		{in: "tomorrow 7", want: utc(11, 28, 12, 0)},
		{in: "7", want: utc(11, 27, 12, 0)}, // past: refused later by checkStart, not by the parser
		{in: "7am", want: utc(11, 27, 12, 0)}, {in: "07:00", want: utc(11, 27, 12, 0)},
		{in: "7:30 pm", want: utc(11, 28, 0, 30)}, {in: "12am tomorrow", want: utc(11, 28, 5, 0)},
		{in: "12pm", want: utc(11, 27, 17, 0)}, {in: "noon", want: utc(11, 27, 17, 0)},
		{in: "Monday", want: utc(11, 30, 13, 0)}, {in: "next Monday", want: utc(11, 30, 13, 0)},
		{in: "Friday", want: utc(12, 4, 13, 0)}, {in: "next friday 9am", want: utc(12, 4, 14, 0)},
		{in: "Dec 3", want: utc(12, 3, 13, 0)}, {in: "3 December", want: utc(12, 3, 13, 0)},
		{in: "2026-12-03", want: utc(12, 3, 13, 0)}, {in: "2026-12-03 07:00", want: utc(12, 3, 12, 0)},
		{in: "2026-12-03T07:00:00-08:00", want: utc(12, 3, 15, 0)}, {in: "2026-12-03T15:00Z", want: utc(12, 3, 15, 0)},
		{in: "2026-12-03T07:00+0100", want: utc(12, 3, 6, 0)},
		{in: "in 2 hours", want: utc(11, 27, 15, 25)}, {in: "in 90 minutes", want: utc(11, 27, 14, 55)},
		{in: "in 2 days", want: utc(11, 29, 13, 0)},
		{in: "Monday 7am America/Los_Angeles", want: utc(11, 30, 15, 0), zone: "America/Los_Angeles"},
		{in: "Monday 7am Pacific", want: utc(11, 30, 15, 0), zone: "America/Los_Angeles"},
		{in: "Monday 7am UK", want: utc(11, 30, 7, 0), zone: "Europe/London"},
		{in: "Jan 4", want: time.Date(2027, 1, 4, 13, 0, 0, 0, time.UTC)},
		{in: "Feb 30", wantErr: "doesn't exist"}, {in: "2026-02-30", wantErr: "doesn't exist"},
		{in: "Monday 7am CST", wantErr: "more than one"},
		{in: "whenever", wantErr: "didn't understand"}, {in: "", wantErr: "didn't understand"},
		{in: "25:00", wantErr: "didn't understand"}, {in: "13pm", wantErr: "didn't understand"},
		{in: "7:75", wantErr: "didn't understand"}, {in: "12/3", want: utc(12, 3, 13, 0)}, // month first in a US zone
	} {
		got, err := ParseStart(tc.in, o)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseStart(%q) = %+v, %v; want error containing %q", tc.in, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got.Now != tc.now || !got.At.Equal(tc.want) || got.Zone != tc.zone {
			t.Errorf("ParseStart(%q) = %+v, %v; want at=%v now=%t zone=%q", tc.in, got, err, tc.want, tc.now, tc.zone)
		}
	}
}

func TestParseStartLeadAndDST(t *testing.T) {
	// A date alone with a one-hour lead starts at 07:00.
	got, err := ParseStart("Monday", StartOptions{Now: testNow, Zone: "America/New_York", DayStart: 8, Lead: time.Hour})
	if err != nil || !got.At.Equal(utc(11, 30, 12, 0)) {
		t.Errorf("Monday with lead = %+v, %v", got, err)
	}
	// Across the US spring-forward: 7am on 9 March 2026 is EDT (UTC-4).
	now := time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC)
	got, err = ParseStart("Monday 7am", StartOptions{Now: now, Zone: "America/New_York"})
	if err != nil || !got.At.Equal(time.Date(2026, 3, 9, 11, 0, 0, 0, time.UTC)) {
		t.Errorf("Monday 7am across DST = %+v, %v", got, err)
	}
}

func TestCheckStart(t *testing.T) {
	c := testCfg.withDefaults()
	err := c.checkStart(testNow.Add(-time.Hour), testNow, "America/Los_Angeles")
	if !errors.Is(err, tap.ErrStartInPast) || !strings.Contains(err.Error(), "it is now Fri 27 Nov 2026 05:25 PST") {
		t.Errorf("past start: %v", err)
	}
	if err := c.checkStart(testNow.Add(31*24*time.Hour), testNow, "UTC"); err == nil || !strings.Contains(err.Error(), "too far ahead") {
		t.Errorf("far start: %v", err)
	}
	if err := c.checkStart(testNow.Add(time.Hour), testNow, "UTC"); err != nil {
		t.Errorf("future start: %v", err)
	}
}

func TestParseYesNoOneTimeReason(t *testing.T) {
	for in, want := range map[string]bool{"yes": true, "Y": true, "yep": true, "OK": true, "true": true, "no": false,
		"nope": false, "false": false, "N": false} {
		if got, err := ParseYesNo(in); err != nil || got != want {
			t.Errorf("ParseYesNo(%q) = %t, %v", in, got, err)
		}
	}
	for _, in := range []string{"maybe", "", "yes no"} {
		if _, err := ParseYesNo(in); !errors.Is(err, tap.ErrInvalidInput) {
			t.Errorf("ParseYesNo(%q) = %v, want refusal", in, err)
		}
	}
	for in, want := range map[string]bool{"one-time": true, "single use": true, "once": true, "yes": true,
		"multi-use": false, "reusable": false, "not one-time": false, "no": false, "multiple uses": false} {
		if got, err := ParseOneTime(in); err != nil || got != want {
			t.Errorf("ParseOneTime(%q) = %t, %v", in, got, err)
		}
	}
	if _, err := ParseOneTime("sometimes"); err == nil {
		t.Error("ParseOneTime(sometimes) accepted")
	}
	for in, want := range map[string]tap.Reason{
		"onboarding": tap.ReasonOnboarding, "new hire": tap.ReasonOnboarding, "Onbaording": tap.ReasonOnboarding,
		"recovery": tap.ReasonRecovery, "lost phone": tap.ReasonRecovery, "locked out": tap.ReasonRecovery,
		"contractor": tap.ReasonContractor, "auditor": tap.ReasonContractor,
		"device enrollment": tap.ReasonDeviceEnrollment, "device_enrollment": tap.ReasonDeviceEnrollment,
		"autopilot": tap.ReasonDeviceEnrollment, "demo": tap.ReasonDemo, "guest project": tap.ReasonGuestProject,
		"guest_project": tap.ReasonGuestProject, "it's for onboarding": tap.ReasonOnboarding,
	} {
		if got, err := ParseReason(in); err != nil || got != want {
			t.Errorf("ParseReason(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"fun", "", "because"} {
		if _, err := ParseReason(in); !errors.Is(err, tap.ErrInvalidInput) {
			t.Errorf("ParseReason(%q) = %v, want refusal", in, err)
		}
	}
}

func TestCleanJustification(t *testing.T) {
	for in, want := range map[string]string{
		"  starts Monday  ":             "starts Monday",
		"line one\nline two\ttab":       "line one line two tab",
		"bell\x07 and \x1b[31mred":      "bell and [31mred",
		"rtl \u202eevil\u202c text":     "rtl evil text",
		"zero\u200bwidth":               "zerowidth",
		"esc \ue000marks\ue001 removed": "esc marks removed",
		"":                              "",
	} {
		if got, err := CleanJustification(in); err != nil || got != want {
			t.Errorf("CleanJustification(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if got, err := CleanJustification(strings.Repeat("é", 500)); err != nil || len([]rune(got)) != 500 {
		t.Errorf("500 characters: %d, %v", len([]rune(got)), err)
	}
	if _, err := CleanJustification(strings.Repeat("x", 501)); err == nil || !strings.Contains(err.Error(), "501 characters") {
		t.Errorf("501 characters: %v", err)
	}
}
