package bot_test

import (
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/tap"
)

// TestCancelNothingOpen: "cancel" with no request being written says so.
func TestCancelNothingOpen(t *testing.T) {
	h := newHarness(t, "approval")
	if r := h.say(megan, "cancel"); !strings.Contains(r.Text(), "no request in progress") {
		t.Fatalf("reply %q", r.Text())
	}
}

// TestCommandsByName: status, cancel and revoke accept the person's
// display name or the part of the address before @, among the
// requester's own requests; a name that matches none is answered.
func TestCommandsByName(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	if r := h.say(megan, "status sarah"); !strings.Contains(r.Text(), "sarah.johnson@contoso.com") &&
		!strings.Contains(r.Text(), "Sarah") {
		t.Errorf("status sarah: %q", r.Text())
	}
	if r := h.say(megan, "cancel nobody"); !strings.Contains(r.Text(), "None of your open requests") {
		t.Errorf("cancel nobody: %q", r.Text())
	}
	if h.state(id) != tap.StatePending {
		t.Fatalf("a name matching nothing changed the request: %s", h.state(id))
	}
	if r := h.say(megan, "cancel sarah.johnson"); !strings.Contains(r.Text(), "Cancelled your request for") {
		t.Errorf("cancel sarah.johnson: %q", r.Text())
	}
	if got := h.state(id); got != tap.StateCancelled {
		t.Fatalf("state after cancel = %s", got)
	}
	id2 := h.request(oneShot)
	if r := h.say(megan, "cancel "+string(id2)); !strings.Contains(r.Text(), "Cancelled your request for") {
		t.Errorf("cancel by id: %q", r.Text())
	}
	if got := h.state(id2); got != tap.StateCancelled {
		t.Fatalf("state after cancel by id = %s", got)
	}
}

// TestSecondRequestCaughtWhenTargetKnown: a second request for a person
// with an open one is refused as soon as the person is named, saying
// who asked, what state it is in and what to say, never its raw id.
func TestSecondRequestCaughtWhenTargetKnown(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	r := h.say(megan, "pass for sarah.johnson@contoso.com")
	for _, want := range []string{"already has a pass waiting for approval", "asked by", "status sarah"} {
		if !strings.Contains(r.Text(), want) {
			t.Errorf("reply lacks %q:\n%s", want, r.Text())
		}
	}
	if strings.Contains(r.Text(), string(id)) {
		t.Errorf("reply shows the raw request id:\n%s", r.Text())
	}
	if strings.Contains(r.Text(), "What is the pass for") {
		t.Errorf("the dialog went on to the next question:\n%s", r.Text())
	}
}
