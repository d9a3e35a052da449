package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/diagnose"
	"github.com/tapbot/tapbot/internal/dialog"
	"github.com/tapbot/tapbot/internal/outq"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
	"github.com/tapbot/tapbot/internal/tracing"
	"github.com/tapbot/tapbot/internal/zone"
)

// Defaults the configuration file shows and New applies.
const (
	// DefaultSessionIdle is how long a dialog session lives without input.
	DefaultSessionIdle = 30 * time.Minute
	// DefaultZone is the requester's zone when neither the platform nor
	// the directory gives one.
	DefaultZone = "UTC"
)

// Config is the router's configuration.
type Config struct {
	// ApproverChannels maps a platform to its approvers channel id.
	ApproverChannels map[tap.Platform]string
	// SessionIdle is how long a dialog session lives without input (default 30 min).
	SessionIdle time.Duration
	// DefaultZone is the requester's zone when the platform gives none (IANA; default UTC).
	DefaultZone string
	// Guide is the onboarding guide template (DefaultGuide when empty),
	// Contact and Org fill it.
	Guide, Contact, Org string
	// IdentityTTL is how long an e-mail → Entra lookup is cached (default 10 min).
	IdentityTTL time.Duration
	// BulkRedraw is the least time between two redraws of a batch's card
	// and progress message (default DefaultBulkRedraw).
	BulkRedraw time.Duration
	Now        func() time.Time
}

// Deps are the router's collaborators.
type Deps struct {
	Store     tap.Store
	Directory approvals.Directory
	// Service runs the request lifecycle (required).
	Service    *approvals.Service
	Messengers []chat.Messenger
	// DialogConfig returns the dialog's limits and defaults (tenant policy ∩ org policy).
	DialogConfig func(ctx context.Context) (dialog.Config, error)
	// CheckTarget, when set, vets a resolved target at once (disabled,
	// guest, privileged, not the requester's to ask for) so the requester
	// hears it before the remaining questions. Submit checks again.
	CheckTarget func(ctx context.Context, requester tap.UserID, target tap.User) error
	// Zones finds each person's time zone (the platform's, the mailbox's,
	// DefaultZone); when nil one without a mailbox is built.
	Zones *zone.Resolver
	// Stats returns the metrics to show for the last period.
	Stats func(ctx context.Context, from, to time.Time) ([]chat.Fact, error)
	// Entra, when set, answers a new hire's "my pass doesn't work" and
	// "why <user>" from Graph (internal/diagnose).
	Entra diagnose.Reader
	// Audit records acknowledged watch alerts (Expected).
	Audit interface {
		Record(ctx context.Context, rec tap.AuditRecord) error
	}
	Log *slog.Logger
}

// Router routes chat events to the dialog and the approvals service and
// implements approvals.Notifier.
type Router struct {
	cfg        Config
	d          Deps
	svc        *approvals.Service
	messengers map[tap.Platform]chat.Messenger
	guide      atomic.Pointer[Guide] // swapped whole by ReloadGuide
	zones      *zone.Resolver
	log        *slog.Logger

	idMu sync.Mutex
	ids  map[string]cachedID

	// drawn is the request version each approval card last showed (this
	// replica's view), so repeated redraws of the same state are skipped.
	drawnMu sync.Mutex
	drawn   map[tap.Ref]*cardState

	// told is when this replica last told a requester why the new hire's
	// pass does not work, per request and cause (see helpHire).
	toldMu sync.Mutex
	told   map[string]time.Time

	// bulkWatch follows the batches moving on this replica (bulkcard.go).
	bulkMu    sync.Mutex
	bulkWatch map[string]*batchWatch
	bulkWG    sync.WaitGroup
}

type cachedID struct {
	user tap.User
	at   time.Time
}

