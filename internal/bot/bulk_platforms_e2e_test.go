package bot_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/teams"
	"github.com/tapbot/tapbot/internal/teams/connector/connectortest"
)

// bulkManagers are the hiring managers of the e2e batches (Slack user,
// UPN): Megan and 19 more, so each DM gets ten Reveal notices (Slack
// paces posts in one conversation to about one a second).
var bulkManagers = func() [][2]string {
	m := [][2]string{{slMegan, simtenant.DemoMeganUPN}}
	for i := 1; i < 20; i++ {
		m = append(m, [2]string{fmt.Sprintf("UMGR%02d", i), fmt.Sprintf("mgr%02d@contoso.com", i)})
	}
	return m
}()

// bulkWorld is a zoneWorld whose tenant has n new hires, each managed by
// one of bulkManagers in turn, and whose Slack has the managers and Irvin.
func bulkWorld(t *testing.T, n int) (*zoneWorld, string) {
	w, csv, _ := bulkWorldIDs(t, n)
	return w, csv
}

// bulkWorldIDs is bulkWorld, also returning the managers' Entra ids.
func bulkWorldIDs(t *testing.T, n int) (*zoneWorld, string, []string) {
	t.Helper()
	day := time.Now().AddDate(0, 0, 3).Format("2006-01-02")
	var csv strings.Builder
	csv.WriteString("upn,start,lifetime,reason,manager,one_time,note\n")
	mgrs := []string{simtenant.DemoMeganID}
	w := newZoneWorld(t, time.Now(), nil, func(tn *simtenant.Tenant) {
		for _, m := range bulkManagers[1:] {
			mgrs = append(mgrs, tn.AddUser(simtenant.User{UPN: m[1], DisplayName: "Manager " + m[0], Mail: m[1], Department: "Sales"}))
		}
		for i := range n {
			upn := fmt.Sprintf("hire%03d@contoso.com", i)
			id := tn.AddUser(simtenant.User{UPN: upn, DisplayName: fmt.Sprintf("Hire %03d", i), Mail: upn, Department: "Sales"})
			_ = tn.SetManager(id, mgrs[i%len(mgrs)])
			fmt.Fprintf(&csv, "%s,%s,8h,onboarding,%s,no,Sales desk %d\n", upn, day, bulkManagers[i%len(mgrs)][1], i)
		}
	}, bulkPolicy)
	for _, m := range bulkManagers[1:] {
		w.fake.SetUser(slackfake.User{ID: m[0], Name: "Manager " + m[0], Email: m[1], TeamID: w.fake.TeamID})
	}
	w.fake.SetUser(slackfake.User{ID: slIrvin, Name: "Irvin Sayers", Email: simtenant.DemoIrvinUPN, TeamID: w.fake.TeamID})
	w.fake.AddChannel(slApprovers, slAlex, slIrvin)
	for _, m := range bulkManagers { // each has talked to the bot once
		w.slackSay(m[0], "status")
	}
	t.Cleanup(func() { w.router.WaitBatches() })
	runIssuer(t, w.svc)
	return w, csv.String(), mgrs
}

// slackSend delivers a signed Slack body and waits for the core.
func (w *zoneWorld) slackSend(body string) {
	w.t.Helper()
	rec := httptest.NewRecorder()
	w.slack.HTTPHandler().ServeHTTP(rec, slackfake.SignedRequest(slSecret, body, time.Now()))
	if rec.Code != 200 {
		w.t.Fatalf("slack delivery: %d %s", rec.Code, rec.Body)
	}
	w.slack.Wait()
	w.router.Wait()
}

func (w *zoneWorld) slackChannel(channel string) string {
	var b strings.Builder
	for _, m := range w.fake.Messages(channel) {
		b.WriteString(m.Text + " " + string(m.Blocks) + "\n")
	}
	return b.String()
}

