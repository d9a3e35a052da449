package bot

import (
	"context"
	"errors"
	"fmt"
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
// and the requester told the outcome. Errors are returned joined; the
// transition itself stands.
//
// The "revealed" notice is sent in the background: it fires inside the
// Reveal click, before the pass is handed back for the private reply,
// and slow chat APIs must not make that reply miss its deadline (Teams
// waits 5 s for an invoke answer). Wait blocks until such work is done.
func (r *Router) Notify(ctx context.Context, n approvals.Notice) error {
	if n.Kind == approvals.NoticeRevealed {
		r.bg.Add(1)
		go func() {
			defer r.bg.Done()
			bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 45*time.Second)
			defer cancel()
			if err := r.notify(bctx, n); err != nil {
				r.log.Warn("notice not delivered", "kind", n.Kind, "request_id", n.Request.ID, "err", err)
			}
		}()
		return nil
	}
	return r.notify(ctx, n)
}

// Wait blocks until background notices are sent.
func (r *Router) Wait() { r.bg.Wait() }

func (r *Router) notify(ctx context.Context, n approvals.Notice) (err error) {
	ctx, span := tracing.Start(ctx, "notify."+string(n.Kind), attribute.String("tapbot.request_id", string(n.Request.ID)))
	defer func() { tracing.End(span, err) }()
	req := n.Request
	name := targetName(req.Target)
	var errs []error
	reader := r.requesterZone(ctx, req)
	tell := func(text string) {
		errs = append(errs, r.toRequester(ctx, req, RequesterCard(req, text, reader)))
	}
	switch n.Kind {
	case approvals.NoticeSubmitted:
		errs = append(errs, r.postApprovalCards(ctx, req))
		if req.Intake != nil {
			tell(fmt.Sprintf(text.SubmittedIntake, chat.Esc(name), chat.Esc(viewOf(req, reader).at(req.Start))))
		} else {
			tell(fmt.Sprintf(text.Submitted, chat.Esc(name)))
		}
		return errors.Join(errs...)
	case approvals.NoticeApproval, approvals.NoticeReminder:
		if n.Kind == approvals.NoticeReminder {
			errs = append(errs, r.toApprovers(ctx, chat.Message{Text: fmt.Sprintf(text.Reminder, chat.Esc(name), chat.Esc(actorName(req.Requester))), Note: text.RequestNote(string(req.ID))}))
		}
	case approvals.NoticeIssued:
		tell(fmt.Sprintf(text.Issued, chat.Esc(decider(req)), chat.Esc(name)))
	case approvals.NoticeApproved:
		tell(fmt.Sprintf(text.ApprovedLater, chat.Esc(decider(req)), chat.Esc(name)))
	case approvals.NoticeRevealed:
		if msg, err := r.guide.Load().message(req); err != nil {
			errs = append(errs, err)
		} else {
			errs = append(errs, r.toRequester(ctx, req, msg))
		}
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
		errs = append(errs, r.toApprovers(ctx, chat.Message{Text: fmt.Sprintf(text.Lapsed, chat.Esc(name)), Note: text.RequestNote(string(req.ID)),
			Buttons: []chat.Button{reissueButton(req.ID)}}))
	case approvals.NoticeReplaced, approvals.NoticeRescheduled, approvals.NoticeWithdrawn:
		errs = append(errs, r.notifyChange(ctx, n, reader))
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
		who := text.Someone
		if n.Actor != nil {
			who = actorName(*n.Actor)
		}
		if n.Actor != nil && n.Actor.EntraID != "" && n.Actor.EntraID == req.Requester.EntraID {
			return r.toApprovers(ctx, chat.Message{Text: fmt.Sprintf(text.RevealRefused, chat.Esc(who), chat.Esc(name)), Note: text.RequestNote(string(req.ID))})
		}
		return r.toApprovers(ctx, chat.Message{Text: fmt.Sprintf(text.Security, chat.Esc(who), chat.Esc(name), chat.Esc(actorName(req.Requester))), Note: text.RequestNote(string(req.ID))})
	}
	errs = append(errs, r.updateCards(ctx, req))
	return errors.Join(errs...)
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

// updateCards redraws every approval card of req for everyone.
func (r *Router) updateCards(ctx context.Context, req *tap.Request) error {
	var errs []error
	for _, ref := range req.Refs {
		if err := r.drawCard(ctx, ref, req, false); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// drawCard updates one approval card to show req. Draws of one card are
// serialised, and a version older than the one the card already shows
// (on this replica) is skipped, so a slow update can never put an older
// state back over a newer one. repair redraws even the same version (a
// refused click on a stale card).
func (r *Router) drawCard(ctx context.Context, ref tap.Ref, req *tap.Request, repair bool) error {
	m, ok := r.messengers[ref.Platform]
	if !ok {
		return nil
	}
	c := r.card(ref)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version > req.Version || (c.version == req.Version && !repair) {
		return nil
	}
	if err := m.Update(ctx, ref, ApprovalCard(req)); err != nil {
		return fmt.Errorf("update approval card on %s: %w", ref.Platform, err)
	}
	c.version = req.Version
	return nil
}

// cardState is what this replica last drew on one approval card.
type cardState struct {
	mu      sync.Mutex
	version int64
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
	m, ok := r.messengers[req.Requester.Platform]
	if !ok {
		return fmt.Errorf("tell requester: no messenger for %q", req.Requester.Platform)
	}
	_, err := m.Send(ctx, chat.Address{Platform: req.Requester.Platform, Kind: chat.ToUser, ID: req.Requester.ChatID, EntraID: req.Requester.EntraID}, msg)
	if err != nil {
		return fmt.Errorf("tell requester of %s: %w", req.ID, err)
	}
	return nil
}

func (r *Router) toApprovers(ctx context.Context, msg chat.Message) error {
	var errs []error
	for p, ch := range r.cfg.ApproverChannels {
		m, ok := r.messengers[p]
		if !ok || ch == "" {
			continue
		}
		if _, err := m.Send(ctx, chat.Address{Platform: p, Kind: chat.ToChannel, ID: ch}, msg); err != nil {
			errs = append(errs, fmt.Errorf("tell approvers on %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

// notifyChange tells the requester (and, for a new start, the approvers)
// about a reissue, reschedule or withdrawal; the cards are redrawn by
// notify.
func (r *Router) notifyChange(ctx context.Context, n approvals.Notice, reader string) error {
	req := n.Request
	name := chat.Esc(targetName(req.Target))
	by := "IT"
	if n.Actor != nil {
		by = actorName(*n.Actor)
	}
	note := text.RequestNote(string(req.ID))
	mine := n.Actor != nil && n.Actor.EntraID != "" && n.Actor.EntraID == req.Requester.EntraID
	switch n.Kind {
	case approvals.NoticeReplaced:
		if mine {
			return nil // the requester hears of the new request itself
		}
		return r.toRequester(ctx, req, chat.Message{Text: fmt.Sprintf(text.ReplacedRequester, chat.Esc(by), name), Note: note})
	case approvals.NoticeRescheduled:
		said := fmt.Sprintf(text.RescheduledRequester, name, chat.Esc(viewOf(req, reader).at(req.Start)), chat.Esc(by))
		if n.Detail == approvals.ApprovalsCleared {
			said += text.RescheduledCleared
		}
		return errors.Join(
			r.toRequester(ctx, req, RequesterCard(req, said, reader)),
			r.toApprovers(ctx, chat.Message{Text: fmt.Sprintf(text.RescheduledApprovers, name, chat.Esc(viewOf(req, "").at(req.Start)), chat.Esc(by)),
				Note: note}))
	case approvals.NoticeWithdrawn:
		return r.toRequester(ctx, req, chat.Message{Text: fmt.Sprintf(text.WithdrawnRequester, name, chat.Esc(by), chat.Esc(req.ClosedReason)), Note: note})
	}
	return nil
}

// reissueButton is the "Issue a new pass" button for request id.
func reissueButton(id tap.RequestID) chat.Button {
	return chat.Button{Action: chat.ActionReissue, Label: text.ReissueButton, Value: string(id), Style: chat.StylePrimary}
}
