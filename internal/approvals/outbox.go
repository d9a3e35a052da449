package approvals

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// The outbox: every notice is appended to the request's Outbox inside the
// change that moves its state, so it is committed with it by the same
// compare-and-swap (or CreateRequest). The replica that committed it then
// delivers it at once (the fast path) and removes it; one it did not
// deliver (a crash, a chat API down) is delivered by the sweeper under its
// lease once the grace period has passed, with backoff, until delivered or
// noticeGiveUp has passed. Delivery is at least once: a notice delivered
// but not yet removed when the process died is delivered again.
const (
	// noticeGrace is how long the sweeper leaves a new notice to the
	// replica that committed it.
	noticeGrace = 30 * time.Second
	// noticeFirstRetry doubles after each failed attempt up to
	// noticeMaxRetry.
	noticeFirstRetry = 5 * time.Second
	noticeMaxRetry   = 5 * time.Minute
	// noticeGiveUp is how long an undeliverable notice is retried.
	noticeGiveUp = 24 * time.Hour
	// noticesPerSweep bounds the deliveries of one sweep.
	noticesPerSweep = 50
	// revealNoticeTimeout bounds the background delivery of a
	// NoticeRevealed.
	revealNoticeTimeout = 45 * time.Second
)

// Counters for /metrics, across every Service in the process.
var (
	noticeFailures  atomic.Int64
	noticesAbandons atomic.Int64
	noticesOverdue  atomic.Int64
)

// NoticesOverdue is how many notices were due (past their grace period or
// retry time) at the last sweep in this process.
func NoticesOverdue() int64 { return noticesOverdue.Load() }

// NoticeFailures is how many notice deliveries failed (each is retried).
func NoticeFailures() int64 { return noticeFailures.Load() }

// NoticesAbandoned is how many notices were given up after noticeGiveUp.
func NoticesAbandoned() int64 { return noticesAbandons.Load() }

// Undelivered is the error a Notifier returns when only some parts of a
// notice went out. Done names the parts that did, in the Notifier's own
// words; they come back in Notice.Done on the retry, which skips them.
type Undelivered struct {
	Done []string
	Err  error
}

func (u *Undelivered) Error() string { return u.Err.Error() }
func (u *Undelivered) Unwrap() error { return u.Err }

var errNoNotice = errors.New("notice already delivered")

// enqueue appends a notice to r, the copy about to be committed, and
// returns its id for deliver.
func (s *Service) enqueue(r *tap.Request, kind NoticeKind, actor *tap.Actor, detail string) string {
	id, err := newID()
	if err != nil { // crypto/rand does not fail since Go 1.24; keep ids unique anyway
		id = tap.RequestID(strconv.FormatInt(time.Now().UnixNano(), 36))
	}
	n := tap.PendingNotice{ID: string(id), Kind: string(kind), Detail: detail, Created: s.now(), Next: s.now().Add(noticeGrace)}
	if actor != nil {
		a := *actor
		n.Actor = &a
	}
	r.Outbox = append(r.Outbox, n)
	return n.ID
}

// deliver sends notice id of r, just committed, and removes it from the
// outbox (the fast path). A NoticeRevealed goes out in the background: it
// is committed inside the Reveal click, whose private answer must not wait
// for slow chat APIs (Teams waits 5 s for an invoke answer); so does a
// NoticeIssuing, so the pass's create never waits for one. Wait waits
// for them. A notice not delivered stays for the sweeper.
func (s *Service) deliver(ctx context.Context, r *tap.Request, id string) {
	i := slices.IndexFunc(r.Outbox, func(n tap.PendingNotice) bool { return n.ID == id })
	if i < 0 {
		return
	}
	n := r.Outbox[i]
	if s.hold != nil && s.hold(NoticeKind(n.Kind)) {
		return
	}
	if k := NoticeKind(n.Kind); k != NoticeRevealed && k != NoticeIssuing {
		s.send(ctx, r, n)
		return
	}
	r = r.Clone()
	s.bg.add()
	go func() {
		defer s.bg.done()
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), revealNoticeTimeout)
		defer cancel()
		s.send(bctx, r, n)
	}()
}

// Wait blocks until the notices being delivered in the background are
// done.
func (s *Service) Wait() { s.bg.wait() }

// background counts the deliveries running in the background. Unlike a
// sync.WaitGroup, one may start while another caller waits (two clicks
// at once: one waits for its notices while the other's final approval
// starts a NoticeIssuing).
type background struct {
	mu   sync.Mutex
	n    int
	idle *sync.Cond
}

func (b *background) add() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n++
}

