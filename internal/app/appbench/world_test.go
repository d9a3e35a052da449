package appbench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/tapbot/tapbot/internal/app"
	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/policy"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/slack"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/store/sqlite"
	"github.com/tapbot/tapbot/internal/teams"
	"github.com/tapbot/tapbot/internal/teams/botauth"
	"github.com/tapbot/tapbot/internal/teams/botauth/authtest"
	"github.com/tapbot/tapbot/internal/teams/connector"
	"github.com/tapbot/tapbot/internal/teams/connector/connectortest"
	"github.com/tapbot/tapbot/internal/workq"
)

const (
	slackSecret    = "appbench-signing-secret"
	slackApprovers = "CAPPROVERS"
	teamsApprovers = "19:approvers@thread.tacv2"
	teamsAppID     = "0b6e8f47-4c43-4f8a-9d0e-2d1c7b5a9e11"
	graphToken     = "appbench-token"
)

// core is what both platforms share: the simulated tenant behind the
// real Graph client, a SQLite store in a temporary directory, and the
// policy with the quotas lifted (a benchmark makes hundreds of requests
// a minute from one manager; the default quota is 20 a day).
type core struct {
	tenant *simtenant.Tenant
	store  *sqlite.Store
	graph  *graph.Client
}

func newCore(b *testing.B) *core {
	b.Helper()
	tenant := simtenant.New()
	simtenant.Demo(tenant)
	tenant.RequireToken(graphToken)
	tenant.Start()
	b.Cleanup(tenant.Close)
	gc, err := graph.New(graph.Config{BaseURL: tenant.URL(), Credential: graph.StaticCredential(graphToken)}, nil)
	if err != nil {
		b.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "tapbot.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	return &core{tenant: tenant, store: st, graph: gc}
}

// newHire adds the n-th new hire (starting next week, managed by Megan)
// and returns their object id and UPN. Each whole flow asks for a new
// person: a second pass for someone who has registered a method is a
// recovery, which the policy treats differently.
func (c *core) newHire(n int) (id, upn string) {
	upn = fmt.Sprintf("hire%d@contoso.com", n)
	id = c.tenant.AddUser(simtenant.User{UPN: upn, DisplayName: fmt.Sprintf("New Hire %d", n), Mail: upn,
		Department: "Sales", JobTitle: "Account Executive", HireDate: time.Now().AddDate(0, 0, 7)})
	if err := c.tenant.SetManager(id, simtenant.DemoMeganID); err != nil {
		panic(err)
	}
	return id, upn
}

// request is the one-sentence request for upn the dialog reads in one step.
func request(upn string) string {
	return "pass for " + upn + " tomorrow 9am, 8 hours, onboarding, multi-use because she starts in Sales"
}

// build wires the core around one platform, as cmd/bot does.
func (c *core) build(b *testing.B, p app.Platform) *app.App {
	b.Helper()
	pcfg := policy.Default()
	pcfg.ApproverGroups = []string{simtenant.DemoApproversGroupID}
	pcfg.Quotas = policy.Quotas{OpenPerRequester: 1 << 20, PerRequesterPerDay: 1 << 20}
	seal := make([]byte, 32)
	_, _ = rand.Read(seal)
	a, err := app.Build(app.Config{Policy: pcfg, Approvals: approvals.Config{SealKey: seal}},
		app.Deps{Store: c.store, Graph: c.graph, AuditKey: []byte("appbench-audit-key-of-32-bytes!!"), Platforms: []app.Platform{p}})
	if err != nil {
		b.Fatal(err)
	}
	return a
}

// work is the inbound pool with tapbot's defaults except the per-person
// rate (5 a second), which a closed-loop benchmark from one person would
// hit at once: the benchmark measures the work, not the refusals.
func work() (*workq.Pool, *workq.Senders) {
	return workq.New(workq.Config{}), workq.NewSenders(1e9, 1<<30)
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}}

// slackWorld is tapbot with Slack in HTTP mode against the fake Web API.
type slackWorld struct {
	*core
	app  *app.App
	ad   *slack.Adapter
	fake *slackfake.Server
	srv  *httptest.Server
}

func newSlackWorld(b *testing.B) *slackWorld {
	b.Helper()
	w := &slackWorld{core: newCore(b), fake: slackfake.NewUnstarted()}
	for _, u := range []struct{ id, name, mail string }{
		{"UMEGAN", "Megan Bowen", simtenant.DemoMeganUPN},
		{"UALEX", "Alex Wilber", simtenant.DemoAlexUPN},
		{"USARAH", "Sarah Johnson", simtenant.DemoSarahUPN},
	} {
		w.fake.AddUser(u.id, u.name, u.mail, false)
	}
	w.fake.AddChannel(slackApprovers, "UALEX")
	api := httptest.NewServer(w.fake.Handler())
	b.Cleanup(api.Close)
	w.app = w.build(b, app.Platform{Approvers: slackApprovers, New: func(h chat.Handler) (chat.Messenger, error) {
		ad, err := slack.New(slack.Config{BotToken: "xoxb-bench", SigningSecret: slackSecret, APIURL: api.URL + "/",
			ApproversChannel: slackApprovers,
			// Slack's own pacing (one post a second per channel) would be
			// what is measured otherwise.
			PostInterval: time.Microsecond, PostBurst: 1 << 20},
			w.store, h, nil, slack.WithWork(work()))
		w.ad = ad
		return ad, err
	}})
	w.srv = httptest.NewServer(w.ad.HTTPHandler())
	b.Cleanup(func() { w.srv.Close(); w.ad.Wait(); w.app.Router.Wait() })
	return w
}

