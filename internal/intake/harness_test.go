package intake_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tapbot/tapbot/internal/app"
	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/intake"
	"github.com/tapbot/tapbot/internal/policy"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/store/sqlite"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/teams/botauth/authtest"
	"github.com/tapbot/tapbot/internal/testutil"
)

const (
	tenantID   = simtenant.DemoTenantID
	audience   = "api://tapbot-intake"
	hrApp      = "7d2c9a10-0000-4000-8000-00000000c0de" // the HR system's client id
	otherApp   = "7d2c9a10-0000-4000-8000-00000000beef" // allowed, but another caller
	approvers  = "C-approvers"
	hmacSecret = "hr-webhook-secret-at-least-32-bytes!"
)

var (
	megan = chat.User{Platform: chattest.Platform, ID: "U-megan", EntraID: simtenant.DemoMeganID, Name: "Megan Bowen"}
	alex  = chat.User{Platform: chattest.Platform, ID: "U-alex", EntraID: simtenant.DemoAlexID, Name: "Alex Wilber"}
)

// harness is the core wired as cmd/bot wires it (app.Build over SQLite and
// simtenant through the real Graph client, chat through chattest) with the
// intake API in front, and a test identity provider minting Entra-style
// RS256 access tokens.
type harness struct {
	t    testing.TB
	ctx  context.Context
	idp  *authtest.IdP
	srv  *httptest.Server
	msgr *chattest.Messenger
	app  *app.App
	st   *sqlite.Store
	logs *testutil.SyncBuffer
}

func newHarness(t testing.TB) *harness { return newHarnessWith(t, nil) }

// newHarnessWith is newHarness with the API's store wrapped by wrap.
func newHarnessWith(t testing.TB, wrap func(intake.Store) intake.Store, configure ...func(*intake.Config)) *harness {
	t.Helper()
	ctx := context.Background()
	logs := &testutil.SyncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tenant := simtenant.New()
	simtenant.Demo(tenant)
	tenant.RequireToken("test-token")
	tenant.Start()
	t.Cleanup(tenant.Close)
	gc, err := graph.New(graph.Config{BaseURL: tenant.URL(), Credential: graph.StaticCredential("test-token")}, log)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "tapbot.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	pcfg := policy.Default()
	pcfg.ApproverGroups = []string{simtenant.DemoApproversGroupID}
	pcfg.TwoApprovers = policy.TwoApprovers{}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	msgr := chattest.New()
	wired, err := app.Build(app.Config{Policy: pcfg, Approvals: approvals.Config{SealKey: key}},
		app.Deps{Store: st, Graph: gc, AuditKey: []byte("intake-test-audit-key-32-bytes!!"), Log: log,
			Platforms: []app.Platform{{Approvers: approvers, New: func(chat.Handler) (chat.Messenger, error) { return msgr, nil }}}})
	if err != nil {
		t.Fatal(err)
	}
	idp := authtest.New(t, audience)
	var ist intake.Store = st
	if wrap != nil {
		ist = wrap(st)
	}
	cfg := intake.Config{
		Enabled: true, TenantID: tenantID, Audiences: []string{audience}, AllowedApps: []string{hrApp, otherApp},
		MetadataURL: idp.MetadataURL(), HMACSecret: hmacSecret, HMACCaller: "workday",
		NotifyPlatform: chattest.Platform, DefaultZone: "America/Los_Angeles",
	}
	for _, c := range configure {
		c(&cfg)
	}
	api, err := intake.New(cfg, intake.Deps{Lifecycle: wired.Service, Directory: gc, Store: ist, Log: log, HTTPClient: idp.Server.Client()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	t.Cleanup(wired.Router.Wait)
	return &harness{t: t, ctx: ctx, idp: idp, srv: srv, msgr: msgr, app: wired, st: st, logs: logs}
}

// claims is a valid v2 client-credentials access token for the HR app.
func (h *harness) claims() jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"iss": "https://login.microsoftonline.com/" + tenantID + "/v2.0", "aud": audience, "tid": tenantID,
		"azp": hrApp, "azpacr": "1", "roles": []string{"TAP.Request"}, "ver": "2.0", "idtyp": "app",
		"sub": "sp-object-id", "oid": "sp-object-id",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
}

func (h *harness) token(mut ...func(jwt.MapClaims)) string {
	c := h.claims()
	for _, m := range mut {
		m(c)
	}
	return "Bearer " + h.idp.Mint(c)
}

// response is one HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) problem(t testing.TB) intake.Problem {
	t.Helper()
	var p intake.Problem
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json; body %s", ct, r.body)
	}
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != r.status {
		t.Fatalf("problem status %d, HTTP status %d", p.Status, r.status)
	}
	return p
}

func (r response) view(t testing.TB) intake.View {
	t.Helper()
	var v intake.View
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
	return v
}

// call makes one request and records it for the OpenAPI coverage check.
func (h *harness) call(method, path string, headers map[string]string, body []byte) response {
	h.t.Helper()
	req, err := http.NewRequestWithContext(h.ctx, method, h.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	record(method, path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	h.app.Router.Wait()
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// post creates a request with a bearer token.
func (h *harness) post(auth, key string, body any) response {
	h.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		h.t.Fatal(err)
	}
	hd := map[string]string{"Content-Type": "application/json", "Authorization": auth}
	if key != "" {
		hd[intake.HeaderIdempotencyKey] = key
	}
	return h.call(http.MethodPost, "/api/v1/requests", hd, b)
}

func (h *harness) get(auth, path string) response {
	return h.call(http.MethodGet, path, map[string]string{"Authorization": auth}, nil)
}

// signed returns HMAC headers for a call of method on uri with body at ts.
func signed(ts time.Time, method, uri string, body []byte) map[string]string {
	s := strconv.FormatInt(ts.Unix(), 10)
	return map[string]string{"Content-Type": "application/json", intake.HeaderTimestamp: s,
		intake.HeaderSignature: intake.Sign([]byte(hmacSecret), s, method, uri, body)}
}

// sarah is the body of a request for Sarah Johnson starting on a hire date.
func sarah(ref string) map[string]any {
	return map[string]any{
		"target": simtenant.DemoSarahUPN, "hire_date": time.Now().AddDate(0, 0, 3).Format("2006-01-02"),
		"time_zone": "America/Los_Angeles", "lifetime_minutes": 480, "reason": "onboarding",
		"requester": "manager", "external_ref": ref, "notes": "Starts in Sales, desk 4B",
	}
}

// dm returns the newest chat message to the person with entra id.
func (h *harness) dm(id tap.UserID) (chattest.Posted, bool) { return h.msgr.Last(string(id)) }

func (h *harness) click(u chat.User, action, value string) *chattest.Replies {
	ev, r := chattest.Event(chat.Event{Kind: chat.KindAction, User: u, Action: action, Value: value,
		Conversation: tap.Ref{Conversation: "dm-" + u.ID}})
	h.app.Router.Handle(h.ctx, ev)
	h.app.Router.Wait()
	return r
}
