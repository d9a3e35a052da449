package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// ApproverTargets is what happens to a privileged target: someone who
// can approve or request passes themselves.
type ApproverTargets string

const (
	// ApproverTargetsRefuse refuses the request (the default).
	ApproverTargetsRefuse ApproverTargets = "refuse"
	// ApproverTargetsTwoApprovers requires two distinct approvers,
	// neither of them the requester or the target.
	ApproverTargetsTwoApprovers ApproverTargets = "two_approvers"
)

// Validate reports an unknown value.
func (a ApproverTargets) Validate() error {
	switch a {
	case "", ApproverTargetsRefuse, ApproverTargetsTwoApprovers:
		return nil
	}
	return fmt.Errorf("approver_targets: %q is not refuse or two_approvers", string(a))
}

// strongMethods are the sign-in methods whose presence shows an account
// is already in use: its owner is not a new hire, so a pass for them is
// a recovery whatever the requester's label says.
var strongMethods = []tap.MethodKind{tap.MethodWindowsHello, tap.MethodAuthenticator, tap.MethodFIDO2,
	tap.MethodPlatformCred, tap.MethodSoftwareOATH, tap.MethodPhone}

// privilegedGroups are the groups whose members can approve or request:
// a pass for one of them lets its holder approve or request as them.
// (two_approvers.target_groups are not among them: the operator named
// those groups to be served with two approvers, which they are.)
func (c Config) privilegedGroups() []string {
	return unique(c.allApproverGroups(), c.Requesters.Groups)
}

// checkPrivilegedTarget applies approver_targets to a target whose
// memberships (at least of privilegedGroups) are in member. It returns
// whether two approvers are needed.
func (c *Checker) checkPrivilegedTarget(ctx context.Context, requester tap.UserID, target tap.User, member map[string]bool) (bool, error) {
	if !anyIn(c.Config().privilegedGroups(), member) {
		return false, nil
	}
	if c.Config().ApproverTargets == ApproverTargetsTwoApprovers {
		return true, nil
	}
	c.log.Info("privileged target refused", "target", string(target.ID), "requester", string(requester))
	return false, refusePrivilegedTarget(target)
}

// targetGroups reads which of the groups the checks need the target is in:
// the tenant policy's scope, the two-approver target groups and the
// privileged groups, in one membership read.
func (c *Checker) targetGroups(ctx context.Context, pol tap.TenantPolicy, target tap.UserID) (map[string]bool, error) {
	groups := unique(pol.IncludeGroups, pol.ExcludeGroups, c.Config().TwoApprovers.TargetGroups, c.Config().privilegedGroups())
	member, err := c.memberOf(ctx, target, groups)
	if err != nil {
		return nil, fmt.Errorf("read groups of %s: %w", target, err)
	}
	return member, nil
}

// recoveryEvidence says why target is not a new hire (a strong sign-in
// method registered, or an account older than new_hire_days), or "".
func (c *Checker) recoveryEvidence(ctx context.Context, target tap.User) (string, error) {
	methods, err := c.dir.Methods(ctx, target.ID)
	if err != nil {
		return "", fmt.Errorf("read sign-in methods of %s: %w", target.ID, err)
	}
	for _, m := range methods {
		if slices.Contains(strongMethods, m.Kind) {
			return evidenceMethod(target, m), nil
		}
	}
	days := c.Config().NewHireDays
	if days > 0 && !target.Created.IsZero() && c.now().Sub(target.Created) > time.Duration(days)*24*time.Hour {
		return evidenceOldAccount(target, days), nil
	}
	return "", nil
}

// classify treats a request whose target is not a new hire as a recovery,
// whatever its label, for approval strength, approver groups and the
// lifetime cap. It returns the warning the approvers see, or "".
func (c *Checker) classify(ctx context.Context, r *tap.Request) (string, error) {
	if r.Reason == tap.ReasonRecovery {
		return "", nil
	}
	ev, err := c.recoveryEvidence(ctx, r.Target)
	if err != nil || ev == "" {
		return "", err
	}
	label := r.Reason
	r.Reason = tap.ReasonRecovery
	return warnTreatedAsRecovery(label, ev), nil
}

// mayRequestAnyone reports whether requester is in a requester group
// (and so may learn facts about any target in scope).
func (c *Checker) mayRequestAnyone(ctx context.Context, requester tap.UserID) (bool, error) {
	if len(c.Config().Requesters.Groups) == 0 {
		return false, nil
	}
	in, err := c.memberOf(ctx, requester, c.Config().Requesters.Groups)
	if err != nil {
		return false, fmt.Errorf("read groups of requester %s: %w", requester, err)
	}
	return len(in) > 0, nil
}

