package bot_test

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/policy"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/teams"
)

// Issue 12 part 2 end to end: the real Slack adapter (slackfake) and the
// real Teams adapter (the fake connector) around the wired core, Entra
// being simtenant. Saturday 5 Dec 2026 17:00 UTC; Megan is in Los Angeles.

// slackClick has user press the button labelled label on the newest
// message in channel that shows it.
func (w *zoneWorld) slackClick(user, channel, label string) {
	w.t.Helper()
	msgs := w.fake.Messages(channel)
	for i := len(msgs) - 1; i >= 0; i-- {
		if !strings.Contains(string(msgs[i].Blocks), label) {
			continue
		}
		body, err := w.fake.Click(user, channel, msgs[i].TS, label)
		if err != nil {
			continue
		}
		rec := httptest.NewRecorder()
		w.slack.HTTPHandler().ServeHTTP(rec, slackfake.SignedRequest(slSecret, body, time.Now()))
		w.slack.Wait()
		w.router.Wait()
		return
	}
	w.t.Fatalf("no %q button in %s:\n%s", label, channel, w.slackDM(user))
}

// teamsClick is aad pressing a card button in Teams; it returns the
// invoke's answer.
func (w *zoneWorld) teamsClick(id, aad, action, value string) string {
	w.t.Helper()
	act := teamsInvoke(id, aad, action, value)
	act["serviceUrl"] = w.conn.URL
	act["conversation"] = map[string]any{"id": "a:dm-" + aad, "conversationType": "personal", "tenantId": simtenant.DemoTenantID}
	code, body := postActivity(w.t, w.teams, act)
	if code != 200 {
		w.t.Fatalf("teams invoke: %d %s", code, body)
	}
	w.teams.Wait()
	w.router.Wait()
	return body
}

// teamsShown is everything a Teams conversation shows now.
func (w *zoneWorld) teamsShown(conv string) string {
	var b strings.Builder
	for _, p := range w.conn.Shown(conv) {
		b.Write(p.Raw)
		b.WriteByte('\n')
	}
	return b.String()
}

// sarahs is every request for Sarah, each before the one that replaced
// it (the world's clock may give two the same creation time).
func (w *zoneWorld) sarahs() []*tap.Request {
	w.t.Helper()
	rs, err := w.store.ListRequests(w.ctx, tap.RequestFilter{Target: simtenant.DemoSarahID})
	if err != nil {
		w.t.Fatal(err)
	}
	slices.SortStableFunc(rs, func(a, b *tap.Request) int {
		switch {
		case b.ReissueOf == a.ID:
			return -1
		case a.ReissueOf == b.ID:
			return 1
		}
		return 0
	})
	return rs
}

// approveOnTeams has aad press Approve on the Teams approval card.
func (w *zoneWorld) approveOnTeams(aad string, id tap.RequestID) {
	w.t.Helper()
	act := teamsInvoke("approve-"+aad+string(id), aad, chat.ActionApprove, string(id))
	act["serviceUrl"] = w.conn.URL
	act["conversation"] = map[string]any{"id": teams.LocalApproversConversation, "conversationType": "channel", "tenantId": simtenant.DemoTenantID}
	if code, body := postActivity(w.t, w.teams, act); code != 200 {
		w.t.Fatalf("teams approve: %d %s", code, body)
	}
	w.teams.Wait()
	w.router.Wait()
}

