package slack

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/store/memstore"
)

// waitAck waits until slacktest's socket server has seen the ack for
// envelopeID and returns it.
func waitAck(t *testing.T, ts *slacktest.Server, envelopeID string) map[string]json.RawMessage {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range ts.GetSeenInboundMessages() {
			var ack map[string]json.RawMessage
			if json.Unmarshal([]byte(m), &ack) == nil && string(ack["envelope_id"]) == `"`+envelopeID+`"` {
				return ack
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no ack for envelope %s", envelopeID)
	return nil
}

func TestSocketMode(t *testing.T) {
	fake := slackfake.NewUnstarted()
	fake.AddUser(alice, "Alice Manager", "alice@contoso.com", false)
	fake.AddUser(bob, "Bob Approver", "bob@contoso.com", false)
	fake.AddChannel(approvers, alice, bob)
	ts := slacktest.NewTestServer(fake.Bind)
	ts.Start()
	defer ts.Stop()
	go func() {
		for range ts.SeenFeed { // slacktest blocks until its feed is drained
		}
	}()
	rec := &recorder{ch: make(chan chat.Event, 10)}
	a, err := New(Config{BotToken: testBotToken, AppToken: "xapp-1-A0TAPBOT-1-test", APIURL: ts.GetAPIURL(),
		ApproversChannel: approvers, PostInterval: 10 * time.Millisecond}, memstore.New(), rec, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- a.RunSocketMode(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunSocketMode: %v", err)
		}
		a.Wait()
	}()

	// An event in, an ack out, the handler called.
	dm := fake.DM(alice, "hello over the socket")
	ts.SendToWebsocket(slackfake.Envelope(dm, "env-1", 0))
	waitAck(t, ts, "env-1")
	if ev := rec.next(t); ev.Text != "hello over the socket" || !ev.Direct || ev.User.Email != "alice@contoso.com" {
		t.Fatalf("event %+v", ev)
	}
	// Slack's redelivery of the same event: acked, not acted on.
	ts.SendToWebsocket(slackfake.Envelope(dm, "env-2", 1))
	waitAck(t, ts, "env-2")

	// The /tap command opens the form through the Web API fake.
	rec.act = func(ctx context.Context, ev chat.Event) {
		switch ev.Kind {
		case chat.KindCommand:
			_ = ev.Reply(ctx, chat.Message{Form: requestForm()})
		case chat.KindForm:
			f := requestForm()
			f.Fields[0].Error = "Not found."
			_ = ev.Reply(ctx, chat.Message{Form: f})
		}
	}
	ts.SendToWebsocket(slackfake.Envelope(fake.SlashCommand(alice, fake.DMChannel(alice), ""), "env-3", 0))
	waitAck(t, ts, "env-3")
	if ev := rec.next(t); ev.Kind != chat.KindCommand {
		t.Fatalf("event %+v", ev)
	}
	views := fake.Views()
	if len(views) != 1 {
		t.Fatalf("views %+v", views)
	}
	// A submission's response_action travels in the ack payload.
	sub, err := fake.ViewSubmission(alice, views[0].ID, map[string]string{"target": "nobody@contoso.com"})
	if err != nil {
		t.Fatal(err)
	}
	ts.SendToWebsocket(slackfake.Envelope(sub, "env-4", 0))
	ack := waitAck(t, ts, "env-4")
	if !strings.Contains(string(ack["payload"]), `"response_action":"errors"`) {
		t.Fatalf("ack %s", ack["payload"])
	}
	if ev := rec.next(t); ev.Kind != chat.KindForm || ev.Fields["target"] != "nobody@contoso.com" {
		t.Fatalf("event %+v", ev)
	}
	a.Wait()
	if n := rec.count(); n != 3 {
		t.Fatalf("handler called %d times, want 3 (the retry must be dropped)", n)
	}
}

func TestSocketModeNeedsAppToken(t *testing.T) {
	e := newEnv(t)
	if err := e.a.RunSocketMode(context.Background()); err == nil {
		t.Fatal("socket mode without an app token")
	}
}

// TestSocketModeReportsConnections: every hello's num_connections reaches
// OnConnections (a metric to alert on a stolen app token).
func TestSocketModeReportsConnections(t *testing.T) {
	fake := slackfake.NewUnstarted()
	ts := slacktest.NewTestServer(fake.Bind)
	ts.Start()
	defer ts.Stop()
	go func() {
		for range ts.SeenFeed {
		}
	}()
	got := make(chan int, 10)
	a, err := New(Config{BotToken: testBotToken, AppToken: "xapp-1-A0TAPBOT-1-test", APIURL: ts.GetAPIURL(),
		ApproversChannel: approvers, OnConnections: func(n int) { got <- n }}, memstore.New(), &recorder{ch: make(chan chat.Event, 1)}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.RunSocketMode(ctx) }()
	defer func() { cancel(); <-done; a.Wait() }()
	deadline := time.After(5 * time.Second)
	for {
		ts.SendToWebsocket(`{"type":"hello","num_connections":4,"connection_info":{"app_id":"A0TAPBOT"}}`)
		select {
		case n := <-got:
			if n == 4 {
				return
			}
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatal("num_connections never reported")
		}
	}
}
