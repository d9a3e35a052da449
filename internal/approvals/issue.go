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
	"github.com/tapbot/tapbot/internal/text"
)

// Fail reasons, in plain words (text.Fail*); they reach the requester.
const (
	reasonRemoved = text.FailRemoved
	reasonNothing = text.FailNothing
	reasonAudit   = text.FailAudit
	reasonSeal    = text.FailSeal
	// checkIssueTimeout bounds the target re-check before a create.
	checkIssueTimeout = 15 * time.Second
	// reasonUnchecked: the target could not be re-checked, so nothing was created.
	reasonUnchecked = text.FailUnchecked
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

// recheck runs the Checker's last look before the create. A directory
// that is briefly unavailable (a 500, a timeout) is asked again with
// backoff within ctx's deadline, so a slow-but-healthy Graph does not fail
// an approved request that both people would have to start again; a
// refusal is final at once.
func (s *Service) recheck(ctx context.Context, r *tap.Request) error {
	wait := 250 * time.Millisecond
	for {
		err := s.check.CheckIssue(ctx, r)
		if err == nil || !errors.Is(err, tap.ErrUnavailable) {
			return err
		}
		var ref *tap.Refusal
		if errors.As(err, &ref) && !errors.Is(ref.Err, tap.ErrUnavailable) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		s.log.Info("target re-check retried", "request_id", r.ID, "err", err)
		wait = min(2*wait, 2*time.Second)
	}
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
		return text.FailThrottled, tap.ErrThrottled, true
	case errors.Is(err, tap.ErrPermission):
		return text.FailPermission, tap.ErrPermission, true
	case errors.Is(err, tap.ErrUserNotFound):
		return text.FailUserGone, tap.ErrUserNotFound, true
	case errors.Is(err, tap.ErrGuest):
		return text.FailGuest, tap.ErrGuest, true
	case errors.Is(err, tap.ErrMethodDisabled):
		return text.FailMethodOff, tap.ErrMethodDisabled, true
	case errors.Is(err, tap.ErrLifetimeRange):
		return text.FailLifetime, tap.ErrLifetimeRange, true
	case errors.Is(err, tap.ErrStartInPast):
		return text.FailStartPast, tap.ErrStartInPast, true
	}
	return "", tap.ErrUncertain, false
}

// issueSealed runs after the final approval claimed r (state issuing, at
// r.Version) in issue-on-approval mode: it creates the pass (createPass),
// seals the value for the requester and saves r issued (NoticeIssued).
func (s *Service) issueSealed(ctx context.Context, r *tap.Request, actor tap.Actor) (*tap.Request, error) {
	p, failed, err := s.createPass(ctx, r, actor)
	if err != nil {
		return failed, err
	}
	// A live pass is in hand: finish (save it, or delete it) under a fresh
	// deadline even if the create used up most of the first one.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), issueTimeout)
	defer cancel()
	recipient := who(r.Requester)
	sealed, err := s.seal.seal(r.ID, recipient, p.Value)
	if err != nil {
		s.log.ErrorContext(ctx, "seal pass", "request_id", r.ID, "err", err)
		if s.remove(ctx, r, p.MethodID) {
			r, _ = s.failIssuing(ctx, r, &actor, reasonSeal, "seal failed")
		}
		return snapshot(r), tap.Refuse(tap.ErrUnavailable, sentence(reasonSeal))
	}
	return s.saveIssued(ctx, r, actor, p, tap.EventIssue, func(next *tap.Request, now time.Time) {
		next.SealedFor, next.Sealed = recipient, sealed
		next.RevealBy = s.revealBy(now, next.PassExpires)
		next.NextTimer = nextRevealTimer(next, now)
	})
}

// issueDirect runs after a Reveal click claimed r in issue-on-reveal
// mode: it creates the pass (createPass), saves r delivered and returns
// the pass for the caller to show once (NoticeRevealed). Nothing is
// sealed or stored.
func (s *Service) issueDirect(ctx context.Context, r *tap.Request, actor tap.Actor) (*tap.Request, tap.Pass, error) {
	p, failed, err := s.createPass(ctx, r, actor)
	if err != nil {
		return failed, tap.Pass{}, err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), issueTimeout)
	defer cancel()
	next, err := s.saveIssued(ctx, r, actor, p, tap.EventDeliver, func(next *tap.Request, now time.Time) {
		next.SealedFor = who(r.Requester)
		next.RevealedAt = now
		next.NextTimer = setupTimer(next)
	})
	if err != nil {
		return next, tap.Pass{}, err
	}
	return next, p, nil
}

