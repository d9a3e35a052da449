package approvals

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// DefaultWriteLimit and DefaultWriteWindow are Graph's documented write
// limit for identity and authentication-method writes, per app and
// tenant.
const (
	DefaultWriteLimit  = 3000
	DefaultWriteWindow = 150 * time.Second
	// writeMargin is how far under the limit the pacer stays: slack for
	// clock skew between replicas, the database and Graph, and for the
	// jitter between taking a slot and Graph receiving the create.
	writeMargin = 0.02
	// WriteSlotLeasePrefix names the store leases that are the write slots.
	WriteSlotLeasePrefix = "graph-write:"
)

// pacer spaces creates evenly just under a write limit of limit per
// window, across every replica sharing the store: time is cut into slots
// of window×(1+writeMargin)/limit, and a create may go only in a slot it
// took as a store lease ("graph-write:<slot mod limit>", held for half a
// window: long enough that no other replica takes the same slot, short
// enough to be free when the name comes round again a window later). So
// any window holds fewer than limit creates whatever the number of
// replicas, one that stops simply leaves its slots to the others, and
// Graph's 429 (the Graph client's write gate) stays the exception rather
// than the way the limit is learned. Slots are taken on the replica's
// clock; a lease (on the store's clock) decides who has one.
type pacer struct {
	slot  time.Duration
	ring  int64
	ttl   time.Duration
	take  func(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
	id    string

	mu   sync.Mutex
	next int64 // the next slot this replica may try
}

func newPacer(limit int, window time.Duration, take func(ctx context.Context, name, holder string, ttl time.Duration) (bool, error), id string) *pacer {
	return &pacer{
		slot: time.Duration(float64(window) * (1 + writeMargin) / float64(limit)),
		ring: int64(limit), ttl: window / 2, take: take, now: time.Now, sleep: sleepCtx, id: id,
	}
}

// wait returns once a write slot is taken, the slot has begun, and the
// caller may send one write. A store error lets the write go unpaced
// (Graph's own 429 still protects the limit); ctx ending returns its
// error.
func (p *pacer) wait(ctx context.Context) error {
	for {
		p.mu.Lock()
		// The next slot not yet begun: every write goes at its slot's start.
		n := max(p.next, (p.now().UnixNano()+int64(p.slot)-1)/int64(p.slot))
		p.next = n + 1
		p.mu.Unlock()
		if err := p.sleep(ctx, time.Unix(0, n*int64(p.slot)).Sub(p.now())); err != nil {
			return err
		}
		ok, err := p.take(ctx, fmt.Sprintf("%s%d", WriteSlotLeasePrefix, n%p.ring), fmt.Sprintf("%s:%d", p.id, n), p.ttl)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return nil
		}
		if ok {
			return nil
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// pacedIssuer takes a write slot before every create.
type pacedIssuer struct {
	PassIssuer
	p *pacer
}

// CreatePass waits for a write slot and creates the pass. A create whose
// wait ended (ctx) was not sent: tap.ErrThrottled, certain.
func (pi pacedIssuer) CreatePass(ctx context.Context, user tap.UserID, spec tap.PassSpec) (tap.Pass, error) {
	if err := pi.p.wait(ctx); err != nil {
		return tap.Pass{}, fmt.Errorf("create pass: not sent, waiting for a write slot: %w: %w", err, tap.ErrThrottled)
	}
	return pi.PassIssuer.CreatePass(ctx, user, spec)
}
