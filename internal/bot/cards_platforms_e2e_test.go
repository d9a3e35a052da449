package bot_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/policy"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/teams"
	"github.com/tapbot/tapbot/internal/teams/connector/connectortest"
)

// teamsClickOn presses a button on the Teams card activity cardID in conv as
// aad and returns the invoke answer (the card the clicker now sees).
func (w *zoneWorld) teamsClickOn(id, aad, conv, cardID, action, value string) string {
	w.t.Helper()
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
		w.t.Fatalf("teams invoke: %d %s", code, body)
	}
	w.teams.Wait()
	w.router.Wait()
	return body
}

// teamsCard is the newest activity in conv whose card carries action.
func (w *zoneWorld) teamsCard(conv, action string) connectortest.Posted {
	w.t.Helper()
	shown := w.conn.Shown(conv)
	for i := len(shown) - 1; i >= 0; i-- {
		if strings.Contains(string(shown[i].Raw), `"`+action+`"`) {
			return shown[i]
		}
	}
	w.t.Fatalf("no card with %s in %s", action, conv)
	return connectortest.Posted{}
}

func (w *zoneWorld) teamsNow(conv, id string) string {
	p, ok := w.conn.Activity(conv, id)
	if !ok {
		w.t.Fatalf("no activity %s in %s", id, conv)
	}
	return string(p.Raw)
}

// TestTeamsClickAnswersWithTheCard: on Teams, the answer to a click is the
// clicked card in its new state, never a bare "Done."; a refused click is
// the card with one line above it, never the line alone.
func TestTeamsClickAnswersWithTheCard(t *testing.T) {
	w := newZoneWorld(t, saturday, nil, nil)
	dm := "a:dm-" + simtenant.DemoMeganID
	w.teamsSay("act-1", simtenant.DemoMeganID, "", laRequest)
	w.teamsSay("act-2", simtenant.DemoMeganID, "", "defaults")
	w.teamsSay("act-3", simtenant.DemoMeganID, "", "yes")
	submitted := w.teamsCard(dm, chat.ActionCancel)
	card := w.teamsCard(teams.LocalApproversConversation, chat.ActionApprove)
	id := value(t, string(card.Raw), chat.ActionApprove)

	got := w.teamsClickOn("c-1", simtenant.DemoAlexID, teams.LocalApproversConversation, card.ID, chat.ActionApprove, id)
	if strings.Contains(got, "Done.") || !strings.Contains(got, "Approved by Alex Wilber") || strings.Contains(got, chat.ActionApprove) {
		t.Errorf("approve answered with %s", got)
	}
	if now := w.teamsNow(dm, submitted.ID); strings.Contains(now, chat.ActionCancel) || !strings.Contains(now, "Approved by Alex Wilber") {
		t.Errorf("requester's submitted card still offers Cancel: %s", now)
	}

	// Teams (and the Agents Playground) send a click on a channel card in
	// the thread's conversation, "<channel>;messageid=<root>".
	got = w.teamsClickOn("c-2", simtenant.DemoIrvinID, teams.LocalApproversConversation+";messageid="+card.ID, card.ID, chat.ActionApprove, id)
	if !strings.Contains(got, "already approved") || !strings.Contains(got, "Sarah Johnson") || strings.Contains(got, chat.ActionApprove) {
		t.Errorf("a late approver saw %s", got)
	}
	got = w.teamsClickOn("c-3", simtenant.DemoMeganID, dm, submitted.ID, chat.ActionCancel, id)
	if strings.Contains(got, chat.ActionCancel) || !strings.Contains(got, "Approved by Alex Wilber") || !strings.Contains(got, `"color":"Attention"`) {
		t.Errorf("a stale Cancel answered with %s", got)
	}

	issued := w.teamsCard(dm, chat.ActionReveal)
	got = w.teamsClickOn("c-4", simtenant.DemoMeganID, dm, issued.ID, chat.ActionRevoke, id)
	if strings.Contains(got, "Done.") || !strings.Contains(got, "Revoked") || strings.Contains(got, chat.ActionRevoke) {
		t.Errorf("revoke answered with %s", got)
	}
	if now := w.teamsNow(dm, issued.ID); strings.Contains(now, chat.ActionReveal) || strings.Contains(now, chat.ActionRevoke) {
		t.Errorf("reveal prompt still offers actions after the revoke: %s", now)
	}
}

