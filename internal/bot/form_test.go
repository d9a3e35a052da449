package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/dialog"
	"github.com/tapbot/tapbot/internal/tap"
)

// TestRequestByForm: an empty slash command opens the form; a bad field
// comes back marked; a good form reaches the approvers after confirming.
func TestRequestByForm(t *testing.T) {
	h := newHarness(t, "approval")
	ev, r := chattest.Event(chat.Event{Kind: chat.KindCommand, User: megan, Conversation: tap.Ref{Conversation: "dm-" + megan.ID}})
	h.router.Handle(h.ctx, ev)
	f := r.Last().Form
	if f == nil || f.ID != chat.FormRequest {
		t.Fatalf("empty command did not open the request form: %q", r.Text())
	}
	start := time.Now().Add(48*time.Hour).UTC().Format("2006-01-02") + "T09:00"
	fields := map[string]string{
		dialog.FieldTarget: "sarah.johnson@contoso.com", dialog.FieldReason: "onboarding",
		dialog.FieldZone: "Europe/London", dialog.FieldStart: start, dialog.FieldLifetime: "99 days",
		dialog.FieldOneTime: "default", dialog.FieldJustification: "first day",
	}
	r = h.submitForm(megan, chat.FormRequest, f.State, fields)
	bad := r.Last().Form
	if bad == nil {
		t.Fatalf("out-of-range lifetime accepted: %q", r.Text())
	}
	marked := false
	for _, fl := range bad.Fields {
		if fl.ID == dialog.FieldLifetime && fl.Error != "" {
			marked = true
		}
	}
	if !marked {
		t.Fatalf("lifetime field not marked: %q", r.Text())
	}
	fields[dialog.FieldLifetime] = "8h"
	r = h.submitForm(megan, chat.FormRequest, f.State, fields)
	if !strings.Contains(r.Text(), "Confirm and send") {
		t.Fatalf("good form did not reach the summary: %q", r.Text())
	}
	h.say(megan, "yes")
	card, ok := h.msgr.Last(approversChannel)
	if !ok || chattest.ButtonValue(card.Message, chat.ActionApprove) == "" {
		t.Fatal("no approval card after the form")
	}
	if !strings.Contains(chattest.Text(card.Message), "first day") {
		t.Errorf("justification missing on the card:\n%s", chattest.Text(card.Message))
	}
}
