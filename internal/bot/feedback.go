package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// FeedbackQuestion asks the new hire, once their setup is confirmed, how
// it went: five buttons, 1 (bad) to 5 (great).
func FeedbackQuestion(id tap.RequestID) chat.Message {
	m := chat.Message{Text: text.FeedbackQuestion}
	for score := 1; score <= 5; score++ {
		m.Buttons = append(m.Buttons, chat.Button{Action: chat.ActionFeedback,
			Label: text.FeedbackButton(score), Value: string(id) + " " + strconv.Itoa(score)})
	}
	return m
}

// feedback records a rating click (Value "<request id> <score>").
func (r *Router) feedback(ctx context.Context, ev chat.Event, actor tap.Actor) {
	id, s, _ := strings.Cut(ev.Value, " ")
	score, err := strconv.Atoi(s)
	if err != nil {
		score = 0 // refused by the lifecycle with the range
	}
	req, err := r.svc.Feedback(ctx, tap.RequestID(id), actor, score)
	if err != nil {
		r.say(ctx, ev, err)
		return
	}
	r.reply(ctx, ev, chat.Message{Text: fmt.Sprintf(text.FeedbackThanks, chat.Esc(actorName(req.Requester)))})
}

// RatingsLease marks the week's ratings summary as sent. It is taken by a
// holder nobody renews and kept for a week, so across replicas and
// restarts one summary goes out per week.
const RatingsLease = "ratings-summary"

// ratingsWeek is the period a summary covers and how often one goes out.
const ratingsWeek = 7 * 24 * time.Hour

// WeeklyRatings posts the new hires' setup ratings of the last week to the
// approvers, at most once a week and only when there are ratings (a quiet
// week sends nothing and its first rating is summarised when it comes).
// It reports whether a summary was posted.
func (r *Router) WeeklyRatings(ctx context.Context, now time.Time) (bool, error) {
	reqs, err := r.d.Store.ListRequests(ctx, tap.RequestFilter{States: []tap.State{tap.StateConfirmed},
		Since: now.Add(-ratingsWeek - 90*24*time.Hour)})
	if err != nil {
		return false, fmt.Errorf("ratings summary: %w", err)
	}
	var counts [6]int
	n, sum := 0, 0
	for _, q := range reqs {
		if f := q.Feedback; f != nil && !f.At.Before(now.Add(-ratingsWeek)) && f.Score >= 1 && f.Score <= 5 {
			counts[f.Score]++
			n, sum = n+1, sum+f.Score
		}
	}
	if n == 0 {
		return false, nil
	}
	holder := make([]byte, 16)
	_, _ = rand.Read(holder)
	ok, err := r.d.Store.AcquireLease(ctx, RatingsLease, hex.EncodeToString(holder), ratingsWeek)
	if err != nil || !ok {
		return false, err
	}
	msg := chat.Message{Title: text.RatingsTitle, Text: text.RatingsSummary(n, float64(sum)/float64(n))}
	for score := 5; score >= 1; score-- {
		msg.Facts = append(msg.Facts, chat.Fact{Label: text.FeedbackButton(score), Value: strconv.Itoa(counts[score])})
	}
	if err := r.toApprovers(ctx, msg); err != nil {
		return false, fmt.Errorf("ratings summary: %w", err)
	}
	return true, nil
}

// RunWeeklyRatings checks every interval whether the week's ratings
// summary is due (WeeklyRatings) until ctx is done.
func (r *Router) RunWeeklyRatings(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := r.WeeklyRatings(ctx, r.cfg.Now()); err != nil && ctx.Err() == nil {
			r.log.WarnContext(ctx, "ratings summary", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
