package approvals

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// remove deletes a pass whose value we cannot keep, recording it, and
// reports whether it is gone.
func (s *Service) remove(ctx context.Context, r *tap.Request, methodID string) bool {
	c := r.Clone()
	c.MethodID = methodID
	_ = s.record(ctx, c, nil, "delete_pass", "ok", false, map[string]string{"why": "value could not be kept"})
	if err := s.iss.DeletePass(ctx, r.Target.ID, methodID); err != nil && !errors.Is(err, tap.ErrNotFound) {
		s.log.ErrorContext(ctx, "pass whose value was lost not deleted yet", "request_id", r.ID, "method_id", methodID, "err", err)
		return false
	}
	return true
}

// retryRemoval hands a pass that could not be deleted to the sweeper: the
// failed request keeps its method id and a timer, and Sweep deletes the
// pass (see orphan).
func (s *Service) retryRemoval(ctx context.Context, id tap.RequestID, methodID string) {
	_, err := s.update(ctx, id, func(c *tap.Request) error {
		if c.State != tap.StateFailed {
			return errSettled
		}
		c.MethodID, c.NextTimer = methodID, s.now().Add(stuckAfter)
		return nil
	})
	if err != nil {
		s.log.ErrorContext(ctx, "orphan pass left in Entra; delete it by hand", "request_id", id, "method_id", methodID, "err", err)
	}
}

// orphan retries deleting the pass of a failed request (retryRemoval).
func (s *Service) orphan(ctx context.Context, listed *tap.Request, now time.Time) error {
	if err := s.iss.DeletePass(ctx, listed.Target.ID, listed.MethodID); err != nil && !errors.Is(err, tap.ErrNotFound) {
		return fmt.Errorf("delete orphan pass: %w", err)
	}
	_ = s.record(ctx, listed, nil, "delete_pass", "ok", false, map[string]string{"why": "orphan of a failed request"})
	return s.clearTimer(ctx, listed, now)
}

// failIssuing moves an issuing request to failed with reason and tells
// the requester (NoticeFailed). If the request already left issuing, it
// returns the current request and does nothing.
func (s *Service) failIssuing(ctx context.Context, r *tap.Request, actor *tap.Actor, reason, cause string) (*tap.Request, bool) {
	var notice string
	f, err := s.update(ctx, r.ID, func(c *tap.Request) error {
		if c.State != tap.StateIssuing || !sameClaim(c, r) {
			return errSettled
		}
		if err := tap.Apply(ctx, c, tap.EventFail); err != nil {
			return err
		}
		c.FailReason, c.ClosedAt, c.NextTimer, c.Sealed = reason, s.now(), time.Time{}, nil
		notice = s.enqueue(c, NoticeFailed, actor, reason)
		return nil
	})
	if err != nil {
		if !errors.Is(err, errSettled) {
			s.log.ErrorContext(ctx, "failed request not saved; the sweeper will reconcile", "request_id", r.ID, "err", err)
		}
		if f == nil {
			f = r
		}
		return f, false
	}
	_ = s.record(ctx, f, actor, "fail", "ok", false, map[string]string{"reason": reason, "cause": cause})
	s.logTransition(ctx, f, tap.StateIssuing, tap.EventFail, actor)
	s.deliver(ctx, f, notice)
	return f, true
}

