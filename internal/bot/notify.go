package bot

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
	"github.com/tapbot/tapbot/internal/tracing"
)

// Notify implements approvals.Notifier: it turns a committed transition
// into chat messages — the approval card updated in place for everyone,
// and the requester told the outcome. It is called again for a notice
// that failed (or whose delivery a crash did not record): cards already
// posted are redrawn, not posted again, and the parts listed in n.Done
// are skipped. When a part fails the error is an *approvals.Undelivered
// naming the parts that went out; the transition itself stands.
func (r *Router) Notify(ctx context.Context, n approvals.Notice) error {
	return r.notify(ctx, n)
}

// Wait blocks until background notices are sent.
func (r *Router) Wait() { r.svc.Wait() }

// delivery tracks the parts of one notice: a part done by an earlier
// attempt is skipped, and the parts done are reported back with a failure
// so the retry skips them too.
type delivery struct {
	done []string
	errs []error
}

// part runs send unless the part named name is done already.
func (d *delivery) part(name string, send func() error) {
	if slices.Contains(d.done, name) {
		return
	}
	if err := send(); err != nil {
		d.errs = append(d.errs, err)
		return
	}
	d.done = append(d.done, name)
}

func (d *delivery) fail(err error) {
	if err != nil {
		d.errs = append(d.errs, err)
	}
}

func (d *delivery) err() error {
	if err := errors.Join(d.errs...); err != nil {
		return &approvals.Undelivered{Done: d.done, Err: err}
	}
	return nil
}

func (r *Router) notify(ctx context.Context, n approvals.Notice) (err error) {
	ctx, span := tracing.Start(ctx, "notify."+string(n.Kind), attribute.String("tapbot.request_id", string(n.Request.ID)))
	defer func() { tracing.End(span, err) }()
	req := n.Request
	name := targetName(req.Target)
	d := &delivery{done: slices.Clone(n.Done)}
	reader := r.requesterZone(ctx, req)
	tellAs := func(part, msg string) {
		d.part(part, func() error { return r.toRequesterCard(ctx, req, RequesterCard(req, msg, reader)) })
	}
	tell := func(msg string) { tellAs("requester", msg) }
	note := text.RequestNote(string(req.ID))
	if req.Batch != nil {
		defer r.batchChanged(req)
	}
	switch n.Kind {
	case approvals.NoticeSubmitted:
		if req.Batch != nil {
			return r.notifyBatchSubmitted(ctx, req, d, tellAs, reader)
		}
		return r.notifySubmitted(ctx, req, d, tellAs, reader)
	case approvals.NoticeApproval, approvals.NoticeQueued, approvals.NoticeIssuing:
		// The cards are redrawn; a queued request's requester hears at
		// NoticeIssued, once the pass exists.
	case approvals.NoticeQueueLapsed:
		tell(fmt.Sprintf(text.QueueLapsed, chat.Esc(name)))
	case approvals.NoticeReminder:
		r.tellApprovers(ctx, d, chat.Message{Text: fmt.Sprintf(text.Reminder, chat.Esc(name), chat.Esc(actorName(req.Requester))), Note: note})
	case approvals.NoticeIssued:
		tell(fmt.Sprintf(text.Issued, chat.Esc(decider(req)), chat.Esc(name)))
	case approvals.NoticeApproved:
		tell(fmt.Sprintf(text.ApprovedLater, chat.Esc(decider(req)), chat.Esc(name)))
	case approvals.NoticeRevealReminder:
		by, _ := time.Parse(time.RFC3339, n.Detail)
		tell(text.RevealReminder(chat.Esc(name), chat.Esc(viewOf(req, reader).at(by))))
	case approvals.NoticeSetupReminder:
		ends, _ := time.Parse(time.RFC3339, n.Detail)
		tell(text.SetupReminder(chat.Esc(name), chat.Esc(viewOf(req, reader).at(ends)), chat.Esc(req.Target.UPN)))
	case approvals.NoticeRevealed:
		d.part("requester", func() error {
			msg, err := r.guide.Load().message(req)
			if err != nil {
				return err
			}
			return r.toRequester(ctx, req, msg)
		})
	case approvals.NoticeDenied:
		tell(fmt.Sprintf(text.Denied, chat.Esc(name), chat.Esc(decider(req)), chat.Esc(req.DecisionReason)))
	case approvals.NoticeCancelled:
		tell(fmt.Sprintf(text.Cancelled, chat.Esc(name)))
	case approvals.NoticeRevoked:
		by := "IT"
		if n.Actor != nil {
			by = actorName(*n.Actor)
		}
		tell(fmt.Sprintf(text.Revoked, chat.Esc(name), chat.Esc(by)))
	case approvals.NoticeExpired:
		tell(fmt.Sprintf(text.ExpiredPending, chat.Esc(name)))
	case approvals.NoticeLapsed:
		tell(fmt.Sprintf(text.Lapsed, chat.Esc(name)))
		r.tellApprovers(ctx, d, chat.Message{Text: fmt.Sprintf(text.Lapsed, chat.Esc(name)), Note: note,
			Buttons: []chat.Button{reissueButton(req.ID)}})
	case approvals.NoticeReplaced, approvals.NoticeRescheduled, approvals.NoticeWithdrawn:
		r.notifyChange(ctx, n, d, reader)
	case approvals.NoticePassEnded:
		tell(fmt.Sprintf(text.PassEnded, chat.Esc(name), chat.Esc(name)))
	case approvals.NoticeFailed:
		reason := req.FailReason
		if n.Detail != "" {
			reason = n.Detail
		}
		tell(fmt.Sprintf(text.Failed, chat.Esc(name), chat.Esc(reason)))
	case approvals.NoticeConfirmed:
		tell(fmt.Sprintf(text.ConfirmedRequester, chat.Esc(name), chat.Esc(n.Detail), Lifetime(req.ClosedAt.Sub(req.RevealedAt))))
	case approvals.NoticeSecurity:
		r.tellApprovers(ctx, d, chat.Message{Text: securityText(n, req, name), Note: note})
		return d.err()
	}
	d.fail(r.updateCards(ctx, req))
	return d.err()
}

