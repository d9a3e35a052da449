package approvals

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// The issuer creates the passes of queued requests (ApproveQueued) on
// every replica. A fixed number of workers claim requests one at a time
// by compare-and-swap (approved → issuing, EventClaim), so each is
// claimed exactly once across replicas, and run the one create path
// (issueSealed: re-check, audit intent, one Graph create, seal,
// NoticeIssued). With Config.WriteLimit set every create first takes a
// write slot (pace.go), which keeps all replicas together just under
// Graph's write limit.
const (
	// IssuerLeasePrefix names a replica's issuer liveness lease: it is
	// renewed every issuerRenew while the replica's issuer runs.
	IssuerLeasePrefix = "issuer:"
	// issuerAlive is the liveness lease's TTL: a claim whose issuer has
	// not renewed it for this long is reconciled (requeued) at once,
	// instead of after stuckAfter.
	issuerAlive = 5 * time.Second
	issuerRenew = time.Second
	// issuerPoll is how often the queue is looked at for work another
	// replica queued (a local ApproveQueued wakes the issuer at once).
	issuerPoll = time.Second
	// issuerPage is how many queued requests are listed per worker.
	issuerPage = 4
	// lateLanding is how long after a claim its create may still land at
	// Graph: the create's deadline plus a margin for Graph to finish it.
	lateLanding = issueTimeout + 15*time.Second
	// maxHeldBack bounds how far past held-back requests feed looks.
	maxHeldBack = 4096
)

// wakeIssuer tells this replica's issuer that work was queued.
func (s *Service) wakeIssuer() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// RunIssuer issues queued requests until ctx is done, with workers
// workers, as holder (unique per replica). It looks at the queue when
// woken by a local ApproveQueued or a requeue and every second for other
// replicas' work, oldest first; it renews holder's liveness lease and
// reconciles the claims of issuers whose lease lapsed (a killed
// replica): their passes, if any, are deleted (the values are lost) and
// the requests go back in the queue. It returns ctx.Err() once the
// creates in flight are done.
func (s *Service) RunIssuer(ctx context.Context, holder string, workers int) error {
	if holder == "" || workers <= 0 {
		return fmt.Errorf("issuer %q with %d workers: %w", holder, workers, tap.ErrInvalidInput)
	}
	ids := make(chan tap.RequestID)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for id := range ids {
				s.issueQueued(ctx, id, holder)
			}
		})
	}
	aliveCtx, stopAlive := context.WithCancel(context.WithoutCancel(ctx))
	var alive sync.WaitGroup
	alive.Go(func() { s.keepAlive(aliveCtx, holder) })
	defer func() {
		close(ids)
		wg.Wait() // creates in flight finish (they run under their own deadlines)
		stopAlive()
		alive.Wait()
		s.releaseIssuer(holder)
	}()
	poll := time.NewTicker(issuerPoll)
	defer poll.Stop()
	for {
		s.reapClaims(ctx, holder)
		for {
			more, err := s.feed(ctx, ids, workers*issuerPage)
			if err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "issuer: list queue", "holder", holder, "err", err)
			}
			if !more || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.wake:
		case <-poll.C:
		}
	}
}

