package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/dialog"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// maxResolves bounds directory round trips for one message.
const maxResolves = 3

// converse runs one dialog step for the requester's session, executing the
// directory lookups it asks for, submitting a confirmed draft and running
// commands.
func (r *Router) converse(ctx context.Context, ev chat.Event, actor tap.Actor, in dialog.Input) {
	key := sessionKey(ev)
	sess := dialog.New()
	if s, err := r.d.Store.GetSession(ctx, key); err == nil {
		if err := json.Unmarshal(s.Data, sess); err != nil {
			r.log.Warn("discarding unreadable dialog session", "err", err)
			sess = dialog.New()
		}
	} else if !errors.Is(err, tap.ErrNotFound) {
		r.say(ctx, ev, err)
		return
	}
	cfg, err := r.d.DialogConfig(ctx)
	if err != nil {
		r.say(ctx, ev, err)
		return
	}
	zone := r.zone(ev.User)
	in.Now = r.cfg.Now()
	in.Zone = zone
	out := sess.Step(cfg, in)
	for i := 0; out.Resolve != "" && i < maxResolves; i++ {
		r.flush(ctx, ev, out.Replies)
		u, err := r.d.Directory.User(ctx, out.Resolve)
		if errors.Is(err, tap.ErrUserNotFound) && strings.Contains(out.Resolve, "@") {
			// An address that is a mail alias rather than the UPN.
			u, err = r.d.Directory.UserByEmail(ctx, out.Resolve)
		}
		if err == nil && r.d.CheckTarget != nil {
			err = r.d.CheckTarget(ctx, actor.EntraID, u)
		}
		next := dialog.Input{Now: r.cfg.Now(), Zone: zone}
		if err != nil {
			next.ResolveErr = err
			var ref *tap.Refusal
			if !errors.As(err, &ref) {
				next.ResolveErr = tap.Refuse(err, Say(r.log, err))
			}
		} else {
			next.Resolved = &u
		}
		out = sess.Step(cfg, next)
	}
	if out.Submit != nil {
		if err := r.submit(ctx, ev, actor, out.Submit); err != nil {
			// The draft stays in the session so the requester can fix and
			// resubmit. Saved before anything is said: an answer typed or
			// clicked the moment a reply shows must find the new state.
			r.saveSession(ctx, key, sess, false)
			r.flush(ctx, ev, out.Replies)
			r.say(ctx, ev, err)
			return
		}
	}
	r.saveSession(ctx, key, sess, out.Ended)
	r.flush(ctx, ev, out.Replies)
	if out.Command != nil {
		r.command(ctx, ev, actor, *out.Command)
	}
}

// zone is the requester's zone: the one Handle resolved (platform,
// mailbox), else the configured default.
func (r *Router) zone(u chat.User) string {
	if u.Zone != "" {
		if _, err := time.LoadLocation(u.Zone); err == nil {
			return u.Zone
		}
	}
	return r.cfg.DefaultZone
}

// openForm answers with the request form (Slack modal, Teams card).
func (r *Router) openForm(ctx context.Context, ev chat.Event) {
	cfg, err := r.d.DialogConfig(ctx)
	if err != nil {
		r.say(ctx, ev, err)
		return
	}
	f := dialog.RequestForm(cfg, nil)
	r.reply(ctx, ev, chat.Message{Form: &f})
}

func (r *Router) saveSession(ctx context.Context, key string, sess *dialog.Session, ended bool) {
	if ended {
		if err := r.d.Store.DeleteSession(ctx, key); err != nil {
			r.log.Warn("delete dialog session", "err", err)
		}
		return
	}
	data, err := json.Marshal(sess)
	if err != nil {
		r.log.Error("encode dialog session", "err", err)
		return
	}
	if err := r.d.Store.PutSession(ctx, tap.Session{Key: key, Data: data, Expires: r.cfg.Now().Add(r.cfg.SessionIdle)}); err != nil {
		r.log.Warn("save dialog session", "err", err)
	}
}

func (r *Router) flush(ctx context.Context, ev chat.Event, msgs []chat.Message) {
	for _, m := range msgs {
		r.reply(ctx, ev, m)
	}
}

func (r *Router) submit(ctx context.Context, ev chat.Event, actor tap.Actor, d *dialog.Draft) error {
	req := &tap.Request{
		Requester:     actor,
		Target:        d.Target,
		Start:         d.Start,
		Lifetime:      d.Lifetime,
		OneTime:       d.OneTime,
		Reason:        d.Reason,
		Justification: d.Justification,
		RequesterZone: d.RequesterZone,
		HireZone:      d.HireZone,
	}
	saved, err := r.svc.Submit(ctx, req)
	if err == nil {
		r.summarySent(ctx, ev, saved)
	}
	return err
}

