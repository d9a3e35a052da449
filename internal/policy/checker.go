package policy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// PolicyTTL is how long the tenant's TAP policy is cached.
const PolicyTTL = 5 * time.Minute

// ClockTolerance is how far in the past a start may lie and still count as
// "now" (clocks and typing take time).
const ClockTolerance = 2 * time.Minute

// maxGroupsPerCheck is Graph checkMemberGroups' limit per call.
const maxGroupsPerCheck = 20

// PassLister lists a user's Temporary Access Passes (approvals.PassIssuer
// satisfies it). The Checker uses it only to warn about a live pass.
type PassLister interface {
	ListPasses(ctx context.Context, user tap.UserID) ([]tap.Pass, error)
}

// Directory is the slice of Entra the policy reads (internal/graph
// implements it). Errors wrap tap sentinels: ErrUserNotFound,
// ErrPermission, ErrThrottled, ErrUnavailable.
type Directory interface {
	// User returns the user by object id or userPrincipalName.
	// ErrUserNotFound if absent.
	User(ctx context.Context, idOrUPN string) (tap.User, error)
	// Manager returns the user's manager. ErrNotFound if none is set.
	Manager(ctx context.Context, id tap.UserID) (tap.User, error)
	// MemberOf returns which of groupIDs the user is a (transitive) member of.
	MemberOf(ctx context.Context, id tap.UserID, groupIDs []string) ([]string, error)
	// Roles returns the user's directory role assignments, active and
	// (where the permission allows) PIM-eligible.
	Roles(ctx context.Context, id tap.UserID) ([]tap.RoleAssignment, error)
	// TenantPolicy returns the tenant's TAP authentication-method policy.
	TenantPolicy(ctx context.Context) (tap.TenantPolicy, error)
	// Methods lists the user's registered authentication methods (a
	// strong one shows the target is not a new hire).
	Methods(ctx context.Context, id tap.UserID) ([]tap.Method, error)
}

// RequestLister reads stored requests (any tap.Store). The policy only
// reads: open requests per target and quotas per requester.
type RequestLister interface {
	// ListRequests returns matching requests, oldest first.
	ListRequests(ctx context.Context, f tap.RequestFilter) ([]*tap.Request, error)
}

// Checker implements approvals.Checker against the live directory.
type Checker struct {
	live   atomic.Pointer[Config] // swapped whole by Reload
	dir    Directory
	store  RequestLister
	now    func() time.Time
	log    *slog.Logger
	passes PassLister

	mu       sync.Mutex
	policy   tap.TenantPolicy
	policyAt time.Time
	havePol  bool
}

// Deps are the Checker's collaborators, all given at construction.
type Deps struct {
	// Directory is read live at every check (required).
	Directory Directory
	// Requests is only read: open requests per target and quotas (required).
	Requests RequestLister
	// Passes, when set, turns on the "approving replaces a live pass"
	// warning.
	Passes PassLister
	// Now is the clock (time.Now if nil); Log may be nil.
	Now func() time.Time
	Log *slog.Logger
}

// New returns a Checker. cfg should have passed Validate.
func New(cfg Config, d Deps) *Checker {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	c := &Checker{dir: d.Directory, store: d.Requests, passes: d.Passes, now: d.Now, log: d.Log}
	c.live.Store(&cfg)
	return c
}

// Config returns the policy the Checker enforces now.
func (c *Checker) Config() Config { return *c.live.Load() }

// Reload replaces the policy after validating it; on a problem the old
// one stays and the error says why. Requests already submitted keep the
// decisions made for them; every later check uses the new policy.
func (c *Checker) Reload(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	c.live.Store(&cfg)
	c.log.Info("policy reloaded")
	return nil
}

// tenantPolicy returns the tenant's TAP policy, cached for PolicyTTL.
func (c *Checker) tenantPolicy(ctx context.Context) (tap.TenantPolicy, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.havePol && now.Sub(c.policyAt) < PolicyTTL {
		return c.policy, nil
	}
	p, err := c.dir.TenantPolicy(ctx)
	if err != nil {
		return tap.TenantPolicy{}, fmt.Errorf("read tenant tap policy: %w", err)
	}
	c.policy, c.policyAt, c.havePol = p, now, true
	c.log.Debug("tenant tap policy refreshed", "enabled", p.Enabled,
		"min_lifetime", p.MinLifetime.String(), "max_lifetime", p.MaxLifetime.String())
	return p, nil
}

// limit is the allowed lifetime range and what sets its maximum.
type limit struct {
	min, max time.Duration
	source   string
}

