package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/watch"
)

// alertTitles name each watch rule on its card.
var alertTitles = map[watch.Rule]string{
	watch.RuleSeveralIPs:  "Pass used from two places",
	watch.RuleAfterHours:  "Pass used outside business hours",
	watch.RuleBeforeStart: "Pass used before the first day",
	watch.RuleFailures:    "Repeated failed sign-ins with the pass",
	watch.RuleNeverUsed:   "Pass never used",
}

const (
	textAlertExpected   = "Marked as expected by %s; noted in the audit trail."
	textAlertNotAllowed = "Only approvers can acknowledge a pass alert."
	textAlertNotYours   = "You asked for this pass (or it is yours): another approver has to decide whether its use was expected."
	textAlertUnknown    = "This alert is out of date or unknown; nothing was recorded."
	textAlertNeverUsed  = "The pass for %s ended without being used. If they still need one, ask again with \"request\"."
)

// AlertCard is the approvers' card for a watch alert: the facts and two
// buttons, Revoke pass now and Expected.
func AlertCard(a watch.Alert) chat.Message {
	id := string(a.Pass.Request)
	return chat.Message{
		Title: alertTitles[a.Rule],
		Text:  chat.Esc(strings.Join(a.Facts, "\n")),
		Facts: []chat.Fact{{Label: "New hire", Value: chat.Esc(a.Pass.Name)}, {Label: "Rule", Value: string(a.Rule)}},
		Buttons: []chat.Button{
			{Action: chat.ActionRevoke, Label: textRevokeButton, Value: id, Style: chat.StyleDanger,
				Confirm: "Delete this pass in Entra now?"},
			{Action: chat.ActionWatchExpected, Label: "Expected", Value: id + " " + string(a.Rule)},
		},
		Note: "Request " + id,
	}
}

// Alert implements watch.Notifier: the card to the approvers channel;
// a pass never used is also told to the requester.
func (r *Router) Alert(ctx context.Context, a watch.Alert, req *tap.Request) error {
	d := &delivery{}
	r.toApprovers(ctx, d, AlertCard(a))
	err := errors.Join(d.errs...)
	if a.Rule == watch.RuleNeverUsed {
		err = errors.Join(err, r.toRequester(ctx, req, chat.Message{Text: fmt.Sprintf(textAlertNeverUsed, chat.Esc(a.Pass.Name))}))
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
		r.reply(ctx, ev, chat.Message{Text: textAlertNotAllowed})
		return
	}
	req, err := r.svc.Get(ctx, tap.RequestID(id))
	if err != nil || r.d.Audit == nil || alertTitles[watch.Rule(rule)] == "" {
		// Fail closed: an acknowledgement that cannot be audited, or of a
		// request or rule that does not exist, records nothing.
		r.reply(ctx, ev, chat.Message{Text: textAlertUnknown})
		return
	}
	if actor.EntraID == req.Requester.EntraID || tap.UserID(actor.EntraID) == req.Target.ID {
		r.reply(ctx, ev, chat.Message{Text: textAlertNotYours})
		return
	}
	if err := r.d.Audit.Record(ctx, tap.AuditRecord{Actor: "entra:" + string(actor.EntraID), Action: watch.ActionExpected,
		Request: req.ID, Outcome: "ok", Detail: map[string]string{"rule": rule}}); err != nil {
		r.say(ctx, ev, err)
		return
	}
	r.reply(ctx, ev, chat.Message{Text: fmt.Sprintf(textAlertExpected, chat.Esc(actorName(actor)))})
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
		return "; first used by " + at + " (seen as used by Entra)"
	}
	return "; first used " + at + " from " + chat.Esc(u.Where())
}
