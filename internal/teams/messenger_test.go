package teams_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/store/memstore"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/teams"
	"github.com/tapbot/tapbot/internal/teams/connector/connectortest"
)

func TestSendUpdateRefuseSecret(t *testing.T) {
	f := newFixture(t)
	m := chat.Message{Title: "x", Secret: tap.NewSecret("s3cret")}
	if _, err := f.a.Send(context.Background(), chat.Address{Kind: chat.ToChannel}, m); !errors.Is(err, chat.ErrSecretInPersistent) {
		t.Errorf("send: %v", err)
	}
	ref := tap.Ref{Platform: teams.Platform, Conversation: approvers, Message: "1", Extra: f.conn.URL}
	if err := f.a.Update(context.Background(), ref, m); !errors.Is(err, chat.ErrSecretInPersistent) {
		t.Errorf("update: %v", err)
	}
	if len(f.conn.Calls()) != 0 {
		t.Error("a call reached the connector")
	}
}

func TestChannelSendAndUpdate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ref, err := f.a.Send(ctx, chat.Address{Kind: chat.ToChannel}, chat.Message{Title: "Approve?",
		Buttons: []chat.Button{{Action: chat.ActionApprove, Label: "Approve", Value: "r"}}})
	if err != nil {
		t.Fatal(err)
	}
	if ref.Platform != teams.Platform || ref.Conversation != approvers || ref.Message == "" {
		t.Fatalf("ref = %+v", ref)
	}
	if err := f.a.Update(ctx, ref, chat.Message{Title: "Approved by Alex"}); err != nil {
		t.Fatal(err)
	}
	conv, _ := f.conn.Conversation(approvers)
	if len(conv.Activities) != 1 || !strings.Contains(string(conv.Activities[0].Raw), "Approved by Alex") {
		t.Fatalf("channel = %+v", conv)
	}
}

func TestProactiveCreateConversationAndReuse(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	addr := chat.Address{Kind: chat.ToUser, EntraID: "a1f4c1e2-0000-4000-8000-000000000004"}
	r1, err := f.a.Send(ctx, addr, chat.Message{Text: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := f.a.Send(ctx, addr, chat.Message{Text: "again"})
	if err != nil {
		t.Fatal(err)
	}
	creates := 0
	for _, c := range f.conn.Calls() {
		if c.Op == "create" {
			creates++
		}
	}
	if creates != 1 || r1.Conversation != r2.Conversation || r1.Conversation == "" {
		t.Fatalf("creates = %d, refs %+v %+v", creates, r1, r2)
	}
	// A new adapter on the same store reuses the stored reference.
	a2 := f.adapter(t)
	if _, err := a2.Send(ctx, addr, chat.Message{Text: "after restart"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range f.conn.Calls()[len(f.conn.Calls())-1:] {
		if c.Op != "send" || c.ConversationID != r1.Conversation {
			t.Errorf("after restart: %+v", c)
		}
	}
}

func TestReferencesCapturedSurviveRestart(t *testing.T) {
	f := newFixture(t)
	f.post(f.personal("hi"), "valid")
	f.waitEvents(1)
	a2 := f.adapter(t)
	ref, err := a2.Send(context.Background(), chat.Address{Kind: chat.ToUser, EntraID: megan}, chat.Message{Text: "welcome back"})
	if err != nil {
		t.Fatal(err)
	}
	if ref.Conversation != "a:megan-chat" {
		t.Errorf("sent to %q, want the captured chat", ref.Conversation)
	}
	for _, c := range f.conn.Calls() {
		if c.Op == "create" {
			t.Error("created a conversation although a reference was captured")
		}
	}
}

func TestUnreachableUser(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.post(f.personal("hi"), "valid")
	f.waitEvents(1)
	f.conn.Block("a:megan-chat", "ConversationBlockedByUser")
	_, err := f.a.Send(ctx, chat.Address{Kind: chat.ToUser, EntraID: megan}, chat.Message{Text: "x"})
	if !errors.Is(err, chat.ErrUnreachable) {
		t.Errorf("blocked: %v, want ErrUnreachable", err)
	}
	a, err := teams.New(teams.Config{LocalMode: true}, memstore.New(), &recorder{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Send(ctx, chat.Address{Kind: chat.ToChannel}, chat.Message{Text: "x"}); !errors.Is(err, chat.ErrUnreachable) {
		t.Errorf("no channel: %v, want ErrUnreachable", err)
	}
}

func TestProactiveCreateRefusedIsUnreachable(t *testing.T) {
	f := newFixture(t)
	f.conn.Inject(connectortest.Fault{Op: "create", Status: http.StatusForbidden, Code: "MessageWritesBlocked"})
	_, err := f.a.Send(context.Background(), chat.Address{Kind: chat.ToUser, EntraID: "a1f4c1e2-0000-4000-8000-000000000005"}, chat.Message{Text: "x"})
	if !errors.Is(err, chat.ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
}

// TestConfiguredServiceURLWinsOverAStoredOneThatFails: the service URL
// captured from the channel stops answering; the card goes through the
// configured one.
func TestConfiguredServiceURLWinsOverAStoredOneThatFails(t *testing.T) {
	f := newFixture(t)
	other := connectortest.Start(t)
	act := f.personal("<at>tapbot</at> pending")
	act["serviceUrl"] = other.URL
	act["conversation"] = map[string]any{"id": approvers + ";messageid=42", "conversationType": "channel", "isGroup": true, "tenantId": tenantID}
	if status, _ := f.post(act, "valid"); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	f.waitEvents(1)
	other.Inject(connectortest.Fault{Op: "send", Status: http.StatusServiceUnavailable})
	ref, err := f.a.Send(context.Background(), chat.Address{Kind: chat.ToChannel}, chat.Message{Text: "card"})
	if err != nil {
		t.Fatal(err)
	}
	if ref.Extra != f.conn.URL || len(f.conn.Calls()) != 1 {
		t.Errorf("card went to %q (configured calls %d)", ref.Extra, len(f.conn.Calls()))
	}
}

func TestChannelReferenceCaptured(t *testing.T) {
	f := newFixture(t)
	other := connectortest.Start(t) // a second region's serviceUrl
	act := f.personal("<at>tapbot</at> pending")
	act["serviceUrl"] = other.URL
	act["conversation"] = map[string]any{"id": approvers + ";messageid=42", "conversationType": "channel", "isGroup": true, "tenantId": tenantID}
	if status, _ := f.post(act, "valid"); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	ev := f.waitEvents(1)[0]
	if ev.Direct || ev.Text != "pending" {
		t.Errorf("event = %+v", ev)
	}
	ref, err := f.a.Send(context.Background(), chat.Address{Kind: chat.ToChannel}, chat.Message{Text: "card"})
	if err != nil {
		t.Fatal(err)
	}
	if ref.Extra != other.URL || len(other.Calls()) != 1 || len(f.conn.Calls()) != 0 {
		t.Errorf("channel post went to %q (calls: other %d, default %d)", ref.Extra, len(other.Calls()), len(f.conn.Calls()))
	}
}