// notifySubmitted posts the approval cards and then tells the requester
// the request went to the approvers. If no card could be posted yet the
// requester is told, once, that it is queued, and the notice is retried:
// the "went to the approvers" sentence waits until it is true.
func (r *Router) notifySubmitted(ctx context.Context, req *tap.Request, d *delivery, tellAs func(part, msg string), reader string) error {
	name := chat.Esc(targetName(req.Target))
	if err := r.postApprovalCards(ctx, req); err != nil {
		d.fail(err)
		if req.Intake != nil {
			tellAs("requester:queued", fmt.Sprintf(text.QueuedIntake, name, chat.Esc(viewOf(req, reader).at(req.Start))))
		} else {
			tellAs("requester:queued", fmt.Sprintf(text.Queued, name))
		}
		return d.err()
	}
	if req.Intake != nil {
		tellAs("requester", fmt.Sprintf(text.SubmittedIntake, name, chat.Esc(viewOf(req, reader).at(req.Start))))
	} else {
		tellAs("requester", fmt.Sprintf(text.Submitted, name))
	}
	return d.err()
}

// notifyBatchSubmitted says nothing per request: the approvers get the
// batch's one card and each hiring manager one message for all their
// hires in it when it is sent (tellManagers), not a card or a message per
// request (Slack posts about one message per second in a conversation).
func (r *Router) notifyBatchSubmitted(context.Context, *tap.Request, *delivery, func(part, msg string), string) error {
	return nil
}

func securityText(n approvals.Notice, req *tap.Request, name string) string {
	who := text.Someone
	if n.Actor != nil {
		who = actorName(*n.Actor)
	}
	if n.Actor != nil && n.Actor.EntraID != "" && n.Actor.EntraID == req.Requester.EntraID {
		return fmt.Sprintf(text.RevealRefused, chat.Esc(who), chat.Esc(name))
	}
	return fmt.Sprintf(text.Security, chat.Esc(who), chat.Esc(name), chat.Esc(actorName(req.Requester)))
}

