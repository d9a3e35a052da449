package policy

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// Graph's own bounds for lifetimeInMinutes (10 minutes to 30 days).
const (
	graphMinLifetime = 10 * time.Minute
	graphMaxLifetime = 30 * 24 * time.Hour
)

// Duration is a time.Duration that reads and writes as a string such as
// "8h", "90m" or "30d" (days are accepted as a convenience).
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes d as a duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses a duration string; a trailing "d" means days.
func (d *Duration) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return fmt.Errorf("duration %q: want a whole number of days like \"30d\"", s)
		}
		*d = Duration(time.Duration(n) * 24 * time.Hour)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration %q: want a value like \"8h\" or \"90m\"", s)
	}
	*d = Duration(v)
	return nil
}

// ReasonPolicy is the per-reason pass shape.
type ReasonPolicy struct {
	// Lifetime is the default lifetime offered for this reason.
	Lifetime Duration `yaml:"lifetime"`
	// MaxLifetime caps what a requester may ask for with this reason.
	MaxLifetime Duration `yaml:"max_lifetime"`
	// OneTime is the default for one-time use.
	OneTime bool `yaml:"one_time"`
	// StartLead activates the pass this long before the start of the
	// day the requester names (onboarding: an hour before the day starts).
	StartLead Duration `yaml:"start_lead"`
}

// TwoApprovers says which requests need two distinct approvers.
type TwoApprovers struct {
	Reasons      []tap.Reason `yaml:"reasons"`
	TargetGroups []string     `yaml:"target_groups"`
}

// Requesters says who may ask for a pass for whom.
type Requesters struct {
	// Manager allows the target's manager in Entra.
	Manager bool `yaml:"manager"`
	// Groups lists Entra groups whose members may request for anyone in
	// the TAP policy's scope (HR, helpdesk).
	Groups []string `yaml:"groups"`
}

// Quotas bound how much one requester can ask for.
type Quotas struct {
	OpenPerRequester   int `yaml:"open_per_requester"`
	PerRequesterPerDay int `yaml:"per_requester_per_day"`
}

// Config is the organisation's TAP policy. Load it with yaml.v3 (its
// UnmarshalYAML starts from Default, so absent keys keep their defaults)
// and check it once at start with Validate.
type Config struct {
	// ApproverGroups are the Entra group ids whose members may approve.
	ApproverGroups []string `yaml:"approver_groups"`
	// ReasonApproverGroups overrides ApproverGroups for some reasons.
	ReasonApproverGroups map[tap.Reason][]string `yaml:"reason_approver_groups"`
	TwoApprovers         TwoApprovers            `yaml:"two_approvers"`
	Requesters           Requesters              `yaml:"requesters"`
	// Reasons holds each reason's defaults and maximum.
	Reasons map[tap.Reason]ReasonPolicy `yaml:"reasons"`
	// MaxLifetime is the organisation's own cap over every reason.
	MaxLifetime Duration `yaml:"max_lifetime"`
	// MaxAhead is how far in the future a start may lie.
	MaxAhead Duration `yaml:"max_ahead"`
	Quotas   Quotas   `yaml:"quotas"`
	// ApproverTargets is what happens to a target who can approve or
	// request (refuse, the default, or two_approvers).
	ApproverTargets ApproverTargets `yaml:"approver_targets"`
	// NewHireDays: a target whose account is older than this, or who has
	// a sign-in method registered, is treated as a recovery whatever the
	// label (0 turns the account-age test off).
	NewHireDays int `yaml:"new_hire_days"`
	// Reissue is how a reissue is approved: approval (as any request, the
	// default) or same_approver (one click by an approver of the original
	// within 7 days; see ReissueSameApprover).
	Reissue ReissueRule `yaml:"reissue"`
}

