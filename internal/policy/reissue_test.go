package policy

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// TestCheckReissue: an approver may replace someone else's request; a
// person who could not ask for the new hire hears what a new request
// would tell them; one who could, but neither asked nor approves, is told
// only the requester or an approver can replace it.
func TestCheckReissue(t *testing.T) {
	e := newEnv(t)
	c := e.checker()
	ctx := context.Background()
	old := submitted(t, e, c, "sarah", "")
	if err := c.CheckReissue(ctx, old, e.actor("ann")); err != nil {
		t.Errorf("approver: %v", err)
	}
	sam := e.draft("sarah")
	sam.Requester = e.actor("sam")
	_, asNew := c.CheckSubmit(ctx, sam)
	err := c.CheckReissue(ctx, old, e.actor("sam"))
	if asNew == nil || err == nil || err.Error() != asNew.Error() {
		t.Errorf("someone who may not ask: reissue %v, new request %v (want the same refusal)", err, asNew)
	}
	err = c.CheckReissue(ctx, old, e.actor("hal"))
	var ref *tap.Refusal
	if !errors.As(err, &ref) || !errors.Is(err, tap.ErrForbidden) || err.Error() == asNew.Error() {
		t.Errorf("a requester-group member who did not ask: %v", err)
	}
}

// TestSameApprover: under reissue: same_approver, a reissue of a
// two-approver request approved an hour ago needs one approval, by one of
// the original's approvers only (anyone may still deny); approved eight
// days ago, or with the rule off, it needs two as any request.
func TestSameApprover(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rule   ReissueRule
		ago    time.Duration
		needed int
	}{
		{"within 7 days", ReissueSameApprover, time.Hour, 1},
		{"after 7 days", ReissueSameApprover, 8 * 24 * time.Hour, 2},
		{"rule off", ReissueApproval, time.Hour, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.cfg.TwoApprovers.Reasons = []tap.Reason{tap.ReasonOnboarding}
			e.cfg.Reissue = tc.rule
			c := e.checker()
			ctx := context.Background()
			old := &tap.Request{ID: "old-1", State: tap.StateIssued, Requester: e.actor("mia"),
				Target: tap.User{ID: e.ids["sarah"]}, Reason: tap.ReasonOnboarding, CreatedAt: e.clock().Add(-tc.ago),
				Approvals: []tap.Decision{{Approver: e.actor("ann"), At: e.clock().Add(-tc.ago)}}}
			e.must(e.store.CreateRequest(ctx, old))
			r := e.draft("sarah")
			r.ID, r.ReissueOf = old.ID, old.ID
			if _, err := c.CheckSubmit(ctx, r); err != nil {
				t.Fatalf("reissue: %v", err)
			}
			if r.ApprovalsNeeded != tc.needed {
				t.Fatalf("approvals needed %d, want %d", r.ApprovalsNeeded, tc.needed)
			}
			err := c.CheckApprove(ctx, r, e.actor("bob"))
			if tc.needed == 1 {
				if !errors.Is(err, tap.ErrForbidden) {
					t.Errorf("bob, who did not approve the original: %v", err)
				}
				if err := c.CheckDecision(ctx, r, e.actor("bob")); err != nil {
					t.Errorf("bob may still deny: %v", err)
				}
				if err := c.CheckApprove(ctx, r, e.actor("ann")); err != nil {
					t.Errorf("ann, who approved the original: %v", err)
				}
			} else if err != nil {
				t.Errorf("bob on a reissue approved as any request: %v", err)
			}
		})
	}
}
