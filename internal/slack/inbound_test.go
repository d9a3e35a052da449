package slack

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/tap"
)

func TestDirectMessageEvent(t *testing.T) {
	e := newEnv(t)
	e.deliver(t, e.fake.DM(alice, "  pass for sarah@contoso.com  "), http.StatusOK)
	ev := e.rec.next(t)
	want := chat.User{Platform: Platform, ID: alice, Email: "alice@contoso.com", Team: slackfake.DefaultTeam}
	if ev.Kind != chat.KindMessage || !ev.Direct || ev.Text != "pass for sarah@contoso.com" || ev.User != want {
		t.Fatalf("event %+v", ev)
	}
	if ev.Conversation.Conversation != e.fake.DMChannel(alice) || ev.Conversation.Platform != Platform {
		t.Fatalf("conversation %+v", ev.Conversation)
	}
	if !strings.HasPrefix(ev.DeliveryID, "ev:Ev") || ev.Reply == nil {
		t.Fatalf("delivery %q reply %v", ev.DeliveryID, ev.Reply != nil)
	}
}

func TestIgnoredEvents(t *testing.T) {
	e := newEnv(t)
	dm := e.fake.DMChannel(alice)
	bodies := map[string]string{
		"edit":        `{"type":"event_callback","team_id":"` + slackfake.DefaultTeam + `","event_id":"Ev1","event":{"type":"message","subtype":"message_changed","channel":"` + dm + `","channel_type":"im","user":"` + alice + `","text":"x"}}`,
		"bot message": `{"type":"event_callback","team_id":"` + slackfake.DefaultTeam + `","event_id":"Ev2","event":{"type":"message","bot_id":"B1","channel":"` + dm + `","channel_type":"im","user":"` + alice + `","text":"x"}}`,
		"own message": `{"type":"event_callback","team_id":"` + slackfake.DefaultTeam + `","event_id":"Ev3","event":{"type":"message","channel":"` + dm + `","channel_type":"im","user":"` + slackfake.DefaultBotUser + `","text":"x"}}`,
		"channel msg": `{"type":"event_callback","team_id":"` + slackfake.DefaultTeam + `","event_id":"Ev4","event":{"type":"message","channel":"C1","channel_type":"channel","user":"` + alice + `","text":"x"}}`,
		"other team":  `{"type":"event_callback","team_id":"` + otherTeam + `","event_id":"Ev5","event":{"type":"message","channel":"` + dm + `","channel_type":"im","user":"` + alice + `","text":"x"}}`,
		"unknown":     `{"type":"app_rate_limited","team_id":"` + slackfake.DefaultTeam + `"}`,
	}
	// Learn the bot's own user id first (auth.test), as any delivery does.
	e.deliver(t, e.fake.DM(alice, "first"), http.StatusOK)
	e.rec.next(t)
	for name, b := range bodies {
		t.Run(name, func(t *testing.T) { e.deliver(t, b, http.StatusOK) })
	}
	e.a.Wait()
	if n := e.rec.count(); n != 1 {
		t.Fatalf("handler called %d times, want 1", n)
	}
}

func TestMentionStripsBotMention(t *testing.T) {
	e := newEnv(t)
	e.deliver(t, e.fake.Mention(bob, approvers, "pending"), http.StatusOK)
	ev := e.rec.next(t)
	if ev.Kind != chat.KindMessage || ev.Direct || ev.Text != "pending" || ev.Conversation.Conversation != approvers {
		t.Fatalf("event %+v", ev)
	}
}

func TestDuplicateDeliveriesActOnce(t *testing.T) {
	e := newEnv(t)
	dm := e.fake.DM(alice, "hi")
	click := e.fake.BlockAction(bob, approvers, "1700000000.000100", chat.ActionApprove, "req-1")
	cmd := e.fake.SlashCommand(alice, e.fake.DMChannel(alice), "status")
	for _, b := range []string{dm, click, cmd} {
		e.deliver(t, b, http.StatusOK)
		// Slack's retry of the same delivery (X-Slack-Retry-Num) is the
		// same body again; so is a user's double click on a slow card.
		e.deliver(t, b, http.StatusOK)
	}
	e.a.Wait()
	if n := e.rec.count(); n != 3 {
		t.Fatalf("handler called %d times, want 3", n)
	}
}

func TestBlockActionEvent(t *testing.T) {
	e := newEnv(t)
	e.deliver(t, e.fake.BlockAction(bob, approvers, "1700000000.000100", "tap_say~2", "confirm"), http.StatusOK)
	ev := e.rec.next(t)
	if ev.Kind != chat.KindAction || ev.Action != chat.ActionSay || ev.Value != "confirm" || ev.Direct {
		t.Fatalf("event %+v", ev)
	}
	if want := (tap.Ref{Platform: Platform, Conversation: approvers, Message: "1700000000.000100"}); ev.Message != want {
		t.Fatalf("message ref %+v", ev.Message)
	}
	if ev.User.ID != bob || ev.User.Guest || ev.User.Email != "bob@contoso.com" {
		t.Fatalf("user %+v", ev.User)
	}
}

