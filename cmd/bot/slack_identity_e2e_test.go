package main

import (
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/testutil"
)

// TestAttack_SlackIdentityByMutableEmail_EndToEnd: an account whose Slack
// profile carries the approver's e-mail, never confirmed (a workspace admin
// typed it in, or the owner changed it), clicks Approve on a real card in
// the wired program. It is told why it is refused and nothing is issued:
// the card keeps its buttons.
func TestAttack_SlackIdentityByMutableEmail_EndToEnd(t *testing.T) {
	w := newSlackWorld(t)
	f := w.fake
	f.SetUser(slackfake.User{ID: "UMALLORY", Name: "Alex Wilber", Email: simtenant.DemoAlexUPN, Unconfirmed: true})
	f.AddChannel("CAPPROVERS", "UALEX", "UGUEST", "UMALLORY")

	card := w.submittedByMegan(simtenant.DemoSarahUPN)
	b, err := f.Click("UMALLORY", "CAPPROVERS", card.TS, "Approve")
	if err != nil {
		t.Fatal(err)
	}
	w.send(b)
	refused := func() bool {
		for _, m := range f.Ephemerals("UMALLORY") {
			if strings.Contains(m.Text+string(m.Blocks), "e-mail address isn't confirmed") {
				return true
			}
		}
		return false
	}
	decided := func() bool { m, _ := f.LastMessage("CAPPROVERS"); return m.Edits > 0 }
	testutil.Eventually(t, 30*time.Second, "an answer to the click", func() bool { return refused() || decided() })
	if m, _ := f.LastMessage("CAPPROVERS"); decided() || !strings.Contains(string(m.Blocks), "tap_approve") {
		t.Fatalf("the impostor's click decided the request: %s", texts(m.Blocks))
	}
}

// texts returns the "text" values of Block Kit JSON, for failure messages.
func texts(blocks []byte) string {
	var out []string
	for _, part := range strings.Split(string(blocks), `"text":"`)[1:] {
		out = append(out, part[:strings.IndexByte(part, '"')])
	}
	return strings.Join(out, " | ")
}
