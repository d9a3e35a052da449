package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/diagnose"
	"github.com/tapbot/tapbot/internal/dialog"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// hireWindow is how long after its last change a request still makes its
// target "the new hire" whose messages are answered from Entra.
const hireWindow = 14 * 24 * time.Hour

// beforePass are the states in which the new hire has no pass yet.
var beforePass = []tap.State{tap.StatePending, tap.StateApproved, tap.StateIssuing}

// openStates keep a request the new hire's whatever its age.
var openStates = []tap.State{tap.StatePending, tap.StateApproved, tap.StateIssuing, tap.StateIssued, tap.StateDelivered}

// ownCommands are first words that keep their meaning for a new hire too.
var ownCommands = map[string]bool{"done": true, "status": true, "pending": true, "stats": true, "revoke": true,
	"reissue": true, "reschedule": true, "withdraw": true,
	"cancel": true, "why": true, "diagnose": true, "request": true, "new": true}

// doneWords are whole messages that say "done" (dialog's phrases).
var doneWords = map[string]bool{"i'm done": true, "im done": true, "i am done": true, "all done": true, "all set": true,
	"finished": true, "i'm finished": true, "setup done": true, "complete": true}

// intercept answers the messages the dialog must not see: "why <user>"
// and a new hire's plea for help. It reports whether it answered.
func (r *Router) intercept(ctx context.Context, ev chat.Event, actor tap.Actor) bool {
	if r.d.Entra == nil {
		return false
	}
	said := strings.TrimSpace(ev.Text)
	first, rest, _ := strings.Cut(said, " ")
	switch strings.ToLower(first) {
	case "why", "diagnose":
		who, err := dialog.ParseTarget(strings.TrimSpace(rest))
		switch {
		case strings.TrimSpace(rest) == "":
			r.reply(ctx, ev, chat.Message{Text: text.WhyWhom})
		case err != nil:
			r.say(ctx, ev, err)
		default:
			r.why(ctx, ev, actor, who)
		}
		return true
	}
	words := strings.ToLower(strings.Trim(said, " .!?"))
	// A message naming someone ("pass for diego@…") is a request, even from
	// a recent new hire.
	if ownCommands[strings.ToLower(first)] || doneWords[words] || strings.Contains(said, "@") {
		return false
	}
	if _, err := r.d.Store.GetSession(ctx, sessionKey(ev)); err == nil {
		return false // a dialog is under way: this person is asking for a pass
	}
	req, err := r.hireRequest(ctx, actor)
	if err != nil {
		r.say(ctx, ev, err)
		return true
	}
	if req == nil {
		return false
	}
	r.helpHire(ctx, ev, actor, req)
	return true
}

// hireRequest is the latest open or recent request whose target is
// actor, or nil.
func (r *Router) hireRequest(ctx context.Context, actor tap.Actor) (*tap.Request, error) {
	reqs, err := r.d.Store.ListRequests(ctx, tap.RequestFilter{Target: actor.EntraID})
	if err != nil {
		return nil, err
	}
	now := r.cfg.Now()
	var best *tap.Request
	for _, q := range reqs {
		if !slices.Contains(openStates, q.State) && now.Sub(q.UpdatedAt) > hireWindow {
			continue
		}
		if best == nil || q.CreatedAt.After(best.CreatedAt) {
			best = q
		}
	}
	return best, nil
}

