package approvals

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// Reissue replaces request id with a new request prefilled from it (the
// article's backup plan: the pass expired, was used, was not revealed in
// time, or failed). actor becomes the new request's requester and must be
// the old one's requester or an approver for its reason (Checker
// CheckReissue); the new request is then checked whole by CheckSubmit as
// actor's, so a reissue is refused wherever a new request would be, with
// the same sentence. start, when set, is the new start ("now" when zero);
// otherwise the old start is kept if it is still ahead.
//
// Only once every check has passed is the old request closed (revoked, or
// cancelled when nothing was minted) and its pass deleted in Entra (404
// counts as deleted), and only then is the new request stored pending
// (NoticeSubmitted); it is approved and issued on the normal path, so no
// two passes are live and Graph create runs once per request. A second
// reissue of the same request (a double click) is refused with the one
// that already replaced it.
func (s *Service) Reissue(ctx context.Context, id tap.RequestID, actor tap.Actor, start *time.Time) (*tap.Request, error) {
	release, err := s.waitLease(ctx, "reissue:"+string(id))
	if err != nil {
		return nil, err
	}
	defer release()
	old, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if old.ReplacedBy != "" {
		q, err := s.store.GetRequest(ctx, old.ReplacedBy)
		switch {
		case err == nil:
			return snapshot(q), s.refused(ctx, old, actor, "reissue", s.alreadyReissued(q))
		case !errors.Is(err, tap.ErrNotFound):
			return snapshot(old), fmt.Errorf("load the request replacing %s: %w", id, err)
		}
		// The replacement was never stored (a crash or a failed write
		// between closing this request and storing the new one): go on.
	}
	if err := reissuable(old); err != nil {
		return snapshot(old), s.refused(ctx, old, actor, "reissue", err)
	}
	if !same(old.Requester, actor) {
		if err := s.check.CheckReissue(ctx, old, actor); err != nil {
			var ref *tap.Refusal
			if errors.As(err, &ref) {
				return snapshot(old), s.refused(ctx, old, actor, "reissue", ref)
			}
			return snapshot(old), fmt.Errorf("check reissuer %s: %w", who(actor), err)
		}
	}
	draft := s.prefill(old, actor, start)
	return s.submit(ctx, draft, "", func(ctx context.Context, newID tap.RequestID) error {
		return s.retire(ctx, old, actor, newID, old.ReplacedBy)
	})
}

// reissuable refuses the states with no pass to replace.
func reissuable(r *tap.Request) error {
	name := targetName(r.Target)
	switch r.State {
	case tap.StateApproved, tap.StateIssued, tap.StateDelivered, tap.StateExpired, tap.StateFailed, tap.StateRevoked:
		return nil
	case tap.StatePending:
		return tap.Refuse(tap.ErrInvalidTransition, text.ReissuePending(name))
	case tap.StateIssuing:
		return tap.Refuse(tap.ErrConflict, text.ReissueIssuing(name))
	}
	return tap.Refuse(tap.ErrInvalidTransition, text.ReissueClosed(name, string(r.State)))
}

// prefill is the new request's draft: old's target, lifetime, use, reason
// and justification, asked by actor. Its ID is old's, so the policy's
// one-open-request and quota counts leave the request being replaced out.
func (s *Service) prefill(old *tap.Request, actor tap.Actor, start *time.Time) *tap.Request {
	d := &tap.Request{
		ID: old.ID, Requester: actor, Target: tap.User{ID: old.Target.ID, UPN: old.Target.UPN},
		Lifetime: old.Lifetime, OneTime: old.OneTime, Reason: old.Reason, Justification: old.Justification,
		RequesterZone: old.RequesterZone, HireZone: old.HireZone, ReissueOf: old.ID,
	}
	switch {
	case start != nil:
		d.Start = start.UTC()
	case old.Start.After(s.now()):
		d.Start = old.Start
	}
	if !same(old.Requester, actor) {
		d.RequesterZone = "" // the old requester's zone is not the new one's
	}
	return d
}

// retire closes old for the reissue newID: an open request is revoked (or
// cancelled when nothing was minted) with its pass deleted in Entra first;
// a closed one has any pass it left deleted. Either way old records
// ReplacedBy, so a second reissue finds the first. stale is a ReplacedBy
// known to name no stored request, which may be overwritten.
func (s *Service) retire(ctx context.Context, old *tap.Request, actor tap.Actor, newID, stale tap.RequestID) error {
	var from tap.State
	var event tap.Event
	var notice string
	r, err := s.run(ctx, old.ID, step{action: "replace", actor: &actor, must: true,
		decide: func(r *tap.Request) (map[string]string, error) {
			if (r.ReplacedBy != "" && r.ReplacedBy != stale) || r.State == tap.StatePending || r.State == tap.StateIssuing {
				return nil, s.moved(r)
			}
			from = r.State
			r.ReplacedBy = newID
			notice = s.enqueue(r, NoticeReplaced, &actor, string(newID))
			detail := map[string]string{"replaced_by": string(newID)}
			if r.State.Terminal() {
				return detail, nil // the pass is deleted below all the same
			}
			event = tap.EventRevoke
			if tap.Can(r.State, tap.EventCancel) {
				event = tap.EventCancel
			}
			a := actor
			r.Sealed, r.ClosedAt, r.NextTimer, r.ClosedBy = nil, s.now(), time.Time{}, &a
			detail["event"] = string(event)
			return detail, s.apply(r, event)
		},
		act: s.deletePass,
	})
	if err != nil {
		return err
	}
	if from != r.State {
		s.logTransition(ctx, r, from, event, &actor)
	}
	s.deliver(ctx, r, notice)
	return nil
}