// reconcile settles a request left in issuing with an unknown outcome
// (lost create response, crash). It first fences the request (so a late
// issuer cannot save it as issued and removes its own pass instead),
// then lists the target's passes in Graph and deletes any created after
// the claim — its value is lost and a live orphan must not stay — and
// fails the request (a queued one goes back in the queue instead: the
// issuer creates it again, once). It never creates again itself. An error
// leaves the request fenced in issuing for the next sweep.
func (s *Service) reconcile(ctx context.Context, claimed *tap.Request, cause string) (*tap.Request, error) {
	r, err := s.update(ctx, claimed.ID, func(c *tap.Request) error {
		switch {
		case c.State != tap.StateIssuing || !sameClaim(c, claimed):
			return errSettled
		case c.FailReason != "":
			return errFenced
		}
		c.FailReason, c.NextTimer = reasonRemoved, s.now().Add(stuckAfter)
		return nil
	})
	switch {
	case r == nil:
		return claimed, fmt.Errorf("reconcile request %s: %w", claimed.ID, err)
	case errors.Is(err, errSettled):
		return r, nil
	case err != nil && !errors.Is(err, errFenced):
		return r, fmt.Errorf("reconcile request %s: %w", r.ID, err)
	}
	_ = s.record(ctx, r, nil, "reconcile", "ok", false, map[string]string{"cause": cause})
	passes, err := s.iss.ListPasses(ctx, r.Target.ID)
	if err != nil {
		return r, fmt.Errorf("reconcile request %s: list passes: %w", r.ID, err)
	}
	removed := 0
	for _, p := range passes {
		if !p.Created.IsZero() && p.Created.Before(r.IssuedAt.Add(-createSkew)) {
			continue // older than our claim: not ours, and our create did not replace it
		}
		c := r.Clone()
		c.MethodID = p.MethodID
		_ = s.record(ctx, c, nil, "delete_pass", "ok", false, map[string]string{"why": "created by an uncertain issue; its value was lost"})
		if err := s.iss.DeletePass(ctx, r.Target.ID, p.MethodID); err != nil && !errors.Is(err, tap.ErrNotFound) {
			return r, fmt.Errorf("reconcile request %s: delete orphan pass: %w", r.ID, err)
		}
		removed++
	}
	reason := reasonNothing
	if removed > 0 {
		reason = reasonRemoved
	}
	s.log.InfoContext(ctx, "request reconciled", "request_id", r.ID, "cause", cause, "passes_removed", removed)
	if !r.IssueQueued.IsZero() {
		// A queued request is not failed: nothing of it reached anyone,
		// so it goes back in the queue and is issued again.
		return s.requeue(ctx, r, cause, true)
	}
	f, failed := s.failIssuing(ctx, r, nil, reason, cause)
	if failed {
		// Graph may still finish a create it was sent: look once more
		// after the latest moment it could have landed (lateCheck).
		if g, err := s.update(ctx, f.ID, func(c *tap.Request) error {
			if c.State != tap.StateFailed || !c.NextTimer.IsZero() {
				return errSettled
			}
			c.NextTimer = c.IssuedAt.Add(lateWindow)
			return nil
		}); err == nil {
			f = g
		}
	}
	return f, nil
}

// lateWindow is how long after a claim a create Graph was sent may still
// land: the issue deadline plus clock skew.
const lateWindow = issueTimeout + 2*createSkew

// lateCheck runs once for a request failed by reconciliation, after
// lateWindow: a create Graph finished after the reconcile looked leaves a
// pass dated within the window of the claim, and it is deleted unless an
// open request of the same person holds it (a new request replaced it).
func (s *Service) lateCheck(ctx context.Context, listed *tap.Request, now time.Time) error {
	if listed.IssuedAt.IsZero() {
		return s.clearTimer(ctx, listed, now)
	}
	passes, err := s.iss.ListPasses(ctx, listed.Target.ID)
	if err != nil {
		return fmt.Errorf("late check: list passes: %w", err)
	}
	held := map[string]bool{}
	if len(passes) > 0 {
		others, err := s.store.ListRequests(ctx, tap.RequestFilter{Target: listed.Target.ID,
			States: []tap.State{tap.StateIssuing, tap.StateIssued, tap.StateDelivered}})
		if err != nil {
			return fmt.Errorf("late check: list requests: %w", err)
		}
		for _, o := range others {
			held[o.MethodID] = o.MethodID != ""
			if o.State == tap.StateIssuing {
				return nil // another issuance is in flight: look again next sweep
			}
		}
	}
	from, to := listed.IssuedAt.Add(-createSkew), listed.IssuedAt.Add(lateWindow)
	for _, p := range passes {
		if held[p.MethodID] || p.Created.Before(from) || p.Created.After(to) {
			continue
		}
		c := listed.Clone()
		c.MethodID = p.MethodID
		_ = s.record(ctx, c, nil, "delete_pass", "ok", false, map[string]string{"why": "created late by an uncertain issue; its value was lost"})
		if err := s.iss.DeletePass(ctx, listed.Target.ID, p.MethodID); err != nil && !errors.Is(err, tap.ErrNotFound) {
			return fmt.Errorf("late check: delete pass: %w", err)
		}
		s.log.WarnContext(ctx, "late pass of a failed request deleted", "request_id", listed.ID, "method_id", p.MethodID)
	}
	return s.clearTimer(ctx, listed, now)
}
