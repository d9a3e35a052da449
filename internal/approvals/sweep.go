package approvals

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// SweeperLease is the lease name Run holds while sweeping.
const SweeperLease = "sweeper"

// errNotDue means another replica already handled the timer.
var errNotDue = errors.New("timer not due")

// Run sweeps every interval while it holds the SweeperLease as holder, so
// only one replica acts on timers at a time (and, because every change is
// a compare-and-swap, a second one would still act only once). It sweeps
// once at start and returns ctx.Err() when ctx is done.
func (s *Service) Run(ctx context.Context, every time.Duration, holder string) error {
	if every <= 0 {
		return fmt.Errorf("sweep interval %v: %w", every, tap.ErrInvalidInput)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		ok, err := s.store.AcquireLease(ctx, SweeperLease, holder, 3*every)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.WarnContext(ctx, "sweeper lease", "holder", holder, "err", err)
		case ok:
			if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "sweep", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Sweep acts on every request whose timer is due: the reminder at half
// the approval window (NoticeReminder, once), pending expiry
// (NoticeExpired), a reveal window that lapsed (pass deleted in Entra,
// NoticeLapsed), a delivered pass that ended unconfirmed
// (NoticePassEnded), reconciliation of requests stuck in issuing, and
// the clean-up of passes Graph created for requests that already failed.
// Each change is a compare-and-swap; a request another replica handled
// first is skipped. Errors are joined; one request's failure does not
// stop the others.
func (s *Service) Sweep(ctx context.Context) error {
	now := s.now()
	due, err := s.store.ListRequests(ctx, tap.RequestFilter{DueBefore: now})
	if err != nil {
		return fmt.Errorf("sweep: list due requests: %w", err)
	}
	var errs []error
	for _, r := range due {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.tick(ctx, r, now); err != nil && !errors.Is(err, errNotDue) {
			errs = append(errs, fmt.Errorf("request %s (%s): %w", r.ID, r.State, err))
		}
	}
	return errors.Join(errs...)
}

func (s *Service) tick(ctx context.Context, r *tap.Request, now time.Time) error {
	switch r.State {
	case tap.StatePending:
		end := r.CreatedAt.Add(s.cfg.ApprovalWindow)
		switch {
		case !now.Before(end):
			return s.expire(ctx, r, NoticeExpired, "", false)
		case r.RemindedAt.IsZero():
			return s.remind(ctx, r, now)
		}
		return s.setTimer(ctx, r, now, end) // the window grew since the reminder
	case tap.StateApproved:
		return s.expire(ctx, r, NoticeLapsed, "the pass was not revealed in time, so none was created", false)
	case tap.StateIssued:
		return s.expire(ctx, r, NoticeLapsed, "the pass was not revealed in time and was deleted in Entra", true)
	case tap.StateDelivered:
		return s.passEnded(ctx, r, now)
	case tap.StateIssuing:
		_, err := s.reconcile(ctx, r, "stuck in issuing")
		return err
	case tap.StateFailed:
		if r.MethodID != "" {
			return s.orphan(ctx, r, now)
		}
		return s.lateCheck(ctx, r, now)
	}
	return s.clearTimer(ctx, r, now) // a terminal request with a stale timer
}

// due rejects a request that changed since the sweep listed it.
func due(c, listed *tap.Request, now time.Time) error {
	if c.Version != listed.Version || c.NextTimer.IsZero() || c.NextTimer.After(now) {
		return errNotDue
	}
	return nil
}

func (s *Service) remind(ctx context.Context, listed *tap.Request, now time.Time) error {
	r, err := s.update(ctx, listed.ID, func(c *tap.Request) error {
		if err := due(c, listed, now); err != nil {
			return err
		}
		c.RemindedAt, c.NextTimer = now, c.CreatedAt.Add(s.cfg.ApprovalWindow)
		return s.record(ctx, c, nil, "remind", "ok", true, nil)
	})
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "approvers reminded", "request_id", r.ID)
	s.notify(ctx, NoticeReminder, r, nil, "")
	return nil
}

// expire moves a timed-out request to expired, deleting its pass in
// Entra first when it has one.
func (s *Service) expire(ctx context.Context, listed *tap.Request, kind NoticeKind, detail string, deletePass bool) error {
	var from tap.State
	now := s.now()
	r, err := s.update(ctx, listed.ID, func(c *tap.Request) error {
		if err := due(c, listed, now); err != nil {
			return err
		}
		from = c.State
		if err := s.record(ctx, c, nil, "expire", "ok", !deletePass, map[string]string{"notice": string(kind)}); err != nil {
			return err
		}
		if deletePass && c.MethodID != "" {
			if err := s.iss.DeletePass(ctx, c.Target.ID, c.MethodID); err != nil && !errors.Is(err, tap.ErrNotFound) {
				return fmt.Errorf("delete unrevealed pass: %w", err)
			}
		}
		if err := tap.Apply(ctx, c, tap.EventExpire); err != nil {
			return err
		}
		c.Sealed, c.ClosedAt, c.NextTimer = nil, now, time.Time{}
		return nil
	})
	if err != nil {
		return err
	}
	s.logTransition(ctx, r, from, tap.EventExpire, nil)
	s.notify(ctx, kind, r, nil, detail)
	return nil
}

// passEnded handles a delivered pass at its end time. Graph decides: if it
// still reports the pass usable (clock skew), look again in five minutes.
func (s *Service) passEnded(ctx context.Context, listed *tap.Request, now time.Time) error {
	passes, err := s.iss.ListPasses(ctx, listed.Target.ID)
	if err != nil {
		return fmt.Errorf("list passes: %w", err)
	}
	detail := "the pass was removed in Entra before setup was confirmed"
	for _, p := range passes {
		if p.MethodID != listed.MethodID {
			continue
		}
		if p.Usable {
			return s.setTimer(ctx, listed, now, now.Add(5*time.Minute))
		}
		detail = "the pass ended before setup was confirmed"
		if p.UsabilityReason != "" {
			detail += " (Entra: " + p.UsabilityReason + ")"
		}
	}
	return s.expire(ctx, listed, NoticePassEnded, detail, true)
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
	f, err := s.update(ctx, r.ID, func(c *tap.Request) error {
		if c.State != tap.StateIssuing {
			return errSettled
		}
		if err := tap.Apply(ctx, c, tap.EventFail); err != nil {
			return err
		}
		c.FailReason, c.ClosedAt, c.NextTimer, c.Sealed = reason, s.now(), time.Time{}, nil
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
	s.notify(ctx, NoticeFailed, f, actor, reason)
	return f, true
}

// reconcile settles a request left in issuing with an unknown outcome
// (lost create response, crash). It first fences the request (so a late
// issuer cannot save it as issued and removes its own pass instead),
// then lists the target's passes in Graph and deletes any created after
// the claim — its value is lost and a live orphan must not stay — and
// fails the request. It never creates again. An error leaves the request
// fenced in issuing for the next sweep.
func (s *Service) reconcile(ctx context.Context, claimed *tap.Request, cause string) (*tap.Request, error) {
	r, err := s.update(ctx, claimed.ID, func(c *tap.Request) error {
		switch {
		case c.State != tap.StateIssuing:
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

func (s *Service) clearTimer(ctx context.Context, listed *tap.Request, now time.Time) error {
	return s.setTimer(ctx, listed, now, time.Time{})
}

// setTimer moves a due timer to at (zero: none), unless the request
// changed since it was listed.
func (s *Service) setTimer(ctx context.Context, listed *tap.Request, now, at time.Time) error {
	_, err := s.update(ctx, listed.ID, func(c *tap.Request) error {
		if err := due(c, listed, now); err != nil {
			return err
		}
		c.NextTimer = at
		return nil
	})
	return err
}
