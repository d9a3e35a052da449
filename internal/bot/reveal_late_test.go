package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// TestRevealTooLateStaysSealed: a Reveal whose private answer could no
// longer be shown (Teams' 5 s have run out while the requester was
// re-checked) keeps the pass sealed and asks for another click, which
// shows it; nothing is deleted, nothing shown twice.
func TestRevealTooLateStaysSealed(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	h.click(alex, chat.ActionApprove, string(id))
	ev, r := chattest.Event(chat.Event{Kind: chat.KindAction, User: megan, Action: chat.ActionReveal, Value: string(id),
		Conversation: tap.Ref{Conversation: "dm-" + megan.ID}, AnswerBy: time.Now()})
	h.router.Handle(h.ctx, ev)
	h.router.Wait()
	if r.Last().HasSecret() || !strings.Contains(r.Text(), text.RevealTooSlow) {
		t.Fatalf("late reveal answered:\n%s", r.Text())
	}
	got, err := h.store.GetRequest(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != tap.StateIssued || len(got.Sealed) == 0 || len(h.tenant.Passes(string(got.Target.ID))) != 1 {
		t.Fatalf("after a late reveal: state %s, sealed %d bytes, %d passes in Entra", got.State, len(got.Sealed), len(h.tenant.Passes(string(got.Target.ID))))
	}
	if again := h.click(megan, chat.ActionReveal, string(id)); !again.Last().HasSecret() {
		t.Fatalf("the second click does not show the pass:\n%s", again.Text())
	}
}