// createPass is the one path to Graph's create, for both modes. It
// re-checks the target, audits the intent (fail closed: no record, no
// Graph call), calls CreatePass exactly once and audits the result. On
// success the caller holds a live pass and must save or remove it; on
// failure the request was failed or handed to reconcile, and the current
// request is returned with the error. It works under its own deadline so
// a caller's cancellation cannot leave the request half-issued.
func (s *Service) createPass(ctx context.Context, r *tap.Request, actor tap.Actor) (tap.Pass, *tap.Request, error) {
	// The target re-check has its own deadline, so a slow directory never
	// eats into the create's (a timed-out create must be reconciled).
	cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), checkIssueTimeout)
	checkErr := s.recheck(cctx, r)
	ccancel()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), issueTimeout)
	defer cancel()
	if checkErr != nil {
		f, err := s.refuseIssue(ctx, r, actor, checkErr)
		return tap.Pass{}, f, err
	}
	spec := tap.PassSpec{Lifetime: r.Lifetime, OneTime: r.OneTime}
	if r.Start.After(s.now()) {
		spec.Start = r.Start
	}
	if err := s.record(ctx, r, &actor, "issue", "ok", true, map[string]string{
		"lifetime": spec.Lifetime.String(), "one_time": fmt.Sprint(spec.OneTime)}); err != nil {
		f, _ := s.failIssuing(ctx, r, &actor, reasonAudit, "audit write failed before create")
		return tap.Pass{}, f, tap.Refuse(tap.ErrAudit, sentence(reasonAudit))
	}
	p, err := s.iss.CreatePass(ctx, r.Target.ID, spec)
	if err != nil {
		f, err := s.createFailed(ctx, r, actor, err)
		return tap.Pass{}, f, err
	}
	// A live pass is in hand: audit it (or delete it) under a fresh
	// deadline even if the create used up most of the first one.
	ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), issueTimeout)
	defer cancel()
	withMethod := r.Clone()
	withMethod.MethodID = p.MethodID
	if err := s.record(ctx, withMethod, &actor, "issued", "ok", true, nil); err != nil {
		if s.remove(ctx, r, p.MethodID) {
			r, _ = s.failIssuing(ctx, r, &actor, reasonAudit, "audit write failed after create")
		} // else: left in issuing; the sweeper reconciles it within a minute
		return tap.Pass{}, snapshot(r), tap.Refuse(tap.ErrAudit, sentence(reasonAudit))
	}
	return p, nil, nil
}

// refuseIssue fails r because the target re-check right before the create
// refused it (or could not run).
func (s *Service) refuseIssue(ctx context.Context, r *tap.Request, actor tap.Actor, checkErr error) (*tap.Request, error) {
	reason := reasonUnchecked
	var ref *tap.Refusal
	if errors.As(checkErr, &ref) {
		reason = strings.TrimSuffix(ref.Msg, ".")
	}
	s.log.WarnContext(ctx, "target refused at issue", "request_id", r.ID, "err", checkErr)
	_ = s.record(ctx, r, &actor, "issue", "refused", false, map[string]string{"reason": reason})
	f, _ := s.failIssuing(ctx, r, &actor, reason, "target re-check failed")
	return f, tap.Refuse(tap.ErrPolicy, text.NoPassCreated(reason))
}