// lookupTarget reads the target for requester. A target that is not
// found is named only to someone who may request for anyone: to others
// the answer is the same as for a target they may not ask for, so the
// directory cannot be probed through tapbot.
func (c *Checker) lookupTarget(ctx context.Context, requester tap.UserID, key, typed string) (tap.User, error) {
	target, err := c.dir.User(ctx, key)
	if errors.Is(err, tap.ErrUserNotFound) || errors.Is(err, tap.ErrNotFound) {
		anyone, gerr := c.mayRequestAnyone(ctx, requester)
		if gerr != nil {
			return tap.User{}, gerr
		}
		if anyone || c.Config().Requesters.Manager {
			// A manager may be mistyping a report's name: existence alone
			// says nothing a directory search in Outlook would not.
			return tap.User{}, refuseTargetNotFound(typed)
		}
		return tap.User{}, refuseMayNotRequest(c.Config().Requesters)
	}
	if err != nil {
		return tap.User{}, fmt.Errorf("read target %s: %w", key, err)
	}
	return target, nil
}

// checkRoles refuses a target holding any directory role, naming the role
// only to approvers (to anyone else it is "a privileged account").
func (c *Checker) checkTargetRoles(ctx context.Context, requester tap.UserID, target tap.User) error {
	err := c.checkRoles(ctx, target)
	if !errors.Is(err, tap.ErrPrivileged) {
		return err
	}
	ok, aerr := c.IsApprover(ctx, tap.Actor{EntraID: requester})
	if aerr != nil {
		return aerr
	}
	if ok {
		return err
	}
	return refusePrivilegedUnnamed(target)
}

// checkApprovers re-reads every counted approver of r right before the
// pass is created: each must still exist, be enabled, be a member (not
// an external guest) and be in an approver group for r's reason.
func (c *Checker) checkApprovers(ctx context.Context, r *tap.Request) error {
	groups := c.Config().ApproverGroupsFor(r.Reason)
	for _, d := range r.Approvals {
		id := d.Approver.EntraID
		u, err := c.dir.User(ctx, string(id))
		switch {
		case errors.Is(err, tap.ErrUserNotFound) || errors.Is(err, tap.ErrNotFound):
			return refuseApproverGone(d.Approver)
		case err != nil:
			return fmt.Errorf("re-read approver %s: %w", id, err)
		case !u.Enabled || u.External:
			return refuseApproverGone(d.Approver)
		}
		in, err := c.memberOf(ctx, id, groups)
		if err != nil {
			return fmt.Errorf("re-read approver groups of %s: %w", id, err)
		}
		if len(in) == 0 {
			return refuseApproverGone(d.Approver)
		}
	}
	return nil
}

// CheckReveal re-checks the requester when they click Reveal: still the
// same chat account that asked, still an enabled member of the
// directory, still allowed to request a pass for this target. A
// chat account can outlive a directory account, and a manager who moved
// team should not collect a pass for their former report.
func (c *Checker) CheckReveal(ctx context.Context, r *tap.Request, actor tap.Actor) error {
	rq := r.Requester
	if actor.EntraID != rq.EntraID || (rq.ChatID != "" && (actor.Platform != rq.Platform || actor.ChatID != rq.ChatID)) {
		return refuseRevealOtherAccount()
	}
	if err := c.checkRequesterAccount(ctx, rq.EntraID); err != nil {
		return refuseRevealRequester(err)
	}
	if err := c.checkRequester(ctx, rq.EntraID, r.Target); err != nil {
		var ref *tap.Refusal
		if errors.As(err, &ref) {
			return refuseRevealRequester(err)
		}
		return err
	}
	return nil
}

// checkTargetStillFine re-reads the target's privilege at a click or right
// before the create: membership can change while a request waits.
func (c *Checker) checkTargetStillFine(ctx context.Context, r *tap.Request) error {
	member, err := c.memberOf(ctx, r.Target.ID, c.Config().privilegedGroups())
	if err != nil {
		return fmt.Errorf("read groups of %s: %w", r.Target.ID, err)
	}
	two, err := c.checkPrivilegedTarget(ctx, r.Requester.EntraID, r.Target, member)
	if err != nil {
		return err
	}
	if two && r.ApprovalsNeeded < 2 {
		return refuseNowNeedsTwo(r.Target)
	}
	return nil
}
