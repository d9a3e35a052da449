package bot_test

import (
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/tap"
)

// clickOn presses a button on the posted message p, as the platforms do:
// the event carries the clicked message's ref.
func (h *harness) clickOn(u chat.User, p chattest.Posted, action, value string) *chattest.Replies {
	ev, r := chattest.Event(chat.Event{Kind: chat.KindAction, User: u, Action: action, Value: value,
		Conversation: tap.Ref{Conversation: "dm-" + u.ID}, Message: p.Ref})
	h.router.Handle(h.ctx, ev)
	h.router.Wait()
	return r
}

// current is the posted message at ref as it stands now.
func (h *harness) current(to string, ref tap.Ref) chattest.Posted {
	h.t.Helper()
	for _, p := range h.msgr.To(to) {
		if p.Ref == ref {
			return p
		}
	}
	h.t.Fatalf("no message %v to %s", ref, to)
	return chattest.Posted{}
}

func has(m chat.Message, action string) bool { return chattest.ButtonValue(m, action) != "" }

// TestRequesterCardsFollowTheState: every message to the requester that
// carries buttons is redrawn when the request moves on, showing the state
// and only the buttons that still apply.
func TestRequesterCardsFollowTheState(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	submitted, _ := h.msgr.Last(megan.ID)
	if !has(submitted.Message, chat.ActionCancel) {
		t.Fatalf("submitted notice has no Cancel:\n%s", chattest.Text(submitted.Message))
	}

	h.click(alex, chat.ActionApprove, string(id))
	if now := h.current(megan.ID, submitted.Ref); has(now.Message, chat.ActionCancel) || !strings.Contains(chattest.Text(now.Message), "Approved by Alex Wilber") {
		t.Errorf("Cancel still offered after approval:\n%s", chattest.Text(now.Message))
	}
	issued, _ := h.msgr.Last(megan.ID)
	if !has(issued.Message, chat.ActionReveal) {
		t.Fatalf("issued notice has no Reveal:\n%s", chattest.Text(issued.Message))
	}

	if r := h.click(megan, chat.ActionReveal, string(id)); !r.Last().HasSecret() {
		t.Fatalf("reveal shows no pass:\n%s", r.Text())
	}
	now := h.current(megan.ID, issued.Ref)
	if has(now.Message, chat.ActionReveal) || !has(now.Message, chat.ActionRevoke) || !strings.Contains(chattest.Text(now.Message), "Revealed to the requester") {
		t.Errorf("reveal prompt not redrawn after the reveal:\n%s", chattest.Text(now.Message))
	}

	h.click(megan, chat.ActionRevoke, string(id))
	for _, p := range []chattest.Posted{submitted, issued} {
		now := h.current(megan.ID, p.Ref)
		if len(now.Message.Buttons) != 0 || !strings.Contains(chattest.Text(now.Message), "Revoked") {
			t.Errorf("card still offers actions after the revoke:\n%s", chattest.Text(now.Message))
		}
	}
	for _, m := range h.msgr.All() {
		if m.HasSecret() {
			t.Fatal("a posted or updated message carries the pass")
		}
	}
}

// TestStaleClickIsAnsweredAndRedrawn: a click on a button the state no
// longer allows gets a one-line answer and the clicked card is redrawn.
// The card still shows the old buttons because its redraw was lost (the
// chat API failed it); a click on a card that already shows the state
// redraws nothing.
func TestStaleClickIsAnsweredAndRedrawn(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	submitted, _ := h.msgr.Last(megan.ID)
	h.msgr.FailUpdates(submitted.Ref, true)
	h.click(alex, chat.ActionApprove, string(id))
	issued, _ := h.msgr.Last(megan.ID)
	h.msgr.FailUpdates(issued.Ref, true)
	h.click(megan, chat.ActionReveal, string(id))
	h.msgr.FailUpdates(submitted.Ref, false)
	h.msgr.FailUpdates(issued.Ref, false)

	for _, c := range []struct {
		card   chattest.Posted
		action string
	}{{submitted, chat.ActionCancel}, {issued, chat.ActionReveal}} {
		if now := h.current(megan.ID, c.card.Ref); !has(now.Message, c.action) {
			t.Fatalf("%s: the lost redraw happened after all:\n%s", c.action, chattest.Text(now.Message))
		}
		before := h.current(megan.ID, c.card.Ref).Updates
		r := h.clickOn(megan, c.card, c.action, string(id))
		if len(r.All) != 1 || strings.Count(strings.TrimSpace(r.Text()), "\n") != 0 || r.Last().HasSecret() {
			t.Errorf("%s on a stale card: want one line, got:\n%s", c.action, r.Text())
		}
		now := h.current(megan.ID, c.card.Ref)
		if now.Updates == before || has(now.Message, c.action) {
			t.Errorf("%s: the clicked card was not redrawn:\n%s", c.action, chattest.Text(now.Message))
		}
		before = now.Updates
		h.clickOn(megan, c.card, c.action, string(id))
		if again := h.current(megan.ID, c.card.Ref).Updates; again != before {
			t.Errorf("%s clicked again: the card already showing the state was redrawn %d times", c.action, again-before)
		}
	}
	if got := h.state(id); got != tap.StateDelivered {
		t.Fatalf("state = %s", got)
	}
}