// New builds a Router. The approvals service it drives notifies through
// it, so the service's Notifier is bound to the router after both are
// built (internal/app does that).
func New(cfg Config, d Deps) (*Router, error) {
	if d.Service == nil {
		return nil, errors.New("bot: an approvals service is required")
	}
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = DefaultSessionIdle
	}
	if cfg.IdentityTTL == 0 {
		cfg.IdentityTTL = 10 * time.Minute
	}
	if cfg.BulkRedraw == 0 {
		cfg.BulkRedraw = DefaultBulkRedraw
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.DefaultZone == "" {
		cfg.DefaultZone = DefaultZone
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	g, err := NewGuide(cfg.Guide, cfg.Contact, cfg.Org)
	if err != nil {
		return nil, err
	}
	if d.Zones == nil {
		d.Zones = zone.NewResolver(zone.Config{Default: cfg.DefaultZone, Now: cfg.Now, Log: d.Log})
	}
	r := &Router{cfg: cfg, d: d, svc: d.Service, messengers: map[tap.Platform]chat.Messenger{}, zones: d.Zones, log: d.Log, ids: map[string]cachedID{}, drawn: map[tap.Ref]*cardState{},
		bulkWatch: map[string]*batchWatch{}}
	r.guide.Store(g)
	for _, m := range d.Messengers {
		r.messengers[m.Platform()] = m
	}
	return r, nil
}

// Handle implements chat.Handler.
func (r *Router) Handle(ctx context.Context, ev chat.Event) {
	ctx, span := tracing.Start(ctx, "dialog", attribute.String("tapbot.platform", string(ev.User.Platform)),
		attribute.String("tapbot.event", string(ev.Kind)), attribute.String("tapbot.action", ev.Action))
	defer span.End()
	log := r.log.With("platform", ev.User.Platform, "kind", ev.Kind, "action", ev.Action)
	if ev.Kind == chat.KindInstall {
		r.reply(ctx, ev, chat.Message{Text: text.Welcome})
		return
	}
	actor, err := r.actor(ctx, ev.User)
	if err != nil && ev.Kind == chat.KindAction && ev.Action == chat.ActionRefresh {
		r.refresh(ctx, ev, tap.Actor{}) // nobody we know: the card without its buttons
		return
	}
	if err != nil {
		log.Info("unidentified chat user", "chat_user", ev.User.ID, "err", err)
		if ev.Kind == chat.KindAction || ev.Kind == chat.KindForm {
			// A refused click is audited like any other refusal.
			who := tap.Actor{Platform: ev.User.Platform, ChatID: ev.User.ID, Name: ev.User.Name, Email: ev.User.Email}
			err = r.svc.Refused(ctx, tap.RequestID(ev.Value), who, ev.Action+ev.Form, err)
		}
		r.reply(ctx, ev, chat.Message{Text: Say(r.log, err)})
		return
	}
	// From here on ev.User.Zone is the zone this person reads times in:
	// the platform's, else their mailbox's, else the default.
	ev.User.Zone = r.zones.Learn(ctx, actor.EntraID, ev.User.Zone)
	if r.bulkEvent(ctx, ev, actor) {
		return
	}
	switch ev.Kind {
	case chat.KindAction:
		r.action(ctx, ev, actor)
	case chat.KindForm:
		if ev.Form == chat.FormFeedbackComment {
			r.feedbackComment(ctx, ev, actor)
			return
		}
		if ev.Form == chat.FormDeny {
			r.deny(ctx, ev, actor)
			return
		}
		r.converse(ctx, ev, actor, dialog.Input{Fields: ev.Fields})
	case chat.KindCommand:
		if strings.TrimSpace(ev.Text) == "" {
			r.openForm(ctx, ev)
			return
		}
		if !r.intercept(ctx, ev, actor) {
			r.converse(ctx, ev, actor, dialog.Input{Text: ev.Text})
		}
	default:
		if r.intercept(ctx, ev, actor) {
			return
		}
		r.converse(ctx, ev, actor, dialog.Input{Text: ev.Text})
	}
}

// reply answers privately when the event has a private surface, else in
// the conversation the event came from.
func (r *Router) reply(ctx context.Context, ev chat.Event, m chat.Message) {
	if ev.Reply != nil {
		if err := ev.Reply(ctx, m); err != nil {
			r.log.Warn("private reply", "platform", ev.User.Platform, "err", err)
		}
		return
	}
	if m.HasSecret() {
		r.log.Error("refusing to send a secret without a private surface", "platform", ev.User.Platform)
		return
	}
	ms, ok := r.messengers[ev.User.Platform]
	if !ok {
		return
	}
	to := chat.Address{Platform: ev.User.Platform, Kind: chat.ToUser, ID: ev.User.ID, EntraID: ev.User.EntraID}
	// A reply may be dropped for a newer one when the conversation's
	// outbound is backed up (counted by outq); a notice never is.
	if _, err := ms.Send(outq.AsReply(ctx), to, m); err != nil && !errors.Is(err, outq.ErrDropped) {
		r.log.Warn("reply", "platform", ev.User.Platform, "err", err)
	}
}

func (r *Router) say(ctx context.Context, ev chat.Event, err error) {
	r.reply(ctx, ev, chat.Message{Text: Say(r.log, err)})
}

// actor maps a chat user to an Entra-identified actor. Teams gives the
// immutable object id; Slack gives an e-mail that is looked up (cached).
func (r *Router) actor(ctx context.Context, u chat.User) (tap.Actor, error) {
	if u.Refusal != "" {
		return tap.Actor{}, tap.Refuse(tap.ErrForbidden, u.Refusal)
	}
	if u.Guest {
		return tap.Actor{}, tap.Refuse(tap.ErrForbidden, text.GuestActor)
	}
	a := tap.Actor{Platform: u.Platform, ChatID: u.ID, EntraID: u.EntraID, Name: u.Name, Email: u.Email}
	if a.EntraID != "" {
		// Entra names people (a chat profile's name is its owner's claim)
		// and says who is a guest (Teams' from.userRole alone can miss one).
		usr, err := r.lookup(ctx, string(a.EntraID), r.d.Directory.User)
		switch {
		case errors.Is(err, tap.ErrUserNotFound) || errors.Is(err, tap.ErrNotFound):
			return tap.Actor{}, tap.Refuse(tap.ErrForbidden, text.NoIdentity)
		case err != nil:
			return tap.Actor{}, err
		case usr.External || strings.EqualFold(usr.UserType, "Guest"):
			return tap.Actor{}, tap.Refuse(tap.ErrForbidden, text.GuestActor)
		}
		a.Name, a.Email = usr.DisplayName, usr.UPN
		return a, nil
	}
	if u.Email == "" {
		return tap.Actor{}, tap.Refuse(tap.ErrForbidden, text.NoIdentity)
	}
	usr, err := r.lookup(ctx, strings.ToLower(u.Email), r.d.Directory.UserByEmail)
	if err != nil {
		if errors.Is(err, tap.ErrUserNotFound) || errors.Is(err, tap.ErrConflict) {
			return tap.Actor{}, tap.Refuse(tap.ErrForbidden, text.NoIdentity)
		}
		return tap.Actor{}, err
	}
	a.EntraID, a.Email, a.Name = usr.ID, usr.UPN, usr.DisplayName
	if l, ok := r.messengers[u.Platform].(chat.Learner); ok {
		l.Learned(ctx, u, usr.ID)
	}
	return a, nil
}

func (r *Router) lookup(ctx context.Context, key string, get func(context.Context, string) (tap.User, error)) (tap.User, error) {
	now := r.cfg.Now()
	r.idMu.Lock()
	c, ok := r.ids[key]
	r.idMu.Unlock()
	if ok && now.Sub(c.at) < r.cfg.IdentityTTL {
		return c.user, nil
	}
	u, err := get(ctx, key)
	if err != nil {
		return tap.User{}, err
	}
	r.idMu.Lock()
	if len(r.ids) > 10000 {
		r.ids = map[string]cachedID{}
	}
	r.ids[key] = cachedID{user: u, at: now}
	r.idMu.Unlock()
	return u, nil
}

// action handles a button click.
func (r *Router) action(ctx context.Context, ev chat.Event, actor tap.Actor) {
	id := tap.RequestID(ev.Value)
	switch ev.Action {
	case chat.ActionRefresh:
		r.refresh(ctx, ev, actor)
	case chat.ActionApprove:
		if _, err := r.svc.Approve(ctx, id, actor); err != nil {
			r.stale(ctx, ev, id, actor, err)
		} else {
			r.redrawClicked(ctx, ev, id, actor)
		}
	case chat.ActionDeny:
		if _, err := r.svc.Get(ctx, id); err != nil {
			r.say(ctx, ev, err)
			return
		}
		r.reply(ctx, ev, DenyForm(id))
	case chat.ActionReveal:
		if ev.Reply == nil {
			// No private surface (e.g. a Teams client without Universal
			// Actions): revealing would burn the sealed pass unseen.
			r.reply(ctx, ev, chat.Message{Text: text.NoPrivateSurface})
			return
		}
		req, pass, err := r.svc.Reveal(approvals.WithAnswerBy(ctx, ev.AnswerBy), id, actor)
		if err != nil {
			r.stale(ctx, ev, id, actor, err)
			return
		}
		msg, err := r.guide.Load().RevealMessage(req, pass, ev.User.Zone)
		if err == nil {
			err = ev.Reply(ctx, msg)
		}
		if err != nil {
			// The sealed copy is gone and the pass was not shown: a pass
			// nobody can see must not stay live in Entra. The private
			// surface just failed, so the requester hears it by message.
			r.log.Warn("pass could not be shown; revoking it", "request_id", id, "err", err)
			bctx := context.WithoutCancel(ctx)
			msg := text.NotShown
			if _, rerr := r.svc.Revoke(bctx, id, actor); rerr != nil {
				r.log.Error("revoke unshown pass", "request_id", id, "err", rerr)
				msg = text.NotShownNotRemoved
			}
			if err := r.toRequester(bctx, req, chat.Message{Text: msg}); err != nil {
				r.log.Warn("tell requester about an unshown pass", "request_id", id, "err", err)
			}
		}
	case chat.ActionCancel:
		if _, err := r.svc.Cancel(ctx, id, actor); err != nil {
			r.stale(ctx, ev, id, actor, err)
		} else {
			r.redrawClicked(ctx, ev, id, actor)
		}
	case chat.ActionRevoke:
		if _, err := r.svc.Revoke(ctx, id, actor); err != nil {
			r.stale(ctx, ev, id, actor, err)
		} else {
			r.redrawClicked(ctx, ev, id, actor)
		}
	case chat.ActionReissue:
		if _, err := r.svc.Reissue(ctx, id, actor, nil); err != nil {
			r.stale(ctx, ev, id, actor, err)
		} else {
			r.redrawClicked(ctx, ev, id, actor)
		}
	case chat.ActionWatchExpected:
		r.expected(ctx, ev, actor)
	case chat.ActionFeedback:
		r.feedback(ctx, ev, actor)
	case chat.ActionFeedbackComment:
		r.reply(ctx, ev, CommentForm(id))
	case chat.ActionOpen:
		if ev.Value == chat.FormBulk {
			r.reply(ctx, ev, bulkForm())
			return
		}
		r.openForm(ctx, ev)
	case chat.ActionBulkSend:
		r.bulkSend(ctx, ev, actor)
	case chat.ActionBulkApprove:
		r.bulkApprove(ctx, ev, actor)
	case chat.ActionBulkReview:
		r.bulkReview(ctx, ev, actor)
	case chat.ActionSay:
		if r.dialogEnded(ctx, ev) {
			r.reply(ctx, ev, chat.Message{Text: text.DialogEnded})
			return
		}
		r.converse(ctx, ev, actor, dialog.Input{Text: ev.Value})
	default:
		r.reply(ctx, ev, chat.Message{Text: text.Help})
	}
}

func (r *Router) deny(ctx context.Context, ev chat.Event, actor tap.Actor) {
	id := tap.RequestID(ev.State)
	if id == "" {
		id = tap.RequestID(ev.Value)
	}
	// The reason reaches the requester, the card and the audit trail:
	// cleaned and capped like any justification (no bidi or zero-width
	// tricks, no control characters, at most 500 characters).
	reason, err := dialog.CleanJustification(ev.Fields["reason"])
	if err != nil || reason == "" {
		m := DenyForm(id)
		m.Form.Fields[0].Error = text.DenyNeedReason
		if err != nil {
			m.Form.Fields[0].Error = Say(r.log, err)
		}
		r.reply(ctx, ev, m)
		return
	}
	if _, err := r.svc.Deny(ctx, id, actor, reason); err != nil {
		r.stale(ctx, ev, id, actor, err)
	} else {
		r.redrawClicked(ctx, ev, id, actor)
	}
}

func sessionKey(ev chat.Event) string {
	return fmt.Sprintf("%s/%s/%s", ev.User.Platform, ev.Conversation.Conversation, ev.User.ID)
}