// TestReissueAfterNotRevealedInTime: a pass nobody revealed is deleted
// when the reveal window ends; Megan's notice on Slack has "Issue a new
// pass"; a click makes one new pending request (a second click makes
// none), approved and issued on the normal path: Graph create ran once per
// request and Sarah holds one pass.
func TestReissueAfterNotRevealedInTime(t *testing.T) {
	w := newZoneWorld(t, saturday, map[string]string{slMegan: "America/Los_Angeles"}, nil)
	w.slackRequest()
	w.now = w.now.Add(25 * time.Hour) // past the 24 h reveal window
	if err := w.svc.Sweep(w.ctx); err != nil {
		t.Fatal(err)
	}
	old := w.sarahs()[0]
	if old.State != tap.StateExpired || len(w.tenant.Passes(simtenant.DemoSarahID)) != 0 {
		t.Fatalf("after the reveal window: state %s, passes %d", old.State, len(w.tenant.Passes(simtenant.DemoSarahID)))
	}
	if lapsed, _ := w.fake.LastMessage(slApprovers); !strings.Contains(string(lapsed.Blocks), "Issue a new pass") {
		t.Errorf("approvers' 'not revealed in time' notice has no Issue a new pass button: %s", lapsed.Blocks)
	}

	dm := w.fake.DMChannel(slMegan)
	var notice slackfake.Message
	for _, m := range w.fake.Messages(dm) {
		if strings.Contains(string(m.Blocks), "Issue a new pass") {
			notice = m
		}
	}
	w.slackClick(slMegan, dm, "Issue a new pass")
	if now := w.slackMessage(dm, notice.TS); strings.Contains(string(now.Blocks), "Issue a new pass") {
		t.Errorf("the notice still offers Issue a new pass once replaced: %s", now.Blocks)
	}
	// The double click: the second lands on the button as first drawn.
	rec := httptest.NewRecorder()
	w.slack.HTTPHandler().ServeHTTP(rec, slackfake.SignedRequest(slSecret,
		w.fake.BlockAction(slMegan, dm, notice.TS, chat.ActionReissue, string(old.ID)), time.Now()))
	w.slack.Wait()
	w.router.Wait()
	rs := w.sarahs()
	if len(rs) != 2 {
		t.Fatalf("%d requests for Sarah after two clicks, want 2 (the old and one new)", len(rs))
	}
	nw := rs[1]
	if nw.State != tap.StatePending || nw.ReissueOf != old.ID || !nw.Start.Equal(old.Start) || nw.Lifetime != old.Lifetime {
		t.Fatalf("new request %s reissue_of %q start %s lifetime %s; old start %s", nw.State, nw.ReissueOf, nw.Start, nw.Lifetime, old.Start)
	}
	if dm := w.slackDM(slMegan); !strings.Contains(dm, "went to the approvers") || !strings.Contains(dm, "already replaced this one") {
		t.Errorf("Megan not told of the new request and of the second click:\n%s", dm)
	}
	if first := w.fake.Messages(slApprovers)[0]; !strings.Contains(string(first.Blocks), "Replaced by request "+string(nw.ID)) {
		t.Errorf("the expired request's approval card does not name the request that replaced it: %s", first.Blocks)
	}
	card, _ := w.fake.LastMessage(slApprovers)
	if !strings.Contains(string(card.Blocks), "Replaces") || !strings.Contains(string(card.Blocks), string(old.ID)) {
		t.Errorf("new approval card does not say what it replaces: %s", card.Blocks)
	}
	w.approveOnSlack()
	if got := w.sarahs()[1].State; got != tap.StateIssued {
		t.Fatalf("reissued request after approval: %s", got)
	}
	if c := w.tenant.Creates(simtenant.DemoSarahID); c != 2 {
		t.Errorf("Graph creates = %d, want 2 (one per request)", c)
	}
	if got, want := w.passStart(), old.Start; !got.Equal(want) {
		t.Errorf("new pass starts %s, want the old start %s", got, want)
	}
}

// TestReissueAfterOneTimeUse: on Teams, Megan's one-time pass was used;
// "reissue sarah…" deletes it in Entra before anything else and asks
// again; the old approval card says it was replaced.
func TestReissueAfterOneTimeUse(t *testing.T) {
	w := newZoneWorld(t, saturday, nil, nil)
	w.teamsSay("act-1", simtenant.DemoMeganID, "America/Los_Angeles", laRequest+", one-time use")
	w.teamsSay("act-2", simtenant.DemoMeganID, "", "defaults")
	w.teamsSay("act-3", simtenant.DemoMeganID, "", "yes")
	w.approveOnSlack()
	w.now = time.Date(2026, 12, 7, 16, 0, 0, 0, time.UTC) // Monday, the pass has started
	if err := w.tenant.UseOnce(simtenant.DemoSarahID); err != nil {
		t.Fatal(err)
	}
	if ps := w.tenant.Passes(simtenant.DemoSarahID); len(ps) != 1 || ps[0].Reason != "OneTimeUsed" {
		t.Fatalf("pass after one use: %+v", ps)
	}
	old := w.sarahs()[0]

	w.teamsSay("act-4", simtenant.DemoMeganID, "", "reissue "+simtenant.DemoSarahUPN)
	if d := w.tenant.Deletes(simtenant.DemoSarahID); d != 1 || len(w.tenant.Passes(simtenant.DemoSarahID)) != 0 {
		t.Fatalf("used pass not deleted in Entra: deletes %d, passes %d", d, len(w.tenant.Passes(simtenant.DemoSarahID)))
	}
	rs := w.sarahs()
	if len(rs) != 2 || rs[0].State != tap.StateRevoked || rs[0].ReplacedBy != rs[1].ID || rs[1].State != tap.StatePending {
		t.Fatalf("requests after reissue: %d, old %s replaced_by %q", len(rs), rs[0].State, rs[0].ReplacedBy)
	}
	if !rs[1].Start.IsZero() || !rs[1].OneTime {
		t.Errorf("new request start %s (want now: the old start has passed), one-time %v", rs[1].Start, rs[1].OneTime)
	}
	if shown := w.teamsShown(teams.LocalApproversConversation); !strings.Contains(shown, "Replaced by a new request") {
		t.Errorf("old Teams approval card does not say it was replaced:\n%s", shown)
	}
	if c := w.tenant.Creates(simtenant.DemoSarahID); c != 1 {
		t.Fatalf("Graph create ran before approval: %d", c)
	}
	// An old "Issue a new pass" button clicked now, on Teams, makes nothing new.
	answer := w.teamsClick("click-old", simtenant.DemoMeganID, chat.ActionReissue, string(old.ID))
	if n := len(w.sarahs()); n != 2 || !strings.Contains(answer+w.teamsShown("a:dm-"+simtenant.DemoMeganID), "already replaced this one") {
		t.Errorf("a click on the replaced request's button: %d requests, answer %s", n, answer)
	}
	w.approveOnSlack()
	if c, ps := w.tenant.Creates(simtenant.DemoSarahID), w.tenant.Passes(simtenant.DemoSarahID); c != 2 || len(ps) != 1 || !ps[0].IsUsable {
		t.Fatalf("after approval: creates %d, passes %+v", c, ps)
	}
}

