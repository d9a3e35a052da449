package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/bot"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// TestSetupFeedback: once Sarah's setup is confirmed she is asked once
// how it went; only she can answer, once; the rating is audited, on the
// request, and in the approvers' stats.
func TestSetupFeedback(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	h.click(alex, chat.ActionApprove, string(id))
	if r := h.click(megan, chat.ActionReveal, string(id)); !r.Last().HasSecret() {
		t.Fatalf("no pass revealed:\n%s", r.Text())
	}
	if _, err := h.tenant.RegisterMethod(simtenant.DemoSarahUPN, tap.MethodWindowsHello); err != nil {
		t.Fatal(err)
	}
	// Rating before the setup is confirmed is refused.
	if r := h.click(sarah, chat.ActionFeedback, string(id)+" 5"); !strings.Contains(r.Text(), text.FeedbackNotYet) {
		t.Fatalf("early rating answered:\n%s", r.Text())
	}
	r := h.say(sarah, "done")
	if got := h.state(id); got != tap.StateConfirmed {
		t.Fatalf("state after done = %s", got)
	}
	q := r.Last()
	if !strings.Contains(chattest.Text(q), "How did the setup go?") || len(q.Buttons) != 5 {
		t.Fatalf("no rating question after done:\n%s", r.Text())
	}
	four := q.Buttons[3]
	if four.Action != chat.ActionFeedback || four.Value != string(id)+" 4" {
		t.Fatalf("button 4 = %+v", four)
	}
	for _, c := range []struct {
		who   chat.User
		value string
		want  string
	}{
		{diego, four.Value, text.FeedbackNotYours},
		{megan, four.Value, text.FeedbackNotYours},
		{sarah, string(id) + " 9", text.FeedbackScore},
		{sarah, string(id) + " x", text.FeedbackScore},
	} {
		if r := h.click(c.who, chat.ActionFeedback, c.value); !strings.Contains(r.Text(), c.want) {
			t.Errorf("%s clicking %q was told:\n%s\nwant %q", c.who.Name, c.value, r.Text(), c.want)
		}
	}
	if r := h.click(sarah, four.Action, four.Value); !strings.Contains(r.Text(), "Thank you") || !strings.Contains(r.Text(), "Megan Bowen") {
		t.Fatalf("rating not thanked:\n%s", r.Text())
	}
	if r := h.click(sarah, chat.ActionFeedback, string(id)+" 1"); !strings.Contains(r.Text(), text.FeedbackAlready) {
		t.Fatalf("second rating answered:\n%s", r.Text())
	}
	req, err := h.store.GetRequest(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if req.Feedback == nil || req.Feedback.Score != 4 {
		t.Fatalf("feedback on the request = %+v, want 4", req.Feedback)
	}
	recs, err := h.store.ListAudit(h.ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var ok, refused int
	for _, rec := range recs {
		if rec.Action == "feedback" && rec.Outcome == "ok" && rec.Detail["score"] == "4" {
			ok++
		}
		if rec.Action == "feedback" && rec.Outcome == "refused" {
			refused++
		}
	}
	if ok != 1 || refused < 4 {
		t.Errorf("audit: %d feedback ok (want 1), %d refused (want ≥ 4)", ok, refused)
	}
	if r := h.say(alex, "stats"); !strings.Contains(r.Text(), "4.0 of 5 (1 answer)") {
		t.Errorf("stats lack the rating:\n%s", r.Text())
	}

	// The week's summary goes to the approvers once, across replicas.
	posted, err := h.router.WeeklyRatings(h.ctx, time.Now())
	if err != nil || !posted {
		t.Fatalf("weekly summary posted = %v, %v", posted, err)
	}
	sum, _ := h.msgr.Last(approversChannel)
	if got := chattest.Text(sum.Message); !strings.Contains(got, "1 new hire rated their setup this week: 4.0 of 5.") {
		t.Errorf("approvers' summary:\n%s", got)
	}
	if again, err := h.router.WeeklyRatings(h.ctx, time.Now().Add(time.Hour)); err != nil || again {
		t.Errorf("second summary in the same week: %v, %v", again, err)
	}
	// A week later, the rating is out of the window: nothing to say.
	if later, err := h.router.WeeklyRatings(h.ctx, time.Now().Add(8*24*time.Hour)); err != nil || later {
		t.Errorf("summary without ratings: %v, %v", later, err)
	}
}

// A week without ratings posts nothing and leaves the summary free for
// the first rating.
func TestWeeklyRatingsQuietWeek(t *testing.T) {
	h := newHarness(t, "approval")
	if posted, err := h.router.WeeklyRatings(h.ctx, time.Now()); err != nil || posted {
		t.Fatalf("posted = %v, %v", posted, err)
	}
	ok, err := h.store.AcquireLease(h.ctx, bot.RatingsLease, "probe", time.Minute)
	if err != nil || !ok {
		t.Fatalf("the quiet week took the summary lease: %v, %v", ok, err)
	}
}