// helpHire answers the new hire from Entra and tells the requester when
// they must act.
func (r *Router) helpHire(ctx context.Context, ev chat.Event, actor tap.Actor, req *tap.Request) {
	requester := actorName(req.Requester)
	if slices.Contains(beforePass, req.State) {
		r.reply(ctx, ev, chat.Message{Text: fmt.Sprintf(text.HirePassComing, chat.Esc(requester))})
		return
	}
	now := r.cfg.Now()
	rep, err := diagnose.Run(ctx, r.d.Entra, actor.EntraID, now)
	if err != nil {
		r.say(ctx, ev, err)
		return
	}
	zone := req.HireZone
	if ev.User.Zone != "" {
		zone = r.zone(ev.User)
	}
	answer := diagnose.HireAnswer(rep, requester, now, location(zone, r.cfg.DefaultZone))
	if req.State == tap.StateIssued {
		answer += " " + fmt.Sprintf(text.HireNotHanded, chat.Esc(requester))
	}
	r.reply(ctx, ev, chat.Message{Text: answer})
	if note := diagnose.RequesterNotice(rep, actorName(actor)); note != "" && r.firstTelling(req.ID, rep.Cause, now) {
		msg := chat.Message{Text: note}
		if rep.Cause == diagnose.CauseOneTimeUsed || rep.Cause == diagnose.CauseExpired {
			msg.Buttons = []chat.Button{reissueButton(req.ID)} // the article's backup plan
		}
		if err := r.toRequester(ctx, req, msg); err != nil {
			r.log.Warn("tell requester the pass does not work", "request_id", req.ID, "err", err)
		}
	}
	r.log.Info("new hire asked for help", "request_id", req.ID, "cause", rep.Cause)
}

// why runs the diagnosis for who, for the people allowed to see it: an
// approver for anyone, a requester for the targets of their own requests.
// Anyone else gets the same answer whether who exists or not, and nothing
// is read from Entra, so the command is no oracle about accounts.
func (r *Router) why(ctx context.Context, ev chat.Event, actor tap.Actor, who string) {
	id, approver, err := r.mayDiagnose(ctx, actor, who)
	if err != nil {
		r.say(ctx, ev, err)
		return
	}
	if id == "" {
		msg := text.WhyNotYours
		if approver {
			msg = text.WhyNoUser
		}
		r.reply(ctx, ev, chat.Message{Text: fmt.Sprintf(msg, chat.Esc(who))})
		return
	}
	now := r.cfg.Now()
	rep, err := diagnose.Run(ctx, r.d.Entra, id, now)
	if err != nil {
		r.say(ctx, ev, err)
		return
	}
	r.reply(ctx, ev, diagnose.Checklist(rep, now, location(r.zone(ev.User), r.cfg.DefaultZone)))
}

// mayDiagnose returns the Entra id of who if actor may see their
// diagnosis, else "", and whether actor is an approver. Who may ask is
// settled before anything about who is looked up.
func (r *Router) mayDiagnose(ctx context.Context, actor tap.Actor, who string) (tap.UserID, bool, error) {
	approver, err := r.svc.IsApprover(ctx, actor)
	if err != nil {
		return "", false, err
	}
	if approver {
		u, err := r.d.Directory.User(ctx, who)
		if errors.Is(err, tap.ErrUserNotFound) {
			return "", true, nil
		}
		return u.ID, true, err
	}
	mine, err := r.svc.Mine(ctx, actor)
	if err != nil {
		return "", false, err
	}
	for _, q := range mine {
		if strings.EqualFold(q.Target.UPN, who) || strings.EqualFold(q.Target.Mail, who) || string(q.Target.ID) == who {
			return q.Target.ID, false, nil
		}
	}
	return "", false, nil
}

// firstTelling reports whether the requester has not been told of this
// cause for this request in the last hour, and records that they now are:
// a new hire repeating "help" does not flood the requester.
func (r *Router) firstTelling(id tap.RequestID, c diagnose.Cause, now time.Time) bool {
	key := string(id) + "/" + string(c)
	r.toldMu.Lock()
	defer r.toldMu.Unlock()
	if at, ok := r.told[key]; ok && now.Sub(at) < time.Hour {
		return false
	}
	if r.told == nil || len(r.told) > 10000 {
		r.told = map[string]time.Time{}
	}
	r.told[key] = now
	return true
}

func location(zone, fallback string) *time.Location {
	if loc, err := time.LoadLocation(zone); err == nil && zone != "" {
		return loc
	}
	if loc, err := time.LoadLocation(fallback); err == nil {
		return loc
	}
	return time.UTC
}