func (l limit) fits() bool { return l.min <= l.max }

// limits intersects the tenant policy, the reason's max and the org max.
func (c *Checker) limits(p tap.TenantPolicy, r tap.Reason) limit {
	l := limit{min: p.MinLifetime, max: p.MaxLifetime, source: text.SourceTenant}
	if l.min < graphMinLifetime {
		l.min = graphMinLifetime
	}
	if l.max <= 0 || l.max > graphMaxLifetime {
		l.max = graphMaxLifetime
	}
	if r != "" {
		if m := c.Config().Reason(r).MaxLifetime.D(); m > 0 && m < l.max {
			l.max, l.source = m, text.SourceReason(r)
		}
	}
	if m := c.Config().MaxLifetime.D(); m > 0 && m < l.max {
		l.max, l.source = m, text.SourceOrg
	}
	return l
}

// CheckSubmit runs every live check on a draft request. It refreshes
// r.Target from the directory, fills r.Reason (onboarding) and
// r.Lifetime (the reason's default, clipped) when empty, forces
// r.OneTime when the tenant allows only one-time passes, turns a start
// within ClockTolerance of now into "now", and sets r.ApprovalsNeeded.
// Refusals are *tap.Refusal; other errors (Graph down, store down) are
// wrapped and mean "could not check", never "allowed".
func (c *Checker) CheckSubmit(ctx context.Context, r *tap.Request) ([]string, error) {
	var warnings []string
	now := c.now()

	if r.Reason == "" {
		r.Reason = tap.ReasonOnboarding
	}
	if !r.Reason.Valid() {
		return nil, refuseUnknownReason(r.Reason)
	}
	if r.Requester.EntraID == "" {
		return nil, refuseRequesterUnknown()
	}

	// The requester's own right comes first: someone who may not ask
	// learns nothing about the target (roles, account state) from tapbot.
	if err := c.checkRequesterAccount(ctx, r.Requester.EntraID); err != nil {
		return nil, err
	}
	// The target, read live: never trust what the dialog resolved earlier.
	key := string(r.Target.ID)
	if key == "" {
		key = r.Target.UPN
	}
	if key == "" {
		return nil, tap.Refuse(tap.ErrInvalidInput, text.NeedTarget)
	}
	target, err := c.lookupTarget(ctx, r.Requester.EntraID, key, firstNonEmpty(r.Target.UPN, r.Target.Mail, r.Target.DisplayName, key))
	if err != nil {
		return nil, err
	}
	r.Target = target
	if target.ID == r.Requester.EntraID {
		return nil, refuseSelfRequest()
	}
	if err := c.checkRequester(ctx, r.Requester.EntraID, target); err != nil {
		return nil, err
	}
	pol, member, err := c.checkTargetFacts(ctx, r.Requester.EntraID, target, orgName(r))
	if err != nil {
		return nil, err
	}
	two, err := c.checkPrivilegedTarget(ctx, r.Requester.EntraID, target, member)
	if err != nil {
		return nil, err
	}
	if w, err := c.classify(ctx, r); err != nil {
		return nil, err
	} else if w != "" {
		warnings = append(warnings, w)
	}

	w, err := c.checkShape(r, pol, now)
	if err != nil {
		return nil, err
	}
	warnings = append(warnings, w...)

	if err := c.checkOpen(ctx, r, now); err != nil {
		return nil, err
	}

	r.ApprovalsNeeded = 1
	if two || slices.Contains(c.Config().TwoApprovers.Reasons, r.Reason) || anyIn(c.Config().TwoApprovers.TargetGroups, member) {
		r.ApprovalsNeeded = 2
	}
	if same, err := c.sameApprovers(ctx, r, now); err != nil {
		return nil, err
	} else if len(same) > 0 && !two {
		r.ApprovalsNeeded, r.SameApprovers = 1, same
	}

	if w := c.livePass(ctx, r); w != "" {
		warnings = append(warnings, w)
	}
	return warnings, nil
}