// Default returns the built-in policy: the usual per-reason shapes,
// a 48 h organisation cap (the tenant policy, 8 h by default, usually
// binds first), starts up to 30 days ahead, 5 open requests and 20 a day
// per requester, managers may request, recovery needs two approvers.
// ApproverGroups is empty: the operator must name them.
func Default() Config {
	h := func(n float64) Duration { return Duration(time.Duration(n * float64(time.Hour))) }
	return Config{
		TwoApprovers: TwoApprovers{Reasons: []tap.Reason{tap.ReasonRecovery}},
		Requesters:   Requesters{Manager: true},
		Reasons: map[tap.Reason]ReasonPolicy{
			tap.ReasonOnboarding:       {Lifetime: h(8), MaxLifetime: h(24), StartLead: h(1)},
			tap.ReasonRecovery:         {Lifetime: h(2), MaxLifetime: h(2), OneTime: true},
			tap.ReasonContractor:       {Lifetime: h(8), MaxLifetime: h(48)},
			tap.ReasonDeviceEnrollment: {Lifetime: h(2), MaxLifetime: h(8), OneTime: true},
			tap.ReasonDemo:             {Lifetime: h(1), MaxLifetime: h(8)},
			tap.ReasonGuestProject:     {Lifetime: h(8), MaxLifetime: h(48)},
		},
		MaxLifetime: h(48),
		MaxAhead:    h(720),
		Quotas:      Quotas{OpenPerRequester: 5, PerRequesterPerDay: 20},

		ApproverTargets: ApproverTargetsRefuse,
		NewHireDays:     30,
		Reissue:         ReissueApproval,
	}
}

// UnmarshalYAML decodes a policy block on top of Default. Each reason
// named under "reasons" starts from that reason's defaults, so
// "recovery: {lifetime: 1h}" keeps recovery's maximum and one-time use.
func (c *Config) UnmarshalYAML(n *yaml.Node) error {
	// Unknown keys are errors even under a lenient decoder: a misspelt
	// "two_approver" must not silently switch a rule off.
	if err := errors.Join(unknownKeys(n, reflect.TypeFor[Config](), "policy")...); err != nil {
		return err
	}
	type plain Config
	p := plain(Default())
	p.Reasons = nil
	if err := n.Decode(&p); err != nil {
		return err
	}
	reasons := Default().Reasons
	// Decode succeeded, so "reasons" is absent, null or a mapping.
	if rn := mappingValue(n, "reasons"); rn != nil && rn.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(rn.Content); i += 2 {
			k := tap.Reason(rn.Content[i].Value)
			rp := reasons[k]
			if err := rn.Content[i+1].Decode(&rp); err != nil {
				return err
			}
			reasons[k] = rp
		}
	}
	p.Reasons = reasons
	*c = Config(p)
	return nil
}

// unknownKeys lists the mapping keys under n that type t does not
// declare (by yaml tag), descending into structs and maps of structs.
func unknownKeys(n *yaml.Node, t reflect.Type, path string) []error {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var errs []error
	switch t.Kind() {
	case reflect.Struct:
		fields := map[string]reflect.Type{}
		for f := range t.Fields() {
			if tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); tag != "" && tag != "-" {
				fields[tag] = f.Type
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			ft, ok := fields[k.Value]
			if !ok {
				errs = append(errs, fmt.Errorf("line %d: unknown key %q in %s", k.Line, k.Value, path))
				continue
			}
			errs = append(errs, unknownKeys(n.Content[i+1], ft, path+"."+k.Value)...)
		}
	case reflect.Map:
		for i := 0; i+1 < len(n.Content); i += 2 {
			errs = append(errs, unknownKeys(n.Content[i+1], t.Elem(), path+"."+n.Content[i].Value)...)
		}
	}
	return errs
}

func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// Reason returns the policy for r, falling back to the built-in default
// for an unknown or unset reason.
func (c Config) Reason(r tap.Reason) ReasonPolicy {
	if rp, ok := c.Reasons[r]; ok {
		return rp
	}
	if rp, ok := Default().Reasons[r]; ok {
		return rp
	}
	return ReasonPolicy{Lifetime: Duration(time.Hour), MaxLifetime: c.MaxLifetime}
}

// ApproverGroupsFor returns the approver groups for reason r.
func (c Config) ApproverGroupsFor(r tap.Reason) []string {
	if g := c.ReasonApproverGroups[r]; len(g) > 0 {
		return g
	}
	return c.ApproverGroups
}

// allApproverGroups is every approver group, de-duplicated.
func (c Config) allApproverGroups() []string {
	all := slices.Clone(c.ApproverGroups)
	for _, r := range tap.Reasons {
		for _, g := range c.ReasonApproverGroups[r] {
			if !slices.Contains(all, g) {
				all = append(all, g)
			}
		}
	}
	return all
}

