package slack

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/store/memstore"
)

const (
	testSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	approvers     = "C0APPROVERS"
	alice         = "U0ALICE"  // requester
	bob           = "U0BOB"    // approver
	gina          = "U0GINA"   // guest
	xavier        = "U0XAVIER" // Slack Connect user from another org
	testBotToken  = "xoxb-test-token"
	otherTeam     = "T0OTHERORG"
	testPassValue = "Gx7#kP2m!qR9"
)

// recorder is a chat.Handler that records events and can act on them.
type recorder struct {
	mu     sync.Mutex
	events []chat.Event
	ch     chan chat.Event
	act    func(ctx context.Context, ev chat.Event)
}

func (r *recorder) Handle(ctx context.Context, ev chat.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	act := r.act
	r.mu.Unlock()
	if act != nil {
		act(ctx, ev)
	}
	r.ch <- ev
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// next waits for the next handled event.
func (r *recorder) next(t *testing.T) chat.Event {
	t.Helper()
	select {
	case ev := <-r.ch:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("handler not called")
		return chat.Event{}
	}
}

type env struct {
	fake  *slackfake.Server
	a     *Adapter
	rec   *recorder
	store *memstore.Store
	h     http.Handler
}

func testLogger(testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return slog.New(slog.DiscardHandler)
}

func newEnv(t testing.TB, mod ...func(*Config)) *env {
	t.Helper()
	fake := slackfake.New()
	t.Cleanup(fake.Close)
	fake.AddUser(alice, "Alice Manager", "alice@contoso.com", false)
	fake.AddUser(bob, "Bob Approver", "bob@contoso.com", false)
	fake.AddUser(gina, "Gina Guest", "gina@contoso.com", true)
	fake.SetUser(slackfake.User{ID: xavier, Name: "Xavier External", Email: "x@fabrikam.com", TeamID: otherTeam})
	fake.AddChannel(approvers, bob, alice, gina, xavier)
	cfg := Config{BotToken: testBotToken, SigningSecret: testSecret, APIURL: fake.URL(),
		ApproversChannel: approvers, PostInterval: 10 * time.Millisecond}
	for _, m := range mod {
		m(&cfg)
	}
	rec := &recorder{ch: make(chan chat.Event, 100)}
	st := memstore.New()
	a, err := New(cfg, st, rec, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Wait)
	return &env{fake: fake, a: a, rec: rec, store: st, h: a.HTTPHandler()}
}

// deliver signs and serves body, requiring status.
func (e *env) deliver(t *testing.T, body string, status int) string {
	t.Helper()
	w := slackfake.Deliver(e.h, testSecret, body)
	if w.Code != status {
		t.Fatalf("status %d, want %d (body %q)", w.Code, status, w.Body.String())
	}
	return w.Body.String()
}

// noPassAnywhere fails if the pass value is in any persisted-surface call.
func noPassAnywhere(t *testing.T, fake *slackfake.Server, methods ...string) {
	t.Helper()
	for _, m := range methods {
		for _, c := range fake.Calls(m) {
			for k, v := range c.Args {
				if strings.Contains(v, testPassValue) {
					t.Errorf("%s argument %s holds the pass", m, k)
				}
			}
		}
	}
}

// texts returns every string in a JSON document, joined by newlines, so
// tests can look for text in Block Kit without JSON escaping in the way.
func texts(raw []byte) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString(x)
			b.WriteByte('\n')
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, k := range sortedKeys(x) {
				walk(x[k])
			}
		}
	}
	walk(v)
	return b.String()
}
