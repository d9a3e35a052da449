package bot_test

import (
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/bot"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/policy"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/teams"
	"github.com/tapbot/tapbot/internal/testutil"
)

// teamsInvoke is one Action.Execute on the Teams card cardID in conv,
// without waiting for the core (a storm sends many at once).
func (w *zoneWorld) teamsInvoke(id, aad, conv, cardID, action, value string) string {
	act := map[string]any{
		"type": "invoke", "name": "adaptiveCard/action", "id": id, "channelId": "msteams",
		"serviceUrl": w.conn.URL, "replyToId": cardID,
		"from":         map[string]any{"id": "29:" + aad, "aadObjectId": aad},
		"recipient":    map[string]any{"id": "28:tapbot"},
		"conversation": map[string]any{"id": conv, "tenantId": simtenant.DemoTenantID},
		"channelData":  map[string]any{"tenant": map[string]any{"id": simtenant.DemoTenantID}},
		"value": map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": action,
			"data": map[string]any{"action": action, "value": value}}},
	}
	code, body := postActivity(w.t, w.teams, act)
	if code != 200 {
		w.t.Errorf("teams invoke %s: %d %s", id, code, body)
	}
	return body
}

// slackAction delivers a signed block action without waiting for the core.
func (w *zoneWorld) slackAction(user, channel, ts, action, value string) {
	rec := httptest.NewRecorder()
	w.slack.HTTPHandler().ServeHTTP(rec, slackfake.SignedRequest(slSecret, w.fake.BlockAction(user, channel, ts, action, value), time.Now()))
	if rec.Code != 200 {
		w.t.Errorf("slack action: %d %s", rec.Code, rec.Body)
	}
}

