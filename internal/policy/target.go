package policy

import (
	"context"
	"fmt"

	"github.com/tapbot/tapbot/internal/tap"
)

// CheckTarget runs the target checks alone, right after the dialog
// resolves who the pass is for, so the requester hears "Adele holds a
// directory role" before answering the remaining questions. CheckSubmit
// runs them all again at submit.
func (c *Checker) CheckTarget(ctx context.Context, requester tap.UserID, target tap.User) error {
	if target.ID == requester {
		return refuseSelfRequest()
	}
	// The requester's right first: no facts about the target otherwise.
	if err := c.checkRequester(ctx, requester, target); err != nil {
		return err
	}
	if err := c.checkOpenForTarget(ctx, target); err != nil {
		return err
	}
	_, member, err := c.checkTargetFacts(ctx, requester, target, orgName(&tap.Request{Target: target}))
	if err != nil {
		return err
	}
	_, err = c.checkPrivilegedTarget(ctx, requester, target, member)
	return err
}

// CheckIssue re-checks the target right before a pass is created:
// enabled, not an external guest, no directory role (active or
// eligible), not (or no longer allowed as) a privileged target, inside
// the TAP policy's scope and the method still enabled; and every counted
// approver is still an enabled member of an approver group. It
// implements approvals.Checker.
func (c *Checker) CheckIssue(ctx context.Context, r *tap.Request) error {
	if err := c.checkApprovers(ctx, r); err != nil {
		return err
	}
	if err := c.checkTargetStillFine(ctx, r); err != nil {
		return err
	}
	target, err := c.dir.User(ctx, string(r.Target.ID))
	if err != nil {
		return fmt.Errorf("re-read target %s: %w", r.Target.ID, err)
	}
	if !target.Enabled {
		return refuseDisabled(target)
	}
	if target.External {
		return refuseGuest(target, orgName(r))
	}
	if err := c.checkRoles(ctx, target); err != nil {
		return err
	}
	pol, err := c.tenantPolicy(ctx)
	if err != nil {
		return err
	}
	if !pol.Enabled {
		return refuseMethodDisabled()
	}
	member, err := c.memberOf(ctx, target.ID, unique(pol.IncludeGroups, pol.ExcludeGroups))
	if err != nil {
		return fmt.Errorf("read groups of %s: %w", target.ID, err)
	}
	return inScope(pol, target, member)
}
