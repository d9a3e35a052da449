package bot_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// submitComment submits the comment form for id as u.
func (h *harness) submitComment(u chat.User, id tap.RequestID, comment string) *chattest.Replies {
	ev, r := chattest.Event(chat.Event{Kind: chat.KindForm, User: u, Form: chat.FormFeedbackComment, State: string(id),
		Fields: map[string]string{"comment": comment}, Conversation: tap.Ref{Conversation: "dm-" + u.ID}})
	h.router.Handle(h.ctx, ev)
	h.router.Wait()
	return r
}

// confirmed runs a request for Sarah to confirmed through the harness.
func (h *harness) confirmed() tap.RequestID {
	h.t.Helper()
	id := h.request(oneShot)
	h.click(alex, chat.ActionApprove, string(id))
	if r := h.click(megan, chat.ActionReveal, string(id)); !r.Last().HasSecret() {
		h.t.Fatalf("no pass revealed:\n%s", r.Text())
	}
	if _, err := h.tenant.RegisterMethod(simtenant.DemoSarahUPN, tap.MethodWindowsHello); err != nil {
		h.t.Fatal(err)
	}
	h.say(sarah, "done")
	if got := h.state(id); got != tap.StateConfirmed {
		h.t.Fatalf("state after done = %s", got)
	}
	return id
}

