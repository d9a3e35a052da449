package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/dialog"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// reissueUser runs "reissue <user>": a new request replacing the newest
// one for that person (approvals.Service.Reissue decides who may).
func (r *Router) reissueUser(ctx context.Context, ev chat.Event, actor tap.Actor, arg string) {
	who, _ := splitWho(arg)
	if who == "" {
		r.reply(ctx, ev, chat.Message{Text: text.ReissueWhom})
		return
	}
	q, ok := r.latestFor(ctx, ev, actor, who, nil, text.NothingToReissue)
	if !ok {
		return
	}
	if _, err := r.svc.Reissue(ctx, q.ID, actor, nil); err != nil {
		r.say(ctx, ev, err)
	}
}

// rescheduleUser runs "reschedule <user> <when>", <when> read in the
// reader's zone by the dialog's start parser.
func (r *Router) rescheduleUser(ctx context.Context, ev chat.Event, actor tap.Actor, arg string) {
	who, when := splitWho(arg)
	if who == "" || when == "" {
		r.reply(ctx, ev, chat.Message{Text: text.RescheduleHow})
		return
	}
	start, err := dialog.ParseStart(when, dialog.StartOptions{Now: r.cfg.Now(), Zone: r.zone(ev.User)})
	if err != nil {
		r.say(ctx, ev, err)
		return
	}
	q, ok := r.latestFor(ctx, ev, actor, who, nil, text.NothingToReissue)
	if !ok {
		return
	}
	if _, err := r.svc.Reschedule(ctx, q.ID, actor, start.At); err != nil {
		r.say(ctx, ev, err)
	}
}

// withdrawUser runs "withdraw <user> <reason>": the offer was rescinded.
func (r *Router) withdrawUser(ctx context.Context, ev chat.Event, actor tap.Actor, arg string) {
	who, reason := splitWho(arg)
	reason, err := dialog.CleanJustification(reason)
	if err != nil {
		r.say(ctx, ev, err)
		return
	}
	if who == "" || reason == "" {
		r.reply(ctx, ev, chat.Message{Text: text.WithdrawHow})
		return
	}
	open := []tap.State{tap.StatePending, tap.StateApproved, tap.StateIssuing, tap.StateIssued, tap.StateDelivered}
	q, ok := r.latestFor(ctx, ev, actor, who, open, text.NothingToWithdraw)
	if !ok {
		return
	}
	done, err := r.svc.WithdrawOffer(ctx, q.ID, actor, reason)
	if err != nil {
		r.say(ctx, ev, err)
		return
	}
	if done.Requester.EntraID != actor.EntraID {
		r.reply(ctx, ev, chat.Message{Text: fmt.Sprintf(text.WithdrawnRequester,
			chat.Esc(targetName(done.Target)), chat.Esc(actorName(actor)), chat.Esc(reason))})
	}
}

// splitWho splits "<user> <rest>": the first word names the person (an
// address, a name, a request id), the rest is the command's own text.
func splitWho(arg string) (who, rest string) {
	arg = strings.TrimSpace(arg)
	who, rest, _ = strings.Cut(arg, " ")
	if strings.Contains(who, "@") {
		if v, err := dialog.ParseTarget(who); err == nil {
			who = v
		}
	}
	return who, strings.TrimSpace(rest)
}

// latestFor is the newest request for who, among states (all when nil),
// that actor can act on: their own requests by any name matchesPerson
// knows, and for an approver anyone's by sign-in name. Who may act is
// decided by the approvals service; this only finds the request. When
// none is found it answers: the refusal a new request for who would get
// (the same sentence), else none.
func (r *Router) latestFor(ctx context.Context, ev chat.Event, actor tap.Actor, who string, states []tap.State, none string) (*tap.Request, bool) {
	pick := func(rs []*tap.Request, match func(*tap.Request) bool) *tap.Request {
		var best *tap.Request
		for _, q := range rs {
			if (states == nil || slices.Contains(states, q.State)) && match(q) && (best == nil || q.CreatedAt.After(best.CreatedAt)) {
				best = q
			}
		}
		return best
	}
	mine, err := r.svc.Mine(ctx, actor)
	if err != nil {
		r.say(ctx, ev, err)
		return nil, false
	}
	if q := pick(mine, func(q *tap.Request) bool { return matchesPerson(q, who) }); q != nil {
		return q, true
	}
	approver, err := r.svc.IsApprover(ctx, actor)
	if err != nil {
		r.say(ctx, ev, err)
		return nil, false
	}
	u, err := r.d.Directory.User(ctx, who)
	if err != nil && !errors.Is(err, tap.ErrUserNotFound) {
		r.say(ctx, ev, err)
		return nil, false
	}
	if err == nil && approver {
		all, err := r.d.Store.ListRequests(ctx, tap.RequestFilter{Target: u.ID})
		if err != nil {
			r.say(ctx, ev, err)
			return nil, false
		}
		if q := pick(all, func(*tap.Request) bool { return true }); q != nil {
			return q, true
		}
	}
	if err == nil && !approver && r.d.CheckTarget != nil {
		// Someone who may not ask for this person hears what a new
		// request would tell them, and nothing about existing ones.
		if err := r.d.CheckTarget(ctx, actor.EntraID, u); err != nil {
			r.say(ctx, ev, err)
			return nil, false
		}
	}
	r.reply(ctx, ev, chat.Message{Text: fmt.Sprintf(none, chat.Esc(who))})
	return nil, false
}
