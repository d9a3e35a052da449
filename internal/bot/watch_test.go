package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/watch"
)

// TestWatchAlertCard: the alert reaches the approvers channel with its
// facts and two buttons; Expected is for approvers only and audited;
// Revoke pass now deletes the pass.
func TestWatchAlertCard(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	h.click(alex, chat.ActionApprove, string(id))
	req, err := h.store.GetRequest(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	a := watch.Alert{Rule: watch.RuleAfterHours, Pass: watch.PassOf(req), At: time.Now(),
		Facts: []string{"The pass was used outside business hours (Mon-Fri 07:00-19:00, America/Los_Angeles):",
			"Mon 7 Dec 21:30 PST from 203.0.113.7, Seattle, Windows (US)"}}
	if err := h.router.Alert(context.Background(), a, req); err != nil {
		t.Fatal(err)
	}
	card, ok := h.msgr.Last(approversChannel)
	if !ok || card.Message.Title != "Pass used outside business hours" || !strings.Contains(chattest.Text(card.Message), "203.0.113.7") {
		t.Fatalf("alert card: %+v", card)
	}
	if chattest.ButtonValue(card.Message, chat.ActionRevoke) != string(id) ||
		chattest.ButtonValue(card.Message, chat.ActionWatchExpected) != string(id)+" after_hours" {
		t.Fatalf("alert card buttons: %s", chattest.Text(card.Message))
	}
	if r := h.click(sarah, chat.ActionWatchExpected, string(id)+" after_hours"); !strings.Contains(r.Text(), "Only approvers") {
		t.Errorf("non-approver Expected: %q", r.Text())
	}
	// Forged values record nothing: an unknown request, an unknown rule.
	if r := h.click(alex, chat.ActionWatchExpected, "no-such-request after_hours"); !strings.Contains(r.Text(), "nothing was recorded") {
		t.Errorf("Expected for an unknown request: %q", r.Text())
	}
	if r := h.click(alex, chat.ActionWatchExpected, string(id)+" made_up_rule"); !strings.Contains(r.Text(), "nothing was recorded") {
		t.Errorf("Expected for an unknown rule: %q", r.Text())
	}
	if r := h.click(alex, chat.ActionWatchExpected, string(id)+" after_hours"); !strings.Contains(r.Text(), "Marked as expected") {
		t.Errorf("approver Expected: %q", r.Text())
	}
	recs, err := h.store.ListAudit(h.ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var acked int
	for _, r := range recs {
		if r.Action == watch.ActionExpected && r.Request == id && r.Detail["rule"] == "after_hours" {
			acked++
		}
	}
	if acked != 1 {
		t.Errorf("%d Expected audit records, want 1", acked)
	}
	req.FirstUse = &tap.SignIn{At: time.Date(2026, 12, 7, 17, 4, 0, 0, time.UTC), IP: "203.0.113.7", City: "Seattle", OS: "Windows"}
	if err := h.store.UpdateRequest(h.ctx, req); err != nil {
		t.Fatal(err)
	}
	if r := h.say(megan, "status"); !strings.Contains(r.Text(), "first used") || !strings.Contains(r.Text(), "203.0.113.7, Seattle, Windows") {
		t.Errorf("status does not show the first use: %q", r.Text())
	}
	h.click(alex, chat.ActionRevoke, string(id))
	if got := h.state(id); got != tap.StateRevoked {
		t.Errorf("after Revoke pass now: state %s, want revoked", got)
	}
}
