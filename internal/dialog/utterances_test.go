package dialog

import (
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// utc is a shorthand for expected instants.
func utc(mo time.Month, d, h, mi int) time.Time { return time.Date(2026, mo, d, h, mi, 0, 0, time.UTC) }

// utterances are things managers type, read at testNow (Friday 27 Nov
// 2026 13:25 UTC, 08:25 in New York). start: zero means not set (or
// refused), "now" is startNow.
var utterances = []struct {
	text   string
	zone   string // requester's zone ("" → America/New_York)
	target string
	start  time.Time
	now    bool
	life   time.Duration
	once   string // "", "yes", "no"
	reason tap.Reason
	hire   string
	just   string
	state  State // expected state when not the default (the next question or summary)
}{
	{text: "TAP for sarah.johnson@contoso.com Monday 7am Pacific, 8 hours, onboarding", target: "sarah.johnson@contoso.com", start: utc(11, 30, 15, 0), life: 8 * time.Hour, reason: tap.ReasonOnboarding, hire: "America/Los_Angeles"},
	{text: "pass for sarah.johnson@contoso.com monday 7:00 pacific 8h", target: "sarah.johnson@contoso.com", start: utc(11, 30, 15, 0), life: 8 * time.Hour, hire: "America/Los_Angeles"},
	{text: "Need a TAP for raj.patel@contoso.com tomorrow 9am, 4 hours, recovery", target: "raj.patel@contoso.com", start: utc(11, 28, 14, 0), life: 4 * time.Hour, reason: tap.ReasonRecovery, hire: "America/New_York"},
	{text: "tap for raj.patel@contoso.com now, 2 hours, lost phone", target: "raj.patel@contoso.com", now: true, life: 2 * time.Hour, reason: tap.ReasonRecovery},
	{text: "raj.patel@contoso.com asap 90 minutes recovery one-time", target: "raj.patel@contoso.com", now: true, life: 90 * time.Minute, once: "yes", reason: tap.ReasonRecovery},
	{text: "TAP for new hire jane.doe@contoso.com starting Dec 3 at 8am Eastern, 8 hours", target: "jane.doe@contoso.com", start: utc(12, 3, 13, 0), life: 8 * time.Hour, reason: tap.ReasonOnboarding, hire: "America/New_York"},
	{text: "jane.doe@contoso.com 3 December 7:30 am UK time, 1.5h, device enrollment", target: "jane.doe@contoso.com", start: utc(12, 3, 7, 30), life: 90 * time.Minute, reason: tap.ReasonDeviceEnrollment, hire: "Europe/London"},
	{text: "jane.doe@contoso.com 2026-12-03 07:00 America/Los_Angeles 1h30 onboarding", target: "jane.doe@contoso.com", start: utc(12, 3, 15, 0), life: 90 * time.Minute, reason: tap.ReasonOnboarding, hire: "America/Los_Angeles"},
	{text: "TAP jane.doe@contoso.com 2026-12-03T07:00:00-08:00 8 hours", target: "jane.doe@contoso.com", start: utc(12, 3, 15, 0), life: 8 * time.Hour},
	{text: "for jane.doe@contoso.com in 2 hours for 8 hours", target: "jane.doe@contoso.com", start: utc(11, 27, 15, 25), life: 8 * time.Hour},
	{text: "jane.doe@contoso.com next Monday 8am, 2 days, contractor", target: "jane.doe@contoso.com", start: utc(11, 30, 13, 0), life: 48 * time.Hour, reason: tap.ReasonContractor, hire: "America/New_York"},
	{text: "contractor mark.lee@contoso.com wed 9 am 48 hours", target: "mark.lee@contoso.com", start: utc(12, 2, 14, 0), life: 48 * time.Hour, reason: tap.ReasonContractor, hire: "America/New_York"},
	{text: "TAP for mark.lee@contoso.com on Tuesday, 8hrs, onboarding", target: "mark.lee@contoso.com", start: utc(12, 1, 12, 0), life: 8 * time.Hour, reason: tap.ReasonOnboarding, hire: "America/New_York"},
	{text: "mark.lee@contoso.com Monday onboarding", target: "mark.lee@contoso.com", start: utc(11, 30, 12, 0), reason: tap.ReasonOnboarding, hire: "America/New_York"},
	{text: "mark.lee@contoso.com Monday", target: "mark.lee@contoso.com", start: utc(11, 30, 13, 0), hire: "America/New_York"},
	{text: "TAP for mark.lee@contoso.com tomorow 8am 8 hours onbaording", target: "mark.lee@contoso.com", start: utc(11, 28, 13, 0), life: 8 * time.Hour, reason: tap.ReasonOnboarding, hire: "America/New_York"},
	{text: "mark.lee@contoso.com mondya 9am pacfic 4 hrs", target: "mark.lee@contoso.com", start: utc(11, 30, 17, 0), life: 4 * time.Hour, hire: "America/Los_Angeles"},
	{text: "mark.lee@contoso.com thursday 10:30 Central 3 hours demo", target: "mark.lee@contoso.com", start: utc(12, 3, 16, 30), life: 3 * time.Hour, reason: tap.ReasonDemo, hire: "America/Chicago"},
	{text: "mark.lee@contoso.com friday 3pm 1 hour demo", target: "mark.lee@contoso.com", start: utc(11, 27, 20, 0), life: time.Hour, reason: tap.ReasonDemo, hire: "America/New_York"},
	{text: "mark.lee@contoso.com friday 7am 1 hour", target: "mark.lee@contoso.com", start: utc(12, 4, 12, 0), life: time.Hour, hire: "America/New_York"},
	{text: "TAP for anna.schmidt@contoso.com Monday 8:00 Europe/Berlin 8h onboarding multi-use", target: "anna.schmidt@contoso.com", start: utc(11, 30, 7, 0), life: 8 * time.Hour, once: "no", reason: tap.ReasonOnboarding, hire: "Europe/Berlin"},
	{text: "anna.schmidt@contoso.com monday 8am berlin", target: "anna.schmidt@contoso.com", start: utc(11, 30, 7, 0), hire: "Europe/Berlin"},
	{text: "anna.schmidt@contoso.com Dec 1st 9am CET 6 hours", target: "anna.schmidt@contoso.com", start: utc(12, 1, 8, 0), life: 6 * time.Hour, hire: "Europe/Berlin"},
	{text: "priya.k@contoso.com Monday 9:30am India 8 hours onboarding", target: "priya.k@contoso.com", start: utc(11, 30, 4, 0), life: 8 * time.Hour, reason: tap.ReasonOnboarding, hire: "Asia/Kolkata"},
	{text: "priya.k@contoso.com tomorrow 10am Asia/Kolkata, single use, 2h, recovery", target: "priya.k@contoso.com", start: utc(11, 28, 4, 30), life: 2 * time.Hour, once: "yes", reason: tap.ReasonRecovery, hire: "Asia/Kolkata"},
	{text: "tap for tom@contoso.com today 5pm 2 hours", target: "tom@contoso.com", start: utc(11, 27, 22, 0), life: 2 * time.Hour, hire: "America/New_York"},
	{text: "tom@contoso.com today at 11, 3h", target: "tom@contoso.com", start: utc(11, 27, 16, 0), life: 3 * time.Hour, hire: "America/New_York"},
	{text: "tom@contoso.com tomorrow at 7 pacific 8 hours", target: "tom@contoso.com", start: utc(11, 28, 15, 0), life: 8 * time.Hour, hire: "America/Los_Angeles"},
	{text: "tom@contoso.com noon tomorrow 1h", target: "tom@contoso.com", start: utc(11, 28, 17, 0), life: time.Hour, hire: "America/New_York"},
	{text: "tom@contoso.com in 30 minutes, valid for 1 hour", target: "tom@contoso.com", start: utc(11, 27, 13, 55), life: time.Hour},
	{text: "tom@contoso.com in an hour for two hours", target: "tom@contoso.com", start: utc(11, 27, 14, 25), life: 2 * time.Hour},
	{text: "tom@contoso.com in 3 days 9am 8 hours", target: "tom@contoso.com", start: utc(11, 30, 14, 0), life: 8 * time.Hour, hire: "America/New_York"},
	{text: "please create a temporary access pass for tom@contoso.com, starts Monday 6:45am, 10 hours", target: "tom@contoso.com", start: utc(11, 30, 11, 45), life: 10 * time.Hour, hire: "America/New_York"},
	{text: "I'd like a TAP for tom@contoso.com for an hour and a half right now", target: "tom@contoso.com", now: true, life: 90 * time.Minute},
	{text: "tom@contoso.com half an hour now demo", target: "tom@contoso.com", now: true, reason: tap.ReasonDemo, state: StateLifetime},
	{text: "TAP tom@contoso.com, 8-hour pass, Monday 8am ET", target: "tom@contoso.com", start: utc(11, 30, 13, 0), life: 8 * time.Hour, hire: "America/New_York"},
	{text: "tom@contoso.com Monday 8 a.m. Eastern time 8 hours", target: "tom@contoso.com", start: utc(11, 30, 13, 0), life: 8 * time.Hour, hire: "America/New_York"},
	{text: "tom@contoso.com December 3rd 2026 9am 4h", target: "tom@contoso.com", start: utc(12, 3, 14, 0), life: 4 * time.Hour, hire: "America/New_York"},
	{text: "tom@contoso.com Dec. 3, 9:15 pm, 1 hour", target: "tom@contoso.com", start: utc(12, 4, 2, 15), life: time.Hour, hire: "America/New_York"},
	{text: "tom@contoso.com the 3rd of December at 8 am", target: "tom@contoso.com", start: utc(12, 3, 13, 0), hire: "America/New_York"},
	{text: "device enrollment for ops.laptop@contoso.com now 4 hours", target: "ops.laptop@contoso.com", now: true, life: 4 * time.Hour, reason: tap.ReasonDeviceEnrollment},
	{text: "autopilot tap for kiosk01@contoso.com tomorrow 8:30 2h", target: "kiosk01@contoso.com", start: utc(11, 28, 13, 30), life: 2 * time.Hour, reason: tap.ReasonDeviceEnrollment, hire: "America/New_York"},
	{text: "guest project pass for pat@contoso.com Monday 9am 8 hours", target: "pat@contoso.com", start: utc(11, 30, 14, 0), life: 8 * time.Hour, reason: tap.ReasonGuestProject, hire: "America/New_York"},
	{text: "demo account demo.user@contoso.com now 2 hours one time", target: "demo.user@contoso.com", now: true, life: 2 * time.Hour, once: "yes", reason: tap.ReasonDemo},
	{text: "recovery for lee@contoso.com - locked out - now, 1 hour, one-time use", target: "lee@contoso.com", now: true, life: time.Hour, once: "yes", reason: tap.ReasonRecovery},
	{text: "lee@contoso.com lost his authenticator, needs one now for 2 hours", target: "lee@contoso.com", now: true, life: 2 * time.Hour, reason: tap.ReasonRecovery},
	{text: "lee@contoso.com new phone, 1h, asap", target: "lee@contoso.com", now: true, life: time.Hour, reason: tap.ReasonRecovery},
	{text: "auditor access for ext.audit@contoso.com Monday 9am 2 days", target: "ext.audit@contoso.com", start: utc(11, 30, 14, 0), life: 48 * time.Hour, reason: tap.ReasonContractor, hire: "America/New_York"},
	{text: "consultant: jo@contoso.com, monday to start, 3 days, multi use", target: "jo@contoso.com", start: utc(11, 30, 13, 0), life: 72 * time.Hour, once: "no", reason: tap.ReasonContractor, hire: "America/New_York"},
	{text: "TAP for jo@contoso.com Monday 7am PT 8 hours onboarding because her laptop arrives Monday", target: "jo@contoso.com", start: utc(11, 30, 15, 0), life: 8 * time.Hour, reason: tap.ReasonOnboarding, hire: "America/Los_Angeles", just: "because her laptop arrives Monday"},
	{text: "jo@contoso.com monday 7am Pacific reason: starts in sales", target: "jo@contoso.com", start: utc(11, 30, 15, 0), hire: "America/Los_Angeles", just: "starts in sales"},
	{text: "jo@contoso.com Monday 7am CST", state: StateClarify},
	{text: "jo@contoso.com tomorrow 9 IST 4h", state: StateClarify},
	{text: "mailto:jo@contoso.com tomorrow 9am 2h", target: "jo@contoso.com", start: utc(11, 28, 14, 0), life: 2 * time.Hour, hire: "America/New_York"},
	{text: "TAP for JO@CONTOSO.COM tomorrow 9am", target: "JO@CONTOSO.COM", start: utc(11, 28, 14, 0), hire: "America/New_York"},
	{text: "jo@contoso.com 480 minutes", target: "jo@contoso.com", life: 8 * time.Hour},
	{text: "jo@contoso.com 1 day", target: "jo@contoso.com", life: 24 * time.Hour},
	{text: "jo@contoso.com 1.5 hours tomorrow 2:30pm", target: "jo@contoso.com", start: utc(11, 28, 19, 30), life: 90 * time.Minute, hire: "America/New_York"},
	{text: "jo@contoso.com Monday 7am London 8 hours onboarding", target: "jo@contoso.com", start: utc(11, 30, 7, 0), life: 8 * time.Hour, reason: tap.ReasonOnboarding, hire: "Europe/London"},
	{text: "jo@contoso.com Monday 7am new york time", target: "jo@contoso.com", start: utc(11, 30, 12, 0), hire: "America/New_York"},
	{text: "jo@contoso.com Monday 7am sydney", target: "jo@contoso.com", start: utc(11, 29, 20, 0), hire: "Australia/Sydney"},
	{text: "jo@contoso.com Monday 7am my time 8h", target: "jo@contoso.com", start: utc(11, 30, 12, 0), life: 8 * time.Hour, hire: "America/New_York"},
	{text: "jo@contoso.com tonight 10pm 1 hour", target: "jo@contoso.com", start: utc(11, 28, 3, 0), life: time.Hour, hire: "America/New_York"},
	{text: "jo@contoso.com Monday 9am 8 hours", zone: "Europe/London", target: "jo@contoso.com", start: utc(11, 30, 9, 0), life: 8 * time.Hour, hire: "Europe/London"},
	{text: "jo@contoso.com tomorrow 9am", zone: "Asia/Tokyo", target: "jo@contoso.com", start: utc(11, 28, 0, 0), hire: "Asia/Tokyo"},
	{text: "jo@contoso.com today 3am 2 hours", zone: "America/Los_Angeles", target: "jo@contoso.com", life: 2 * time.Hour, state: StateStart},
	{text: "jo@contoso.com Jan 5 9am 8 hours", target: "jo@contoso.com", life: 8 * time.Hour, state: StateStart},
	{text: "jo@contoso.com 2026-12-03T07:00Z 2h", target: "jo@contoso.com", start: utc(12, 3, 7, 0), life: 2 * time.Hour},
	{text: "jo@contoso.com Monday 7am Pacific, 8 hours, onboarding, reusable", target: "jo@contoso.com", start: utc(11, 30, 15, 0), life: 8 * time.Hour, once: "no", reason: tap.ReasonOnboarding, hire: "America/Los_Angeles"},
	{text: "onboarding pass for sam@contoso.com first day is Monday", target: "sam@contoso.com", start: utc(11, 30, 12, 0), reason: tap.ReasonOnboarding, hire: "America/New_York"},
	{text: "TAP for sam@contoso.com Mon 7:30 a.m. Mountain, 8 hrs, new starter", target: "sam@contoso.com", start: utc(11, 30, 14, 30), life: 8 * time.Hour, reason: tap.ReasonOnboarding, hire: "America/Denver"},
	{text: "sarah.johnson@contoso.com, Monday, 0700 Pacific", target: "sarah.johnson@contoso.com", start: utc(11, 30, 15, 0), hire: "America/Los_Angeles"},
	{text: "sarah.johnson@contoso.com needs a pass for her first day on the 7th", target: "sarah.johnson@contoso.com", start: utc(12, 7, 12, 0), reason: tap.ReasonOnboarding, hire: "America/New_York"},
	{text: "sarah.johnson@contoso.com 2 hours from now, 1 time use", target: "sarah.johnson@contoso.com", start: utc(11, 27, 15, 25), once: "yes"},
	{text: "sarah.johnson@contoso.com tomorrow 8:00 GMT+1", target: "sarah.johnson@contoso.com", start: utc(11, 28, 7, 0), hire: "Etc/GMT-1"},
	{text: "sarah.johnson@contoso.com 7:00am monday eastern standard time", target: "sarah.johnson@contoso.com", start: utc(11, 30, 12, 0), hire: "America/New_York"},
	{text: "sarah.johnson@contoso.com for the rest of the day, 4 hrs", target: "sarah.johnson@contoso.com", life: 4 * time.Hour},
	{text: "sarah.johnson@contoso.com 12/7 9am", target: "sarah.johnson@contoso.com", start: utc(12, 7, 14, 0), hire: "America/New_York"},
	{text: "sarah.johnson@contoso.com sometime next week", target: "sarah.johnson@contoso.com", state: StateStart},
	{text: "Can you set up a TAP for sarah.johnson@contoso.com? She starts Monday at 9 in Seattle", target: "sarah.johnson@contoso.com", start: utc(11, 30, 17, 0), hire: "America/Los_Angeles"},
	{text: "sarah.johnson@contoso.com ASAP pls, lost her phone, one time only", target: "sarah.johnson@contoso.com", now: true, once: "yes", reason: tap.ReasonRecovery},
	{text: "sam@contoso.com this thursday 9am 4 hours recovery", target: "sam@contoso.com", start: utc(12, 3, 14, 0), life: 4 * time.Hour, reason: tap.ReasonRecovery, hire: "America/New_York"},
}

func TestUtterances(t *testing.T) {
	if len(utterances) < 60 {
		t.Fatalf("only %d utterances", len(utterances))
	}
	for _, u := range utterances {
		t.Run(u.text, func(t *testing.T) {
			zone := u.zone
			if zone == "" {
				zone = "America/New_York"
			}
			s := New()
			out := s.Step(testCfg, Input{Now: testNow, Zone: zone, Text: u.text})
			if u.target != "" {
				if out.Resolve != u.target {
					t.Fatalf("Resolve = %q, want %q (replies %v)", out.Resolve, u.target, texts(out))
				}
				out = s.Step(testCfg, Input{Now: testNow, Zone: zone, Resolved: &tap.User{ID: "id", UPN: out.Resolve}})
			}
			if u.state != "" && s.State != u.state {
				t.Errorf("state = %s, want %s (replies %v)", s.State, u.state, texts(out))
			}
			if u.state == StateClarify {
				return
			}
			if s.Target == nil || s.Target.UPN != u.target {
				t.Errorf("target = %+v, want %s", s.Target, u.target)
			}
			switch {
			case u.now:
				if !s.HasStart || !s.StartNow {
					t.Errorf("start = %v now=%t has=%t, want now", s.Start, s.StartNow, s.HasStart)
				}
			case u.start.IsZero():
				if s.HasStart {
					t.Errorf("start = %v, want none", s.Start)
				}
			default:
				if !s.HasStart || s.StartNow || !s.Start.Equal(u.start) {
					t.Errorf("start = %v (now=%t has=%t), want %v", s.Start, s.StartNow, s.HasStart, u.start)
				}
			}
			if s.Lifetime != u.life {
				t.Errorf("lifetime = %v, want %v", s.Lifetime, u.life)
			}
			once := ""
			if s.OneTime != nil {
				once = map[bool]string{true: "yes", false: "no"}[*s.OneTime]
			}
			if once != u.once {
				t.Errorf("one-time = %q, want %q", once, u.once)
			}
			if s.Reason != u.reason {
				t.Errorf("reason = %q, want %q", s.Reason, u.reason)
			}
			if s.HireZone != u.hire {
				t.Errorf("hire zone = %q, want %q", s.HireZone, u.hire)
			}
			just := ""
			if s.Justification != nil {
				just = *s.Justification
			}
			if just != u.just {
				t.Errorf("justification = %q, want %q", just, u.just)
			}
		})
	}
}

func texts(out Output) []string {
	var ts []string
	for _, m := range out.Replies {
		ts = append(ts, m.Text)
	}
	return ts
}