// TestSlackBulkFileTo200Passes: Alex shares a CSV of 200 new hires in his
// DM with the bot; slack-go downloads it from slackfake with the bot
// token; the summary offers "Send 200 for approval"; the click opens 200
// requests and posts one bulk card; Irvin's Approve all on that card
// issues 200 passes, one Graph create each; Alex's progress message is
// redrawn while they are issued — a bounded number of times, not once per
// pass — and ends "200 issued, 0 failed"; each hiring manager got a Reveal
// notice for their own people only, reveals one through the real modal,
// and cannot reveal another manager's.
func TestSlackBulkFileTo200Passes(t *testing.T) {
	if testing.Short() {
		t.Skip("200 passes")
	}
	const n = 200
	w, csv := bulkWorld(t, n)
	w.slackSend(w.fake.FileShare(slAlex, "Sales onboarding", "sales-onboarding.csv", "text/csv", []byte(csv)))
	if w.fake.Downloads("sales-onboarding.csv") != 1 {
		t.Fatalf("the file was downloaded %d times", w.fake.Downloads("sales-onboarding.csv"))
	}
	dm := w.fake.DMChannel(slAlex)
	if got := w.slackChannel(dm); !strings.Contains(got, "200 rows: 200 ready, 0 refused") {
		t.Fatalf("no summary in Alex's DM:\n%s", got)
	}
	w.slackClick(slAlex, dm, "Send 200 for approval")
	reqs, err := w.store.ListRequests(w.ctx, tap.RequestFilter{})
	if err != nil || len(reqs) != n {
		t.Fatalf("%d requests after Send, want %d (%v)", len(reqs), n, err)
	}
	cards := w.fake.Messages(slApprovers)
	if len(cards) != 1 || !strings.Contains(cards[0].Text+string(cards[0].Blocks), "200 passes for Sales onboarding") {
		t.Fatalf("approvers' channel, want one bulk card:\n%s", w.slackChannel(slApprovers))
	}

	start := time.Now()
	w.slackClick(slIrvin, slApprovers, "Approve all")
	w.router.WaitBatches()
	took := time.Since(start)
	issued := 0
	reqs, _ = w.store.ListRequests(w.ctx, tap.RequestFilter{})
	for _, q := range reqs {
		if q.State == tap.StateIssued {
			issued++
		}
		if c := w.tenant.Creates(string(q.Target.ID)); c != 1 {
			t.Errorf("%s: %d creates", q.Target.UPN, c)
		}
	}
	if issued != n {
		t.Fatalf("%d of %d issued", issued, n)
	}
	card, _ := w.fake.LastMessage(slApprovers)
	if !strings.Contains(string(card.Blocks), "200 issued, 0 failed") || strings.Contains(string(card.Blocks), chat.ActionBulkApprove) {
		t.Errorf("bulk card at the end:\n%s", card.Blocks)
	}
	var progress slackfake.Message
	for _, m := range w.fake.Messages(dm) {
		if strings.Contains(string(m.Blocks), "200 passes for Sales onboarding") && !strings.Contains(string(m.Blocks), chat.ActionBulkSend) {
			progress = m
		}
	}
	bound := int(took/(2*time.Second)) + 3
	if !strings.Contains(string(progress.Blocks), "200 issued, 0 failed") || progress.Edits == 0 || progress.Edits > bound {
		t.Errorf("Alex's progress message: %d edits in %s (at most %d), now:\n%s", progress.Edits, took.Round(time.Millisecond), bound, progress.Blocks)
	}
	t.Logf("200 passes issued in %s; progress message redrawn %d times", took.Round(time.Millisecond), progress.Edits)

	// Each manager: a Reveal notice per hire of theirs, none for another's.
	for mi, m := range bulkManagers {
		reveals := 0
		for _, msg := range w.fake.Messages(w.fake.DMChannel(m[0])) {
			if strings.Contains(string(msg.Blocks), `"value":"`) && strings.Contains(string(msg.Blocks), `"`+chat.ActionReveal+`"`) {
				reveals++
				for i := range n {
					if i%len(bulkManagers) != mi && strings.Contains(string(msg.Blocks), fmt.Sprintf("Hire %03d", i)) {
						t.Errorf("%s was offered the pass of Hire %03d", m[0], i)
					}
				}
			}
		}
		if reveals != n/len(bulkManagers) {
			t.Errorf("%s: %d Reveal notices, want %d", m[0], reveals, n/len(bulkManagers))
		}
	}
	// A sample revealed through the real modal; another manager's refused.
	for _, m := range bulkManagers[:2] {
		w.slackClick(m[0], w.fake.DMChannel(m[0]), "Reveal pass")
		found := false
		for _, v := range w.fake.ViewsOf(m[0]) {
			if strings.Contains(string(v.Raw), "rich_text_preformatted") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no pass in a modal", m[0])
		}
	}
	for _, m := range bulkManagers {
		told := 0
		for _, msg := range w.fake.Messages(w.fake.DMChannel(m[0])) {
			if strings.Contains(msg.Text, "asked for passes for 10 of your new hires (Sales onboarding") {
				told++
			}
		}
		if told != 1 {
			t.Errorf("%s was told of their ten hires %d times, want once", m[0], told)
		}
	}
	other := reqs[1] // a hire of mgr01's
	body := w.fake.BlockAction(slMegan, w.fake.DMChannel(slMegan), "1.0", chat.ActionReveal, string(other.ID))
	w.slackSend(body)
	if got, _ := w.store.GetRequest(w.ctx, other.ID); got.State != tap.StateIssued && got.State != tap.StateDelivered {
		t.Errorf("another manager's request moved to %s", got.State)
	}
	for _, v := range w.fake.ViewsOf(slMegan) {
		if strings.Contains(string(v.Raw), "Hire 001") && strings.Contains(string(v.Raw), "rich_text_preformatted") {
			t.Error("Megan saw another manager's pass")
		}
	}
}

