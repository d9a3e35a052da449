package app_test

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/app"
	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/policy"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/store/memstore"
	"github.com/tapbot/tapbot/internal/tap"
)

func deps(t *testing.T, ps ...app.Platform) (app.Config, app.Deps) {
	t.Helper()
	tenant := simtenant.New()
	simtenant.Demo(tenant)
	tenant.Start()
	t.Cleanup(tenant.Close)
	gc, err := graph.New(graph.Config{BaseURL: tenant.URL(), Credential: graph.StaticCredential("t")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	pcfg := policy.Default()
	pcfg.ApproverGroups = []string{simtenant.DemoApproversGroupID}
	return app.Config{Policy: pcfg, Approvals: approvals.Config{SealKey: key}},
		app.Deps{Store: memstore.New(), Graph: gc, AuditKey: key, Platforms: ps}
}

// Build hands each platform the handler that reaches the router, and the
// router answers through that platform's messenger.
func TestBuildWiresPlatformsToTheRouter(t *testing.T) {
	msgr := chattest.New()
	var got chat.Handler
	cfg, d := deps(t, app.Platform{Approvers: "C-approvers", New: func(h chat.Handler) (chat.Messenger, error) {
		got = h
		return msgr, nil
	}})
	wired, err := app.Build(cfg, d)
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || len(wired.Messengers) != 1 {
		t.Fatalf("platform not built: handler %v, messengers %d", got, len(wired.Messengers))
	}
	ev, r := chattest.Event(chat.Event{Kind: chat.KindMessage, Direct: true, Text: "help",
		User:         chat.User{Platform: chattest.Platform, ID: "U-megan", EntraID: simtenant.DemoMeganID},
		Conversation: tap.Ref{Conversation: "dm-megan"}})
	got.Handle(context.Background(), ev)
	wired.Router.Wait()
	if !strings.Contains(r.Text(), "pass") {
		t.Fatalf("no answer through the forwarded handler: %q", r.Text())
	}
}

func TestBuildRefusesBadWiring(t *testing.T) {
	same := func(chat.Handler) (chat.Messenger, error) { return chattest.New(), nil }
	cfg, d := deps(t, app.Platform{New: same}, app.Platform{New: same})
	if _, err := app.Build(cfg, d); err == nil || !strings.Contains(err.Error(), "configured twice") {
		t.Fatalf("two adapters for one platform: %v", err)
	}
	boom := errors.New("slack: bot token revoked")
	cfg, d = deps(t, app.Platform{New: func(chat.Handler) (chat.Messenger, error) { return nil, boom }})
	if _, err := app.Build(cfg, d); !errors.Is(err, boom) {
		t.Fatalf("platform error lost: %v", err)
	}
	cfg, d = deps(t)
	d.Store = nil
	if _, err := app.Build(cfg, d); err == nil {
		t.Fatal("built without a store")
	}
}
