package approvals

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tapbot/tapbot/internal/tap"
)

// Fail reasons, in plain words; they reach the requester.
const (
	reasonRemoved = "the pass could not be delivered safely; it was removed — ask again"
	reasonNothing = "the pass could not be created safely and nothing was left in Entra — ask again"
	reasonAudit   = "the audit trail could not be written, so no pass was created — ask again once IT has fixed it"
	reasonSeal    = "the pass could not be sealed for safe delivery; it was removed — ask again"
	// checkIssueTimeout bounds the target re-check before a create.
	checkIssueTimeout = 15 * time.Second
	// reasonUnchecked: the target could not be re-checked, so nothing was created.
	reasonUnchecked = "the new hire's account could not be checked again just before creating the pass, so none was created — ask again in a few minutes"
)

var (
	errSettled = errors.New("request is no longer issuing")
	errFenced  = errors.New("request is already being reconciled")
)

// sentence turns a reason into a sentence for a refusal.
func sentence(reason string) string {
	r, n := utf8.DecodeRuneInString(reason)
	s := string(unicode.ToUpper(r)) + reason[n:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// createFailure classifies a CreatePass error. certain is true when Graph
// answered and created nothing; otherwise the outcome is unknown and the
// request must be reconciled, never retried.
func createFailure(err error) (reason string, sentinel error, certain bool) {
	var ref *tap.Refusal
	switch {
	case errors.As(err, &ref):
		return ref.Msg, ref.Err, true
	case errors.Is(err, tap.ErrThrottled):
		return "Microsoft Graph is throttling the bot, so no pass was created — ask again in a few minutes", tap.ErrThrottled, true
	case errors.Is(err, tap.ErrPermission):
		return "the bot lacks the Microsoft Graph permission to create a pass — tell IT", tap.ErrPermission, true
	case errors.Is(err, tap.ErrUserNotFound):
		return "the person is no longer in the directory", tap.ErrUserNotFound, true
	case errors.Is(err, tap.ErrGuest):
		return "external guests cannot hold a Temporary Access Pass", tap.ErrGuest, true
	case errors.Is(err, tap.ErrMethodDisabled):
		return "the Temporary Access Pass method is disabled for this person in Entra", tap.ErrMethodDisabled, true
	case errors.Is(err, tap.ErrLifetimeRange):
		return "the lifetime is outside what the tenant's pass policy allows", tap.ErrLifetimeRange, true
	case errors.Is(err, tap.ErrStartInPast):
		return "the start time is already in the past", tap.ErrStartInPast, true
	}
	return "", tap.ErrUncertain, false
}

// issue runs after r was claimed (state issuing, at r.Version). It audits
// the intent (fail closed: no record, no Graph call), calls CreatePass
// exactly once and then either seals the value and saves issued
// (NoticeIssued), or, when the claim was the reveal click in
// issue-on-reveal mode, saves delivered and returns the pass for the
// caller to show once (direct; NoticeRevealed). It works under its own deadline
// so a caller's cancellation cannot leave the request half-issued.
func (s *Service) issue(ctx context.Context, r *tap.Request, actor tap.Actor, direct bool) (*tap.Request, tap.Pass, error) {
	// The target re-check has its own deadline, so a slow directory never
	// eats into the create's (a timed-out create must be reconciled).
	cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), checkIssueTimeout)
	checkErr := s.check.CheckIssue(cctx, r)
	ccancel()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), issueTimeout)
	defer cancel()
	spec := tap.PassSpec{Lifetime: r.Lifetime, OneTime: r.OneTime}
	if r.Start.After(s.now()) {
		spec.Start = r.Start
	}
	if err := checkErr; err != nil {
		reason := reasonUnchecked
		var ref *tap.Refusal
		if errors.As(err, &ref) {
			reason = strings.TrimSuffix(ref.Msg, ".")
		}
		s.log.WarnContext(ctx, "target refused at issue", "request_id", r.ID, "err", err)
		_ = s.record(ctx, r, &actor, "issue", "refused", false, map[string]string{"reason": reason})
		f, _ := s.failIssuing(ctx, r, &actor, reason, "target re-check failed")
		return f, tap.Pass{}, tap.Refuse(tap.ErrPolicy, "No pass was created: "+reason+".")
	}
	if err := s.record(ctx, r, &actor, "issue", "ok", true, map[string]string{
		"lifetime": spec.Lifetime.String(), "one_time": fmt.Sprint(spec.OneTime)}); err != nil {
		f, _ := s.failIssuing(ctx, r, &actor, reasonAudit, "audit write failed before create")
		return f, tap.Pass{}, tap.Refuse(tap.ErrAudit, sentence(reasonAudit))
	}
	p, err := s.iss.CreatePass(ctx, r.Target.ID, spec)
	if err != nil {
		reason, sentinel, certain := createFailure(err)
		if certain {
			s.log.WarnContext(ctx, "pass create refused", "request_id", r.ID, "err", err)
			f, _ := s.failIssuing(ctx, r, &actor, reason, "create refused")
			return f, tap.Pass{}, tap.Refuse(sentinel, "No pass was created: "+strings.TrimSuffix(reason, ".")+".")
		}
		s.log.WarnContext(ctx, "pass create outcome uncertain, reconciling", "request_id", r.ID, "err", err)
		// A fresh deadline: the create may have used all of ctx's.
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), issueTimeout)
		defer rcancel()
		f, rerr := s.reconcile(rctx, r, "create outcome uncertain")
		if rerr != nil {
			return f, tap.Pass{}, fmt.Errorf("issue request %s: %w: %w", r.ID, tap.ErrUncertain, rerr)
		}
		return f, tap.Pass{}, tap.Refuse(tap.ErrUncertain, sentence(f.FailReason))
	}
	// A live pass is in hand: finish (save it, or delete it) under a fresh
	// deadline even if the create used up most of the first one.
	ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), issueTimeout)
	defer cancel()
	withMethod := r.Clone()
	withMethod.MethodID = p.MethodID
	if err := s.record(ctx, withMethod, &actor, "issued", "ok", true, nil); err != nil {
		if s.remove(ctx, r, p.MethodID) {
			r, _ = s.failIssuing(ctx, r, &actor, reasonAudit, "audit write failed after create")
		} // else: left in issuing; the sweeper reconciles it within a minute
		return snapshot(r), tap.Pass{}, tap.Refuse(tap.ErrAudit, sentence(reasonAudit))
	}
	recipient := who(r.Requester)
	var sealed []byte
	if !direct {
		if sealed, err = s.seal.seal(r.ID, recipient, p.Value); err != nil {
			s.log.ErrorContext(ctx, "seal pass", "request_id", r.ID, "err", err)
			if s.remove(ctx, r, p.MethodID) {
				r, _ = s.failIssuing(ctx, r, &actor, reasonSeal, "seal failed")
			}
			return snapshot(r), tap.Pass{}, tap.Refuse(tap.ErrUnavailable, sentence(reasonSeal))
		}
	}
	start := p.Start
	if start.IsZero() {
		start = p.Created
	}
	now := s.now()
	if start.IsZero() {
		start = now
	}
	lifetime := p.Lifetime
	if lifetime == 0 {
		lifetime = r.Lifetime
	}
	for range maxCAS {
		next := r.Clone()
		event := tap.EventIssue
		if direct {
			event = tap.EventDeliver
		}
		if err := tap.Apply(ctx, next, event); err != nil {
			return snapshot(r), tap.Pass{}, fmt.Errorf("issue request %s: %w", r.ID, err)
		}
		next.MethodID, next.PassStart, next.PassExpires = p.MethodID, start.UTC(), start.Add(lifetime).UTC()
		next.IssuedAt, next.SealedFor, next.Sealed, next.UpdatedAt = now, recipient, sealed, now
		if direct {
			next.RevealedAt, next.NextTimer = now, next.PassExpires
		} else {
			next.NextTimer = s.revealBy(now, next.PassExpires)
		}
		err := s.store.UpdateRequest(ctx, next)
		if err == nil {
			s.logTransition(ctx, next, tap.StateIssuing, event, &actor)
			if direct {
				s.notify(ctx, NoticeRevealed, next, &actor, "")
				return snapshot(next), p, nil
			}
			s.notify(ctx, NoticeIssued, next, &actor, "")
			return snapshot(next), tap.Pass{}, nil
		}
		cur, gerr := s.store.GetRequest(ctx, r.ID)
		if !errors.Is(err, tap.ErrConflict) || gerr != nil || cur.State != tap.StateIssuing || cur.FailReason != "" {
			// We cannot record the pass (store down, or a reconciler took
			// over): its value would be lost, so it must not stay live.
			s.log.ErrorContext(ctx, "issued pass not saved, removing it", "request_id", r.ID, "err", errors.Join(err, gerr))
			if !s.remove(ctx, r, p.MethodID) && gerr == nil && cur.State == tap.StateFailed {
				s.retryRemoval(ctx, cur.ID, p.MethodID)
			}
			if gerr != nil || cur == nil {
				return snapshot(r), tap.Pass{}, fmt.Errorf("save issued request %s: %w", r.ID, errors.Join(err, gerr))
			}
			return snapshot(cur), tap.Pass{}, tap.Refuse(tap.ErrUncertain, sentence(reasonRemoved))
		}
		r = cur // an unrelated update (e.g. AddRefs) moved the version
	}
	s.remove(ctx, r, p.MethodID) // still issuing: if this fails, the sweeper reconciles
	return snapshot(r), tap.Pass{}, fmt.Errorf("save issued request %s: %w: %w", r.ID, errGaveUp, tap.ErrConflict)
}

// revealBy is when an unrevealed pass (or approval) lapses: RevealWindow
// after from, but never later than end.
func (s *Service) revealBy(from, end time.Time) time.Time {
	if s.cfg.RevealWindow > 0 {
		if w := from.Add(s.cfg.RevealWindow); end.IsZero() || w.Before(end) {
			return w
		}
	}
	return end
}

// unrevealedDeadline is when an approved (issue-on-reveal) request lapses.
func (s *Service) unrevealedDeadline(r *tap.Request) time.Time {
	end := r.End()
	if r.Start.IsZero() {
		end = r.DecidedAt.Add(r.Lifetime)
	}
	return s.revealBy(r.DecidedAt, end)
}
