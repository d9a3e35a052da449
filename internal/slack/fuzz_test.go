package slack

import (
	"net/http"
	"testing"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
)

// FuzzInbound serves arbitrary correctly signed bodies: the handler must
// answer 200, 400 or 500 and never panic, whatever Slack (or a bug) sends.
func FuzzInbound(f *testing.F) {
	e := newEnv(f)
	e.a.submitWait = 0
	f.Add(e.fake.DM(alice, "hi"))
	f.Add(e.fake.Mention(bob, approvers, "pending"))
	f.Add(e.fake.SlashCommand(alice, approvers, "status"))
	f.Add(e.fake.BlockAction(bob, approvers, "1.2", chat.ActionApprove, "r1"))
	f.Add(e.fake.BlockAction(bob, approvers, "1.2", chat.ActionReveal, "r1"))
	f.Add(`{"type":"url_verification","challenge":"c"}`)
	f.Add(`payload=%7B%22type%22%3A%22view_submission%22%2C%22view%22%3A%7B%22id%22%3A%22V1%22%7D%2C%22user%22%3A%7B%22id%22%3A%22U1%22%7D%7D`)
	f.Fuzz(func(t *testing.T, body string) {
		switch w := slackfake.Deliver(e.h, testSecret, body).Code; w {
		case http.StatusOK, http.StatusBadRequest, http.StatusInternalServerError:
		default:
			t.Fatalf("status %d for %q", w, body)
		}
	})
}