// send delivers a signed body, waits for its acknowledgement and then for
// the work it started (replies included) to finish.
func (w *slackWorld) send(b *testing.B, body string) string {
	now := time.Now()
	req, _ := http.NewRequest(http.MethodPost, w.srv.URL+"/slack/events", strings.NewReader(body))
	req.Header.Set("Content-Type", slackfake.ContentType(body))
	req.Header.Set("X-Slack-Request-Timestamp", fmt.Sprint(now.Unix()))
	req.Header.Set("X-Slack-Signature", slackfake.Sign(slackSecret, now, body))
	res, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	out, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b.Fatalf("slack delivery: %d %s", res.StatusCode, out)
	}
	w.ad.Wait()
	w.app.Router.Wait()
	return string(out)
}

// lastIn is the newest message in channel; it fails unless it holds want.
func (w *slackWorld) lastIn(b *testing.B, channel, want string) slackfake.Message {
	m, ok := w.fake.LastMessage(channel)
	if !ok || !strings.Contains(m.Text+string(m.Blocks), want) {
		b.Fatalf("last message in %s has no %q: %s %s", channel, want, m.Text, m.Blocks)
	}
	return m
}

// teamsWorld is tapbot with Teams: activities signed by a fake Bot
// Framework identity provider, replies to the fake Bot Connector.
type teamsWorld struct {
	*core
	app  *app.App
	ad   *teams.Adapter
	conn *connectortest.Server
	srv  *httptest.Server
	auth string
	seq  atomic.Int64
}

type staticCred struct{}

func (staticCred) GetToken(context.Context, azpolicy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "bench", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func newTeamsWorld(b *testing.B) *teamsWorld {
	b.Helper()
	w := &teamsWorld{core: newCore(b), conn: connectortest.Start(b)}
	idp := authtest.New(b, teamsAppID)
	v, err := botauth.New(idp.Config())
	if err != nil {
		b.Fatal(err)
	}
	cc, err := connector.New(connector.Config{AppID: teamsAppID, TenantID: simtenant.DemoTenantID, Credential: staticCred{},
		AllowedServiceURLHosts: []string{"127.0.0.1"},
		// The Bot Connector's own per-conversation limit (7 a second)
		// would be what is measured otherwise.
		Limits: []connector.Window{{N: 1 << 20, Per: time.Second}}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	w.app = w.build(b, app.Platform{Approvers: teamsApprovers, New: func(h chat.Handler) (chat.Messenger, error) {
		ad, err := teams.New(teams.Config{AppID: teamsAppID, TenantID: simtenant.DemoTenantID, ApproversConversation: teamsApprovers,
			ServiceURL: w.conn.URL, AllowedServiceURLHosts: []string{"127.0.0.1"}}, w.store, h, nil,
			teams.WithValidator(v), teams.WithConnector(cc), teams.WithWork(work()))
		w.ad = ad
		return ad, err
	}})
	w.srv = httptest.NewServer(w.ad.HTTPHandler())
	b.Cleanup(func() { w.srv.Close(); w.ad.Wait(); w.app.Router.Wait() })
	w.auth = idp.Header(w.conn.URL)
	return w
}

// activity is a Teams activity from the person with Entra id aad in
// their 1:1 chat (conv), or in the approvers channel when conv is "".
func (w *teamsWorld) activity(aad, conv string, fields map[string]any) map[string]any {
	c := map[string]any{"id": conv, "conversationType": "personal", "tenantId": simtenant.DemoTenantID}
	if conv == "" {
		c = map[string]any{"id": teamsApprovers, "conversationType": "channel", "tenantId": simtenant.DemoTenantID}
	}
	act := map[string]any{
		"id": fmt.Sprintf("act-%d", w.seq.Add(1)), "channelId": "msteams", "serviceUrl": w.conn.URL,
		"from":         map[string]any{"id": "29:" + aad, "aadObjectId": aad},
		"recipient":    map[string]any{"id": "28:" + teamsAppID, "name": "tapbot"},
		"conversation": c,
		"channelData":  map[string]any{"tenant": map[string]any{"id": simtenant.DemoTenantID}},
	}
	for k, v := range fields {
		act[k] = v
	}
	return act
}

func message(text string) map[string]any { return map[string]any{"type": "message", "text": text} }

func invoke(action, value string) map[string]any {
	return map[string]any{"type": "invoke", "name": "adaptiveCard/action", "replyToId": "card-1",
		"value": map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": action,
			"data": map[string]any{"action": action, "value": value}}}}
}

// send posts act, waits for the acknowledgement (the invoke's answer) and
// for the work it started to finish.
func (w *teamsWorld) send(b *testing.B, act map[string]any) string {
	body, _ := json.Marshal(act)
	req, _ := http.NewRequest(http.MethodPost, w.srv.URL+"/api/messages", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", w.auth)
	res, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	out, _ := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if res.StatusCode/100 != 2 {
		b.Fatalf("teams activity: %d %s", res.StatusCode, out)
	}
	w.ad.Wait()
	w.app.Router.Wait()
	return string(out)
}

// lastIn is the newest activity in conv; it fails unless it holds want.
func (w *teamsWorld) lastIn(b *testing.B, conv, want string) connectortest.Posted {
	p, ok := w.conn.Last(conv)
	if !ok || !strings.Contains(string(p.Raw), want) {
		b.Fatalf("last activity in %s has no %q: %s", conv, want, p.Raw)
	}
	return p
}

var approveValue = regexp.MustCompile(`"action":"` + chat.ActionApprove + `","value":"([^"]+)"`)
