package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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
	r.reply(ctx, ev, chat.Message{Text: fmt.Sprintf(text.FeedbackThanks, chat.Esc(actorName(req.Requester))),
		Buttons: []chat.Button{{Action: chat.ActionFeedbackComment, Label: text.FeedbackCommentButton, Value: string(req.ID)}}})
}

// CommentForm asks the new hire for one short comment on their setup
// (after their rating; optional).
func CommentForm(id tap.RequestID) chat.Message {
	return chat.Message{Form: &chat.Form{
		ID: chat.FormFeedbackComment, Title: text.FeedbackCommentTitle, Submit: text.FeedbackCommentSubmit, State: string(id),
		Fields: []chat.Field{{ID: "comment", Label: text.FeedbackCommentLabel, Kind: chat.FieldTextArea}},
	}}
}

// feedbackComment records the comment submitted with CommentForm. A
// comment refused for its text (hidden characters, too long, empty) is
// answered with the form again and the reason under the field; it is
// never echoed back.
func (r *Router) feedbackComment(ctx context.Context, ev chat.Event, actor tap.Actor) {
	id := tap.RequestID(ev.State)
	_, err := r.svc.FeedbackComment(ctx, id, actor, ev.Fields["comment"])
	switch {
	case errors.Is(err, tap.ErrInvalidInput):
		m := CommentForm(id)
		m.Form.Fields[0].Error = Say(r.log, err)
		r.reply(ctx, ev, m)
	case err != nil:
		r.say(ctx, ev, err)
	default:
		r.reply(ctx, ev, chat.Message{Text: text.FeedbackCommentThanks})
	}
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
	msg.Facts = append(msg.Facts, weekComments(reqs, now)...)
	if err := r.toApprovers(ctx, msg); err != nil {
		return false, fmt.Errorf("ratings summary: %w", err)
	}
	return true, nil
}

// Comments in the weekly summary: the newest maxComments, each cut to
// commentShown characters.
const (
	maxComments  = 10
	commentShown = 140
)

// weekComments are the comments of the week's ratings, newest first, as
// facts: escaped (a comment is the new hire's own words, never mark-up)
// and cut to commentShown characters.
func weekComments(reqs []*tap.Request, now time.Time) []chat.Fact {
	var with []*tap.Feedback
	for _, q := range reqs {
		if f := q.Feedback; f != nil && f.Comment != "" && !f.At.Before(now.Add(-ratingsWeek)) && f.Score >= 1 && f.Score <= 5 {
			with = append(with, f)
		}
	}
	slices.SortFunc(with, func(a, b *tap.Feedback) int { return b.CommentedAt.Compare(a.CommentedAt) })
	var out []chat.Fact
	for _, f := range with[:min(len(with), maxComments)] {
		out = append(out, chat.Fact{Label: text.RatingsCommentLabel(f.Score), Value: chat.Esc(cut(f.Comment, commentShown))})
	}
	return out
}

// cut shortens s to at most n characters, marking a cut with "…".
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
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
