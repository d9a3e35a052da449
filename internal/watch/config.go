// Package watch follows a Temporary Access Pass after it is issued: it
// reads the target's sign-ins (Graph beta auditLogs/signIns) while the
// pass is live and for a while after, records the first use and raises
// the article's alerts (several IPs, outside business hours, before the
// start day, repeated failures, never used), each once per pass and rule.
package watch

import (
	"fmt"
	"strings"
	"time"
)

// Defaults for Config.
const (
	DefaultInterval    = time.Minute
	DefaultAfter       = 24 * time.Hour
	DefaultIPWindow    = time.Hour
	DefaultMaxFailures = 3
	DefaultPerMinute   = 60
	DefaultHours       = "Mon-Fri 07:00-19:00"
)

// Config is the `watch:` section.
type Config struct {
	// Interval between polls of one pass.
	Interval time.Duration `yaml:"interval"`
	// After: how long a pass is watched after it ends.
	After time.Duration `yaml:"after"`
	// IPWindow: two IPs (or countries) within this window raise an alert.
	IPWindow time.Duration `yaml:"ip_window"`
	// BusinessHours in the new hire's zone, e.g. "Mon-Fri 07:00-19:00".
	BusinessHours string `yaml:"business_hours"`
	// MaxFailures failed pass sign-ins raise an alert.
	MaxFailures int `yaml:"max_failures"`
	// PerMinute caps the passes polled per minute across the tenant.
	PerMinute int `yaml:"per_minute"`
	// Lookback is how long before now a request whose pass ended within
	// After can have been made: how far ahead a start may lie (the
	// policy's max_ahead) plus the longest pass Graph allows. Set from
	// the policy at start (default DefaultLookback); not in the file.
	Lookback time.Duration `yaml:"-"`
}

// DefaultLookback: the policy's default max_ahead (30 days) plus Graph's
// longest pass (30 days).
const DefaultLookback = 60 * 24 * time.Hour

// LookbackFor is the Lookback for a policy whose starts may lie up to
// maxAhead in the future.
func LookbackFor(maxAhead time.Duration) time.Duration { return maxAhead + 30*24*time.Hour }

// WithDefaults fills zero fields.
func (c Config) WithDefaults() Config {
	if c.Interval == 0 {
		c.Interval = DefaultInterval
	}
	if c.After == 0 {
		c.After = DefaultAfter
	}
	if c.IPWindow == 0 {
		c.IPWindow = DefaultIPWindow
	}
	if c.BusinessHours == "" {
		c.BusinessHours = DefaultHours
	}
	if c.MaxFailures == 0 {
		c.MaxFailures = DefaultMaxFailures
	}
	if c.PerMinute == 0 {
		c.PerMinute = DefaultPerMinute
	}
	if c.Lookback == 0 {
		c.Lookback = DefaultLookback
	}
	return c
}

// Validate checks c (after WithDefaults) with a specific message per field.
func (c Config) Validate() error {
	switch {
	case c.Interval < 10*time.Second:
		return fmt.Errorf("watch.interval %v is too short: use at least 10s (Graph throttles sign-in log reads)", c.Interval)
	case c.After < 0 || c.After > 7*24*time.Hour:
		return fmt.Errorf("watch.after %v must be between 0 and 168h", c.After)
	case c.IPWindow < time.Minute || c.IPWindow > 24*time.Hour:
		return fmt.Errorf("watch.ip_window %v must be between 1m and 24h", c.IPWindow)
	case c.MaxFailures < 1:
		return fmt.Errorf("watch.max_failures %d must be at least 1", c.MaxFailures)
	case c.PerMinute < 1 || c.PerMinute > 600:
		return fmt.Errorf("watch.per_minute %d must be between 1 and 600", c.PerMinute)
	}
	_, err := ParseHours(c.BusinessHours)
	return err
}

// Hours are business hours: the weekdays and a daily from-to window.
type Hours struct {
	Days     [7]bool       // indexed by time.Weekday
	From, To time.Duration // since local midnight; From < To
}

var dayNames = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday,
	"wed": time.Wednesday, "thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// ParseHours reads "Mon-Fri 07:00-19:00" (days: a range or a comma list,
// e.g. "Mon,Wed,Fri"; times: 24-hour HH:MM, from before to).
func ParseHours(s string) (Hours, error) {
	bad := func(why string) (Hours, error) {
		return Hours{}, fmt.Errorf("watch.business_hours %q: %s (example: \"Mon-Fri 07:00-19:00\")", s, why)
	}
	days, span, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return bad("give days and hours separated by a space")
	}
	var h Hours
	for _, part := range strings.Split(strings.ToLower(days), ",") {
		a, b, isRange := strings.Cut(part, "-")
		from, ok1 := dayNames[a]
		to, ok2 := dayNames[b]
		if !isRange {
			to, ok2 = from, ok1
		}
		if !ok1 || !ok2 {
			return bad("days are Mon, Tue, Wed, Thu, Fri, Sat, Sun")
		}
		for d := from; ; d = (d + 1) % 7 {
			h.Days[d] = true
			if d == to {
				break
			}
		}
	}
	a, b, ok := strings.Cut(strings.TrimSpace(span), "-")
	if !ok {
		return bad("give hours as HH:MM-HH:MM")
	}
	from, err1 := clock(a)
	to, err2 := clock(b)
	if err1 != nil || err2 != nil {
		return bad("hours are 24-hour HH:MM")
	}
	if from >= to {
		return bad("the day must start before it ends")
	}
	h.From, h.To = from, to
	return h, nil
}

func clock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// Within reports whether t (already in the right zone) is in business hours.
func (h Hours) Within(t time.Time) bool {
	since := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second
	return h.Days[t.Weekday()] && since >= h.From && since < h.To
}