// command runs a command given outside a request.
func (r *Router) command(ctx context.Context, ev chat.Event, actor tap.Actor, c dialog.Command) {
	switch c.Name {
	case "cancel":
		r.cancelNamed(ctx, ev, actor, c.Arg)
	case "status":
		if c.Arg != "" {
			if q, ok := r.pickMine(ctx, ev, actor, c.Arg); ok {
				r.reply(ctx, ev, listMessage(text.YourRequests, []*tap.Request{q}))
			}
			return
		}
		reqs, err := r.svc.Mine(ctx, actor)
		if err != nil {
			r.say(ctx, ev, err)
			return
		}
		if len(reqs) == 0 {
			r.reply(ctx, ev, chat.Message{Text: text.NoRequests})
			return
		}
		r.reply(ctx, ev, listMessage(text.YourRequests, reqs))
	case "pending":
		reqs, err := r.svc.Pending(ctx, actor)
		if err != nil {
			r.say(ctx, ev, err)
			return
		}
		if len(reqs) == 0 {
			r.reply(ctx, ev, chat.Message{Text: text.NoPending})
			return
		}
		for _, q := range reqs {
			r.reply(ctx, ev, approvalCardFor(q, r.zone(ev.User)))
		}
	case "stats":
		r.stats(ctx, ev, actor, c.Arg)
	case "revoke":
		r.revokeUser(ctx, ev, actor, c.Arg)
	case "reissue":
		r.reissueUser(ctx, ev, actor, c.Arg)
	case "reschedule":
		r.rescheduleUser(ctx, ev, actor, c.Arg)
	case "withdraw":
		r.withdrawUser(ctx, ev, actor, c.Arg)
	case "done":
		req, err := r.svc.Confirm(ctx, actor)
		if err != nil {
			r.say(ctx, ev, err)
			return
		}
		r.reply(ctx, ev, chat.Message{Text: fmt.Sprintf(text.ConfirmedHire, chat.Esc(actorName(actor)))})
		r.reply(ctx, ev, FeedbackQuestion(req.ID))
	case "help":
		r.reply(ctx, ev, chat.Message{Text: text.Help})
	}
}

// stats shows the onboarding success numbers for a period: "stats" is the
// last 30 days, "stats 7 days" or "stats 90d" another length.
func (r *Router) stats(ctx context.Context, ev chat.Event, actor tap.Actor, period string) {
	ok, err := r.svc.IsApprover(ctx, actor)
	if err != nil {
		r.say(ctx, ev, err)
		return
	}
	if !ok {
		r.reply(ctx, ev, chat.Message{Text: text.NotApprover})
		return
	}
	span := 30 * 24 * time.Hour
	if p := strings.TrimSpace(period); p != "" {
		d, err := dialog.ParseLifetime(p)
		if err != nil || d < time.Hour || d > 366*24*time.Hour {
			r.reply(ctx, ev, chat.Message{Text: text.StatsPeriod})
			return
		}
		span = d
	}
	to := r.cfg.Now()
	facts, err := r.d.Stats(ctx, to.Add(-span), to)
	if err != nil {
		r.say(ctx, ev, err)
		return
	}
	r.reply(ctx, ev, chat.Message{Title: text.StatsTitle(Lifetime(span)), Facts: facts})
}

func (r *Router) revokeUser(ctx context.Context, ev chat.Event, actor tap.Actor, who string) {
	who = strings.TrimSpace(who)
	if who == "" {
		r.reply(ctx, ev, chat.Message{Text: text.RevokeWhom})
		return
	}
	// Who may revoke is checked before anything is looked up, so the
	// command reveals nothing about other people's requests: a requester
	// searches only their own requests, an approver all of them.
	live := []tap.State{tap.StateApproved, tap.StateIssued, tap.StateDelivered}
	approver, err := r.svc.IsApprover(ctx, actor)
	if err != nil {
		r.say(ctx, ev, err)
		return
	}
	var reqs []*tap.Request
	if approver {
		u, err := r.d.Directory.User(ctx, who)
		if err == nil {
			reqs, err = r.d.Store.ListRequests(ctx, tap.RequestFilter{Target: u.ID, States: live})
		}
		if err != nil && !errors.Is(err, tap.ErrUserNotFound) {
			r.say(ctx, ev, err)
			return
		}
	} else {
		mine, err := r.svc.Mine(ctx, actor)
		if err != nil {
			r.say(ctx, ev, err)
			return
		}
		for _, q := range mine {
			if slices.Contains(live, q.State) && matchesPerson(q, who) {
				reqs = append(reqs, q)
			}
		}
	}
	if len(reqs) == 0 {
		r.reply(ctx, ev, chat.Message{Text: fmt.Sprintf(text.NothingToRevoke, chat.Esc(who))})
		return
	}
	for _, q := range reqs {
		if _, err := r.svc.Revoke(ctx, q.ID, actor); err != nil {
			r.say(ctx, ev, err)
		}
	}
}

// stateWords is a request's state in a list: its state, or for a queued
// request the words for the queue.
func stateWords(q *tap.Request) string {
	if q.Queued() {
		return text.StateQueued
	}
	return string(q.State)
}

func listMessage(title string, reqs []*tap.Request) chat.Message {
	m := chat.Message{Title: title}
	for _, q := range reqs {
		m.Facts = append(m.Facts, chat.Fact{
			Label: targetName(q.Target),
			Value: fmt.Sprintf("%s — %s, %s", stateWords(q), Lifetime(q.Lifetime), q.CreatedAt.UTC().Format("2 Jan 15:04 UTC")) + firstUsed(q),
		})
	}
	return m
}