// Validate reports every problem at once (errors.Join), nil if none.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	if len(c.ApproverGroups) == 0 {
		bad("approver_groups: name at least one Entra group id")
	}
	errs = append(errs, checkGroups("approver_groups", c.ApproverGroups)...)
	for _, r := range sortedKeys(c.ReasonApproverGroups) {
		g := c.ReasonApproverGroups[r]
		if !r.Valid() {
			bad("reason_approver_groups: unknown reason %q (known: %s)", r, reasonList())
		}
		if len(g) == 0 {
			bad("reason_approver_groups.%s: empty; remove it to use approver_groups", r)
		}
		errs = append(errs, checkGroups("reason_approver_groups."+string(r), g)...)
	}
	for _, r := range c.TwoApprovers.Reasons {
		if !r.Valid() {
			bad("two_approvers.reasons: unknown reason %q (known: %s)", r, reasonList())
		}
	}
	errs = append(errs, checkGroups("two_approvers.target_groups", c.TwoApprovers.TargetGroups)...)
	errs = append(errs, checkGroups("requesters.groups", c.Requesters.Groups)...)
	if !c.Requesters.Manager && len(c.Requesters.Groups) == 0 {
		bad("requesters: manager is false and no groups are named, so nobody could request a pass")
	}

	switch {
	case c.MaxLifetime.D() < graphMinLifetime:
		bad("max_lifetime: %s is below Graph's minimum of 10m", c.MaxLifetime)
	case c.MaxLifetime.D() > graphMaxLifetime:
		bad("max_lifetime: %s is above Graph's maximum of 720h (30 days)", c.MaxLifetime)
	}
	if c.MaxAhead.D() <= 0 {
		bad("max_ahead: must be positive (default 720h)")
	} else if c.MaxAhead.D() > 366*24*time.Hour {
		bad("max_ahead: %s is more than a year", c.MaxAhead)
	}
	if err := c.ApproverTargets.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Reissue.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.NewHireDays < 0 {
		bad("new_hire_days: must be 0 (off) or more")
	}
	if c.Quotas.OpenPerRequester < 1 {
		bad("quotas.open_per_requester: must be at least 1")
	}
	if c.Quotas.PerRequesterPerDay < 1 {
		bad("quotas.per_requester_per_day: must be at least 1")
	}

	for _, r := range sortedKeys(c.Reasons) {
		rp := c.Reasons[r]
		key := "reasons." + string(r)
		if !r.Valid() {
			bad("%s: unknown reason (known: %s)", key, reasonList())
			continue
		}
		if rp.Lifetime.D() < graphMinLifetime || rp.Lifetime.D() > graphMaxLifetime {
			bad("%s.lifetime: %s is outside Graph's range 10m to 720h", key, rp.Lifetime)
		}
		if rp.MaxLifetime.D() < graphMinLifetime || rp.MaxLifetime.D() > graphMaxLifetime {
			bad("%s.max_lifetime: %s is outside Graph's range 10m to 720h", key, rp.MaxLifetime)
		}
		if rp.Lifetime > rp.MaxLifetime {
			bad("%s: lifetime %s is longer than max_lifetime %s", key, rp.Lifetime, rp.MaxLifetime)
		}
		if rp.StartLead < 0 || rp.StartLead.D() >= 24*time.Hour {
			bad("%s.start_lead: %s must be between 0 and 24h", key, rp.StartLead)
		}
	}
	return errors.Join(errs...)
}

func checkGroups(key string, ids []string) []error {
	var errs []error
	seen := map[string]bool{}
	for i, id := range ids {
		switch {
		case strings.TrimSpace(id) == "":
			errs = append(errs, fmt.Errorf("%s[%d]: empty group id", key, i))
		case strings.TrimSpace(id) != id || strings.ContainsAny(id, " \t\n/"):
			errs = append(errs, fmt.Errorf("%s[%d]: %q is not a group object id", key, i, id))
		case seen[id]:
			errs = append(errs, fmt.Errorf("%s[%d]: %q is listed twice", key, i, id))
		}
		seen[id] = true
	}
	return errs
}

func reasonList() string { return text.ReasonList() }

func sortedKeys[V any](m map[tap.Reason]V) []tap.Reason {
	keys := make([]tap.Reason, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