func (b *background) done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.n--; b.n == 0 && b.idle != nil {
		b.idle.Broadcast()
	}
}

// wait blocks until no delivery runs.
func (b *background) wait() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.idle == nil {
		b.idle = sync.NewCond(&b.mu)
	}
	for b.n > 0 {
		b.idle.Wait()
	}
}

// send hands notice n of r to the Notifier and records the outcome: a
// delivered notice leaves the outbox, a failed one is retried later.
func (s *Service) send(ctx context.Context, r *tap.Request, n tap.PendingNotice) {
	out := Notice{Kind: NoticeKind(n.Kind), Request: snapshot(r), Actor: n.Actor, Detail: n.Detail,
		ID: n.ID, Attempt: n.Attempts, Done: slices.Clone(n.Done)}
	err := s.out.Notify(ctx, out)
	if err != nil {
		noticeFailures.Add(1)
		s.log.WarnContext(ctx, "notice not delivered; will retry", "kind", n.Kind, "notice_id", n.ID,
			"request_id", r.ID, "attempt", n.Attempts+1, "err", err)
	}
	if serr := s.settle(ctx, r, n.ID, err); serr != nil && !errors.Is(serr, errNoNotice) {
		s.log.WarnContext(ctx, "notice outcome not saved; the sweeper will deliver it again", "kind", n.Kind,
			"notice_id", n.ID, "request_id", r.ID, "err", serr)
	}
}

// settle removes notice id from known's outbox when it was delivered
// (err nil), or records the failed attempt and when to retry; after
// noticeGiveUp the notice is dropped with an ERROR log and an audit
// record. known is the request as last read or committed here, sealed
// bytes included: a compare-and-swap against it saves a read.
func (s *Service) settle(ctx context.Context, known *tap.Request, id string, err error) error {
	var abandoned *tap.PendingNotice
	rid := known.ID
	r, uerr := s.updateFrom(ctx, rid, known, func(c *tap.Request) error {
		i := slices.IndexFunc(c.Outbox, func(n tap.PendingNotice) bool { return n.ID == id })
		if i < 0 {
			return errNoNotice
		}
		n := &c.Outbox[i]
		now := s.now()
		if err == nil || now.Sub(n.Created) >= noticeGiveUp {
			if err != nil {
				kept := *n
				abandoned = &kept
			}
			c.Outbox = slices.Delete(c.Outbox, i, i+1)
			return nil
		}
		var u *Undelivered
		if errors.As(err, &u) {
			for _, d := range u.Done {
				if !slices.Contains(n.Done, d) {
					n.Done = append(n.Done, d)
				}
			}
		}
		n.Attempts++
		n.Next = now.Add(retryAfter(n.Attempts))
		return nil
	})
	if uerr != nil {
		return uerr
	}
	if abandoned != nil {
		noticesAbandons.Add(1)
		s.log.ErrorContext(ctx, "notice given up: not delivered for a day", "kind", abandoned.Kind,
			"notice_id", id, "request_id", rid, "attempts", abandoned.Attempts, "err", err)
		_ = s.record(ctx, r, abandoned.Actor, "notice", "abandoned", false,
			map[string]string{"kind": abandoned.Kind, "notice_id": id, "attempts": strconv.Itoa(abandoned.Attempts)})
	}
	return nil
}

// retryAfter is the wait before attempt n+1 (n ≥ 1 failed attempts).
func retryAfter(n int) time.Duration {
	d := noticeFirstRetry
	for i := 1; i < n && d < noticeMaxRetry; i++ {
		d *= 2
	}
	return min(d, noticeMaxRetry)
}

// flushNotices delivers the pending notices of request id whose next
// attempt is due, at most budget of them, reloading the request before
// each (a delivery may change it: approval card refs). It returns how
// many it attempted.
func (s *Service) flushNotices(ctx context.Context, id tap.RequestID, now time.Time, budget int) (int, error) {
	tried := map[string]bool{}
	for len(tried) < budget {
		r, err := s.load(ctx, id)
		if err != nil {
			return len(tried), fmt.Errorf("load for notices: %w", err)
		}
		i := slices.IndexFunc(r.Outbox, func(n tap.PendingNotice) bool { return !tried[n.ID] && !n.Next.After(now) })
		if i < 0 {
			break
		}
		n := r.Outbox[i]
		tried[n.ID] = true
		s.send(ctx, r, n)
	}
	return len(tried), nil
}

// noticesDue counts r's pending notices due at now.
func noticesDue(r *tap.Request, now time.Time) int {
	n := 0
	for _, p := range r.Outbox {
		if !p.Next.After(now) {
			n++
		}
	}
	return n
}
