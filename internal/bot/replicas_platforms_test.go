package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/tapbot/tapbot/internal/app"
	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/slack"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/store/postgres"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/teams"
	"github.com/tapbot/tapbot/internal/testutil"
	"github.com/tapbot/tapbot/internal/workq"
)

// countingHandler counts the events a replica's adapter hands to the core.
type countingHandler struct {
	next chat.Handler
	n    *atomic.Int32
}

func (h countingHandler) Handle(ctx context.Context, ev chat.Event) {
	h.n.Add(1)
	h.next.Handle(ctx, ev)
}

// teamsInvoke is the Action.Execute activity Teams sends when the user
// with Entra id aad presses a card button.
func teamsInvoke(id, aad, action, value string) map[string]any {
	return map[string]any{
		"type": "invoke", "name": "adaptiveCard/action", "id": id, "channelId": "msteams",
		"serviceUrl": teams.LocalServiceURL, "replyToId": "card-1",
		"from":         map[string]any{"id": "29:" + aad, "aadObjectId": aad},
		"recipient":    map[string]any{"id": "28:tapbot"},
		"conversation": map[string]any{"id": "19:approvers@thread.tacv2", "conversationType": "channel", "tenantId": simtenant.DemoTenantID},
		"channelData":  map[string]any{"tenant": map[string]any{"id": simtenant.DemoTenantID}},
		"value": map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": action,
			"data": map[string]any{"action": action, "value": value}}},
	}
}

// postActivity serves act on a replica's /api/messages, from loopback.
func postActivity(t *testing.T, a *teams.Adapter, act map[string]any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(act)
	req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:3978/api/messages", strings.NewReader(string(b)))
	req.RemoteAddr = "127.0.0.1:40000"
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	a.HTTPHandler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// TestReplicasTeamsBehindLoadBalancer: Teams redelivers an activity (same
// activity id) and the load balancer sends each copy to another replica:
// the core acts once, the other copies are answered "already handled".
// A second approver's own click, on yet another replica, is told who won.
func TestReplicasTeamsBehindLoadBalancer(t *testing.T) {
	c := newCluster(t, 3, approvals.Config{})
	var handled atomic.Int32
	var adapters []*teams.Adapter
	for _, r := range c.replicas {
		a, err := teams.New(teams.Config{LocalMode: true, TenantID: simtenant.DemoTenantID}, r.store,
			countingHandler{r.router, &handled}, nil)
		if err != nil {
			t.Fatal(err)
		}
		adapters = append(adapters, a)
	}
	id := c.request(c.replicas[0], c.replicas[1], simtenant.DemoSarahUPN)

	act := teamsInvoke("f:act-approve-1", simtenant.DemoAlexID, chat.ActionApprove, string(id))
	bodies := make([]string, len(adapters))
	var wg sync.WaitGroup
	for i, a := range adapters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, body := postActivity(t, a, act)
			if code != http.StatusOK {
				t.Errorf("replica %d: status %d", i, code)
			}
			bodies[i] = body
		}()
	}
	wg.Wait()
	for _, a := range adapters {
		a.Wait()
	}
	handledOnce, dropped := 0, 0
	for i, b := range bodies {
		switch {
		case strings.Contains(b, "already handled"):
			dropped++
		case strings.Contains(b, "Done."):
			handledOnce++
		default:
			t.Errorf("replica %d answered %s", i, b)
		}
	}
	if handledOnce != 1 || dropped != 2 || handled.Load() != 1 {
		t.Fatalf("one activity on three replicas: %d acted, %d dropped, core called %d times; want 1, 2, 1",
			handledOnce, dropped, handled.Load())
	}
	if got := c.get(id).State; got != tap.StateIssued {
		t.Fatalf("state = %s, want issued", got)
	}

	_, body := postActivity(t, adapters[2], teamsInvoke("f:act-approve-2", simtenant.DemoIrvinID, chat.ActionApprove, string(id)))
	adapters[2].Wait()
	if !strings.Contains(body, "already approved") {
		t.Errorf("second approver told %s", body)
	}
	if n := c.tenant.Creates(simtenant.DemoSarahID); n != 1 {
		t.Errorf("graph creates = %d, want 1", n)
	}
	if n := c.count(megan.ID, withButton(id, chat.ActionReveal)); n != 1 {
		t.Errorf("%d Reveal messages to the requester, want 1", n)
	}
}

