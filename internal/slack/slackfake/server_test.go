package slackfake

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func client(s *Server) *slack.Client {
	return slack.New("xoxb-test", slack.OptionAPIURL(s.URL()))
}

func testModal(title string) slack.ModalViewRequest {
	return slack.ModalViewRequest{Type: slack.VTModal, Title: slack.NewTextBlockObject(slack.PlainTextType, title, false, false),
		Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "hi", false, false), nil, nil)}}}
}

func slackErr(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestTriggersAndViews(t *testing.T) {
	s := New()
	defer s.Close()
	s.AddUser("U1", "Ann", "ann@example.com", false)
	api, ctx := client(s), context.Background()
	trig := s.Trigger("U1")
	v, err := api.OpenViewContext(ctx, trig, testModal("One"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.OpenViewContext(ctx, trig, testModal("Two")); slackErr(err) != "exchanged_trigger_id" {
		t.Fatalf("reused trigger: %v", err)
	}
	if _, err := api.OpenViewContext(ctx, "nope", testModal("Two")); slackErr(err) != "invalid_trigger_id" {
		t.Fatalf("unknown trigger: %v", err)
	}
	s.TriggerTTL = time.Millisecond
	old := s.Trigger("U1")
	time.Sleep(5 * time.Millisecond)
	if _, err := api.OpenViewContext(ctx, old, testModal("Two")); slackErr(err) != "expired_trigger_id" {
		t.Fatalf("expired trigger: %v", err)
	}
	s.TriggerTTL = 3 * time.Second // fresh triggers below must not expire mid-call
	if _, err := api.UpdateViewContext(ctx, testModal("New"), "", "stale-hash", v.View.ID); slackErr(err) != "hash_conflict" {
		t.Fatalf("stale hash: %v", err)
	}
	if _, err := api.UpdateViewContext(ctx, testModal("New"), "", v.View.Hash, v.View.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.View(v.View.ID); got.Title != "New" || got.Updates != 1 || got.User != "U1" {
		t.Fatalf("view %+v", got)
	}
	if _, err := api.OpenViewContext(ctx, s.Trigger("U1"), testModal("A title much longer than Slack allows")); slackErr(err) != "invalid_arguments" {
		t.Fatalf("long title: %v", err)
	}
}

func TestMessagesAndFaults(t *testing.T) {
	s := New()
	defer s.Close()
	s.AddUser("U1", "Ann", "ann@example.com", false)
	s.AddChannel("C1", "U1")
	api, ctx := client(s), context.Background()
	_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("first", false))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", ts, slack.MsgOptionText("second", false)); err != nil {
		t.Fatal(err)
	}
	if m := s.Messages("C1"); len(m) != 1 || m[0].Text != "second" || m[0].Edits != 1 {
		t.Fatalf("messages %+v", m)
	}
	if _, _, err := api.PostMessageContext(ctx, "C404", slack.MsgOptionText("x", false)); slackErr(err) != "channel_not_found" {
		t.Fatalf("unknown channel: %v", err)
	}
	dup := []slack.Block{
		slack.NewActionBlock("", slack.NewButtonBlockElement("a", "1", slack.NewTextBlockObject(slack.PlainTextType, "x", false, false)),
			slack.NewButtonBlockElement("a", "2", slack.NewTextBlockObject(slack.PlainTextType, "y", false, false))),
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionBlocks(dup...)); slackErr(err) != "invalid_blocks" {
		t.Fatalf("duplicate action ids: %v", err)
	}
	s.RateLimit("chat.postMessage", 2, 1)
	var rl *slack.RateLimitedError
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false)); !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second {
		t.Fatalf("rate limit: %v", err)
	}
	s.FailNext("users.info", "fatal_error", 1)
	if _, err := api.GetUserInfoContext(ctx, "U1"); slackErr(err) != "fatal_error" {
		t.Fatalf("injected error: %v", err)
	}
	u, err := api.GetUserInfoContext(ctx, "U1")
	if err != nil || u.Profile.Email != "ann@example.com" || u.IsRestricted {
		t.Fatalf("user %+v %v", u, err)
	}
	if _, err := slack.New("xoxp-user", slack.OptionAPIURL(s.URL())).AuthTestContext(ctx); slackErr(err) != "not_authed" {
		t.Fatalf("non-bot token: %v", err)
	}
	for _, c := range s.Calls("") {
		if _, ok := c.Args["token"]; ok {
			t.Fatalf("token recorded in %s", c.Method)
		}
	}
}

func TestSignedRequest(t *testing.T) {
	ts := time.Unix(1531420618, 0)
	// Slack's documented example.
	body := "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	if got := Sign("8f742231b10e8888abcd99yyyzzz85a5", ts, body); got != "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503" {
		t.Fatalf("signature %s", got)
	}
	r := SignedRequest("s", `{"type":"event_callback"}`, ts)
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || !strings.HasPrefix(r.Header.Get("X-Slack-Signature"), "v0=") {
		t.Fatalf("request %+v", r.Header)
	}
}

func TestLookupHelpers(t *testing.T) {
	s := New()
	defer s.Close()
	s.AddUser("U1", "Ann", "ann@example.com", false)
	s.AddUser("U2", "Ben", "ben@example.com", false)
	api, ctx := client(s), context.Background()
	if _, ok := s.LastMessage("C1"); ok {
		t.Fatal("message in an unknown channel")
	}
	dm := s.DMChannel("U1")
	for _, txt := range []string{"one", "two"} {
		if _, _, err := api.PostMessageContext(ctx, dm, slack.MsgOptionText(txt, false)); err != nil {
			t.Fatal(err)
		}
	}
	if m, ok := s.LastMessage(dm); !ok || m.Text != "two" {
		t.Fatalf("last message %+v", m)
	}
	for _, u := range []string{"U1", "U2", "U1"} {
		if _, err := api.OpenViewContext(ctx, s.Trigger(u), testModal("x")); err != nil {
			t.Fatal(err)
		}
	}
	if v := s.ViewsOf("U1"); len(v) != 2 || v[0].ID >= v[1].ID {
		t.Fatalf("views of U1 %+v", v)
	}
}
