package teams_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/store/memstore"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/teams"
	"github.com/tapbot/tapbot/internal/teams/botauth"
	"github.com/tapbot/tapbot/internal/teams/botauth/authtest"
	"github.com/tapbot/tapbot/internal/teams/connector"
	"github.com/tapbot/tapbot/internal/teams/connector/connectortest"
)

const (
	appID     = "9b1e7c3a-1111-4222-8333-444455556666"
	tenantID  = "6f0e3c4a-7b1d-4c2e-9a8f-3d5b7e9c1a20"
	approvers = "19:approvers@thread.tacv2"
	megan     = "a1f4c1e2-0000-4000-8000-000000000001"
	alex      = "a1f4c1e2-0000-4000-8000-000000000002"
)

// staticCred is the bot's outbound credential in tests.
type staticCred struct{}

func (staticCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "bot-token", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// recorder is the chat.Handler under test: it records events and runs
// an optional per-test reaction.
type recorder struct {
	mu     sync.Mutex
	events []chat.Event
	n      atomic.Int64
	react  func(ctx context.Context, ev chat.Event)
}

func (r *recorder) Handle(ctx context.Context, ev chat.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	react := r.react
	r.mu.Unlock()
	r.n.Add(1)
	if react != nil {
		react(ctx, ev)
	}
}

func (r *recorder) all() []chat.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]chat.Event(nil), r.events...)
}

type fixture struct {
	t     testing.TB
	idp   *authtest.IdP
	conn  *connectortest.Server
	store *memstore.Store
	h     *recorder
	a     *teams.Adapter
	srv   *httptest.Server
	seq   atomic.Int64
}

func newFixture(t testing.TB, opts ...teams.Option) *fixture {
	t.Helper()
	f := &fixture{t: t, idp: authtest.New(t, appID), conn: connectortest.Start(t), store: memstore.New(), h: &recorder{}}
	f.a = f.adapter(t, opts...)
	f.srv = httptest.NewServer(f.a.HTTPHandler())
	t.Cleanup(f.srv.Close)
	return f
}

// adapter builds another Adapter on the fixture's store and fakes.
func (f *fixture) adapter(t testing.TB, opts ...teams.Option) *teams.Adapter {
	t.Helper()
	vc := f.idp.Config()
	vc.TenantID = tenantID
	v, err := botauth.New(vc)
	if err != nil {
		t.Fatal(err)
	}
	cc, err := connector.New(connector.Config{AppID: appID, TenantID: tenantID, Credential: staticCred{},
		AllowedServiceURLHosts: []string{"127.0.0.1"}, MaxAttempts: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := teams.New(teams.Config{
		AppID: appID, TenantID: tenantID, ApproversConversation: approvers,
		ServiceURL: f.conn.URL, AllowedServiceURLHosts: []string{"127.0.0.1"},
	}, f.store, f.h, slog.New(slog.DiscardHandler), append([]teams.Option{teams.WithValidator(v), teams.WithConnector(cc)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Wait)
	return a
}

// personal returns a message activity from Megan in her 1:1 chat.
func (f *fixture) personal(text string) map[string]any {
	return map[string]any{
		"type": "message", "id": fmt.Sprintf("act-%d", f.seq.Add(1)), "channelId": "msteams",
		"serviceUrl": f.conn.URL, "text": text,
		"from":         map[string]any{"id": "29:megan", "name": "Megan Bowen", "aadObjectId": megan},
		"recipient":    map[string]any{"id": "28:" + appID, "name": "tapbot"},
		"conversation": map[string]any{"id": "a:megan-chat", "conversationType": "personal", "tenantId": tenantID},
		"channelData":  map[string]any{"tenant": map[string]any{"id": tenantID}},
	}
}

// execute returns an Action.Execute invoke from user in conversation conv
// on the card replyTo.
func (f *fixture) execute(conv, convType, userChatID, entraID, verb string, data map[string]any, replyTo string) map[string]any {
	return map[string]any{
		"type": "invoke", "name": "adaptiveCard/action", "id": fmt.Sprintf("act-%d", f.seq.Add(1)), "channelId": "msteams",
		"serviceUrl": f.conn.URL, "replyToId": replyTo,
		"from":         map[string]any{"id": userChatID, "aadObjectId": entraID},
		"recipient":    map[string]any{"id": "28:" + appID},
		"conversation": map[string]any{"id": conv, "conversationType": convType, "tenantId": tenantID},
		"channelData":  map[string]any{"tenant": map[string]any{"id": tenantID}},
		"value":        map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": verb, "data": data}},
	}
}

// post sends act with the Authorization header auth (signed for the
// activity's serviceUrl when auth is "valid").
func (f *fixture) post(act map[string]any, auth string) (int, []byte) {
	f.t.Helper()
	code, _, body := f.postHeader(act, auth)
	return code, body
}

// postHeader is post that also returns the response's header.
func (f *fixture) postHeader(act map[string]any, auth string) (int, http.Header, []byte) {
	f.t.Helper()
	body, err := json.Marshal(act)
	if err != nil {
		f.t.Fatal(err)
	}
	if auth == "valid" {
		auth = f.idp.Header(act["serviceUrl"].(string))
	}
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/api/messages", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// waitEvents waits until the handler saw n events.
func (f *fixture) waitEvents(n int) []chat.Event {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for f.h.n.Load() < int64(n) && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	f.a.Wait()
	evs := f.h.all()
	if len(evs) != n {
		f.t.Fatalf("handler saw %d events, want %d: %+v", len(evs), n, evs)
	}
	return evs
}

// wire returns every request body the fake connector received.
func (f *fixture) wire() string {
	var b bytes.Buffer
	for _, c := range f.conn.Calls() {
		b.Write(c.Body)
		b.WriteByte('\n')
	}
	return b.String()
}

var _ chat.Messenger = (*teams.Adapter)(nil)
var _ teams.Connector = (*connector.Client)(nil)
var _ teams.Validator = (*botauth.Validator)(nil)
var _ tap.Store = (*memstore.Store)(nil)