// TestRescheduleBeforeIssuance: a two-approver request waits with Alex's
// approval; Megan says "reschedule sarah… Tuesday 9:00" (Los Angeles):
// the pending request starts Tue 17:00Z, Alex's approval is cleared and
// audited, both platforms' cards show the new start with live buttons,
// nothing reached Graph; two approvals later the pass starts then.
func TestRescheduleBeforeIssuance(t *testing.T) {
	w := newZoneWorld(t, saturday, map[string]string{slMegan: "America/Los_Angeles"}, nil, func(c *policy.Config) {
		c.TwoApprovers = policy.TwoApprovers{Reasons: []tap.Reason{tap.ReasonOnboarding}}
	})
	w.slackSay(slMegan, laRequest)
	w.slackSay(slMegan, "defaults")
	w.slackSay(slMegan, "yes")
	w.approveOnSlack()
	id := w.sarahs()[0].ID
	if q := w.sarahs()[0]; q.State != tap.StatePending || len(q.Approvals) != 1 {
		t.Fatalf("after the first approval: %s with %d approvals", q.State, len(q.Approvals))
	}

	w.slackSay(slMegan, "reschedule "+simtenant.DemoSarahUPN+" Tuesday 9:00")
	q := w.sarahs()[0]
	want := time.Date(2026, 12, 8, 17, 0, 0, 0, time.UTC)
	if len(w.sarahs()) != 1 || q.State != tap.StatePending || !q.Start.Equal(want) || len(q.Approvals) != 0 {
		t.Fatalf("after reschedule: %d requests, %s, start %s (want %s), %d approvals", len(w.sarahs()), q.State, q.Start, want, len(q.Approvals))
	}
	if dm := w.slackDM(slMegan); !strings.Contains(dm, "Tue 8 Dec 2026 09:00 PST") || !strings.Contains(dm, "asked again") {
		t.Errorf("Megan not told the new start in her time and that approval is asked again:\n%s", dm)
	}
	card, _ := w.fake.LastMessage(slApprovers)
	if msgs := w.fake.Messages(slApprovers); !strings.Contains(string(msgs[0].Blocks), "Tue 8 Dec 2026") || !strings.Contains(string(msgs[0].Blocks), chat.ActionApprove) {
		t.Errorf("Slack approval card not redrawn with the new start and live buttons: %s", msgs[0].Blocks)
	}
	if !strings.Contains(card.Text+string(card.Blocks), "changed to") {
		t.Errorf("approvers not told of the change: %s %s", card.Text, card.Blocks)
	}
	if shown := w.teamsShown(teams.LocalApproversConversation); !strings.Contains(shown, "Tue 8 Dec 2026") {
		t.Errorf("Teams approval card not redrawn with the new start:\n%s", shown)
	}
	if c := w.tenant.Creates(simtenant.DemoSarahID); c != 0 {
		t.Fatalf("reschedule reached Graph: %d creates", c)
	}
	recs, err := w.store.ListAudit(w.ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, rec := range recs {
		if rec.Action == "reschedule" && rec.Outcome == "ok" && rec.Request == id {
			found = rec.Detail["approvals_cleared"] == "1" && rec.Detail["to"] == want.Format(time.RFC3339)
		}
	}
	if !found {
		t.Errorf("no reschedule audit record with the cleared approval and the new start")
	}

	w.slackClick(slAlex, slApprovers, "Approve")
	w.approveOnTeams(simtenant.DemoIrvinID, id)
	if got := w.sarahs()[0].State; got != tap.StateIssued {
		t.Fatalf("after two approvals: %s", got)
	}
	if got := w.passStart(); !got.Equal(want) {
		t.Errorf("Graph startDateTime %s, want %s", got, want)
	}
}

// TestRescheduleAfterIssuance: the pass is issued for Monday; on Teams
// Megan moves it to Wednesday 9:00 (her zone): the Monday pass is deleted
// in Entra at once, a new request asks for approval again, and once
// approved the pass starts Wednesday.
func TestRescheduleAfterIssuance(t *testing.T) {
	w := newZoneWorld(t, saturday, nil, nil)
	w.teamsSay("act-1", simtenant.DemoMeganID, "America/Los_Angeles", laRequest)
	w.teamsSay("act-2", simtenant.DemoMeganID, "", "defaults")
	w.teamsSay("act-3", simtenant.DemoMeganID, "", "yes")
	w.approveOnSlack()
	w.teamsSay("act-4", simtenant.DemoMeganID, "", "reschedule "+simtenant.DemoSarahUPN+" Wednesday 9:00")
	rs := w.sarahs()
	want := time.Date(2026, 12, 9, 17, 0, 0, 0, time.UTC)
	if len(rs) != 2 || rs[0].State != tap.StateRevoked || rs[1].State != tap.StatePending || !rs[1].Start.Equal(want) {
		t.Fatalf("after reschedule of an issued pass: %d requests; want old revoked and new pending at %s: %+v", len(rs), want, rs)
	}
	if len(w.tenant.Passes(simtenant.DemoSarahID)) != 0 {
		t.Fatal("the pass for the old start is still in Entra")
	}
	for _, warning := range rs[1].Warnings {
		if strings.Contains(warning, "replaces the pass") {
			t.Errorf("the new request warns of the pass the reschedule deleted: %s", warning)
		}
	}
	w.approveOnSlack()
	if got := w.passStart(); !got.Equal(want) {
		t.Errorf("Graph startDateTime %s, want %s", got, want)
	}
}

// TestWithdrawWithReason: Alex (an approver) withdraws Sarah's issued
// pass on Slack because the offer was rescinded: the pass is deleted in
// Entra, the request is revoked with the reason, both platforms'
// approval cards say who withdrew it and why, the audit trail has the
// reason, and Megan is told.
func TestWithdrawWithReason(t *testing.T) {
	w := newZoneWorld(t, saturday, nil, nil)
	w.slackRequest()
	w.slackSay(slAlex, "withdraw "+simtenant.DemoSarahUPN+" offer rescinded")
	q := w.sarahs()[0]
	if q.State != tap.StateRevoked || q.ClosedReason != "offer rescinded" || q.ClosedBy == nil || q.ClosedBy.EntraID != simtenant.DemoAlexID {
		t.Fatalf("after withdraw: %s reason %q by %+v", q.State, q.ClosedReason, q.ClosedBy)
	}
	if len(w.tenant.Passes(simtenant.DemoSarahID)) != 0 || w.tenant.Deletes(simtenant.DemoSarahID) != 1 {
		t.Fatal("the pass was not deleted in Entra")
	}
	const says = "Withdrawn by Alex Wilber"
	if msgs := w.fake.Messages(slApprovers); !strings.Contains(string(msgs[0].Blocks), says) || !strings.Contains(string(msgs[0].Blocks), "offer rescinded") {
		t.Errorf("Slack approval card does not say it was withdrawn and why: %s", msgs[0].Blocks)
	}
	if shown := w.teamsShown(teams.LocalApproversConversation); !strings.Contains(shown, says) || !strings.Contains(shown, "offer rescinded") {
		t.Errorf("Teams approval card does not say it was withdrawn and why:\n%s", shown)
	}
	if dm := w.slackDM(slMegan); !strings.Contains(dm, "withdrawn by Alex Wilber: offer rescinded") {
		t.Errorf("Megan not told:\n%s", dm)
	}
	recs, err := w.store.ListAudit(w.ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, rec := range recs {
		found = found || (rec.Action == "withdraw" && rec.Outcome == "ok" && rec.Request == q.ID && rec.Detail["reason"] == "offer rescinded")
	}
	if !found {
		t.Error("no withdraw audit record with the reason")
	}
}
