package dialog

import (
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// ReasonDefaults are the defaults offered for one reason.
type ReasonDefaults struct {
	Lifetime time.Duration
	OneTime  bool
	// StartLead, when positive, makes the default start "StartLead before
	// the working day starts" (the new hire's hire date if the directory
	// knows it, otherwise the next working day), and is also applied to a
	// date given without a time ("Monday").
	StartLead time.Duration
}

// Config is what the router supplies from org config and tenant policy.
type Config struct {
	Defaults map[tap.Reason]ReasonDefaults
	// MinLifetime and MaxLifetime are the tenant TAP policy's range already
	// intersected with the org's own maximum.
	MinLifetime, MaxLifetime time.Duration
	// MaxAhead is how far ahead a start may be (default 30 days).
	MaxAhead time.Duration
	// DayStart is the hour the working day starts (default 8), used for a
	// date without a time.
	DayStart int
}

// DefaultReasonDefaults are the usual TAP practice: onboarding 8 hours,
// multi-use, activating an hour before the day starts; recovery 2 hours
// one-time; contractor 48 hours.
var DefaultReasonDefaults = map[tap.Reason]ReasonDefaults{
	tap.ReasonOnboarding:       {Lifetime: 8 * time.Hour, StartLead: time.Hour},
	tap.ReasonRecovery:         {Lifetime: 2 * time.Hour, OneTime: true},
	tap.ReasonContractor:       {Lifetime: 48 * time.Hour},
	tap.ReasonDeviceEnrollment: {Lifetime: 4 * time.Hour},
	tap.ReasonDemo:             {Lifetime: 2 * time.Hour},
	tap.ReasonGuestProject:     {Lifetime: 8 * time.Hour},
}

// withDefaults fills zero fields: lifetimes 1 hour to 30 days (Graph's
// own limits), 30 days ahead, day start 8, DefaultReasonDefaults.
func (c Config) withDefaults() Config {
	if c.MinLifetime <= 0 {
		c.MinLifetime = time.Hour
	}
	if c.MaxLifetime <= 0 {
		c.MaxLifetime = 30 * 24 * time.Hour
	}
	if c.MaxLifetime < c.MinLifetime {
		c.MaxLifetime = c.MinLifetime
	}
	if c.MaxAhead <= 0 {
		c.MaxAhead = 30 * 24 * time.Hour
	}
	if c.DayStart <= 0 || c.DayStart > 23 {
		c.DayStart = 8
	}
	if c.Defaults == nil {
		c.Defaults = DefaultReasonDefaults
	}
	return c
}

// reasonDefaults returns r's defaults with the lifetime clipped to the
// allowed range.
func (c Config) reasonDefaults(r tap.Reason) ReasonDefaults {
	d, ok := c.Defaults[r]
	if !ok {
		d = DefaultReasonDefaults[r]
	}
	if d.Lifetime <= 0 {
		d.Lifetime = 8 * time.Hour
	}
	d.Lifetime = min(max(d.Lifetime, c.MinLifetime), c.MaxLifetime)
	return d
}
