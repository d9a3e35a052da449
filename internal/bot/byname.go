package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// matchesPerson reports whether who names q's new hire: the UPN or mail,
// the part before @, the display name or its first word (any case), or
// the request's id.
func matchesPerson(q *tap.Request, who string) bool {
	who = strings.TrimSpace(who)
	if who == "" {
		return false
	}
	local := func(s string) string {
		if i := strings.IndexByte(s, '@'); i > 0 {
			return s[:i]
		}
		return ""
	}
	first := strings.Fields(q.Target.DisplayName)
	for _, c := range []string{string(q.ID), q.Target.UPN, q.Target.Mail, local(q.Target.UPN), local(q.Target.Mail), q.Target.DisplayName} {
		if c != "" && strings.EqualFold(c, who) {
			return true
		}
	}
	return len(first) > 0 && strings.EqualFold(first[0], who)
}

// pickMine is the one request of the actor's that who names among those
// in states; it says why when none or several match.
func (r *Router) pickMine(ctx context.Context, ev chat.Event, actor tap.Actor, who string, states ...tap.State) (*tap.Request, bool) {
	mine, err := r.svc.Mine(ctx, actor)
	if err != nil {
		r.say(ctx, ev, err)
		return nil, false
	}
	var found []*tap.Request
	for _, q := range mine {
		if (len(states) == 0 || stateIn(q.State, states)) && matchesPerson(q, who) {
			found = append(found, q)
		}
	}
	switch len(found) {
	case 0:
		r.reply(ctx, ev, chat.Message{Text: fmt.Sprintf(text.NoneNamed, chat.Esc(who))})
		return nil, false
	case 1:
		return found[0], true
	}
	r.reply(ctx, ev, chat.Message{Text: fmt.Sprintf(text.SeveralNamed, chat.Esc(who))})
	return nil, false
}

func stateIn(s tap.State, states []tap.State) bool {
	for _, x := range states {
		if x == s {
			return true
		}
	}
	return false
}

// cancelNamed cancels the actor's open request that who names ("cancel
// sarah", "cancel <request id>").
func (r *Router) cancelNamed(ctx context.Context, ev chat.Event, actor tap.Actor, who string) {
	q, ok := r.pickMine(ctx, ev, actor, who, tap.StatePending, tap.StateApproved)
	if !ok {
		return
	}
	if _, err := r.svc.Cancel(ctx, q.ID, actor); err != nil {
		r.say(ctx, ev, err)
		return
	}
	r.reply(ctx, ev, chat.Message{Text: fmt.Sprintf(text.CancelledNamed, chat.Esc(personName(q.Target)))})
}

// personName is how a new hire is named in a sentence.
func personName(u tap.User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.UPN
}