// cardChanges counts the committed transitions of id that change what its
// approval card shows: each approval, a denial or cancel, the pass issued.
func (w *zoneWorld) cardChanges(id tap.RequestID) int {
	w.t.Helper()
	recs, err := w.store.ListAudit(w.ctx, 0, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	n := 0
	for _, r := range recs {
		if r.Request == id && r.Outcome == "ok" && slices.Contains([]string{"approve", "deny", "cancel", "issue"}, r.Action) {
			n++
		}
	}
	return n
}

// slackUpdates counts chat.update calls on the message ts.
func (w *zoneWorld) slackUpdates(ts string) int {
	n := 0
	for _, c := range w.fake.Calls("chat.update") {
		if c.Args["ts"] == ts {
			n++
		}
	}
	return n
}

// teamsUpdates counts UpdateActivity calls on the activity id.
func (w *zoneWorld) teamsUpdates(id string) int {
	n := 0
	for _, c := range w.conn.Calls() {
		if c.Op == "update" && c.ActivityID == id {
			n++
		}
	}
	return n
}

// TestClickStormOneUpdatePerStateChange: a storm of concurrent clicks on
// both platforms at once — two approvers double-clicking Approve on the
// Slack and the Teams card, the requester's Cancel, Deny, and stale clicks
// on every button once the request moved on — updates each approval card
// at most once per state change the card shows (the clicked Teams card's
// own answer is the invoke response, not an update), and every card ends
// showing the latest state.
func TestClickStormOneUpdatePerStateChange(t *testing.T) {
	w := newZoneWorld(t, saturday, nil, nil, func(c *policy.Config) {
		c.TwoApprovers = policy.TwoApprovers{Reasons: []tap.Reason{tap.ReasonOnboarding}}
	})
	w.fake.AddUser(slIrvin, "Irvin Sayers", simtenant.DemoIrvinUPN, false)
	w.fake.AddChannel(slApprovers, slAlex, slIrvin)
	dm := w.fake.DMChannel(slMegan)
	w.slackSay(slMegan, laRequest)
	w.slackSay(slMegan, "defaults")
	w.slackSay(slMegan, "yes")
	slCard, ok := w.fake.LastMessage(slApprovers)
	if !ok {
		t.Fatalf("no Slack approval card; Megan's DM:\n%s", w.slackDM(slMegan))
	}
	id := value(t, string(slCard.Blocks), chat.ActionApprove)
	tmCard := w.teamsCard(teams.LocalApproversConversation, chat.ActionApprove)
	var submitted string
	for _, m := range w.fake.Messages(dm) {
		if strings.Contains(string(m.Blocks), chat.ActionCancel+`"`) {
			submitted = m.TS
		}
	}
	if submitted == "" {
		t.Fatalf("no Cancel request in Megan's DM:\n%s", w.slackDM(slMegan))
	}
	slBefore, tmBefore, dmBefore := w.slackUpdates(slCard.TS), w.teamsUpdates(tmCard.ID), w.slackUpdates(submitted)

	storm := func(round string, stale bool) {
		var wg sync.WaitGroup
		for i := range 3 {
			wg.Go(func() { w.slackAction(slAlex, slApprovers, slCard.TS, chat.ActionApprove, id) })
			wg.Go(func() { w.slackAction(slIrvin, slApprovers, slCard.TS, chat.ActionApprove, id) })
			wg.Go(func() {
				w.teamsInvoke(round+"-a-"+string(rune('0'+i)), simtenant.DemoAlexID, teams.LocalApproversConversation, tmCard.ID, chat.ActionApprove, id)
			})
			wg.Go(func() {
				w.teamsInvoke(round+"-i-"+string(rune('0'+i)), simtenant.DemoIrvinID, teams.LocalApproversConversation, tmCard.ID, chat.ActionApprove, id)
			})
		}
		if stale { // the first round races the approvers, not a cancel
			wg.Go(func() { w.slackAction(slMegan, dm, submitted, chat.ActionCancel, id) })
			wg.Go(func() { w.slackAction(slMegan, dm, submitted, chat.ActionCancel, id) })
		}
		wg.Go(func() { w.slackAction(slIrvin, slApprovers, slCard.TS, chat.ActionDeny, id) })
		wg.Go(func() {
			w.teamsInvoke(round+"-d", simtenant.DemoAlexID, teams.LocalApproversConversation, tmCard.ID, chat.ActionDeny, id)
		})
		wg.Wait()
		w.slack.Wait()
		w.teams.Wait()
		w.router.Wait()
	}
	storm("s1", false)
	// The stale clicks: the request has moved on; each is refused, and
	// must not redraw a card that already shows the state.
	storm("s2", true)
	storm("s3", true)

	changes := w.cardChanges(tap.RequestID(id))
	if changes == 0 {
		t.Fatal("the storm changed nothing")
	}
	if got := w.slackUpdates(slCard.TS) - slBefore; got > changes {
		t.Errorf("the Slack approval card was updated %d times for %d state changes", got, changes)
	}
	if got := w.teamsUpdates(tmCard.ID) - tmBefore; got > changes {
		t.Errorf("the Teams approval card was updated %d times for %d state changes", got, changes)
	}
	if got := w.slackUpdates(submitted) - dmBefore; got > changes {
		t.Errorf("the requester's message was updated %d times for %d state changes", got, changes)
	}
	req, err := w.svc.Get(w.ctx, tap.RequestID(id))
	if err != nil {
		t.Fatal(err)
	}
	want := bot.ApprovalCard(req).Text
	if now := w.slackMessage(slApprovers, slCard.TS); !strings.Contains(string(now.Blocks), firstWords(want)) ||
		strings.Contains(string(now.Blocks), chat.ActionApprove) {
		t.Errorf("the Slack card does not show %q (%s): %s", want, req.State, now.Blocks)
	}
	if now := w.teamsNow(teams.LocalApproversConversation, tmCard.ID); !strings.Contains(now, firstWords(want)) ||
		strings.Contains(now, chat.ActionApprove) {
		t.Errorf("the Teams card does not show %q (%s): %s", want, req.State, now)
	}
	t.Logf("%s after %d card changes: Slack %d updates, Teams %d updates", req.State, changes,
		w.slackUpdates(slCard.TS)-slBefore, w.teamsUpdates(tmCard.ID)-tmBefore)
}

// firstWords is the start of a status line, before any mark-up a platform
// draws its own way (the name markers, emphasis, escapes).
func firstWords(s string) string {
	if i := strings.IndexAny(s, "\ue000*_<&"); i > 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// TestIssuingShowsNoLiveButtons: while Graph creates the pass (slowed
// here), every approval card on both platforms shows that the pass is
// being created, with no Approve or Deny, and a click on the Teams card
// is answered with that card, without them.
func TestIssuingShowsNoLiveButtons(t *testing.T) {
	w := newZoneWorld(t, saturday, nil, nil)
	w.slackSay(slMegan, laRequest)
	w.slackSay(slMegan, "defaults")
	w.slackSay(slMegan, "yes")
	slCard, ok := w.fake.LastMessage(slApprovers)
	if !ok {
		t.Fatalf("no Slack approval card; Megan's DM:\n%s", w.slackDM(slMegan))
	}
	id := value(t, string(slCard.Blocks), chat.ActionApprove)
	tmCard := w.teamsCard(teams.LocalApproversConversation, chat.ActionApprove)
	w.tenant.DelayBy("POST", "/users/*/authentication/temporaryAccessPassMethods", 1, 2*time.Second)

	w.slackAction(slAlex, slApprovers, slCard.TS, chat.ActionApprove, id)
	issuing := func(raw string) bool {
		return strings.Contains(raw, "Creating the pass") && !strings.Contains(raw, chat.ActionApprove) && !strings.Contains(raw, chat.ActionDeny)
	}
	testutil.Eventually(t, 2*time.Second, "both cards show the pass being created", func() bool {
		return issuing(string(w.slackMessage(slApprovers, slCard.TS).Blocks)) && issuing(w.teamsNow(teams.LocalApproversConversation, tmCard.ID))
	})
	if got := w.teamsInvoke("late-1", simtenant.DemoIrvinID, teams.LocalApproversConversation, tmCard.ID, chat.ActionApprove, id); !issuing(got) {
		t.Errorf("a click while the pass is created was answered with %s", got)
	}
	w.slack.Wait()
	w.teams.Wait()
	w.router.Wait()
	req, err := w.svc.Get(w.ctx, tap.RequestID(id))
	if err != nil {
		t.Fatal(err)
	}
	if req.State != tap.StateIssued {
		t.Fatalf("state %s after the slow create", req.State)
	}
	for _, raw := range []string{string(w.slackMessage(slApprovers, slCard.TS).Blocks), w.teamsNow(teams.LocalApproversConversation, tmCard.ID)} {
		if !strings.Contains(raw, "Pass issued") || strings.Contains(raw, chat.ActionApprove) {
			t.Errorf("the card after the create: %s", raw)
		}
	}
}