// value is the request id a card's button for action carries (the first
// "value" after the action's id, on either platform's wire format).
func value(t *testing.T, raw, action string) string {
	t.Helper()
	i := strings.Index(raw, `"`+action+`"`)
	j := strings.Index(raw[max(i, 0):], `"value":"`)
	if i < 0 || j < 0 {
		t.Fatalf("no %s button in %s", action, raw)
	}
	rest := raw[i+j+len(`"value":"`):]
	return rest[:strings.Index(rest, `"`)]
}

// slackMessage is the message ts in channel as it stands now.
func (w *zoneWorld) slackMessage(channel, ts string) slackfake.Message {
	w.t.Helper()
	for _, m := range w.fake.Messages(channel) {
		if m.TS == ts {
			return m
		}
	}
	w.t.Fatalf("no message %s in %s", ts, channel)
	return slackfake.Message{}
}

// TestSlackStaleButtonsAreRedrawn: on Slack the requester's submitted
// message loses Cancel when the request is approved; when that redraw was
// lost (chat.update failed), a click on the old button is answered in one
// private line and redraws the message, once: a second click on a message
// that already shows the state redraws nothing.
func TestSlackStaleButtonsAreRedrawn(t *testing.T) {
	w := newZoneWorld(t, saturday, nil, nil)
	dm := w.fake.DMChannel(slMegan)
	w.slackSay(slMegan, laRequest)
	w.slackSay(slMegan, "defaults")
	w.slackSay(slMegan, "yes")
	var submitted slackfake.Message
	for _, m := range w.fake.Messages(dm) {
		if strings.Contains(string(m.Blocks), chat.ActionCancel+`"`) {
			submitted = m
		}
	}
	if submitted.TS == "" {
		t.Fatalf("no Cancel request in Megan's DM:\n%s", w.slackDM(slMegan))
	}
	id := value(t, string(submitted.Blocks), chat.ActionCancel)
	w.fake.FailNext("chat.update", "cant_update_message", 100)
	w.approveOnSlack()
	w.fake.ClearFaults()
	now := w.slackMessage(dm, submitted.TS)
	if !strings.Contains(string(now.Blocks), chat.ActionCancel) {
		t.Fatalf("the failed redraw happened after all: %s", now.Blocks)
	}

	click := func() {
		rec := httptest.NewRecorder()
		w.slack.HTTPHandler().ServeHTTP(rec, slackfake.SignedRequest(slSecret, w.fake.BlockAction(slMegan, dm, submitted.TS, chat.ActionCancel, id), time.Now()))
		w.slack.Wait()
		w.router.Wait()
	}
	before, lines := now.Edits, len(w.fake.Ephemerals(slMegan))+len(w.fake.Messages(dm))
	click()
	// In a DM the answer is a message there; elsewhere an ephemeral.
	if got := len(w.fake.Ephemerals(slMegan)) + len(w.fake.Messages(dm)) - lines; got != 1 {
		t.Errorf("stale Cancel answered with %d lines, want 1", got)
	}
	after := w.slackMessage(dm, submitted.TS)
	if after.Edits == before || strings.Contains(string(after.Blocks), chat.ActionCancel) || !strings.Contains(string(after.Blocks), "Approved by Alex Wilber") {
		t.Errorf("the clicked message was not redrawn: %d edits, %s", after.Edits, after.Blocks)
	}
	click()
	if again := w.slackMessage(dm, submitted.TS); again.Edits != after.Edits {
		t.Errorf("a second stale click redrew a message already showing the state (%d edits)", again.Edits-after.Edits)
	}
}

