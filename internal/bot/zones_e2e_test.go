package bot_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/app"
	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/bot"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/policy"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/slack"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/store/sqlite"
	"github.com/tapbot/tapbot/internal/teams"
	"github.com/tapbot/tapbot/internal/teams/connector/connectortest"
	"github.com/tapbot/tapbot/internal/testutil"
)

// zoneWorld is the core wired with the real Slack adapter (HTTP mode,
// against slackfake) and the real Teams adapter (local mode, against the
// fake connector), Entra being simtenant over HTTP. Its clock is fixed.
type zoneWorld struct {
	t      *testing.T
	ctx    context.Context
	tenant *simtenant.Tenant
	fake   *slackfake.Server
	slack  *slack.Adapter
	teams  *teams.Adapter
	conn   *connectortest.Server
	router *bot.Router
	svc    *approvals.Service
	store  *sqlite.Store
	logs   *testutil.SyncBuffer
	now    time.Time
}

func newZoneWorld(t *testing.T, now time.Time, slackZones map[string]string, tenantMut func(*simtenant.Tenant), policyMut ...func(*policy.Config)) *zoneWorld {
	t.Helper()
	w := &zoneWorld{t: t, ctx: context.Background(), logs: &testutil.SyncBuffer{}, now: now}
	clock := func() time.Time { return w.now }
	log := slog.New(slog.NewJSONHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w.tenant = simtenant.New()
	w.tenant.SetNow(clock)
	simtenant.Demo(w.tenant)
	if tenantMut != nil {
		tenantMut(w.tenant)
	}
	w.tenant.RequireToken("test-token")
	w.tenant.Start()
	t.Cleanup(w.tenant.Close)
	gc, err := graph.New(graph.Config{BaseURL: w.tenant.URL(), Credential: graph.StaticCredential("test-token")}, log)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(w.ctx, filepath.Join(t.TempDir(), "tapbot.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })

	w.fake = slackfake.New()
	t.Cleanup(w.fake.Close)
	for _, u := range []struct{ id, name, mail string }{
		{slMegan, "Megan Bowen", simtenant.DemoMeganUPN},
		{slAlex, "Alex Wilber", simtenant.DemoAlexUPN},
	} {
		w.fake.SetUser(slackfake.User{ID: u.id, Name: u.name, Email: u.mail, TeamID: w.fake.TeamID, Zone: slackZones[u.id]})
	}
	w.fake.AddChannel(slApprovers, slAlex)
	w.conn = connectortest.Start(t)

	key := make([]byte, 32)
	_, _ = rand.Read(key)
	pcfg := policy.Default()
	pcfg.ApproverGroups = []string{simtenant.DemoApproversGroupID}
	pcfg.TwoApprovers = policy.TwoApprovers{}
	for _, m := range policyMut {
		m(&pcfg)
	}
	w.store = st
	platforms := []app.Platform{
		{Approvers: slApprovers, New: func(h chat.Handler) (chat.Messenger, error) {
			a, err := slack.New(slack.Config{BotToken: "xoxb-test", SigningSecret: slSecret, APIURL: w.fake.URL()}, st, h, log)
			w.slack = a
			return a, err
		}},
		{Approvers: teams.LocalApproversConversation, New: func(h chat.Handler) (chat.Messenger, error) {
			a, err := teams.New(teams.Config{LocalMode: true, TenantID: simtenant.DemoTenantID, ServiceURL: w.conn.URL,
				PlaygroundPort:        connPort(t, w.conn.URL),
				ApproversConversation: teams.LocalApproversConversation}, st, h, log)
			w.teams = a
			return a, err
		}},
	}
	wired, err := app.Build(app.Config{
		Policy:    pcfg,
		Approvals: approvals.Config{SealKey: key, Now: clock},
		// The store expires sessions on the real clock; the world's clock
		// is fixed, so sessions live long.
		Router: bot.Config{Now: clock, SessionIdle: 10 * 365 * 24 * time.Hour},
	}, app.Deps{Store: st, Graph: gc, AuditKey: auditKey, Platforms: platforms, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	w.router, w.svc = wired.Router, wired.Service
	return w
}

// slackSay delivers a signed Slack DM event from user and waits for the
// core to finish with it.
func (w *zoneWorld) slackSay(user, text string) {
	w.t.Helper()
	rec := httptest.NewRecorder()
	w.slack.HTTPHandler().ServeHTTP(rec, slackfake.SignedRequest(slSecret, w.fake.DM(user, text), time.Now()))
	if rec.Code != 200 {
		w.t.Fatalf("slack event: %d %s", rec.Code, rec.Body)
	}
	w.slack.Wait()
	w.router.Wait()
}

// slackDM is everything the bot posted in user's DM, as text and blocks.
func (w *zoneWorld) slackDM(user string) string {
	var b strings.Builder
	for _, m := range w.fake.Messages(w.fake.DMChannel(user)) {
		b.WriteString(m.Text + string(m.Blocks) + "\n")
	}
	return b.String()
}

// teamsSay delivers a personal-chat message activity from aad, with zone
// as localTimezone (none when "").
func (w *zoneWorld) teamsSay(id, aad, zone, text string) {
	w.t.Helper()
	act := map[string]any{
		"type": "message", "id": id, "channelId": "msteams", "serviceUrl": w.conn.URL, "text": text,
		"from":         map[string]any{"id": "29:" + aad, "aadObjectId": aad},
		"recipient":    map[string]any{"id": "28:tapbot"},
		"conversation": map[string]any{"id": "a:dm-" + aad, "conversationType": "personal", "tenantId": simtenant.DemoTenantID},
		"channelData":  map[string]any{"tenant": map[string]any{"id": simtenant.DemoTenantID}},
	}
	if zone != "" {
		act["localTimezone"] = zone
		act["entities"] = []any{map[string]any{"type": "clientInfo", "locale": "en-US", "timezone": zone}}
	}
	if code, body := postActivity(w.t, w.teams, act); code != 200 {
		w.t.Fatalf("teams activity: %d %s", code, body)
	}
	w.teams.Wait()
	w.router.Wait()
}

// approveOnSlack has Alex press Approve on the Slack approval card.
func (w *zoneWorld) approveOnSlack() {
	w.t.Helper()
	card, ok := w.fake.LastMessage(slApprovers)
	if !ok {
		w.t.Fatalf("no Slack approval card; Megan's DM:\n%s", w.slackDM(slMegan))
	}
	body, err := w.fake.Click(slAlex, slApprovers, card.TS, "Approve")
	if err != nil {
		w.t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	w.slack.HTTPHandler().ServeHTTP(rec, slackfake.SignedRequest(slSecret, body, time.Now()))
	w.slack.Wait()
	w.router.Wait()
}

// passStart is the startDateTime Graph got for Sarah's pass.
func (w *zoneWorld) passStart() time.Time {
	w.t.Helper()
	ps := w.tenant.Passes(simtenant.DemoSarahID)
	if len(ps) != 1 {
		w.t.Fatalf("Sarah has %d passes in the tenant, want 1", len(ps))
	}
	return ps[0].Start.UTC()
}

// connPort is the fake connector's port: local mode allows loopback
// serviceUrls on the playground's port.
func connPort(t *testing.T, raw string) int {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(u.Port())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// saturday is Sat 5 Dec 2026 17:00 UTC: "Monday" is Mon 7 Dec (PST).
var saturday = time.Date(2026, 12, 5, 17, 0, 0, 0, time.UTC)

const laRequest = "TAP for " + simtenant.DemoSarahUPN + ", onboarding, Monday 7:00, 8 hours"

// TestZoneSlackRequesterInLosAngeles: a Slack user whose users.info tz is
// America/Los_Angeles asks for "Monday 7:00": the pass Graph creates
// starts at 15:00Z (07:00 PST). Before zones were read it was 07:00Z.
func TestZoneSlackRequesterInLosAngeles(t *testing.T) {
	w := newZoneWorld(t, saturday, map[string]string{slMegan: "America/Los_Angeles"}, nil)
	w.slackSay(slMegan, laRequest)
	w.slackSay(slMegan, "defaults")
	dm := w.slackDM(slMegan)
	if !strings.Contains(dm, "Mon 7 Dec 2026 07:00 PST") {
		t.Fatalf("summary not in Megan's Pacific time:\n%s", dm)
	}
	w.slackSay(slMegan, "yes")
	w.approveOnSlack()
	want := time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)
	if got := w.passStart(); !got.Equal(want) {
		t.Fatalf("Graph startDateTime = %s, want %s (Monday 07:00 PST)", got.Format(time.RFC3339), want.Format(time.RFC3339))
	}
	t.Logf("LA requester, \"Monday 7:00\": Graph startDateTime %s (before this change: 2026-12-07T07:00:00Z)", want.Format(time.RFC3339))
}

// TestZoneTeamsRequesterInLosAngeles: the same on Teams, the zone coming
// from the activity's localTimezone; a later activity without one still
// uses it (kept with the conversation reference).
func TestZoneTeamsRequesterInLosAngeles(t *testing.T) {
	w := newZoneWorld(t, saturday, nil, nil)
	w.teamsSay("act-1", simtenant.DemoMeganID, "America/Los_Angeles", laRequest)
	w.teamsSay("act-2", simtenant.DemoMeganID, "", "defaults")
	w.teamsSay("act-3", simtenant.DemoMeganID, "", "yes")
	w.approveOnSlack()
	want := time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC)
	if got := w.passStart(); !got.Equal(want) {
		t.Fatalf("Graph startDateTime = %s, want %s", got.Format(time.RFC3339), want.Format(time.RFC3339))
	}
}

// slackRequest has Megan ask for laRequest on Slack, take the defaults,
// confirm, and Alex approve; it returns the pass's start in Graph.
func (w *zoneWorld) slackRequest() time.Time {
	w.t.Helper()
	w.slackSay(slMegan, laRequest)
	w.slackSay(slMegan, "defaults")
	w.slackSay(slMegan, "yes")
	w.approveOnSlack()
	return w.passStart()
}

// TestZoneMailboxFallback: Slack sends no tz; the requester's Exchange
// mailbox says "Pacific Standard Time" (a Windows name), read once.
func TestZoneMailboxFallback(t *testing.T) {
	w := newZoneWorld(t, saturday, nil, func(tn *simtenant.Tenant) {
		tn.SetMailboxZone(simtenant.DemoMeganID, "Pacific Standard Time")
	})
	if got, want := w.slackRequest(), time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("Graph startDateTime = %s, want %s", got.Format(time.RFC3339), want.Format(time.RFC3339))
	}
	reads := 0
	for _, r := range w.tenant.Requests() {
		if strings.HasSuffix(r.Path, "/users/"+simtenant.DemoMeganID+"/mailboxSettings") {
			reads++
		}
	}
	if reads != 1 {
		t.Errorf("Megan's mailbox read %d times over a whole conversation, want 1 (cached)", reads)
	}
}

// TestZoneMailboxDenied: without MailboxSettings.Read Graph answers 403:
// logged once, and the requester's zone is default_zone (UTC here), so
// "Monday 7:00" is 07:00Z.
func TestZoneMailboxDenied(t *testing.T) {
	w := newZoneWorld(t, saturday, nil, func(tn *simtenant.Tenant) {
		tn.SetMailboxZone(simtenant.DemoMeganID, "Pacific Standard Time")
		tn.DenyMailbox(true)
	})
	if got, want := w.slackRequest(), time.Date(2026, 12, 7, 7, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("Graph startDateTime = %s, want %s", got.Format(time.RFC3339), want.Format(time.RFC3339))
	}
	if n := strings.Count(w.logs.String(), "lacks MailboxSettings.Read"); n != 1 {
		t.Errorf("missing permission logged %d times, want once", n)
	}
	denied := 0
	for _, r := range w.tenant.Requests() {
		if strings.Contains(r.Path, "/mailboxSettings") {
			denied++
		}
	}
	if denied != 1 {
		t.Errorf("mailboxSettings asked %d times after a 403, want 1", denied)
	}
}

// TestZoneDSTWeek: "Monday 7:00" in Los Angeles is 14:00Z before the US
// change (Sun 1 Nov 2026) and 15:00Z after it; "Monday 9:00" in Berlin is
// 08:00Z after the EU change (Sun 25 Oct 2026).
func TestZoneDSTWeek(t *testing.T) {
	for _, tc := range []struct {
		name, zone, text string
		now              time.Time
		want             time.Time
	}{
		{"US, Monday before the change", "America/Los_Angeles", laRequest,
			time.Date(2026, 10, 21, 12, 0, 0, 0, time.UTC), time.Date(2026, 10, 26, 14, 0, 0, 0, time.UTC)},
		{"US, Monday after the change", "America/Los_Angeles", laRequest,
			time.Date(2026, 10, 28, 12, 0, 0, 0, time.UTC), time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)},
		{"EU, Monday after the change", "Europe/Berlin", "TAP for " + simtenant.DemoSarahUPN + ", onboarding, Monday 9:00, 8 hours",
			time.Date(2026, 10, 21, 12, 0, 0, 0, time.UTC), time.Date(2026, 10, 26, 8, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newZoneWorld(t, tc.now, map[string]string{slMegan: tc.zone}, nil)
			w.slackSay(slMegan, tc.text)
			w.slackSay(slMegan, "defaults")
			w.slackSay(slMegan, "yes")
			w.approveOnSlack()
			if got := w.passStart(); !got.Equal(tc.want) {
				t.Fatalf("Graph startDateTime = %s, want %s", got.Format(time.RFC3339), tc.want.Format(time.RFC3339))
			}
		})
	}
}

// TestZoneApproverSeesOwnZone: Megan asks from Los Angeles; Alex, an
// approver whose Slack zone is Berlin, lists pending requests and reads
// the start in his own time, with the new hire's beside it.
func TestZoneApproverSeesOwnZone(t *testing.T) {
	w := newZoneWorld(t, saturday, map[string]string{slMegan: "America/Los_Angeles", slAlex: "Europe/Berlin"}, nil)
	w.slackSay(slMegan, laRequest)
	w.slackSay(slMegan, "defaults")
	w.slackSay(slMegan, "yes")
	w.slackSay(slAlex, "pending")
	got := w.slackDM(slAlex)
	if want := "Mon 7 Dec 2026 16:00 CET (your time) · 07:00 PST for Sarah Johnson"; !strings.Contains(got, want) {
		t.Fatalf("Alex's pending card does not show %q:\n%s", want, got)
	}
	// The card in the shared channel shows the new hire's zone and UTC.
	card, _ := w.fake.LastMessage(slApprovers)
	if !strings.Contains(string(card.Blocks), "Mon 7 Dec 2026 07:00 PST (15:00 UTC)") {
		t.Errorf("channel card start: %s", card.Blocks)
	}
}
