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
	held := false
	for {
		ok, err := s.store.AcquireLease(ctx, SweeperLease, holder, 3*every)
		if err == nil {
			held = ok
		}
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
			if held {
				s.releaseLease(holder)
			}
			return ctx.Err()
		case <-t.C:
		}
	}
}

// releaseLease hands the sweeper lease back on a clean stop (a rolling
// deploy), so another replica takes the timers over at once instead of
// after the lease's TTL: the holder renews it to expire now.
func (s *Service) releaseLease(holder string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := s.store.AcquireLease(ctx, SweeperLease, holder, 0); err != nil {
		s.log.Warn("release sweeper lease", "holder", holder, "err", err)
	}
}

// Sweep acts on every request whose timer is due: the reminder at half
// the approval window (NoticeReminder, once), pending expiry
// (NoticeExpired), a reveal window that lapsed (pass deleted in Entra,
// NoticeLapsed), a delivered pass that ended unconfirmed
// (NoticePassEnded), reconciliation of requests stuck in issuing, and
// the clean-up of passes Graph created for requests that already failed;
// and it delivers the notices still in an outbox after their grace period
// or backoff (at most noticesPerSweep per sweep).
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
	budget, overdue := noticesPerSweep, 0
	for _, r := range due {
		overdue += noticesDue(r, now)
	}
	noticesOverdue.Store(int64(overdue))
	for _, r := range due {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !r.NextTimer.IsZero() && !r.NextTimer.After(now) {
			if err := s.tick(ctx, r, now); err != nil && !errors.Is(err, errNotDue) {
				errs = append(errs, fmt.Errorf("request %s (%s): %w", r.ID, r.State, err))
			}
		}
		if budget > 0 && noticesDue(r, now) > 0 {
			n, err := s.flushNotices(ctx, r.ID, now, budget)
			budget -= n
			if err != nil {
				errs = append(errs, fmt.Errorf("request %s notices: %w", r.ID, err))
			}
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
		if r.Queued() {
			return s.queueTick(ctx, r, now)
		}
		return s.revealTick(ctx, r, now, "the pass was not revealed in time, so none was created", false)
	case tap.StateIssued:
		return s.revealTick(ctx, r, now, "the pass was not revealed in time and was deleted in Entra", true)
	case tap.StateDelivered:
		if r.SetupReminded.IsZero() && now.Before(r.PassExpires) {
			if half := setupHalf(r); !half.IsZero() && !now.Before(half) {
				return s.remindSetup(ctx, r, now)
			}
		}
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
	var notice string
	r, err := s.run(ctx, listed.ID, step{action: "remind", must: true,
		decide: func(c *tap.Request) (map[string]string, error) {
			if err := due(c, listed, now); err != nil {
				return nil, err
			}
			c.RemindedAt, c.NextTimer = now, c.CreatedAt.Add(s.cfg.ApprovalWindow)
			notice = s.enqueue(c, NoticeReminder, nil, "")
			return nil, nil
		}})
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "approvers reminded", "request_id", r.ID)
	s.deliver(ctx, r, notice)
	return nil
}

// expire moves a timed-out request to expired, deleting its pass in
// Entra first when it has one.
func (s *Service) expire(ctx context.Context, listed *tap.Request, kind NoticeKind, detail string, deletePass bool) error {
	var from tap.State
	var notice string
	now := s.now()
	st := step{action: "expire", must: !deletePass,
		decide: func(c *tap.Request) (map[string]string, error) {
			if err := due(c, listed, now); err != nil {
				return nil, err
			}
			from = c.State
			c.Sealed, c.ClosedAt, c.NextTimer = nil, now, time.Time{}
			notice = s.enqueue(c, kind, nil, detail)
			return map[string]string{"notice": string(kind)}, s.apply(c, tap.EventExpire)
		}}
	if deletePass {
		st.act = s.deletePass
	}
	r, err := s.run(ctx, listed.ID, st)
	if err != nil {
		return err
	}
	s.logTransition(ctx, r, from, tap.EventExpire, nil)
	s.deliver(ctx, r, notice)
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
