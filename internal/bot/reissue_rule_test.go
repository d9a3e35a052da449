package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/policy"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

// TestReissueSameApprover: under reissue: same_approver a request that
// needed Alex and Irvin is reissued; within 7 days of their approval one
// click by either is enough and Diego, an approver who did not approve
// the original, is refused; once the original's approval is older than
// 7 days, the reissue needs two approvers again.
func TestReissueSameApprover(t *testing.T) {
	for _, tc := range []struct {
		name     string
		age      time.Duration
		needed   int
		sameRule bool
	}{
		{"within 7 days", 0, 1, true},
		{"after 7 days", 8 * 24 * time.Hour, 2, true},
		{"rule off", 0, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, "approval", func(c *policy.Config) {
				c.TwoApprovers = policy.TwoApprovers{Reasons: []tap.Reason{tap.ReasonOnboarding}}
				if tc.sameRule {
					c.Reissue = policy.ReissueSameApprover
				}
			})
			if err := h.tenant.AddMember(simtenant.DemoApproversGroupID, simtenant.DemoDiegoID); err != nil {
				t.Fatal(err)
			}
			id := h.request(oneShot)
			h.click(alex, chat.ActionApprove, string(id))
			h.click(irvin, chat.ActionApprove, string(id))
			old, err := h.store.GetRequest(h.ctx, id)
			if err != nil || old.State != tap.StateIssued {
				t.Fatalf("original: %v %v", old, err)
			}
			for i := range old.Approvals {
				old.Approvals[i].At = old.Approvals[i].At.Add(-tc.age)
			}
			if err := h.store.UpdateRequest(h.ctx, old); err != nil {
				t.Fatal(err)
			}
			h.say(megan, "reissue "+simtenant.DemoSarahUPN)
			rs, _ := h.store.ListRequests(h.ctx, tap.RequestFilter{Target: simtenant.DemoSarahID, States: []tap.State{tap.StatePending}})
			if len(rs) != 1 || rs[0].ApprovalsNeeded != tc.needed {
				t.Fatalf("reissued request: %d pending, want one needing %d approvals: %+v", len(rs), tc.needed, rs)
			}
			nw := rs[0].ID
			if tc.needed == 1 {
				card, _ := h.msgr.Last(approversChannel)
				if !strings.Contains(chattest.Text(card.Message), "one click by Alex Wilber or Irvin Sayers") {
					t.Errorf("the card does not say who may approve with one click:\n%s", chattest.Text(card.Message))
				}
				if got := h.click(diego, chat.ActionApprove, string(nw)).Text(); !strings.Contains(got, "only they can approve it") {
					t.Errorf("Diego, who did not approve the original, was not refused: %s", got)
				}
			}
			h.click(irvin, chat.ActionApprove, string(nw))
			want := tap.StateIssued
			if tc.needed == 2 {
				want = tap.StatePending
			}
			if got := h.state(nw); got != want {
				t.Errorf("after Irvin's click: %s, want %s", got, want)
			}
		})
	}
}