// teamsInvokeData is aad pressing a card's Action.Execute in conv on the
// card activity cardID with data; it returns the invoke's answer.
func (w *zoneWorld) teamsInvokeData(id, aad, conv, cardID, verb string, data map[string]any) string {
	w.t.Helper()
	act := map[string]any{
		"type": "invoke", "name": "adaptiveCard/action", "id": id, "channelId": "msteams",
		"serviceUrl": w.conn.URL, "replyToId": cardID,
		"from":         map[string]any{"id": "29:" + aad, "aadObjectId": aad},
		"recipient":    map[string]any{"id": "28:tapbot"},
		"conversation": map[string]any{"id": conv, "tenantId": simtenant.DemoTenantID},
		"channelData":  map[string]any{"tenant": map[string]any{"id": simtenant.DemoTenantID}},
		"value":        map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": verb, "data": data}},
	}
	code, body := postActivity(w.t, w.teams, act)
	if code != 200 {
		w.t.Fatalf("teams invoke: %d %s", code, body)
	}
	w.teams.Wait()
	w.router.Wait()
	return body
}

// TestTeamsBulkPasteTo200Passes is the Teams path where files are off (the
// Agents Playground, tenants without files): "bulk" answers with a card
// holding a multi-line input; the CSV of 200 rows pasted there is checked
// and answered with "Send 200 for approval"; the bulk card in the
// approvers' conversation is approved by Irvin (Alex, who pasted it, is
// refused); 200 passes are issued with the progress redrawn a bounded
// number of times; each manager reveals their own pass from the invoke.
func TestTeamsBulkPasteTo200Passes(t *testing.T) {
	if testing.Short() {
		t.Skip("200 passes")
	}
	const n = 200
	w, csv, mgrs := bulkWorldIDs(t, n)
	for i, m := range mgrs { // each manager has talked to the bot in Teams
		w.teamsSay(fmt.Sprintf("hello-%d", i), m, "", "status")
	}
	alex, irvin := simtenant.DemoAlexID, simtenant.DemoIrvinID
	w.teamsSay("bulk-1", alex, "", "bulk")
	dm := "a:dm-" + alex
	form := w.teamsCard(dm, chat.FormBulk)
	if !strings.Contains(string(form.Raw), `"isMultiline":true`) {
		t.Fatalf("the bulk card has no multi-line input:\n%s", form.Raw)
	}
	answer := w.teamsInvokeData("paste-1", alex, dm, form.ID, chat.FormBulk,
		map[string]any{"form": chat.FormBulk, "title": "Sales onboarding", "csv": csv})
	if !strings.Contains(answer, "200 rows: 200 ready, 0 refused") || !strings.Contains(answer, "Send 200 for approval") {
		t.Fatalf("paste answered:\n%.2000s", answer)
	}
	batch := value(t, answer, chat.ActionBulkSend)
	w.teamsClickOn("send-1", alex, dm, form.ID, chat.ActionBulkSend, batch)
	if reqs, _ := w.store.ListRequests(w.ctx, tap.RequestFilter{Batch: batch}); len(reqs) != n {
		t.Fatalf("%d requests after Send, want %d", len(reqs), n)
	}
	appr := teams.LocalApproversConversation
	card := w.teamsCard(appr, chat.ActionBulkApprove)
	if !strings.Contains(string(card.Raw), "200 passes for Sales onboarding") {
		t.Fatalf("bulk card:\n%s", card.Raw)
	}
	if got := w.teamsClickOn("own-1", alex, appr, card.ID, chat.ActionBulkApprove, batch); !strings.Contains(got, "You sent this batch") {
		t.Fatalf("Alex approved his own batch:\n%.2000s", got)
	}
	start := time.Now()
	w.teamsClickOn("all-1", irvin, appr, card.ID, chat.ActionBulkApprove, batch)
	w.router.WaitBatches()
	took := time.Since(start)
	reqs, _ := w.store.ListRequests(w.ctx, tap.RequestFilter{Batch: batch})
	issued := 0
	for _, q := range reqs {
		if q.State == tap.StateIssued {
			issued++
		}
	}
	if issued != n {
		t.Fatalf("%d of %d issued", issued, n)
	}
	if now := w.teamsNow(appr, card.ID); !strings.Contains(now, "200 issued, 0 failed") || strings.Contains(now, chat.ActionBulkApprove) {
		t.Errorf("bulk card at the end:\n%s", now)
	}
	var progress connectortest.Posted
	for _, p := range w.conn.Shown(dm) {
		if strings.Contains(string(p.Raw), "200 passes for Sales onboarding") && !strings.Contains(string(p.Raw), chat.ActionBulkSend) {
			progress = p
		}
	}
	updates := progress.Updates
	bound := int(took/(2*time.Second)) + 3
	if !strings.Contains(string(progress.Raw), "200 issued, 0 failed") || updates == 0 || updates > bound {
		t.Errorf("Alex's progress message: %d updates in %s (at most %d):\n%s", updates, took.Round(time.Millisecond), bound, progress.Raw)
	}
	t.Logf("Teams: 200 passes issued in %s; progress message redrawn %d times", took.Round(time.Millisecond), updates)
	for i, m := range mgrs[:2] {
		mdm := "a:dm-" + m
		rc := w.teamsCard(mdm, chat.ActionReveal)
		id := value(t, string(rc.Raw), chat.ActionReveal)
		if other := w.teamsClickOn(fmt.Sprintf("steal-%d", i), mgrs[len(mgrs)-1-i], mdm, rc.ID, chat.ActionReveal, id); strings.Contains(other, "Temporary Access Pass\"") && strings.Contains(other, "preformatted") {
			t.Errorf("another manager saw %s's pass", m)
		}
		got := w.teamsClickOn(fmt.Sprintf("reveal-%d", i), m, mdm, rc.ID, chat.ActionReveal, id)
		if q, _ := w.store.GetRequest(w.ctx, tap.RequestID(id)); q.State != tap.StateDelivered || q.Requester.EntraID != tap.UserID(m) {
			t.Errorf("manager %d's reveal: state %s, requester %s\n%.1500s", i, q.State, q.Requester.EntraID, got)
		}
	}
}

