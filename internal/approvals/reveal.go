package approvals

import (
	"context"
	"errors"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// revealMargin is how much of the private answer's time a Reveal must
// have left to commit: opening the seal, the commit and the answer take
// milliseconds; the margin leaves room for a loaded host.
const revealMargin = 750 * time.Millisecond

type answerByKey struct{}

// WithAnswerBy tells Reveal when its private answer stops reaching the
// person (chat.Event.AnswerBy): a Reveal that would commit later keeps
// the pass sealed and asks for another click. A zero by changes nothing.
func WithAnswerBy(ctx context.Context, by time.Time) context.Context {
	if by.IsZero() {
		return ctx
	}
	return context.WithValue(ctx, answerByKey{}, by)
}

// errNotBound marks a reveal click by someone other than the recipient.
var errNotBound = errors.New("not the bound recipient")

// Reveal hands the pass to its bound recipient (the requester, compared on
// immutable ids), once. The sealed copy is opened and destroyed in the
// same compare-and-swap that moves issued → delivered (NoticeRevealed);
// the returned Pass carries the Value for the caller to show privately
// and then forget. In issue-on-reveal mode the click claims the approved
// request, the pass is created at that moment and delivered directly,
// and nothing is sealed or stored. Anyone else's click is refused,
// audited and reported (NoticeSecurity); a second click gets a
// tap.ErrAlreadyRevealed refusal.
func (s *Service) Reveal(ctx context.Context, id tap.RequestID, actor tap.Actor) (*tap.Request, tap.Pass, error) {
	var value tap.Secret
	var from tap.State
	var recheck error
	var notice string
	r, err := s.run(ctx, id, step{action: "reveal", actor: &actor, must: true,
		check: func(ctx context.Context, r *tap.Request) error {
			recheck = s.check.CheckReveal(ctx, r, actor)
			return recheck
		},
		// Last, right before the commit: if the checks took so long that
		// the private answer could no longer be shown, keep it sealed.
		act: func(ctx context.Context, _ *tap.Request) error {
			if by, ok := ctx.Value(answerByKey{}).(time.Time); ok && time.Until(by) < revealMargin {
				return tap.Refuse(tap.ErrUnavailable, text.RevealTooSlow)
			}
			return nil
		},
		decide: func(r *tap.Request) (map[string]string, error) {
			from = r.State
			v, err := s.revealable(r, actor)
			value = v
			if err == nil && r.State == tap.StateDelivered {
				notice = s.enqueue(r, NoticeRevealed, &actor, "")
			}
			if err != nil || r.State != tap.StateIssuing {
				return nil, err
			}
			return map[string]string{"to": string(tap.StateIssuing)}, nil
		}})
	if errors.Is(err, errNotBound) {
		ref := tap.Refuse(tap.ErrForbidden, text.RevealNotRequester)
		s.log.WarnContext(ctx, "reveal by someone other than the recipient", "request_id", id, "actor", who(actor))
		s.securityNotice(ctx, r, actor, errNotBound.Error(), text.RevealOtherNotice)
		return snapshot(r), tap.Pass{}, ref
	}
	var ref *tap.Refusal
	if recheck != nil && errors.As(err, &ref) {
		s.log.WarnContext(ctx, "requester refused at reveal", "request_id", id, "actor", who(actor), "err", err)
		s.securityNotice(ctx, r, actor, "", text.RevealRefusedNotice(ref.Msg))
		return snapshot(r), tap.Pass{}, err
	}
	if err != nil {
		return snapshot(r), tap.Pass{}, err
	}
	if r.State == tap.StateIssuing {
		s.logTransition(ctx, r, from, tap.EventClaim, &actor)
		return s.issueDirect(ctx, r, actor)
	}
	s.logTransition(ctx, r, from, tap.EventDeliver, &actor)
	s.deliver(ctx, r, notice)
	p := tap.Pass{MethodID: r.MethodID, Value: value, Created: r.IssuedAt, Start: r.PassStart,
		Lifetime: r.PassExpires.Sub(r.PassStart), OneTime: r.OneTime}
	return snapshot(r), p, nil
}

// revealable moves r on for actor's Reveal click (pure): issued →
// delivered with the sealed value opened and destroyed, or, in
// issue-on-reveal mode, approved → issuing (the claim). Anyone but the
// bound recipient gets errNotBound.
func (s *Service) revealable(r *tap.Request, actor tap.Actor) (tap.Secret, error) {
	recipient := r.SealedFor
	if recipient == "" {
		recipient = who(r.Requester)
	}
	if who(actor) == "" || who(actor) != recipient {
		return tap.Secret{}, errNotBound
	}
	now := s.now()
	if (r.State == tap.StateIssued || r.State == tap.StateApproved) && !r.NextTimer.IsZero() && !now.Before(r.NextTimer) {
		return tap.Secret{}, tap.Refuse(tap.ErrInvalidTransition, text.RevealWindowPassed)
	}
	switch r.State {
	case tap.StateIssued:
		if len(r.Sealed) == 0 {
			return tap.Secret{}, tap.Refuse(tap.ErrAlreadyRevealed, text.PassGone)
		}
		v, err := s.seal.open(r.ID, recipient, r.Sealed)
		if err != nil {
			return tap.Secret{}, tap.Refuse(tap.ErrUnavailable, text.PassUnsealable)
		}
		r.Sealed, r.RevealedAt = nil, now
		r.NextTimer = setupTimer(r)
		return v, s.apply(r, tap.EventDeliver)
	case tap.StateApproved:
		r.IssuedAt, r.NextTimer = now, now.Add(stuckAfter)
		return tap.Secret{}, s.apply(r, tap.EventClaim)
	case tap.StateDelivered, tap.StateConfirmed:
		return tap.Secret{}, tap.Refuse(tap.ErrAlreadyRevealed, text.RevealedAt(clock(r.RevealedAt, now)))
	case tap.StateIssuing:
		return tap.Secret{}, tap.Refuse(tap.ErrConflict, text.StillCreating)
	case tap.StatePending:
		return tap.Secret{}, tap.Refuse(tap.ErrInvalidTransition, text.StillPending)
	}
	return tap.Secret{}, s.moved(r)
}
