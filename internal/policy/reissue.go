package policy

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// ReissueRule is how a reissue (a new pass replacing one that expired,
// was used, was not revealed or failed) is approved: the reissue key.
type ReissueRule string

const (
	// ReissueApproval approves a reissue as any new request (the default).
	ReissueApproval ReissueRule = "approval"
	// ReissueSameApprover lets one approver of the original approve the
	// reissue alone, with one click, within SameApproverWindow of the
	// original's approval. Two approvers required because the target is
	// an approver or privileged (approver_targets) are still required.
	ReissueSameApprover ReissueRule = "same_approver"
)

// SameApproverWindow is how long after the original's approval
// ReissueSameApprover applies.
const SameApproverWindow = 7 * 24 * time.Hour

// Validate reports an unknown value.
func (r ReissueRule) Validate() error {
	switch r {
	case "", ReissueApproval, ReissueSameApprover:
		return nil
	}
	return fmt.Errorf("reissue: %q is not approval or same_approver", string(r))
}

// sameApprovers returns, for a reissue under ReissueSameApprover, the
// approvers of the request r replaces when it was approved within
// SameApproverWindow; else nil.
func (c *Checker) sameApprovers(ctx context.Context, r *tap.Request, now time.Time) ([]tap.Actor, error) {
	if c.Config().Reissue != ReissueSameApprover || r.ReissueOf == "" {
		return nil, nil
	}
	rs, err := c.store.ListRequests(ctx, tap.RequestFilter{Target: r.Target.ID})
	if err != nil {
		return nil, fmt.Errorf("read the request a reissue replaces: %w", err)
	}
	i := slices.IndexFunc(rs, func(q *tap.Request) bool { return q.ID == r.ReissueOf })
	if i < 0 || len(rs[i].Approvals) == 0 || rs[i].Approvals[len(rs[i].Approvals)-1].Approver.EntraID == "" {
		return nil, nil
	}
	old := rs[i]
	if now.Sub(old.Approvals[len(old.Approvals)-1].At) > SameApproverWindow {
		return nil, nil
	}
	var out []tap.Actor
	for _, d := range old.Approvals {
		if d.Approver.EntraID != "" {
			out = append(out, d.Approver)
		}
	}
	return out, nil
}

// checkSameApprover refuses an approval of a same_approver reissue by
// someone who did not approve the original (denying stays open to any
// approver).
func checkSameApprover(r *tap.Request, id tap.UserID) error {
	if len(r.SameApprovers) == 0 {
		return nil
	}
	var names []string
	for _, a := range r.SameApprovers {
		if a.EntraID == id {
			return nil
		}
		names = append(names, firstNonEmpty(a.Name, a.Email, string(a.EntraID)))
	}
	return refuseNotSameApprover(names)
}
