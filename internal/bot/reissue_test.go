package bot_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

// TestReissueRefusedLikeANewRequest: Diego (not Sarah's manager, not an
// approver) clicks Issue a new pass on Megan's request, and Alex (an
// approver, who may not ask for Sarah himself) says "reissue sarah…":
// each is told what a new request for Sarah would tell them, and the old
// request and its pass are untouched.
func TestReissueRefusedLikeANewRequest(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	h.click(alex, chat.ActionApprove, string(id))
	if got := h.state(id); got != tap.StateIssued {
		t.Fatalf("state after approve = %s", got)
	}
	const newRequest = "pass for sarah.johnson@contoso.com tomorrow 9am, 8 hours"
	for _, tc := range []struct {
		name string
		who  chat.User
		try  func() string
	}{
		{"outsider clicks the button", diego, func() string { return h.click(diego, chat.ActionReissue, string(id)).Text() }},
		{"approver who may not request, by command", alex, func() string { return h.say(alex, "reissue "+simtenant.DemoSarahUPN).Text() }},
		{"outsider, by command", diego, func() string { return h.say(diego, "reissue "+simtenant.DemoSarahUPN).Text() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.try()
			h.say(tc.who, "cancel")
			want := h.say(tc.who, newRequest).Text()
			h.say(tc.who, "cancel")
			const sentence = "You can ask for a pass only for people who report to you"
			if !strings.Contains(want, sentence) {
				t.Fatalf("a new request for Sarah by %s was not refused as expected:\n%s", tc.who.Name, want)
			}
			if !strings.Contains(got, sentence) {
				t.Errorf("reissue by %s answered:\n%s\nwant the new request's refusal:\n%s", tc.who.Name, got, want)
			}
		})
	}
	if got := h.state(id); got != tap.StateIssued {
		t.Errorf("refused reissues moved the request to %s", got)
	}
	if d, ps := h.tenant.Deletes(simtenant.DemoSarahID), h.tenant.Passes(simtenant.DemoSarahID); d != 0 || len(ps) != 1 {
		t.Errorf("refused reissues touched the pass: deletes %d, passes %d", d, len(ps))
	}
	if rs, _ := h.store.ListRequests(h.ctx, tap.RequestFilter{Target: simtenant.DemoSarahID}); len(rs) != 1 {
		t.Errorf("%d requests for Sarah, want 1", len(rs))
	}
}

// TestReissueDoubleClickAtOnce: two "Issue a new pass" clicks arrive at
// the same moment (two replicas, a nervous requester): one new request,
// the old pass deleted once, and the other click is told which request
// replaced it.
func TestReissueDoubleClickAtOnce(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	h.click(alex, chat.ActionApprove, string(id))
	var wg sync.WaitGroup
	answers := make([]string, 2)
	for i := range answers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = h.click(megan, chat.ActionReissue, string(id)).Text()
		}()
	}
	wg.Wait()
	rs, err := h.store.ListRequests(h.ctx, tap.RequestFilter{Target: simtenant.DemoSarahID})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 {
		t.Fatalf("%d requests for Sarah after two simultaneous clicks, want 2 (the old and one new)", len(rs))
	}
	if d := h.tenant.Deletes(simtenant.DemoSarahID); d != 1 {
		t.Errorf("old pass deleted %d times, want 1", d)
	}
	if !strings.Contains(answers[0]+answers[1], "already replaced this one") {
		t.Errorf("the losing click was not told which request replaced it: %q", answers)
	}
}

// TestReissueFromTheUsedPassNotice: Sarah's revealed one-time pass was
// used; she says it does not work; Megan's notice carries Issue a new
// pass, and its click replaces the delivered request: the used pass is
// deleted in Entra and a new request waits for approval.
func TestReissueFromTheUsedPassNotice(t *testing.T) {
	h := newHarness(t, "approval")
	h.say(megan, "pass for sarah.johnson@contoso.com now, 8 hours, onboarding, one-time because she starts in Sales")
	id := h.request("UTC")
	h.click(alex, chat.ActionApprove, string(id))
	h.click(megan, chat.ActionReveal, string(id))
	if err := h.tenant.UseOnce(simtenant.DemoSarahID); err != nil {
		t.Fatal(err)
	}
	h.say(sarah, "it doesn't work")
	notice, _ := h.msgr.Last(megan.ID)
	if chattest.ButtonValue(notice.Message, chat.ActionReissue) != string(id) {
		t.Fatalf("the used-pass notice has no Issue a new pass button:\n%s", chattest.Text(notice.Message))
	}
	h.click(megan, chat.ActionReissue, string(id))
	if got := h.state(id); got != tap.StateRevoked {
		t.Errorf("the delivered request is %s, want revoked (replaced)", got)
	}
	if d, ps := h.tenant.Deletes(simtenant.DemoSarahID), h.tenant.Passes(simtenant.DemoSarahID); d != 1 || len(ps) != 0 {
		t.Errorf("used pass: deletes %d, passes %d", d, len(ps))
	}
	card, _ := h.msgr.Last(approversChannel)
	nw := chattest.ButtonValue(card.Message, chat.ActionApprove)
	if nw == "" || nw == string(id) || h.state(tap.RequestID(nw)) != tap.StatePending {
		t.Fatalf("no new approval card:\n%s", chattest.Text(card.Message))
	}
	h.click(alex, chat.ActionApprove, nw)
	if got, c := h.state(tap.RequestID(nw)), h.tenant.Creates(simtenant.DemoSarahID); got != tap.StateIssued || c != 2 {
		t.Errorf("reissue after approval: %s, Graph creates %d (want issued, 2)", got, c)
	}
}

// TestRescheduleApprovedInRevealMode: with issue_on reveal an approved
// request has no pass yet; a new start replaces it with a new request
// (the approval was for the old window), and nothing reaches Graph.
func TestRescheduleApprovedInRevealMode(t *testing.T) {
	h := newHarness(t, "reveal")
	id := h.request(oneShot)
	h.click(alex, chat.ActionApprove, string(id))
	if got := h.state(id); got != tap.StateApproved {
		t.Fatalf("state after approve = %s", got)
	}
	h.say(megan, "reschedule "+simtenant.DemoSarahUPN+" in 3 hours")
	old, err := h.store.GetRequest(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if old.State != tap.StateCancelled || old.ReplacedBy == "" {
		t.Fatalf("old request %s, replaced by %q; want cancelled and replaced", old.State, old.ReplacedBy)
	}
	nw, err := h.store.GetRequest(h.ctx, old.ReplacedBy)
	if err != nil {
		t.Fatal(err)
	}
	if nw.State != tap.StatePending || nw.Start.Before(time.Now().Add(2*time.Hour)) || len(nw.Approvals) != 0 {
		t.Errorf("new request %s starting %s with %d approvals; want pending, about 3 hours ahead, none", nw.State, nw.Start, len(nw.Approvals))
	}
	if c, d := h.tenant.Creates(simtenant.DemoSarahID), h.tenant.Deletes(simtenant.DemoSarahID); c != 0 || d != 0 {
		t.Errorf("Graph creates %d, deletes %d; want none", c, d)
	}
}
