package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

// Issue 10 row 1, from chat: Megan asks for a pass for Irvin, her report
// and an approver. With it she could approve as Irvin from then on.
func TestAttack_ApprovalBootstrapFromChat(t *testing.T) {
	h := newHarness(t, "approval")
	r := h.say(megan, "pass for "+simtenant.DemoIrvinUPN+" tomorrow 9am, 8 hours, onboarding because new laptop")
	if strings.Contains(r.Text(), "Confirm and send") {
		r = h.say(megan, "yes")
	}
	if !strings.Contains(r.Text(), "can approve or request passes") {
		t.Fatalf("reply:\n%s", r.Text())
	}
	if n := len(h.msgr.To(approversChannel)); n != 0 {
		t.Fatalf("%d messages reached the approvers", n)
	}
	if n := h.tenant.Creates(simtenant.DemoIrvinID); n != 0 {
		t.Fatalf("graph creates for Irvin = %d", n)
	}
}

// Issue 10 row 5, from chat: Megan leaves the company (disabled in Entra)
// after the approval; her chat account still works. Her Reveal click is
// refused, audited, and the approvers are told.
func TestAttack_RevealByDisabledRequester(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	h.click(alex, chat.ActionApprove, string(id))
	if got := h.state(id); got != tap.StateIssued {
		t.Fatalf("state = %s", got)
	}
	u, _ := h.tenant.Lookup(simtenant.DemoMeganID)
	u.Disabled = true
	h.tenant.AddUser(u)

	r := h.click(megan, chat.ActionReveal, string(id))
	if r.Last().HasSecret() {
		t.Fatal("a disabled requester saw the pass")
	}
	if !strings.Contains(r.Text(), "You can no longer receive this pass") || !strings.Contains(r.Text(), "disabled") {
		t.Fatalf("reply:\n%s", r.Text())
	}
	if got := h.state(id); got != tap.StateIssued {
		t.Fatalf("state = %s, want still issued (sealed, not shown)", got)
	}
	last, _ := h.msgr.Last(approversChannel)
	if !strings.Contains(chattest.Text(last.Message), "Megan Bowen asked for the pass for Sarah Johnson but may no longer receive it") {
		t.Fatalf("approvers not told; last message:\n%s", chattest.Text(last.Message))
	}
	recs, err := h.store.ListAudit(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if last := recs[len(recs)-1]; last.Action != "reveal" || last.Outcome != "refused" {
		t.Fatalf("last audit record = %s:%s", last.Action, last.Outcome)
	}
}

// Issue 10 row 9: forged Reveal clicks with a known request id do not
// flood the approvers: one notice per person per request per hour, the
// rest audited and counted.
func TestAttack_AlertSpam(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	h.click(alex, chat.ActionApprove, string(id))
	before := len(h.msgr.To(approversChannel))
	suppressed := approvals.SuppressedNotices()
	const clicks = 6
	for range clicks {
		if r := h.click(diego, chat.ActionReveal, string(id)); r.Last().HasSecret() {
			t.Fatal("pass shown to a stranger")
		}
	}
	notices := 0
	for _, m := range h.msgr.To(approversChannel)[before:] {
		if strings.Contains(chattest.Text(m.Message), "Security notice") {
			notices++
		}
	}
	if notices != 1 {
		t.Fatalf("%d security notices for %d forged clicks by one person, want 1", notices, clicks)
	}
	if got := approvals.SuppressedNotices() - suppressed; got < clicks-1 {
		t.Fatalf("suppressed counter +%d, want at least %d", got, clicks-1)
	}
	recs, _ := h.store.ListAudit(context.Background(), 0, 0)
	refused := 0
	for _, r := range recs {
		if r.Request == id && r.Action == "reveal" && r.Outcome == "refused" {
			refused++
		}
	}
	if refused != clicks {
		t.Fatalf("%d reveal refusals audited, want %d (every click)", refused, clicks)
	}
	// Someone else's first attempt is still reported.
	h.click(irvin, chat.ActionReveal, string(id))
	last, _ := h.msgr.Last(approversChannel)
	if !strings.Contains(chattest.Text(last.Message), "Irvin Sayers tried to reveal") {
		t.Fatalf("a second person's attempt was not reported:\n%s", chattest.Text(last.Message))
	}
}

// Issue 10 (also): a Teams sender whose client did not mark them a guest
// (from.userRole "user") is still a guest when Entra says so.
func TestAttack_GuestNotMarkedByTheClient(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	lee := chat.User{Platform: chattest.Platform, ID: "U-lee", EntraID: simtenant.DemoLeeID, Name: "Alex Wilber"}
	r := h.click(lee, chat.ActionApprove, string(id))
	if !strings.Contains(r.Text(), "Guests") {
		t.Fatalf("reply:\n%s", r.Text())
	}
	if got := h.state(id); got != tap.StatePending {
		t.Fatalf("state = %s", got)
	}
}