func decider(r *tap.Request) string {
	if r.DecidedBy != nil {
		return actorName(*r.DecidedBy)
	}
	if n := len(r.Approvals); n > 0 {
		return actorName(r.Approvals[n-1].Approver)
	}
	return text.AnApproverLower
}

// postApprovalCards posts the card to every platform's approvers channel
// at once. Each ref is remembered on the request as soon as its post
// lands, so a decision taken while another platform is still retrying
// still updates it; a card that lands after a decision is redrawn at once.
func (r *Router) postApprovalCards(ctx context.Context, req *tap.Request) error {
	card := ApprovalCard(req)
	var (
		mu     sync.Mutex
		errs   []error
		posted int
		wg     sync.WaitGroup
	)
	for p, ch := range r.cfg.ApproverChannels {
		m, ok := r.messengers[p]
		if !ok || ch == "" {
			continue
		}
		if slices.ContainsFunc(req.Refs, func(ref tap.Ref) bool { return ref.Platform == p }) {
			posted++ // posted by an earlier attempt: redrawn, not posted again
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := r.postCard(ctx, m, ch, req.ID, card)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("post approval card on %s: %w", p, err))
				return
			}
			posted++
		}()
	}
	wg.Wait()
	if posted == 0 && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("post approval card: no approvers channel configured"))
	}
	return errors.Join(errs...)
}

func (r *Router) postCard(ctx context.Context, m chat.Messenger, channel string, id tap.RequestID, card chat.Message) error {
	ref, err := m.Send(ctx, chat.Address{Platform: m.Platform(), Kind: chat.ToChannel, ID: channel}, card)
	if err != nil {
		return err
	}
	if err := r.svc.AddRefs(ctx, id, ref); err != nil {
		return err
	}
	now, err := r.svc.Get(ctx, id)
	if err != nil {
		return err
	}
	if now.State != tap.StatePending || len(now.Approvals) > 0 {
		return r.drawCard(ctx, ref, now, false)
	}
	return nil
}

// updateCards redraws every approval card of req for everyone, and the
// requester's messages that carry its buttons, then looks at the stored
// request again: a notice delivered late (a retry, another replica)
// carries an older state than the card may already show, so when a card
// would read differently now it is drawn again from the latest state.
// The last drawer therefore always leaves the latest state on the card.
func (r *Router) updateCards(ctx context.Context, req *tap.Request) error {
	reader := r.requesterZone(ctx, req)
	errs := []error{r.drawCards(ctx, req)}
	latest, err := r.svc.Get(ctx, req.ID)
	if err != nil {
		errs = append(errs, r.drawRequesterCards(ctx, req, req.RequesterRefs, reader))
		return errors.Join(append(errs, err)...)
	}
	// The requester's list is the latest one: a message sent by this very
	// notice takes the live buttons from the older ones.
	errs = append(errs, r.drawRequesterCards(ctx, req, latest.RequesterRefs, reader))
	if latest.Version > req.Version && (!reflect.DeepEqual(ApprovalCard(latest), ApprovalCard(req)) ||
		!reflect.DeepEqual(requesterView(latest, reader, true), requesterView(req, reader, true))) {
		errs = append(errs, r.drawCards(ctx, latest), r.drawRequesterCards(ctx, latest, latest.RequesterRefs, reader))
	}
	return errors.Join(errs...)
}

