package bot_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

// The conversation's state is saved before the reply that shows it: an
// answer typed or clicked the moment the summary appears ("Confirm and
// send") must find the summary's state, not the one before it. Under load
// the reply could reach the person before the save.
func TestStateSavedBeforeTheReplyShowsIt(t *testing.T) {
	h := newHarness(t, "approval")
	key := "test/dm-" + megan.ID + "/" + megan.ID
	var atSummary []byte
	ev, _ := chattest.Event(chat.Event{Kind: chat.KindMessage, User: megan, Direct: true,
		Text:         "pass for " + simtenant.DemoSarahUPN + " tomorrow 9am, 8 hours, onboarding, multi-use because she starts in Sales",
		Conversation: tap.Ref{Conversation: "dm-" + megan.ID}})
	ev.Reply = func(ctx context.Context, m chat.Message) error {
		if strings.Contains(chattest.Text(m), "Confirm") {
			s, err := h.store.GetSession(ctx, key)
			if err != nil {
				t.Errorf("the summary was shown before its session was saved: %v", err)
				return nil
			}
			atSummary = s.Data
		}
		return nil
	}
	h.router.Handle(h.ctx, ev)
	h.router.Wait()
	if atSummary == nil {
		t.Fatal("no summary was shown")
	}
	if !strings.Contains(string(atSummary), simtenant.DemoSarahID) {
		t.Fatalf("the session seen with the summary does not hold its target: %s", atSummary)
	}
	// And "yes" right away submits it.
	r := h.say(megan, "yes")
	if card, ok := h.msgr.Last(approversChannel); !ok || chattest.ButtonValue(card.Message, chat.ActionApprove) == "" {
		t.Fatalf("yes after the summary posted no approval card; bot said: %s", r.Text())
	}
}