// TestSetupFeedbackComment: after her rating Sarah may add one short
// comment: only she, after rating, once; hidden characters, an empty or a
// too long comment are refused with the form again (never echoed); the
// comment is audited, kept on the request's feedback and shown escaped
// and cut in the approvers' weekly summary.
func TestSetupFeedbackComment(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.confirmed()
	if r := h.submitComment(sarah, id, "fine"); !strings.Contains(r.Text(), text.FeedbackCommentRateFirst) {
		t.Fatalf("a comment before the rating: %s", r.Text())
	}
	r := h.click(sarah, chat.ActionFeedback, string(id)+" 4")
	if got := chattest.ButtonValue(r.Last(), chat.ActionFeedbackComment); got != string(id) {
		t.Fatalf("the thanks offer no comment button:\n%s", r.Text())
	}
	if f := h.click(sarah, chat.ActionFeedbackComment, string(id)).Last().Form; f == nil || f.ID != chat.FormFeedbackComment || f.State != string(id) {
		t.Fatalf("the comment button opens %+v", f)
	}
	long := strings.Repeat("é", approvals.MaxComment+1)
	for _, c := range []struct{ comment, want string }{
		{"looks fine\u202Eevil", text.FeedbackCommentHidden},
		{"zero\u200Bwidth", text.FeedbackCommentHidden},
		{" \n\t ", text.FeedbackCommentEmpty},
		{long, text.FeedbackCommentLong(approvals.MaxComment+1, approvals.MaxComment)},
	} {
		r := h.submitComment(sarah, id, c.comment)
		m := r.Last()
		if m.Form == nil || m.Form.Fields[0].Error != c.want {
			t.Errorf("comment %q answered:\n%+v\nwant the form with %q", c.comment, m, c.want)
		}
		if strings.Contains(chattest.Text(m)+m.Form.Fields[0].Value, c.comment) {
			t.Errorf("the refused comment %q was echoed", c.comment)
		}
	}
	if r := h.submitComment(megan, id, "from the manager"); !strings.Contains(r.Text(), text.FeedbackNotYours) {
		t.Errorf("the requester's comment: %s", r.Text())
	}
	comment := "Windows Hello took *three* tries <@U123> " + strings.Repeat("x", 200)
	if r := h.submitComment(sarah, id, comment+"\n\n"); !strings.Contains(r.Text(), text.FeedbackCommentThanks) {
		t.Fatalf("the comment was not thanked: %s", r.Text())
	}
	if r := h.submitComment(sarah, id, "again"); !strings.Contains(r.Text(), text.FeedbackCommentAlready) {
		t.Errorf("a second comment: %s", r.Text())
	}
	req, err := h.store.GetRequest(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if f := req.Feedback; f == nil || f.Score != 4 || f.Comment != comment || f.CommentedAt.IsZero() {
		t.Fatalf("feedback on the request = %+v", f)
	}
	recs, err := h.store.ListAudit(h.ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	ok, refused := 0, 0
	for _, rec := range recs {
		switch {
		case rec.Action == "feedback_comment" && rec.Outcome == "ok" && rec.Detail["comment"] == comment:
			ok++
		case rec.Action == "feedback_comment" && rec.Outcome == "refused":
			refused++
		}
	}
	if ok != 1 || refused < 3 { // before the rating, the requester, the second
		t.Errorf("audit: %d comments ok (want 1), %d refused (want ≥ 3)", ok, refused)
	}

	if posted, err := h.router.WeeklyRatings(h.ctx, time.Now()); err != nil || !posted {
		t.Fatalf("weekly summary posted = %v, %v", posted, err)
	}
	sum, _ := h.msgr.Last(approversChannel)
	var shown string
	for _, f := range sum.Message.Facts {
		if f.Label == text.RatingsCommentLabel(4) {
			shown = f.Value
		}
	}
	if shown != chat.Esc(string([]rune(comment)[:139])+"…") {
		t.Errorf("the summary shows the comment as %q", shown)
	}
}

// sarahConfirmed runs a request for Sarah to confirmed through the
// lifecycle (the platforms are tested on the rating and the comment).
func (w *zoneWorld) sarahConfirmed() tap.RequestID {
	w.t.Helper()
	w.slackSay(slMegan, laRequest)
	w.slackSay(slMegan, "defaults")
	w.slackSay(slMegan, "yes")
	card, _ := w.fake.LastMessage(slApprovers)
	id := tap.RequestID(value(w.t, string(card.Blocks), chat.ActionApprove))
	alexA := tap.Actor{Platform: "teams", ChatID: "29:" + simtenant.DemoAlexID, EntraID: simtenant.DemoAlexID, Name: "Alex Wilber"}
	if _, err := w.svc.Approve(w.ctx, id, alexA); err != nil {
		w.t.Fatal(err)
	}
	req, err := w.svc.Get(w.ctx, id)
	if err != nil {
		w.t.Fatal(err)
	}
	if _, _, err := w.svc.Reveal(w.ctx, id, req.Requester); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.tenant.RegisterMethod(simtenant.DemoSarahUPN, tap.MethodWindowsHello); err != nil {
		w.t.Fatal(err)
	}
	w.router.Wait()                   // the reveal's notice reads the clock
	w.now = w.now.Add(24 * time.Hour) // the pass has started
	sarahA := tap.Actor{Platform: "teams", ChatID: "29:" + simtenant.DemoSarahID, EntraID: simtenant.DemoSarahID, Name: "Sarah Johnson"}
	if r, err := w.svc.Confirm(w.ctx, sarahA); err != nil || r.State != tap.StateConfirmed {
		w.t.Fatalf("confirm: %v", err)
	}
	w.router.Wait()
	return id
}

// TestTeamsFeedbackComment: on Teams the rating's answer offers the
// comment; its button is answered with the form card, and the submitted
// card records the comment.
func TestTeamsFeedbackComment(t *testing.T) {
	w := newZoneWorld(t, saturday, nil, nil)
	id := string(w.sarahConfirmed())
	dm := "a:dm-" + simtenant.DemoSarahID
	w.teamsSay("s-1", simtenant.DemoSarahID, "", "hi")
	got := w.teamsClickOn("f-1", simtenant.DemoSarahID, dm, "", chat.ActionFeedback, id+" 5")
	if !strings.Contains(got, chat.ActionFeedbackComment) {
		t.Fatalf("the rating's answer: %s", got)
	}
	got = w.teamsClickOn("f-2", simtenant.DemoSarahID, dm, "", chat.ActionFeedbackComment, id)
	if !strings.Contains(got, chat.FormFeedbackComment) || !strings.Contains(got, `"id":"comment"`) {
		t.Fatalf("the comment form: %s", got)
	}
	submit := func(aid, comment string) string {
		act := map[string]any{
			"type": "invoke", "name": "adaptiveCard/action", "id": aid, "channelId": "msteams", "serviceUrl": w.conn.URL,
			"from":         map[string]any{"id": "29:" + simtenant.DemoSarahID, "aadObjectId": simtenant.DemoSarahID},
			"recipient":    map[string]any{"id": "28:tapbot"},
			"conversation": map[string]any{"id": dm, "conversationType": "personal", "tenantId": simtenant.DemoTenantID},
			"channelData":  map[string]any{"tenant": map[string]any{"id": simtenant.DemoTenantID}},
			"value": map[string]any{"action": map[string]any{"type": "Action.Execute", "verb": chat.FormFeedbackComment,
				"data": map[string]any{"form": chat.FormFeedbackComment, "state": id, "comment": comment}}},
		}
		code, body := postActivity(t, w.teams, act)
		if code != 200 {
			t.Fatalf("submit: %d %s", code, body)
		}
		w.teams.Wait()
		w.router.Wait()
		return body
	}
	if got := submit("f-3", "<at>IT</at> sneaky\u2066"); !strings.Contains(got, "invisible or direction-changing") || strings.Contains(got, "sneaky") {
		t.Errorf("a hidden character: %s", got)
	}
	if got := submit("f-4", "Smooth, **thanks**"); !strings.Contains(got, "your comment goes to IT") {
		t.Errorf("the comment: %s", got)
	}
	req, err := w.svc.Get(w.ctx, tap.RequestID(id))
	if err != nil {
		t.Fatal(err)
	}
	if f := req.Feedback; f == nil || f.Score != 5 || f.Comment != "Smooth, **thanks**" {
		t.Fatalf("feedback = %+v", f)
	}
}

// TestSlackFeedbackComment: on Slack the comment button opens a modal; its
// submission records the comment.
func TestSlackFeedbackComment(t *testing.T) {
	w := newZoneWorld(t, saturday, nil, nil)
	const slSarah = "USARAH"
	w.fake.SetUser(slackfake.User{ID: slSarah, Name: "Sarah Johnson", Email: simtenant.DemoSarahUPN, TeamID: w.fake.TeamID})
	id := string(w.sarahConfirmed())
	dm := w.fake.DMChannel(slSarah)
	w.slackSay(slSarah, "hi")
	post := func(body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		w.slack.HTTPHandler().ServeHTTP(rec, slackfake.SignedRequest(slSecret, body, time.Now()))
		w.slack.Wait()
		w.router.Wait()
		return rec
	}
	post(w.fake.BlockAction(slSarah, dm, "1.0", chat.ActionFeedback, id+" 3"))
	var thanks slackfake.Message
	for _, m := range append(w.fake.Messages(dm), w.fake.Ephemerals(slSarah)...) {
		if strings.Contains(string(m.Blocks), chat.ActionFeedbackComment) {
			thanks = m
		}
	}
	if thanks.TS == "" {
		t.Fatalf("no comment button after the rating:\n%s", w.slackDM(slSarah))
	}
	post(w.fake.BlockAction(slSarah, dm, thanks.TS, chat.ActionFeedbackComment, id))
	views := w.fake.ViewsOf(slSarah)
	if len(views) == 0 || !strings.Contains(string(views[len(views)-1].Raw), chat.FormFeedbackComment) {
		t.Fatalf("no comment modal: %+v", views)
	}
	body, err := w.fake.ViewSubmission(slSarah, views[len(views)-1].ID, map[string]string{"comment": "Took a while; the guide helped."})
	if err != nil {
		t.Fatal(err)
	}
	post(body)
	req, err := w.svc.Get(w.ctx, tap.RequestID(id))
	if err != nil {
		t.Fatal(err)
	}
	if f := req.Feedback; f == nil || f.Score != 3 || f.Comment != "Took a while; the guide helped." {
		t.Fatalf("feedback = %+v", f)
	}
}
