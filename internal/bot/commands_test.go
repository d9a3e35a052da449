package bot_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

func TestCommands(t *testing.T) {
	h := newHarness(t, "approval")
	if r := h.say(megan, "status"); !strings.Contains(r.Text(), "no requests") {
		t.Errorf("status with nothing: %q", r.Text())
	}
	id := h.request(oneShot)
	if r := h.say(megan, "status"); !strings.Contains(r.Text(), "Sarah Johnson") || !strings.Contains(r.Text(), "pending") {
		t.Errorf("status: %q", r.Text())
	}
	if r := h.say(megan, "pending"); !strings.Contains(r.Text(), "approvers") {
		t.Errorf("pending for a non-approver: %q", r.Text())
	}
	if r := h.say(alex, "pending"); !strings.Contains(r.Text(), string(id)) {
		t.Errorf("pending for an approver: %q", r.Text())
	}
	h.click(alex, chat.ActionApprove, string(id))
	h.click(megan, chat.ActionReveal, string(id))
	if r := h.say(alex, "stats"); !strings.Contains(r.Text(), "Revealed") && !strings.Contains(r.Text(), "revealed") {
		t.Errorf("stats: %q", r.Text())
	}
	if r := h.say(alex, "stats 7 days"); !strings.Contains(r.Text(), "last 7 days") {
		t.Errorf("stats for a period: %q", r.Text())
	}
	if r := h.say(alex, "stats forever"); !strings.Contains(r.Text(), "period") {
		t.Errorf("stats with a bad period: %q", r.Text())
	}
	if r := h.say(megan, "stats"); !strings.Contains(r.Text(), "approver group") {
		t.Errorf("stats for a non-approver: %q", r.Text())
	}
	if r := h.say(diego, "revoke sarah.johnson@contoso.com"); h.state(id) != tap.StateDelivered {
		t.Errorf("someone unrelated revoked: %q", r.Text())
	}
	h.say(megan, "revoke sarah.johnson@contoso.com")
	if got := h.state(id); got != tap.StateRevoked {
		t.Fatalf("state after revoke = %s", got)
	}
	if live := h.tenant.Passes(simtenant.DemoSarahID); len(live) != 0 {
		t.Error("revoked pass still in Entra")
	}
	if r := h.say(megan, "flibbertigibbet"); r.Text() == "" {
		t.Error("unknown input got silence")
	}
}

func TestInstallWelcome(t *testing.T) {
	h := newHarness(t, "approval")
	ev, r := chattest.Event(chat.Event{Kind: chat.KindInstall, User: megan})
	h.router.Handle(h.ctx, ev)
	if !strings.Contains(r.Text(), "tapbot") {
		t.Errorf("welcome: %q", r.Text())
	}
}

func TestUnmappedChatUserIsRefused(t *testing.T) {
	h := newHarness(t, "approval")
	stranger := chat.User{Platform: chattest.Platform, ID: "U-x", Email: "nobody@fabrikam.com"}
	r := h.say(stranger, "request")
	if !strings.Contains(r.Text(), "can't match your chat account") {
		t.Errorf("reply = %q", r.Text())
	}
	byMail := chat.User{Platform: chattest.Platform, ID: "U-m", Email: "Megan.Bowen@contoso.com"}
	if r := h.say(byMail, "status"); !strings.Contains(r.Text(), "no requests") {
		t.Errorf("e-mail identity not resolved: %q", r.Text())
	}
}

func TestRefusedTargetsReachRequesterAsSentences(t *testing.T) {
	h := newHarness(t, "approval")
	cases := map[string]string{
		simtenant.DemoAdeleUPN:   "privileged account",
		simtenant.DemoJohannaUPN: "disabled",
		simtenant.DemoLeeUPN:     "guest",
	}
	for upn, want := range cases {
		r := h.say(megan, "pass for "+upn+" tomorrow 9am, 8 hours, onboarding because new laptop")
		if strings.Contains(r.Text(), "Confirm and send") {
			r = h.say(megan, "yes")
		}
		if !strings.Contains(strings.ToLower(r.Text()), strings.ToLower(want)) {
			t.Errorf("%s: reply lacks %q:\n%s", upn, want, r.Text())
		}
		if strings.Contains(r.Text(), "reference") {
			t.Errorf("%s: refusal became an internal error:\n%s", upn, r.Text())
		}
		h.say(megan, "cancel")
	}
	if n := len(h.msgr.To(approversChannel)); n != 0 {
		t.Errorf("%d refused requests reached the approvers", n)
	}
}

// TestAttack_SlackIdentityByMutableEmail_RefusalIsTheAnswer: a click from
// an account the platform vouches for as nobody (here: an unconfirmed
// Slack e-mail that claims an approver's address) is answered with the
// platform's sentence, audited as refused, and issues nothing; the
// claimed address is never looked up.
func TestAttack_SlackIdentityByMutableEmail_RefusalIsTheAnswer(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	const sentence = "Your Slack e-mail address isn't confirmed, so I can't tell who you are."
	impostor := chat.User{Platform: chattest.Platform, ID: "U-mallory", Email: simtenant.DemoAlexUPN, Guest: true, Refusal: sentence}
	if r := h.click(impostor, chat.ActionApprove, string(id)); strings.TrimSpace(r.Text()) != sentence {
		t.Fatalf("reply %q, want the platform's refusal", r.Text())
	}
	if h.tenant.TotalCreates() != 0 || h.state(id) != tap.StatePending {
		t.Fatal("a refused account's click issued a pass")
	}
	var export bytes.Buffer
	if err := h.trail.Export(h.ctx, &export); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(export.String(), `"refused"`) || !strings.Contains(export.String(), "U-mallory") {
		t.Errorf("refused click not audited:\n%s", export.String())
	}
}

// TestCardNamesComeFromEntra: the name a chat profile claims never reaches
// a card; the requester is named by their Entra displayName.
func TestCardNamesComeFromEntra(t *testing.T) {
	h := newHarness(t, "approval")
	spoof := megan
	spoof.Name = "IT Security <https://evil.example|verify here>"
	if r := h.say(spoof, oneShot); !strings.Contains(r.Text(), "Confirm and send") {
		t.Fatalf("no summary: %s", r.Text())
	}
	h.say(spoof, "yes")
	card, ok := h.msgr.Last(approversChannel)
	if !ok {
		t.Fatal("no approval card")
	}
	text := chattest.Text(card.Message)
	if strings.Contains(text, "IT Security") || !strings.Contains(text, "Megan Bowen") {
		t.Fatalf("card names the requester from the chat profile:\n%s", text)
	}
}
