package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/testutil"
)

// TestSlackSocketModeAlongsideLocalMode: the three Slack variables set,
// the bot connects over Socket Mode (slacktest's socket server, the fake
// Web API behind it) next to local mode's simulated tenant, and a request
// goes from a DM to an approval that updates the card in place.
func TestSlackSocketModeAlongsideLocalMode(t *testing.T) {
	fake := slackfake.NewUnstarted()
	fake.AddUser("UMEGAN", "Megan Bowen", simtenant.DemoMeganUPN, false)
	fake.AddUser("UALEX", "Alex Wilber", simtenant.DemoAlexUPN, false)
	fake.AddChannel("CAPPROVERS", "UALEX")
	ts := slacktest.NewTestServer(fake.Bind)
	ts.Start()
	t.Cleanup(ts.Stop)
	go func() {
		for range ts.SeenFeed {
		}
	}()
	startLocal(t, map[string]string{
		"TAPBOT_SLACK_BOT_TOKEN":         "xoxb-test",
		"TAPBOT_SLACK_APP_TOKEN":         "xapp-1-A0TAPBOT-1-test",
		"TAPBOT_SLACK_API_URL":           ts.GetAPIURL(),
		"TAPBOT_SLACK_APPROVERS_CHANNEL": "CAPPROVERS",
	})
	n := 0
	send := func(body string) {
		n++
		ts.SendToWebsocket(slackfake.Envelope(body, fmt.Sprintf("env-%d", n), 0))
	}
	dm := fake.DMChannel("UMEGAN")
	// The socket may still be connecting: repeat the first message (at
	// most every half second, so a slow machine is not flooded) until
	// answered.
	var lastSend time.Time
	testutil.Eventually(t, 30*time.Second, "a reply over Socket Mode", func() bool {
		if len(fake.Messages(dm)) > 0 {
			return true
		}
		if time.Since(lastSend) > 500*time.Millisecond {
			send(fake.DM("UMEGAN", "help"))
			lastSend = time.Now()
		}
		return false
	})
	defer func() {
		if t.Failed() {
			for _, m := range fake.Messages(dm) {
				t.Logf("dm: %s %.300s", m.Text, m.Blocks)
			}
			for _, m := range fake.Ephemerals("UMEGAN") {
				t.Logf("ephemeral: %s %.300s", m.Text, m.Blocks)
			}
		}
	}()
	send(fake.DM("UMEGAN", "pass for sarah.johnson@contoso.com tomorrow 9am, 8 hours, onboarding, multi-use because she starts in Sales"))
	testutil.Eventually(t, 10*time.Second, "the summary", func() bool {
		for _, m := range fake.Messages(dm) {
			if strings.Contains(string(m.Blocks), "Confirm and send") {
				return true
			}
		}
		return false
	})
	send(fake.DM("UMEGAN", "yes"))
	testutil.Eventually(t, 10*time.Second, "the approval card", func() bool {
		m, ok := fake.LastMessage("CAPPROVERS")
		return ok && strings.Contains(string(m.Blocks), "tap_approve")
	})
	card, _ := fake.LastMessage("CAPPROVERS")
	click, err := fake.Click("UALEX", "CAPPROVERS", card.TS, "Approve")
	if err != nil {
		t.Fatal(err)
	}
	send(click)
	testutil.Eventually(t, 10*time.Second, "the card updated in place", func() bool {
		m, _ := fake.LastMessage("CAPPROVERS")
		return m.Edits > 0 && strings.Contains(string(m.Blocks), "Approved by Alex Wilber")
	})
}
