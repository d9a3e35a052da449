package watch

import (
	"sort"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// Rule names an alert rule; it is part of the de-dup key and the audit
// record.
type Rule string

// The rules.
const (
	RuleSeveralIPs  Rule = "several_ips"
	RuleAfterHours  Rule = "after_hours"
	RuleBeforeStart Rule = "before_start"
	RuleFailures    Rule = "failed_attempts"
	RuleNeverUsed   Rule = "never_used"
)

// Pass is a watched pass: what the request knows about it.
type Pass struct {
	Request tap.RequestID
	User    tap.UserID
	Name    string // the new hire's display name
	Start   time.Time
	Ends    time.Time
	// StartDay is the planned first day (hire date or requested start);
	// zero when unknown.
	StartDay time.Time
	Zone     *time.Location
	// Unrevealed: nobody ever saw the pass (it lapsed in its reveal
	// window). It cannot have been used, and the lapse notice already told
	// the requester, so "never used" would be noise.
	Unrevealed bool
}

// Alert is one rule firing for one pass.
type Alert struct {
	Rule    Rule
	Pass    Pass
	At      time.Time
	Facts   []string     // sentences, most telling first
	SignIns []tap.SignIn // the sign-ins that fired it
}

// Rules evaluates sign-ins for passes.
type Rules struct {
	cfg   Config
	hours Hours
}

// NewRules builds the rules from cfg (defaults applied, validated).
func NewRules(cfg Config) (*Rules, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	h, _ := ParseHours(cfg.BusinessHours)
	return &Rules{cfg: cfg, hours: h}, nil
}

// passSignIns keeps the sign-ins with the pass from p.Start on, oldest first.
func passSignIns(p Pass, ins []tap.SignIn) []tap.SignIn {
	var out []tap.SignIn
	for _, s := range ins {
		if s.TAP && s.UserID == p.User && !s.At.Before(p.Start) {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

func succeeded(s tap.SignIn) bool { return s.TAPSucceeded && s.ErrorCode == 0 }

// FirstUse is the first successful sign-in with the pass, if any.
func FirstUse(p Pass, ins []tap.SignIn) (tap.SignIn, bool) {
	for _, s := range passSignIns(p, ins) {
		if succeeded(s) {
			return s, true
		}
	}
	return tap.SignIn{}, false
}

// Evaluate returns every rule that fires for p at now given its sign-ins
// (the caller de-duplicates). never_used needs used: whether the pass was
// used by any evidence (sign-in log or OneTimeUsed).
func (r *Rules) Evaluate(p Pass, ins []tap.SignIn, used bool, now time.Time) []Alert {
	mine := passSignIns(p, ins)
	var out []Alert
	for _, f := range []func(Pass, []tap.SignIn) *Alert{r.severalIPs, r.afterHours, r.beforeStart, r.failures} {
		if a := f(p, mine); a != nil {
			a.Pass, a.At = p, now
			out = append(out, *a)
		}
	}
	if !used && !p.Unrevealed && !p.Ends.IsZero() && !now.Before(p.Ends) {
		out = append(out, Alert{Rule: RuleNeverUsed, Pass: p, At: now, Facts: []string{
			text.WatchNeverUsed(p.Name, local(p, p.Ends))}})
	}
	return out
}

func (r *Rules) severalIPs(p Pass, ins []tap.SignIn) *Alert {
	for i, a := range ins {
		for _, b := range ins[i+1:] {
			if b.At.Sub(a.At) > r.cfg.IPWindow {
				break
			}
			if a.IP != b.IP || (a.Country != "" && b.Country != "" && a.Country != b.Country) {
				return &Alert{Rule: RuleSeveralIPs, SignIns: []tap.SignIn{a, b}, Facts: []string{
					text.WatchTwoPlaces(r.cfg.IPWindow.String()),
					describe(p, a), describe(p, b)}}
			}
		}
	}
	return nil
}

func (r *Rules) afterHours(p Pass, ins []tap.SignIn) *Alert {
	for _, s := range ins {
		if succeeded(s) && !r.hours.Within(s.At.In(zone(p))) {
			return &Alert{Rule: RuleAfterHours, SignIns: []tap.SignIn{s}, Facts: []string{
				text.WatchAfterHours(r.cfg.BusinessHours, zone(p).String()),
				describe(p, s)}}
		}
	}
	return nil
}

func (r *Rules) beforeStart(p Pass, ins []tap.SignIn) *Alert {
	if p.StartDay.IsZero() {
		return nil
	}
	y, m, d := p.StartDay.In(zone(p)).Date()
	first := time.Date(y, m, d, 0, 0, 0, 0, zone(p))
	for _, s := range ins {
		if succeeded(s) && s.At.Before(first) {
			return &Alert{Rule: RuleBeforeStart, SignIns: []tap.SignIn{s}, Facts: []string{
				text.WatchBeforeStart(p.Name, first.Format("Mon 2 Jan")),
				describe(p, s)}}
		}
	}
	return nil
}

func (r *Rules) failures(p Pass, ins []tap.SignIn) *Alert {
	var failed []tap.SignIn
	for _, s := range ins {
		if !succeeded(s) {
			failed = append(failed, s)
		}
	}
	if len(failed) < r.cfg.MaxFailures {
		return nil
	}
	facts := []string{text.WatchFailures(len(failed))}
	for _, s := range failed {
		facts = append(facts, text.WatchFailedSignIn(describe(p, s), s.ErrorCode))
	}
	return &Alert{Rule: RuleFailures, SignIns: failed, Facts: facts}
}

func zone(p Pass) *time.Location {
	if p.Zone == nil {
		return time.UTC
	}
	return p.Zone
}

func local(p Pass, t time.Time) string { return t.In(zone(p)).Format("Mon 2 Jan 15:04 MST") }

// describe is one sign-in for people: "Mon 7 Dec 09:04 PST from
// 203.0.113.7, Seattle, Windows".
func describe(p Pass, s tap.SignIn) string {
	w := s.Where()
	if s.Country != "" && !strings.Contains(w, s.Country) {
		w += " (" + s.Country + ")"
	}
	return text.WatchSignIn(local(p, s.At), w)
}