// Slack users of the Socket Mode test, by e-mail mapped to the demo tenant.
const (
	slMegan, slAlex, slIrvin = "UMEGAN", "UALEX", "UIRVIN"
	slApprovers              = "CAPPROVERS"
	slSecret                 = "slack-signing-secret"
)

// TestReplicasSlackSocketMode: three replicas each hold their own Socket
// Mode connection; the fake spreads envelopes across the connections as
// Slack does. A request made in a DM, then 50 Approve clicks (and Slack's
// redeliveries of ten of them, which may land on another replica): each
// click reaches the core once, Graph creates one pass, the Slack card is
// decided, and every loser is told who won.
func TestReplicasSlackSocketMode(t *testing.T) {
	fake := slackfake.NewUnstarted()
	fake.AddUser(slMegan, "Megan Bowen", simtenant.DemoMeganUPN, false)
	fake.AddUser(slAlex, "Alex Wilber", simtenant.DemoAlexUPN, false)
	fake.AddUser(slIrvin, "Irvin Sayers", simtenant.DemoIrvinUPN, false)
	fake.AddChannel(slApprovers, slAlex, slIrvin)
	ts := slacktest.NewTestServer(fake.Bind)
	ts.Start()
	t.Cleanup(ts.Stop)
	go func() {
		for range ts.SeenFeed { // slacktest blocks until its feed is drained
		}
	}()

	// The admin-kept user map gives the Entra ids. (Without it the router
	// looks Slack users up by e-mail, and concurrent
	// graph.Client.UserByEmail calls race on the Graph SDK's shared path
	// parameters map: see the report on issue 7.)
	userMap := filepath.Join(t.TempDir(), "slack-users.yaml")
	if err := os.WriteFile(userMap, []byte(fmt.Sprintf("%s: %s\n%s: %s\n%s: %s\n",
		slMegan, simtenant.DemoMeganID, slAlex, simtenant.DemoAlexID, slIrvin, simtenant.DemoIrvinID)), 0o600); err != nil {
		t.Fatal(err)
	}
	const n = 3
	counts := make([]atomic.Int32, n)
	var adapters []*slack.Adapter
	c := newClusterWith(t, n, approvals.Config{}, func(i int, st *postgres.Store, log *slog.Logger) []app.Platform {
		return []app.Platform{{Approvers: slApprovers, New: func(h chat.Handler) (chat.Messenger, error) {
			a, err := slack.New(slack.Config{BotToken: "xoxb-test", AppToken: "xapp-1-A0TAPBOT-1-test", SigningSecret: slSecret, APIURL: ts.GetAPIURL(),
				ApproversChannel: slApprovers, UserMapFile: userMap, PostInterval: time.Millisecond, PostBurst: 100},
				st, countingHandler{h, &counts[i]}, log,
				// 25 clicks from one person at once: more than the default
				// per-person lane holds (16; the rest are dropped by design,
				// workq's tests cover that). This test is about exactly once
				// across replicas, so the lane fits the storm.
				slack.WithWork(workq.New(workq.Config{PerKey: 64}), workq.NewSenders(0, 0)))
			if err != nil {
				return nil, err
			}
			adapters = append(adapters, a)
			return a, nil
		}}}
	})
	for i, a := range adapters {
		ctx, cancel := context.WithCancel(c.ctx)
		done := make(chan error, 1)
		go func() { done <- a.RunSocketMode(ctx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("%s: socket mode: %v", c.replicas[i].name, err)
			}
			a.Wait()
		})
	}
	testutil.Eventually(t, 10*time.Second, "three socket connections", func() bool {
		return len(c.loggedAny("slack socket mode connected")) == 3
	})

	var envs []string
	send := func(body string, retry int) {
		id := fmt.Sprintf("env-%d", len(envs)+1)
		envs = append(envs, id)
		ts.SendToWebsocket(slackfake.Envelope(body, id, retry))
	}
	settle := func() {
		t.Helper()
		for _, id := range envs {
			waitSocketAck(t, ts, id)
		}
		for _, a := range adapters {
			a.Wait()
		}
	}
	dm := fake.DMChannel(slMegan)
	send(fake.DM(slMegan, "pass for "+simtenant.DemoSarahUPN+" tomorrow 9am, 8 hours, onboarding, multi-use because she starts in Sales"), 0)
	settle()
	send(fake.DM(slMegan, "yes"), 0)
	settle()
	cards := fake.Messages(slApprovers)
	if len(cards) != 1 {
		t.Fatalf("%d messages in the approvers channel, want the card; DM: %+v", len(cards), fake.Messages(dm))
	}
	card := cards[0]

	const clicks = 50
	var bodies []string
	for i := range clicks {
		u := slAlex
		if i%2 == 1 {
			u = slIrvin
		}
		b, err := fake.Click(u, slApprovers, card.TS, chat.ActionApprove)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, b)
	}
	for i, b := range bodies {
		send(b, 0)
		if i%5 == 0 {
			send(b, 1) // Slack redelivers: may reach another replica
		}
	}
	settle()

	var handled int32
	spread := make([]int32, len(counts))
	for i := range counts {
		spread[i] = counts[i].Load()
		handled += spread[i]
	}
	if handled != 2+clicks {
		t.Errorf("core called %d times for 2 messages and %d clicks (+%d redeliveries), want %d", handled, clicks, clicks/5, 2+clicks)
	}
	busy := 0
	for _, n := range spread {
		if n > 0 {
			busy++
		}
	}
	if busy < 2 {
		t.Errorf("envelopes not spread across replicas: %v", spread)
	}
	if n := c.tenant.Creates(simtenant.DemoSarahID); n != 1 {
		t.Fatalf("graph creates = %d, want 1", n)
	}
	var id tap.RequestID
	if rs, err := c.live()[0].store.ListRequests(c.ctx, tap.RequestFilter{}); err != nil || len(rs) != 1 {
		t.Fatalf("requests: %d, %v", len(rs), err)
	} else {
		id = rs[0].ID
	}
	if got := c.get(id).State; got != tap.StateIssued {
		t.Fatalf("state = %s, want issued", got)
	}
	final, _ := fake.LastMessage(slApprovers)
	if len(fake.Messages(slApprovers)) != 1 || strings.Contains(string(final.Blocks), `"button"`) ||
		!strings.Contains(string(final.Blocks), "Approved by") {
		t.Errorf("Slack approval card not decided in place (%d messages): %s", len(fake.Messages(slApprovers)), final.Blocks)
	}
	reveals := 0
	for _, m := range fake.Messages(dm) {
		if strings.Contains(string(m.Blocks), `"`+chat.ActionReveal) {
			reveals++
		}
	}
	if reveals != 1 {
		t.Errorf("%d Slack DMs with a Reveal button, want 1", reveals)
	}
	told := 0
	for _, u := range []string{slAlex, slIrvin} {
		for _, m := range fake.Ephemerals(u) {
			if strings.Contains(m.Text, "already approved") {
				told++
			}
		}
	}
	if told != clicks-1 {
		t.Errorf("%d losing clicks told who won, want %d", told, clicks-1)
	}
	// HTTP mode behind a load balancer: Slack's retry of one event (the
	// same event id) reaches every replica at once; the core hears it once.
	evt := fake.DM(slMegan, "status")
	codes := make([]int, len(adapters))
	var wg sync.WaitGroup
	for i, a := range adapters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			req := slackfake.SignedRequest(slSecret, evt, time.Now())
			if i > 0 {
				req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(i))
				req.Header.Set("X-Slack-Retry-Reason", "http_timeout")
			}
			a.HTTPHandler().ServeHTTP(rec, req)
			codes[i] = rec.Code
		}()
	}
	wg.Wait()
	for _, a := range adapters {
		a.Wait()
	}
	var after int32
	for i := range counts {
		after += counts[i].Load()
	}
	if after != handled+1 || codes[0] != http.StatusOK || codes[1] != http.StatusOK || codes[2] != http.StatusOK {
		t.Errorf("one HTTP event on three replicas: core called %d times, answers %v; want 1, all 200", after-handled, codes)
	}
	t.Logf("replicas: Slack Socket Mode, %d envelopes; core calls per replica %v; %d create; Slack card edited %d times",
		len(envs), spread, c.tenant.Creates(simtenant.DemoSarahID), final.Edits)
}

// waitSocketAck waits until slacktest has seen the ack for envelopeID.
func waitSocketAck(t *testing.T, ts *slacktest.Server, envelopeID string) {
	t.Helper()
	want := `"` + envelopeID + `"`
	testutil.Eventually(t, 10*time.Second, "an ack for "+envelopeID, func() bool {
		for _, m := range ts.GetSeenInboundMessages() {
			var ack map[string]json.RawMessage
			if json.Unmarshal([]byte(m), &ack) == nil && string(ack["envelope_id"]) == want {
				return true
			}
		}
		return false
	})
}