// TestSlackSharedFileRefusals: a file is downloaded only for someone who
// may send a batch, only a CSV, only within the batch's size.
func TestSlackSharedFileRefusals(t *testing.T) {
	w, csv := bulkWorld(t, 2)
	w.slackSend(w.fake.FileShare(slMegan, "", "hires.csv", "text/csv", []byte(csv)))
	if got := w.slackChannel(w.fake.DMChannel(slMegan)); !strings.Contains(got, "approver or a member of a requester group") {
		t.Errorf("Megan (a manager) was not refused:\n%s", got)
	}
	w.slackSend(w.fake.FileShare(slAlex, "", "hires.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []byte("PK")))
	w.slackSend(w.fake.FileShare(slAlex, "", "huge.csv", "text/csv", []byte(csv+strings.Repeat("x", 300<<10))))
	dm := w.slackChannel(w.fake.DMChannel(slAlex))
	if !strings.Contains(dm, "Only a CSV file") || !strings.Contains(dm, "at most 256 KiB") {
		t.Errorf("Alex's refusals:\n%s", dm)
	}
	for _, name := range []string{"hires.csv", "hires.xlsx", "huge.csv"} {
		if n := w.fake.Downloads(name); n != 0 {
			t.Errorf("%s was downloaded %d times", name, n)
		}
	}
}