// feed hands the oldest queued requests (a page of limit) to the
// workers, each when one is free, and reports whether the page was full.
// The page is taken in random order, so replicas listing the same oldest
// requests rarely race for the same claim.
func (s *Service) feed(ctx context.Context, ids chan<- tap.RequestID, limit int) (bool, error) {
	var page, ready []*tap.Request
	// Requests held back after an uncertain create (ClaimAfter) are the
	// oldest and may fill a page: look further until one is ready.
	for want := limit; ; want *= 4 {
		var err error
		page, err = s.store.ListRequests(ctx, tap.RequestFilter{States: []tap.State{tap.StateApproved}, Queued: true, Limit: want})
		if err != nil {
			return false, err
		}
		now := s.now()
		ready = ready[:0]
		for _, r := range page {
			if !now.Before(r.ClaimAfter) {
				ready = append(ready, r)
			}
		}
		if len(ready) > 0 || len(page) < want || want >= maxHeldBack {
			limit = want
			break
		}
	}
	rand.Shuffle(len(ready), func(i, j int) { ready[i], ready[j] = ready[j], ready[i] })
	for _, r := range ready {
		select {
		case ids <- r.ID:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	// Another page only when this one was full and moved the queue on.
	return len(page) == limit && len(ready) > 0, nil
}

// issueQueued claims queued request id for holder and issues it. A
// request another replica claimed, or that was cancelled, revoked or
// expired since it was listed, is skipped.
func (s *Service) issueQueued(ctx context.Context, id tap.RequestID, holder string) {
	r, err := s.claim(ctx, id, holder)
	if err != nil {
		if !errors.Is(err, errSettled) && ctx.Err() == nil {
			s.log.WarnContext(ctx, "issuer: claim", "request_id", id, "err", err)
		}
		return
	}
	s.logTransition(ctx, r, tap.StateApproved, tap.EventClaim, nil)
	var actor tap.Actor
	if r.DecidedBy != nil {
		actor = *r.DecidedBy
	}
	if _, err := s.issueSealed(ctx, r, actor); err != nil {
		s.log.InfoContext(ctx, "issuer: queued request not issued", "request_id", id, "err", err)
	}
}

// claim moves a queued request to issuing for holder (compare-and-swap:
// exactly one claim wins, and none after a cancel, revoke or expiry).
// errSettled when it is no longer queued or its deadline passed.
func (s *Service) claim(ctx context.Context, id tap.RequestID, holder string) (*tap.Request, error) {
	return s.update(ctx, id, func(c *tap.Request) error {
		now := s.now()
		if !c.Queued() || now.Before(c.ClaimAfter) || (!c.RevealBy.IsZero() && !now.Before(c.RevealBy)) {
			return errSettled
		}
		if err := tap.Apply(ctx, c, tap.EventClaim); err != nil {
			return err
		}
		// The claim: passes Graph dates after IssuedAt are this claim's.
		c.IssuedAt, c.ClaimedBy, c.NextTimer = now, holder, now.Add(stuckAfter)
		return nil
	})
}

// sameClaim reports whether c is still the claim r was made under: a
// queued request can be requeued and claimed again, and a late step of
// the old claim must not act on the new one.
func sameClaim(c, r *tap.Request) bool {
	return r.IssuedAt.IsZero() || c.IssuedAt.Equal(r.IssuedAt)
}

// requeue puts a queued request whose create did not happen, or whose
// outcome was reconciled (its pass, if any, deleted), back in the queue
// (issuing → approved, EventRequeue), audited. It does nothing when the
// request left that claim.
// A create whose outcome was uncertain may still land until lateLanding
// after its claim, so then the request is claimed again only after that
// (uncertain); a create known not to have been sent is not held back.
func (s *Service) requeue(ctx context.Context, r *tap.Request, cause string, uncertain bool) (*tap.Request, error) {
	f, err := s.update(ctx, r.ID, func(c *tap.Request) error {
		if c.State != tap.StateIssuing || !sameClaim(c, r) {
			return errSettled
		}
		if err := tap.Apply(ctx, c, tap.EventRequeue); err != nil {
			return err
		}
		if uncertain {
			c.ClaimAfter = c.IssuedAt.Add(lateLanding)
		}
		c.FailReason, c.ClaimedBy, c.IssuedAt, c.MethodID, c.Sealed = "", "", time.Time{}, "", nil
		c.NextTimer = c.RevealBy
		return nil
	})
	if err != nil {
		if f == nil {
			f = r
		}
		if errors.Is(err, errSettled) {
			return f, nil
		}
		return f, fmt.Errorf("requeue request %s: %w", r.ID, err)
	}
	_ = s.record(ctx, f, nil, "requeue", "ok", false, map[string]string{"cause": cause})
	s.logTransition(ctx, f, tap.StateIssuing, tap.EventRequeue, nil)
	s.wakeIssuer()
	return f, nil
}

// queueTick expires a queued request the issuer could not issue before
// its deadline (NoticeQueueLapsed); nothing was created.
func (s *Service) queueTick(ctx context.Context, r *tap.Request, now time.Time) error {
	if !r.RevealBy.IsZero() && now.Before(r.RevealBy) {
		return s.setTimer(ctx, r, now, r.RevealBy)
	}
	return s.expire(ctx, r, NoticeQueueLapsed, "", false)
}

// keepAlive renews holder's liveness lease until ctx is done.
func (s *Service) keepAlive(ctx context.Context, holder string) {
	t := time.NewTicker(issuerRenew)
	defer t.Stop()
	for {
		if _, err := s.store.AcquireLease(ctx, IssuerLeasePrefix+holder, holder, issuerAlive); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "issuer: renew liveness lease", "holder", holder, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// releaseIssuer lets holder's liveness lease lapse now (a clean stop).
func (s *Service) releaseIssuer(holder string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := s.store.AcquireLease(ctx, IssuerLeasePrefix+holder, holder, 0); err != nil {
		s.log.Warn("release issuer lease", "holder", holder, "err", err)
	}
}

// reapClaims reconciles the queued requests in issuing whose issuer's
// liveness lease lapsed (a killed or partitioned replica): reconcile
// deletes a pass its create may have left (the value died with it) and
// puts the request back in the queue. A live issuer that was only slow
// finds its claim fenced and deletes its own pass; nothing is issued
// twice.
func (s *Service) reapClaims(ctx context.Context, holder string) {
	claimed, err := s.store.ListRequests(ctx, tap.RequestFilter{States: []tap.State{tap.StateIssuing}, Queued: true})
	if err != nil {
		if ctx.Err() == nil {
			s.log.WarnContext(ctx, "issuer: list claims", "err", err)
		}
		return
	}
	now := s.now()
	dead := map[string]bool{}
	for _, r := range claimed {
		if r.ClaimedBy == "" || r.ClaimedBy == holder || r.FailReason != "" || now.Sub(r.IssuedAt) < issuerAlive {
			continue
		}
		gone, seen := dead[r.ClaimedBy]
		if !seen {
			// Taking the lease succeeds only once it lapsed; ttl 0 leaves
			// it lapsed, so a replica that comes back renews it.
			ok, err := s.store.AcquireLease(ctx, IssuerLeasePrefix+r.ClaimedBy, "reaper:"+holder, 0)
			gone = err == nil && ok
			dead[r.ClaimedBy] = gone
		}
		if !gone {
			continue
		}
		if _, err := s.reconcile(ctx, r, "issuer "+r.ClaimedBy+" stopped"); err != nil {
			s.log.WarnContext(ctx, "issuer: reconcile a lapsed claim", "request_id", r.ID, "err", err)
		}
	}
}