// reissuedAs is the open request that replaces request old for target, or nil.
func (s *Service) reissuedAs(ctx context.Context, old tap.RequestID, target tap.UserID) *tap.Request {
	if old == "" {
		return nil
	}
	rs, err := s.store.ListRequests(ctx, tap.RequestFilter{Target: target})
	if err != nil {
		return nil
	}
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].ReissueOf == old && rs[i].State.Open() {
			return rs[i]
		}
	}
	return nil
}

func (s *Service) alreadyReissued(q *tap.Request) *tap.Refusal {
	return tap.Refuse(tap.ErrConflict, text.AlreadyReissued(
		targetName(q.Target), name(&q.Requester, text.TheRequester), stateWords(q.State), string(q.ID)))
}

// stateWords says a state in a sentence.
func stateWords(s tap.State) string {
	switch s {
	case tap.StatePending:
		return text.ReplacementPending
	case tap.StateApproved, tap.StateIssuing, tap.StateIssued:
		return text.ReplacementApproved
	case tap.StateDelivered:
		return text.ReplacementRevealed
	}
	return string(s)
}

// Reschedule changes when a pass starts (the new hire's start date
// moved). Before any approval is final (pending) it edits the request: the
// start is re-checked as at submit, approvals already given for the old
// start are cleared (an approval is consent to one window, so the
// approvers are asked again) and NoticeRescheduled redraws the cards. In
// any later state it is Reissue with the new start: the old pass is
// deleted and the new request is approved again. actor is the requester or
// an approver for the request's reason (CheckReissue).
func (s *Service) Reschedule(ctx context.Context, id tap.RequestID, actor tap.Actor, start time.Time) (*tap.Request, error) {
	cur, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	if cur.State != tap.StatePending {
		return s.Reissue(ctx, id, actor, &start)
	}
	probe := cur.Clone()
	probe.Start = start.UTC()
	var from time.Time
	var cleared int
	var notice string
	r, err := s.run(ctx, id, step{action: "reschedule", actor: &actor, must: true,
		check: func(ctx context.Context, r *tap.Request) error {
			if !same(r.Requester, actor) {
				if err := s.check.CheckReissue(ctx, r, actor); err != nil {
					return err
				}
			}
			// The whole submit check, for the request's own requester:
			// the start's range, the target still fine, the approvers needed.
			w, err := s.check.CheckSubmit(ctx, probe)
			probe.Warnings = w
			return err
		},
		decide: func(r *tap.Request) (map[string]string, error) {
			if r.State != tap.StatePending {
				return nil, s.moved(r)
			}
			from, cleared = r.Start, len(r.Approvals)
			r.Start, r.Approvals = probe.Start, nil
			if probe.ApprovalsNeeded > 0 {
				r.Warnings, r.ApprovalsNeeded, r.SameApprovers = probe.Warnings, probe.ApprovalsNeeded, probe.SameApprovers
			}
			detail := ""
			if cleared > 0 {
				detail = ApprovalsCleared
			}
			notice = s.enqueue(r, NoticeRescheduled, &actor, detail)
			return map[string]string{"from": stamp(from), "to": stamp(probe.Start), "approvals_cleared": fmt.Sprint(cleared)}, nil
		}})
	if err != nil {
		return snapshot(r), err
	}
	s.log.InfoContext(ctx, "request rescheduled", "request_id", r.ID, "actor", who(actor), "approvals_cleared", cleared)
	s.deliver(ctx, r, notice)
	return snapshot(r), nil
}

// ApprovalsCleared is NoticeRescheduled's Detail when approvals given for
// the old start were cleared.
const ApprovalsCleared = "approvals_cleared"

// stamp is t in RFC 3339 for the audit trail, "now" for a zero start.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "now"
	}
	return t.UTC().Format(time.RFC3339)
}

// WithdrawOffer ends a request because the offer was rescinded: a pending
// or approved request is cancelled, an issued or delivered one revoked
// with its pass deleted in Entra first (404 counts as deleted). reason is
// recorded on the request (ClosedReason, ClosedBy) and in the audit trail,
// and NoticeWithdrawn redraws the approvers' cards with it. actor is the
// requester or an approver for the request's reason (CheckRevoke). The
// intake API's Withdraw is the calling system's own, before issuance.
func (s *Service) WithdrawOffer(ctx context.Context, id tap.RequestID, actor tap.Actor, reason string) (*tap.Request, error) {
	if reason == "" {
		return nil, tap.Refuse(tap.ErrInvalidInput, text.WithdrawReason)
	}
	var from tap.State
	var event tap.Event
	var notice string
	r, err := s.run(ctx, id, step{action: "withdraw", actor: &actor, must: true,
		decide: func(r *tap.Request) (map[string]string, error) {
			if r.State == tap.StateIssuing {
				return nil, tap.Refuse(tap.ErrConflict, text.ReissueIssuing(targetName(r.Target)))
			}
			event = tap.EventRevoke
			if tap.Can(r.State, tap.EventCancel) {
				event = tap.EventCancel
			}
			if !tap.Can(r.State, event) {
				return nil, s.moved(r)
			}
			from = r.State
			a := actor
			r.Sealed, r.ClosedAt, r.NextTimer, r.ClosedBy, r.ClosedReason = nil, s.now(), time.Time{}, &a, reason
			notice = s.enqueue(r, NoticeWithdrawn, &actor, reason)
			return map[string]string{"reason": reason, "event": string(event)}, s.apply(r, event)
		},
		check: s.revoker(actor),
		act:   s.deletePass,
	})
	if err != nil {
		return snapshot(r), err
	}
	s.logTransition(ctx, r, from, event, &actor)
	s.deliver(ctx, r, notice)
	return snapshot(r), nil
}