func TestGuestsAndExternalUsers(t *testing.T) {
	e := newEnv(t)
	for _, u := range []string{gina, xavier} {
		e.deliver(t, e.fake.BlockAction(u, approvers, "1700000000.000100", chat.ActionApprove, "req-1"), http.StatusOK)
		if ev := e.rec.next(t); !ev.User.Guest {
			t.Fatalf("%s not marked guest: %+v", u, ev.User)
		}
	}
	// A user users.info cannot resolve fails closed: a guest.
	e.deliver(t, e.fake.BlockAction("U0GHOST", approvers, "1700000000.000100", chat.ActionApprove, "req-1"), http.StatusOK)
	if ev := e.rec.next(t); !ev.User.Guest {
		t.Fatalf("unresolvable user not marked guest: %+v", ev.User)
	}
}

func TestAllowedTeamsConfigured(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AllowedTeams = []string{slackfake.DefaultTeam, otherTeam} })
	e.deliver(t, e.fake.BlockAction(xavier, approvers, "1700000000.000100", chat.ActionApprove, "r"), http.StatusOK)
	if ev := e.rec.next(t); ev.User.Guest {
		t.Fatalf("user of an allowed team marked guest: %+v", ev.User)
	}
	if n := len(e.fake.Calls("auth.test")); n != 0 {
		t.Fatalf("auth.test called %d times with an explicit allowlist", n)
	}
}

func TestUserMapFile(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"map.yaml": "# admin-kept\n" + alice + ": 11111111-1111-1111-1111-111111111111\n",
		"map.csv":  "slack_user_id,entra_object_id\n" + alice + ",11111111-1111-1111-1111-111111111111\n",
	}
	for name, content := range files {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			e := newEnv(t, func(c *Config) { c.UserMapFile = p })
			e.deliver(t, e.fake.DM(alice, "hi"), http.StatusOK)
			if ev := e.rec.next(t); ev.User.EntraID != "11111111-1111-1111-1111-111111111111" {
				t.Fatalf("entra id %q", ev.User.EntraID)
			}
			// The reverse mapping addresses a DM by Entra id.
			ref, err := e.a.Send(context.Background(), chat.Address{Kind: chat.ToUser, EntraID: "11111111-1111-1111-1111-111111111111"}, chat.Message{Text: "hello"})
			if err != nil || ref.Conversation != e.fake.DMChannel(alice) {
				t.Fatalf("send by entra id: %+v, %v", ref, err)
			}
		})
	}
	bad := filepath.Join(dir, "dup.csv")
	_ = os.WriteFile(bad, []byte("U1,e1\nU2,e1\n"), 0o600)
	if _, err := New(Config{BotToken: testBotToken, SigningSecret: "s", UserMapFile: bad}, nil, nil, nil); err == nil {
		t.Fatal("duplicate entra id accepted")
	}
}

func TestNewValidates(t *testing.T) {
	_, err := New(Config{BotToken: "xoxp-user", AppToken: "bad"}, nil, nil, nil)
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, want := range []string{"xoxb-", "xapp-", "store and a handler"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestAllowlistUnknownFailsClosed(t *testing.T) {
	e := newEnv(t)
	e.fake.FailNext("auth.test", "invalid_auth", 1)
	body := e.fake.DM(alice, "hi")
	e.deliver(t, body, http.StatusInternalServerError) // Slack will retry
	e.deliver(t, body, http.StatusOK)                  // the retry, once auth.test works
	if ev := e.rec.next(t); ev.Text != "hi" {
		t.Fatalf("event %+v", ev)
	}
}

func TestUsersInfoCachedWithTTL(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.EmailCacheTTL = time.Hour })
	now := time.Now()
	e.a.ids.now = func() time.Time { return now }
	for i := range 3 {
		e.deliver(t, e.fake.DM(alice, "hi "+strconv.Itoa(i)), http.StatusOK)
		e.rec.next(t)
	}
	if n := len(e.fake.Calls("users.info")); n != 1 {
		t.Fatalf("users.info called %d times within the TTL", n)
	}
	now = now.Add(time.Hour + time.Second)
	e.fake.SetUser(slackfake.User{ID: alice, Name: "Alice Manager", Email: "alice.new@contoso.com", Guest: true})
	e.deliver(t, e.fake.DM(alice, "again"), http.StatusOK)
	if ev := e.rec.next(t); ev.User.Refusal != refuseRestricted.text || ev.User.Email != "" {
		t.Fatalf("stale profile after the TTL: %+v", ev.User)
	}
}