// checkTargetFacts checks the target itself: enabled, a member (not an
// external guest), no directory role, inside the tenant TAP policy's
// scope with the method enabled. It returns the tenant policy and the
// target's memberships (targetGroups) for the checks that follow.
func (c *Checker) checkTargetFacts(ctx context.Context, requester tap.UserID, target tap.User, org string) (tap.TenantPolicy, map[string]bool, error) {
	if !target.Enabled {
		return tap.TenantPolicy{}, nil, refuseDisabled(target)
	}
	if target.External {
		return tap.TenantPolicy{}, nil, refuseGuest(target, org)
	}
	if err := c.checkTargetRoles(ctx, requester, target); err != nil {
		return tap.TenantPolicy{}, nil, err
	}
	pol, err := c.tenantPolicy(ctx)
	if err != nil {
		return tap.TenantPolicy{}, nil, err
	}
	if !pol.Enabled {
		return tap.TenantPolicy{}, nil, refuseMethodDisabled()
	}
	member, err := c.targetGroups(ctx, pol, target.ID)
	if err != nil {
		return tap.TenantPolicy{}, nil, err
	}
	return pol, member, inScope(pol, target, member)
}

// checkRequester applies the requester rule: the target's manager in
// Entra, or a member of a requester group. Its refusal is one sentence
// that says nothing about the target.
func (c *Checker) checkRequester(ctx context.Context, requester tap.UserID, target tap.User) error {
	rq := c.Config().Requesters
	noManager := false
	if rq.Manager {
		m, err := c.dir.Manager(ctx, target.ID)
		switch {
		case err == nil && m.ID == requester:
			return nil
		case errors.Is(err, tap.ErrNotFound) || errors.Is(err, tap.ErrUserNotFound):
			noManager = true
		case err != nil:
			return fmt.Errorf("read manager of %s: %w", target.ID, err)
		}
	}
	if len(rq.Groups) > 0 {
		in, err := c.memberOf(ctx, requester, rq.Groups)
		if err != nil {
			return fmt.Errorf("read groups of requester %s: %w", requester, err)
		}
		if len(in) > 0 {
			return nil
		}
	}
	if noManager {
		c.log.Info("requester refused: the target has no manager", "target", string(target.ID), "requester", string(requester))
	}
	return refuseMayNotRequest(rq)
}

// checkRequesterAccount re-reads the requester: a chat account can
// outlive a disabled directory account.
func (c *Checker) checkRequesterAccount(ctx context.Context, id tap.UserID) error {
	u, err := c.dir.User(ctx, string(id))
	switch {
	case errors.Is(err, tap.ErrUserNotFound) || errors.Is(err, tap.ErrNotFound):
		return refuseRequesterUnknown()
	case err != nil:
		return fmt.Errorf("read requester %s: %w", id, err)
	case u.External:
		return refuseRequesterGuest()
	case !u.Enabled:
		return refuseRequesterDisabled()
	}
	return nil
}

// checkShape validates and fills lifetime, one-time use and start.
func (c *Checker) checkShape(r *tap.Request, pol tap.TenantPolicy, now time.Time) ([]string, error) {
	var warnings []string
	lim := c.limits(pol, r.Reason)
	if !lim.fits() {
		return nil, refuseNoLifetimeFits(lim, r.Reason)
	}
	if r.Lifetime == 0 {
		want := c.Config().Reason(r.Reason).Lifetime.D()
		got := min(max(want, lim.min), lim.max)
		if got != want {
			src := lim.source
			if got == lim.min {
				src = text.SourceTenant
			}
			warnings = append(warnings, warnLifetimeClipped(r.Reason, want, got, limit{min: lim.min, max: lim.max, source: src}))
		}
		r.Lifetime = got
	}
	r.Lifetime = r.Lifetime.Truncate(time.Minute)
	if r.Lifetime < lim.min {
		return nil, refuseTooShort(r.Lifetime, lim.min)
	}
	if r.Lifetime > lim.max {
		return nil, refuseTooLong(r.Lifetime, lim, r.Reason)
	}
	if pol.OneTimeDefault && !r.OneTime {
		r.OneTime = true
		warnings = append(warnings, warnOneTimeForced())
	}

	if !r.Start.IsZero() {
		switch {
		case r.Start.Before(now.Add(-ClockTolerance)):
			return nil, refuseStartPast(r.Start, r.RequesterZone)
		case !r.Start.After(now):
			r.Start = time.Time{}
		case r.Start.After(now.Add(c.Config().MaxAhead.D())):
			return nil, refuseStartTooFar(r.Start, r.RequesterZone, c.Config().MaxAhead.D())
		}
	}
	return warnings, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return "that person"
}

// orgName names the organisation for the guest refusal: the requester's
// mail domain, else the tenant domain in a guest's #EXT# UPN.
func orgName(r *tap.Request) string {
	if _, d, ok := strings.Cut(r.Requester.Email, "@"); ok && d != "" {
		return d
	}
	if _, d, ok := strings.Cut(r.Target.UPN, "#EXT#@"); ok && d != "" {
		return d
	}
	return "this organisation"
}
