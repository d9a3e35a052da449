package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/simtenant"
)

// toMegan is every message sent to Megan outside a reply, as text.
func (h *harness) toMegan() string {
	var b strings.Builder
	for _, p := range h.msgr.To(megan.ID) {
		b.WriteString(chattest.Text(p.Message) + "\n")
	}
	return b.String()
}

// TestHireHelpBeforeStartThenExpired: the new hire's "my pass doesn't
// work" is answered from Entra, not with a new request dialog: before the
// start (when it starts, nothing for the requester) and after expiry (the
// requester is told).
func TestHireHelpBeforeStartThenExpired(t *testing.T) {
	h := newHarness(t, "approval")
	// Before any request for her, Sarah is a person like any other: the
	// dialog answers, not Entra.
	if r := h.say(sarah, "hi, my pass doesn't work"); strings.Contains(r.Text(), "your time") || strings.Contains(r.Text(), "isn't ready") {
		t.Errorf("not a target yet, but answered as the new hire: %q", r.Text())
	}
	h.say(sarah, "cancel")
	id := h.request(oneShot)
	if r := h.say(sarah, "help"); !strings.Contains(r.Text(), "isn't ready yet") || !strings.Contains(r.Text(), "Megan Bowen") {
		t.Errorf("pending request: new hire got %q", r.Text())
	}
	h.click(alex, chat.ActionApprove, string(id))
	before := h.toMegan()
	r := h.say(sarah, "hi, my pass doesn't work")
	// 09:00 UTC as asked; Sarah's mailbox says Eastern, so she reads 04:00.
	if !strings.Contains(r.Text(), "04:00 your time") || !strings.Contains(r.Text(), "(in ") {
		t.Errorf("before the start: %q", r.Text())
	}
	if !strings.Contains(r.Text(), "Megan Bowen has not collected your pass yet") {
		t.Errorf("the pass not yet revealed: %q", r.Text())
	}
	if strings.Contains(r.Text(), "Who is the pass for") {
		t.Errorf("new hire was given a request dialog: %q", r.Text())
	}
	if h.toMegan() != before {
		t.Errorf("requester told although nothing is needed:\n%s", strings.TrimPrefix(h.toMegan(), before))
	}

	h.tenant.SetNow(func() time.Time { return time.Now().Add(72 * time.Hour) })
	r = h.say(sarah, "expired")
	if !strings.Contains(r.Text(), "has expired") || !strings.Contains(r.Text(), "Megan Bowen has been asked") {
		t.Errorf("after expiry: %q", r.Text())
	}
	if told := strings.TrimPrefix(h.toMegan(), before); !strings.Contains(told, "Sarah Johnson says the pass does not work: it has expired") {
		t.Errorf("requester not told of the expired pass:\n%s", told)
	}
}

// TestHireHelpOneTimeUsedAndWhy: a used one-time pass; the requester is
// told; "why" shows the checks to an approver and to the requester, and
// tells an outsider nothing.
func TestHireHelpOneTimeUsedAndWhy(t *testing.T) {
	h := newHarness(t, "approval")
	h.say(megan, "pass for sarah.johnson@contoso.com now, 8 hours, onboarding, one-time because she starts in Sales")
	id := h.request("UTC")
	h.click(alex, chat.ActionApprove, string(id))
	h.click(megan, chat.ActionReveal, string(id))
	if err := h.tenant.UseOnce(simtenant.DemoSarahID); err != nil {
		t.Fatal(err)
	}
	before := h.toMegan()
	r := h.say(sarah, "what now")
	if !strings.Contains(r.Text(), "was for one use and it has been used") {
		t.Errorf("one-time used: %q", r.Text())
	}
	if told := strings.TrimPrefix(h.toMegan(), before); !strings.Contains(told, "it was for one use and has been used") {
		t.Errorf("requester not told of the used pass:\n%s", told)
	}
	// The new hire may still ask for a pass for someone else.
	if r := h.say(sarah, "pass for diego.siciliani@contoso.com tomorrow 9am"); strings.Contains(r.Text(), "one use") || r.Text() == "" {
		t.Errorf("a request from the new hire was taken for a plea: %q", r.Text())
	}
	h.say(sarah, "cancel")
	told := h.toMegan()
	h.say(sarah, "it still doesn't work!")
	if again := strings.TrimPrefix(h.toMegan(), told); again != "" {
		t.Errorf("requester told twice of the same cause:\n%s", again)
	}

	for _, u := range []chat.User{alex, megan} {
		r := h.say(u, "why sarah.johnson@contoso.com")
		got := r.Text()
		for _, want := range []string{"✓ Account enabled", "✓ Temporary Access Pass method enabled", "✓ User in the Temporary Access Pass policy", "✗ Pass usable now", "OneTimeUsed", "one use and has been used"} {
			if !strings.Contains(got, want) {
				t.Errorf("why by %s: missing %q in\n%s", u.Name, want, got)
			}
		}
	}
	if r := h.say(alex, "why"); !strings.Contains(r.Text(), "Whose pass?") {
		t.Errorf("why without a name: %q", r.Text())
	}
	if r := h.say(alex, "why Sarah Johnson"); !strings.Contains(r.Text(), "sign-in") && !strings.Contains(r.Text(), "address") {
		t.Errorf("why with a display name: %q", r.Text())
	}
	// Slack's <mailto:…|…> wrapping is undone by the Slack adapter; a pasted
	// mailto: prefix reaches the router.
	if r := h.say(megan, "why mailto:sarah.johnson@contoso.com"); !strings.Contains(r.Text(), "✗ Pass usable now") {
		t.Errorf("why with a pasted mailto: %q", r.Text())
	}
	if r := h.say(alex, "diagnose nobody@contoso.com"); !strings.Contains(r.Text(), "can't find") {
		t.Errorf("approver, unknown user: %q", r.Text())
	}
}

// TestWhyIsNoOracle: someone who neither approves nor asked for a pass
// for the person learns nothing: the answer about a real account with a
// live pass is word for word the answer about an account that does not
// exist, and carries no check.
func TestWhyIsNoOracle(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	h.click(alex, chat.ActionApprove, string(id))
	real := h.say(diego, "why sarah.johnson@contoso.com").Text()
	fake := h.say(diego, "why ghost.user@contoso.com").Text()
	if strings.ReplaceAll(real, "sarah.johnson", "X") != strings.ReplaceAll(fake, "ghost.user", "X") {
		t.Errorf("answers differ, an oracle:\nreal: %q\nfake: %q", real, fake)
	}
	for _, leak := range []string{"✓", "✗", "Sarah Johnson", "usable", "09:00"} {
		if strings.Contains(real, leak) {
			t.Errorf("outsider learnt %q: %q", leak, real)
		}
	}
	if !strings.Contains(real, "only explain the pass of someone you asked a pass for") {
		t.Errorf("outsider answer: %q", real)
	}
}