func (r *Router) drawCards(ctx context.Context, req *tap.Request) error {
	var errs []error
	for _, ref := range req.Refs {
		if err := r.drawCard(ctx, ref, req, false); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// drawRequesterCards redraws the requester's messages at refs to show req:
// the newest one keeps the buttons that still apply, older ones show the
// state only, so one set of live buttons stands in the conversation.
func (r *Router) drawRequesterCards(ctx context.Context, req *tap.Request, refs []tap.Ref, reader string) error {
	var errs []error
	for i, ref := range refs {
		if err := r.draw(ctx, ref, req.Version, false, requesterView(req, reader, i == len(refs)-1)); err != nil {
			errs = append(errs, fmt.Errorf("update requester card: %w", err))
		}
	}
	return errors.Join(errs...)
}

// drawCard updates one approval card to show req, under draw's rules.
// repair asks for the card to be drawn even at the version it already
// shows (a refused click on a stale card).
func (r *Router) drawCard(ctx context.Context, ref tap.Ref, req *tap.Request, repair bool) error {
	if err := r.draw(ctx, ref, req.Version, repair, ApprovalCard(req)); err != nil {
		return fmt.Errorf("update approval card on %s: %w", ref.Platform, err)
	}
	return nil
}

// repairAfter is how long after this replica drew a message a repair
// (a refused click on it) draws the very same thing again: a storm of
// stale clicks redraws nothing, while a card another replica left
// showing an older state (it died between its draw and its correction)
// is still put right by the next click.
const repairAfter = 30 * time.Second

// draw updates the message at ref to m, the view of a request at version.
// Draws of one message are serialised, and one is skipped when it would
// change nothing: a version older than the one the message already shows
// (on this replica), so a slow update never puts an older state back over
// a newer one; the very drawing this replica last drew there (a
// notice's, a retry's or a click's redraw of a state already shown: one
// update per change, not per click); and, unless repair, the version the
// message already shows (a message just sent with its own words). A
// failed update records nothing, so the next draw goes out.
func (r *Router) draw(ctx context.Context, ref tap.Ref, version int64, repair bool, m chat.Message) error {
	ms, ok := r.messengers[ref.Platform]
	if !ok {
		return nil
	}
	sum := digest(m)
	c := r.card(ref)
	c.mu.Lock()
	defer c.mu.Unlock()
	now := r.cfg.Now()
	switch {
	case c.version > version:
		return nil
	case c.drawn && c.sum == sum && !(repair && now.Sub(c.at) >= repairAfter):
		c.version = version
		return nil
	case c.version == version && !repair:
		return nil
	}
	if err := ms.Update(ctx, ref, m); err != nil {
		return err
	}
	c.version, c.sum, c.drawn, c.at = version, sum, true, now
	return nil
}

// digest identifies a drawing of a message (never one with a secret:
// Update refuses those).
func digest(m chat.Message) [sha256.Size]byte {
	b, _ := json.Marshal(m)
	return sha256.Sum256(b)
}

// markDrawn records that the message at ref shows version (it was just sent).
func (r *Router) markDrawn(ref tap.Ref, version int64) {
	c := r.card(ref)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.version = max(c.version, version)
}

// cardState is what this replica last drew on one message: the request
// version, and the drawing itself with when it went out (drawn is false
// until an update of this message succeeded here).
type cardState struct {
	mu      sync.Mutex
	version int64
	drawn   bool
	sum     [sha256.Size]byte
	at      time.Time
}

func (r *Router) card(ref tap.Ref) *cardState {
	r.drawnMu.Lock()
	defer r.drawnMu.Unlock()
	if len(r.drawn) > 10000 {
		r.drawn = map[tap.Ref]*cardState{}
	}
	c, ok := r.drawn[ref]
	if !ok {
		c = &cardState{}
		r.drawn[ref] = c
	}
	return c
}

func (r *Router) toRequester(ctx context.Context, req *tap.Request, msg chat.Message) error {
	_, err := r.sendRequester(ctx, req, msg)
	return err
}

func (r *Router) sendRequester(ctx context.Context, req *tap.Request, msg chat.Message) (tap.Ref, error) {
	m, ok := r.messengers[req.Requester.Platform]
	if !ok {
		return tap.Ref{}, fmt.Errorf("tell requester: no messenger for %q", req.Requester.Platform)
	}
	ref, err := m.Send(ctx, chat.Address{Platform: req.Requester.Platform, Kind: chat.ToUser, ID: req.Requester.ChatID, EntraID: req.Requester.EntraID}, msg)
	if err != nil {
		return tap.Ref{}, fmt.Errorf("tell requester of %s: %w", req.ID, err)
	}
	return ref, nil
}

// toRequesterCard sends the requester a message about req and, when it
// carries buttons, records its ref so it is redrawn as the request moves
// on. A ref that cannot be recorded is logged, not retried: the message
// went out, and a click on it is still answered and redrawn.
func (r *Router) toRequesterCard(ctx context.Context, req *tap.Request, msg chat.Message) error {
	ref, err := r.sendRequester(ctx, req, msg)
	if err != nil || len(msg.Buttons) == 0 || ref == (tap.Ref{}) {
		return err
	}
	r.markDrawn(ref, req.Version)
	if err := r.svc.AddRequesterRefs(ctx, req.ID, ref); err != nil {
		r.log.Warn("record requester card", "request_id", req.ID, "err", err)
	}
	return nil
}

// toApprovers sends msg to every platform's approvers channel.
func (r *Router) toApprovers(ctx context.Context, msg chat.Message) error {
	d := &delivery{}
	r.tellApprovers(ctx, d, msg)
	return errors.Join(d.errs...)
}

// tellApprovers sends msg to every platform's approvers channel, each one
// a part of d ("approvers:<platform>").
func (r *Router) tellApprovers(ctx context.Context, d *delivery, msg chat.Message) {
	for p, ch := range r.cfg.ApproverChannels {
		m, ok := r.messengers[p]
		if !ok || ch == "" {
			continue
		}
		d.part("approvers:"+string(p), func() error {
			if _, err := m.Send(ctx, chat.Address{Platform: p, Kind: chat.ToChannel, ID: ch}, msg); err != nil {
				return fmt.Errorf("tell approvers on %s: %w", p, err)
			}
			return nil
		})
	}
}

// notifyChange tells the requester (and, for a new start, the approvers)
// about a reissue, reschedule or withdrawal, each a part of d; the cards
// are redrawn by notify.
func (r *Router) notifyChange(ctx context.Context, n approvals.Notice, d *delivery, reader string) {
	req := n.Request
	name := chat.Esc(targetName(req.Target))
	by := "IT"
	if n.Actor != nil {
		by = actorName(*n.Actor)
	}
	note := text.RequestNote(string(req.ID))
	mine := n.Actor != nil && n.Actor.EntraID != "" && n.Actor.EntraID == req.Requester.EntraID
	tell := func(msg chat.Message) {
		d.part("requester", func() error { return r.toRequester(ctx, req, msg) })
	}
	switch n.Kind {
	case approvals.NoticeReplaced:
		if !mine { // else the requester hears of the new request itself
			tell(chat.Message{Text: fmt.Sprintf(text.ReplacedRequester, chat.Esc(by), name), Note: note})
		}
	case approvals.NoticeRescheduled:
		said := fmt.Sprintf(text.RescheduledRequester, name, chat.Esc(viewOf(req, reader).at(req.Start)), chat.Esc(by))
		if n.Detail == approvals.ApprovalsCleared {
			said += text.RescheduledCleared
		}
		d.part("requester", func() error { return r.toRequesterCard(ctx, req, RequesterCard(req, said, reader)) })
		r.tellApprovers(ctx, d, chat.Message{Text: fmt.Sprintf(text.RescheduledApprovers, name, chat.Esc(viewOf(req, "").at(req.Start)), chat.Esc(by)),
			Note: note})
	case approvals.NoticeWithdrawn:
		tell(chat.Message{Text: fmt.Sprintf(text.WithdrawnRequester, name, chat.Esc(by), chat.Esc(req.ClosedReason)), Note: note})
	}
}

// reissueButton is the "Issue a new pass" button for request id.
func reissueButton(id tap.RequestID) chat.Button {
	return chat.Button{Action: chat.ActionReissue, Label: text.ReissueButton, Value: string(id), Style: chat.StylePrimary}
}