// TestSlackConfirmedSummaryBecomesTheRequestCard: the summary whose
// "Confirm and send" sent the request is redrawn as the request (its
// state, no buttons), and an old Confirm pressed again is answered in one
// line, not "I didn't understand confirm", and sends nothing.
func TestSlackConfirmedSummaryBecomesTheRequestCard(t *testing.T) {
	w := newZoneWorld(t, saturday, nil, nil)
	dm := w.fake.DMChannel(slMegan)
	w.slackSay(slMegan, laRequest)
	w.slackSay(slMegan, "defaults")
	var summary slackfake.Message
	for _, m := range w.fake.Messages(dm) {
		if strings.Contains(string(m.Blocks), "Confirm and send") {
			summary = m
		}
	}
	if summary.TS == "" {
		t.Fatalf("no summary to confirm:\n%s", w.slackDM(slMegan))
	}
	w.slackClick(slMegan, dm, "Confirm and send")
	if n := len(w.sarahs()); n != 1 {
		t.Fatalf("%d requests after confirming, want 1", n)
	}
	now := w.slackMessage(dm, summary.TS)
	if strings.Contains(string(now.Blocks), chat.ActionSay) || !strings.Contains(string(now.Blocks), "Waiting for approval") {
		t.Errorf("the confirmed summary still offers its buttons: %s", now.Blocks)
	}

	msgs := len(w.fake.Messages(dm))
	rec := httptest.NewRecorder()
	w.slack.HTTPHandler().ServeHTTP(rec, slackfake.SignedRequest(slSecret, w.fake.BlockAction(slMegan, dm, summary.TS, chat.ActionSay, "confirm"), time.Now()))
	w.slack.Wait()
	w.router.Wait()
	all := w.fake.Messages(dm)
	if len(all) != msgs+1 || !strings.Contains(all[len(all)-1].Text+string(all[len(all)-1].Blocks), "conversation has ended") {
		t.Errorf("an old Confirm was answered with:\n%s", w.slackDM(slMegan))
	}
	if n := len(w.sarahs()); n != 1 {
		t.Errorf("%d requests after an old Confirm, want 1", n)
	}
	w.approveOnSlack()
	if now := w.slackMessage(dm, summary.TS); !strings.Contains(string(now.Blocks), "Approved by Alex Wilber") || strings.Contains(string(now.Blocks), "tap_") {
		t.Errorf("the summary does not follow the request: %s", now.Blocks)
	}
}

// TestTeamsEachClickerSeesTheirOwnButtons: with two approvers, the first
// approver's answer is the card without Approve and Deny for them (they
// cannot decide again), and the requester refused on Approve sees the
// card without them; the channel's card keeps them for the others.
func TestTeamsEachClickerSeesTheirOwnButtons(t *testing.T) {
	w := newZoneWorld(t, saturday, nil, nil, func(c *policy.Config) {
		c.TwoApprovers = policy.TwoApprovers{Reasons: []tap.Reason{tap.ReasonOnboarding}}
	})
	w.teamsSay("act-1", simtenant.DemoMeganID, "", laRequest)
	w.teamsSay("act-2", simtenant.DemoMeganID, "", "defaults")
	w.teamsSay("act-3", simtenant.DemoMeganID, "", "yes")
	card := w.teamsCard(teams.LocalApproversConversation, chat.ActionApprove)
	id := value(t, string(card.Raw), chat.ActionApprove)

	got := w.teamsClickOn("c-1", simtenant.DemoIrvinID, teams.LocalApproversConversation, card.ID, chat.ActionApprove, id)
	if !strings.Contains(got, "second approver") || strings.Contains(got, chat.ActionApprove) || strings.Contains(got, chat.ActionDeny) {
		t.Errorf("the first approver's answer: %s", got)
	}
	got = w.teamsClickOn("c-2", simtenant.DemoMeganID, teams.LocalApproversConversation, card.ID, chat.ActionApprove, id)
	if !strings.Contains(got, `"color":"Attention"`) || strings.Contains(got, chat.ActionApprove) {
		t.Errorf("the requester's refused Approve: %s", got)
	}
	if now := w.teamsNow(teams.LocalApproversConversation, card.ID); !strings.Contains(now, chat.ActionApprove) || !strings.Contains(now, "second approver") {
		t.Errorf("the channel's card lost its buttons for the other approvers: %s", now)
	}
	got = w.teamsClickOn("c-3", simtenant.DemoAlexID, teams.LocalApproversConversation, card.ID, chat.ActionApprove, id)
	if !strings.Contains(got, "Approved by") || strings.Contains(got, chat.ActionApprove) {
		t.Errorf("the second approver's answer: %s", got)
	}
}
