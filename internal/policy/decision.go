package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// CheckDecision checks, at click time, that actor may approve or deny r.
// Identity is the immutable Entra id only: not the requester, not the
// target, not already among r.Approvals (two approvers must be distinct
// people). The actor is then re-read in the directory (exists, enabled,
// not an external guest) and their approver-group membership is asked
// of Graph now, never cached. Chat-side guests (Slack restricted or
// Connect users) carry no flag in tap.Actor; the chat layer refuses them
// before this is called.
func (c *Checker) CheckDecision(ctx context.Context, r *tap.Request, actor tap.Actor) error {
	id := actor.EntraID
	if id == "" {
		return refuseDeciderUnknown()
	}
	if id == r.Requester.EntraID {
		return refuseDeciderIsRequester()
	}
	if id == r.Target.ID {
		return refuseDeciderIsTarget()
	}
	for _, d := range r.Approvals {
		if d.Approver.EntraID == id {
			return refuseAlreadyApproved()
		}
	}
	u, err := c.dir.User(ctx, string(id))
	if errors.Is(err, tap.ErrUserNotFound) || errors.Is(err, tap.ErrNotFound) {
		return refuseDeciderUnknown()
	}
	if err != nil {
		return fmt.Errorf("read approver %s: %w", id, err)
	}
	if u.External {
		return refuseDeciderGuest()
	}
	if !u.Enabled {
		return refuseDeciderDisabled()
	}
	groups := c.Config().ApproverGroupsFor(r.Reason)
	in, err := c.memberOf(ctx, id, groups)
	if err != nil {
		return fmt.Errorf("read approver groups of %s: %w", id, err)
	}
	if len(in) == 0 {
		return refuseNotApprover(r.Reason)
	}
	return nil
}

// CheckApprove is CheckDecision for an approval, plus the target re-read:
// they may have become an approver or requester while the request
// waited (a denial needs no such check).
func (c *Checker) CheckApprove(ctx context.Context, r *tap.Request, actor tap.Actor) error {
	if err := c.CheckDecision(ctx, r, actor); err != nil {
		return err
	}
	// A same_approver reissue is approved by an approver of the original
	// (anyone who may decide can still deny it).
	if err := checkSameApprover(r, actor.EntraID); err != nil {
		return err
	}
	return c.checkTargetStillFine(ctx, r)
}

// CheckRevoke checks, now, that actor may revoke r although they did not
// request it: an existing, enabled member (not an external guest) of an
// approver group for r's reason, read from Entra at the click.
func (c *Checker) CheckRevoke(ctx context.Context, r *tap.Request, actor tap.Actor) error {
	ok, err := c.reasonApprover(ctx, r, actor)
	if err != nil {
		return err
	}
	if !ok {
		return refuseRevoker(r.Reason)
	}
	return nil
}

// CheckReissue checks, now, that actor may replace r (reissue, or
// reschedule) although they did not request it: an approver for r's
// reason, as for CheckRevoke. Anyone else is refused with the sentence a
// new request for r's target would get from them (the requester rule), or,
// when they could ask for that person themselves, told that only the
// requester or an approver can replace this request. The new request is
// then checked whole by CheckSubmit with actor as its requester.
func (c *Checker) CheckReissue(ctx context.Context, r *tap.Request, actor tap.Actor) error {
	ok, err := c.reasonApprover(ctx, r, actor)
	if err != nil || ok {
		return err
	}
	if err := c.checkRequester(ctx, actor.EntraID, r.Target); err != nil {
		return err
	}
	return refuseReissuer(r.Reason)
}

// reasonApprover reports whether actor is an existing, enabled member
// (not an external guest) of an approver group for r's reason, read from
// Entra now. A missing, disabled or guest account is a refusal.
func (c *Checker) reasonApprover(ctx context.Context, r *tap.Request, actor tap.Actor) (bool, error) {
	id := actor.EntraID
	if id == "" {
		return false, refuseDeciderUnknown()
	}
	u, err := c.dir.User(ctx, string(id))
	if errors.Is(err, tap.ErrUserNotFound) || errors.Is(err, tap.ErrNotFound) {
		return false, refuseDeciderUnknown()
	}
	if err != nil {
		return false, fmt.Errorf("read approver %s: %w", id, err)
	}
	if u.External {
		return false, refuseDeciderGuest()
	}
	if !u.Enabled {
		return false, refuseDeciderDisabled()
	}
	in, err := c.memberOf(ctx, id, c.Config().ApproverGroupsFor(r.Reason))
	if err != nil {
		return false, fmt.Errorf("read approver groups of %s: %w", id, err)
	}
	return len(in) > 0, nil
}

// IsApprover reports whether actor is, now, in any approver group
// (the general list or a per-reason one).
func (c *Checker) IsApprover(ctx context.Context, actor tap.Actor) (bool, error) {
	if actor.EntraID == "" {
		return false, nil
	}
	in, err := c.memberOf(ctx, actor.EntraID, c.Config().allApproverGroups())
	if err != nil {
		return false, fmt.Errorf("read approver groups of %s: %w", actor.EntraID, err)
	}
	return len(in) > 0, nil
}

// MayBulk reports whether actor may send a batch of requests: an
// approver, or a member of a requester group, whose account is enabled
// and not a guest (all read now).
func (c *Checker) MayBulk(ctx context.Context, actor tap.Actor) (bool, error) {
	if actor.EntraID == "" {
		return false, nil
	}
	if err := c.checkRequesterAccount(ctx, actor.EntraID); err != nil {
		var ref *tap.Refusal
		if errors.As(err, &ref) {
			return false, nil
		}
		return false, err
	}
	cfg := c.Config()
	groups := slices.Concat(cfg.allApproverGroups(), cfg.Requesters.Groups)
	in, err := c.memberOf(ctx, actor.EntraID, groups)
	if err != nil {
		return false, fmt.Errorf("read groups of %s: %w", actor.EntraID, err)
	}
	return len(in) > 0, nil
}

// DialogLimits returns the lifetime range a requester may choose from:
// the tenant TAP policy's range intersected with the organisation's
// max (reason maxima apply on top; see Defaults).
func (c *Checker) DialogLimits(ctx context.Context) (lo, hi time.Duration, err error) {
	pol, err := c.tenantPolicy(ctx)
	if err != nil {
		return 0, 0, err
	}
	l := c.limits(pol, "")
	return l.min, l.max, nil
}

// ReasonDefaults is what the dialog pre-fills for a reason.
type ReasonDefaults struct {
	// Lifetime is the reason's default clipped into [MinLifetime, MaxLifetime].
	Lifetime    time.Duration
	MinLifetime time.Duration
	MaxLifetime time.Duration
	// OneTime is the reason's default, forced true when the tenant
	// allows only one-time passes.
	OneTime bool
	// StartLead: when the requester names a day, start this long before
	// the working day begins.
	StartLead time.Duration
}

// Defaults returns the dialog's defaults for reason r against the
// tenant policy (cached) and the organisation's limits.
func (c *Checker) Defaults(ctx context.Context, r tap.Reason) (ReasonDefaults, error) {
	pol, err := c.tenantPolicy(ctx)
	if err != nil {
		return ReasonDefaults{}, err
	}
	rp := c.Config().Reason(r)
	l := c.limits(pol, r)
	d := ReasonDefaults{
		Lifetime:    min(max(rp.Lifetime.D(), l.min), l.max),
		MinLifetime: l.min,
		MaxLifetime: l.max,
		OneTime:     rp.OneTime || pol.OneTimeDefault,
		StartLead:   rp.StartLead.D(),
	}
	return d, nil
}
