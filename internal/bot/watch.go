package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
	"github.com/tapbot/tapbot/internal/watch"
)

// alertTitles name each watch rule on its card.
var alertTitles = map[watch.Rule]string{
	watch.RuleSeveralIPs:  text.AlertSeveralIPs,
	watch.RuleAfterHours:  text.AlertAfterHours,
	watch.RuleBeforeStart: text.AlertBeforeStart,
	watch.RuleFailures:    text.AlertFailures,
	watch.RuleNeverUsed:   text.AlertNeverUsedTitle,
}

// AlertCard is the approvers' card for a watch alert: the facts and two
// buttons, Revoke pass now and Expected.
func AlertCard(a watch.Alert) chat.Message {
	id := string(a.Pass.Request)
	return chat.Message{
		Title: alertTitles[a.Rule],
		Text:  chat.Esc(strings.Join(a.Facts, "\n")),
		Facts: []chat.Fact{{Label: text.FactNewHire, Value: chat.Esc(a.Pass.Name)}, {Label: text.FactRule, Value: string(a.Rule)}},
		Buttons: []chat.Button{
			{Action: chat.ActionRevoke, Label: text.RevokeButton, Value: id, Style: chat.StyleDanger,
				Confirm: text.AlertRevokeConfirm},
			{Action: chat.ActionWatchExpected, Label: text.AlertExpectedButton, Value: id + " " + string(a.Rule)},
		},
		Note: text.RequestNote(id)}
}

// Alert implements watch.Notifier: the card to the approvers channel;
// a pass never used is also told to the requester.
func (r *Router) Alert(ctx context.Context, a watch.Alert, req *tap.Request) error {
	err := r.toApprovers(ctx, AlertCard(a))
	if a.Rule == watch.RuleNeverUsed {
		err = errors.Join(err, r.toRequester(ctx, req, chat.Message{Text: fmt.Sprintf(text.AlertNeverUsed, chat.Esc(a.Pass.Name))}))
	}
	return err
}

// expected acknowledges an alert (Value: "<request id> <rule>"): approvers
// only, audited.
func (r *Router) expected(ctx context.Context, ev chat.Event, actor tap.Actor) {
	id, rule, _ := strings.Cut(ev.Value, " ")
	ok, err := r.svc.IsApprover(ctx, actor)
	if err != nil {
		r.say(ctx, ev, err)
		return
	}
	if !ok {
		r.reply(ctx, ev, chat.Message{Text: text.AlertNotAllowed})
		return
	}
	req, err := r.svc.Get(ctx, tap.RequestID(id))
	if err != nil || r.d.Audit == nil || alertTitles[watch.Rule(rule)] == "" {
		// Fail closed: an acknowledgement that cannot be audited, or of a
		// request or rule that does not exist, records nothing.
		r.reply(ctx, ev, chat.Message{Text: text.AlertUnknown})
		return
	}
	if actor.EntraID == req.Requester.EntraID || tap.UserID(actor.EntraID) == req.Target.ID {
		r.reply(ctx, ev, chat.Message{Text: text.AlertNotYours})
		return
	}
	if err := r.d.Audit.Record(ctx, tap.AuditRecord{Actor: "entra:" + string(actor.EntraID), Action: watch.ActionExpected,
		Request: req.ID, Outcome: "ok", Detail: map[string]string{"rule": rule}}); err != nil {
		r.say(ctx, ev, err)
		return
	}
	r.reply(ctx, ev, chat.Message{Text: fmt.Sprintf(text.AlertExpected, chat.Esc(actorName(actor)))})
}

// firstUsed is the status suffix for a pass the watch saw used: "; first
// used 09:04 from 203.0.113.7, Seattle, Windows" (the requester's zone).
func firstUsed(q *tap.Request) string {
	u := q.FirstUse
	if u == nil {
		return ""
	}
	z, err := time.LoadLocation(q.RequesterZone)
	if err != nil || q.RequesterZone == "" {
		z = time.UTC
	}
	at := u.At.In(z).Format("15:04 MST, 2 Jan")
	if u.IP == "" {
		return text.FirstUsedByEntra(at)
	}
	return text.FirstUsedFrom(at, chat.Esc(u.Where()))
}