// createFailed handles a CreatePass error: a certain refusal fails the
// request; an unknown outcome is reconciled, never retried.
func (s *Service) createFailed(ctx context.Context, r *tap.Request, actor tap.Actor, err error) (*tap.Request, error) {
	reason, sentinel, certain := createFailure(err)
	if certain && sentinel == tap.ErrThrottled && !r.IssueQueued.IsZero() {
		// Not sent (Graph's write limit held it past its deadline): a
		// queued request waits its turn again rather than failing.
		s.log.InfoContext(ctx, "queued pass create not sent, requeued", "request_id", r.ID, "err", err)
		q, qerr := s.requeue(context.WithoutCancel(ctx), r, "throttled", false)
		if qerr != nil {
			f, _ := s.failIssuing(ctx, r, &actor, reason, "create throttled")
			return f, tap.Refuse(sentinel, text.NoPassCreated(strings.TrimSuffix(reason, ".")))
		}
		return snapshot(q), tap.Refuse(sentinel, sentence(reason))
	}
	if certain {
		s.log.WarnContext(ctx, "pass create refused", "request_id", r.ID, "err", err)
		f, _ := s.failIssuing(ctx, r, &actor, reason, "create refused")
		return f, tap.Refuse(sentinel, text.NoPassCreated(strings.TrimSuffix(reason, ".")))
	}
	s.log.WarnContext(ctx, "pass create outcome uncertain, reconciling", "request_id", r.ID, "err", err)
	// A fresh deadline: the create may have used all of ctx's.
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), issueTimeout)
	defer rcancel()
	f, rerr := s.reconcile(rctx, r, "create outcome uncertain")
	if rerr != nil {
		return f, fmt.Errorf("issue request %s: %w: %w", r.ID, tap.ErrUncertain, rerr)
	}
	return f, tap.Refuse(tap.ErrUncertain, sentence(f.FailReason))
}

// saveIssued records the created pass p on r by event (issue: sealed,
// deliver: shown now), filled by finish, with a compare-and-swap that
// survives unrelated updates (e.g. AddRefs). If the pass cannot be
// recorded (store down, or a reconciler fenced the request) its value
// would be lost, so it is removed.
func (s *Service) saveIssued(ctx context.Context, r *tap.Request, actor tap.Actor, p tap.Pass, event tap.Event, finish func(next *tap.Request, now time.Time)) (*tap.Request, error) {
	start, end := passWindow(p, r, s.now())
	for range maxCAS {
		next := r.Clone()
		if err := s.apply(next, event); err != nil {
			return snapshot(r), err
		}
		now := s.now()
		next.MethodID, next.PassStart, next.PassExpires = p.MethodID, start, end
		next.IssuedAt, next.UpdatedAt = now, now
		finish(next, now)
		kind := NoticeIssued
		if event == tap.EventDeliver {
			kind = NoticeRevealed
		}
		notice := s.enqueue(next, kind, &actor, "")
		err := s.store.UpdateRequest(ctx, next)
		if err == nil {
			s.logTransition(ctx, next, tap.StateIssuing, event, &actor)
			s.deliver(ctx, next, notice)
			return snapshot(next), nil
		}
		cur, gerr := s.store.GetRequest(ctx, r.ID)
		if !errors.Is(err, tap.ErrConflict) || gerr != nil || cur.State != tap.StateIssuing || cur.FailReason != "" || !sameClaim(cur, r) {
			return s.unsaved(ctx, r, cur, p.MethodID, errors.Join(err, gerr), gerr != nil)
		}
		r = cur // an unrelated update moved the version
	}
	s.remove(ctx, r, p.MethodID) // still issuing: if this fails, the sweeper reconciles
	return snapshot(r), fmt.Errorf("save issued request %s: %w: %w", r.ID, errGaveUp, tap.ErrConflict)
}

// unsaved removes a created pass that could not be recorded.
func (s *Service) unsaved(ctx context.Context, r, cur *tap.Request, methodID string, err error, unread bool) (*tap.Request, error) {
	s.log.ErrorContext(ctx, "issued pass not saved, removing it", "request_id", r.ID, "err", err)
	if !s.remove(ctx, r, methodID) && !unread && cur.State == tap.StateFailed {
		s.retryRemoval(ctx, cur.ID, methodID)
	}
	if unread || cur == nil {
		return snapshot(r), fmt.Errorf("save issued request %s: %w", r.ID, err)
	}
	return snapshot(cur), tap.Refuse(tap.ErrUncertain, sentence(reasonRemoved))
}

// passWindow is when p is valid: Graph's dates, else the request's.
func passWindow(p tap.Pass, r *tap.Request, now time.Time) (start, end time.Time) {
	start = p.Start
	if start.IsZero() {
		start = p.Created
	}
	if start.IsZero() {
		start = now
	}
	lifetime := p.Lifetime
	if lifetime == 0 {
		lifetime = r.Lifetime
	}
	return start.UTC(), start.Add(lifetime).UTC()
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
