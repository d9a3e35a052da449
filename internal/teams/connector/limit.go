package connector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// ErrRateLimited is returned (with tap.ErrThrottled) when an operation
// could not get a rate-limit slot before its deadline.
var ErrRateLimited = errors.New("conversation rate limit")

// limiter enforces sliding-window limits per key (conversation): an
// operation may start at t only if, for every window, fewer than N
// operations started in (t-Per, t]. Exact, unlike one token bucket, so
// bursts respect 7/1 s and 8/2 s at once.
type limiter struct {
	windows []Window
	longest time.Duration
	most    int

	mu        sync.Mutex
	convs     map[string]*history
	lastSweep time.Time
}

// history is the start times of recent operations, oldest first, trimmed
// to the longest window and to the largest N.
type history struct {
	ts []time.Time
}

func newLimiter(ws []Window) (*limiter, error) {
	l := &limiter{windows: ws, convs: map[string]*history{}}
	for _, w := range ws {
		if w.N <= 0 || w.Per <= 0 {
			return nil, fmt.Errorf("connector: bad rate limit window %+v", w)
		}
		l.longest = max(l.longest, w.Per)
		l.most = max(l.most, w.N)
	}
	return l, nil
}

// delay returns how long until an operation may start at now (0: go).
func (h *history) delay(now time.Time, ws []Window) time.Duration {
	var d time.Duration
	for _, w := range ws {
		if len(h.ts) < w.N {
			continue
		}
		if free := h.ts[len(h.ts)-w.N].Add(w.Per); free.After(now) {
			d = max(d, free.Sub(now))
		}
	}
	return d
}

func (h *history) trim(now time.Time, longest time.Duration, most int) {
	cut := 0
	for cut < len(h.ts) && (!h.ts[cut].After(now.Add(-longest)) || len(h.ts)-cut > most) {
		cut++
	}
	if cut > 0 {
		h.ts = append(h.ts[:0], h.ts[cut:]...)
	}
}

// wait blocks until key may run one more operation and records it. It
// fails at once when the wait would outlast ctx's deadline.
func (l *limiter) wait(ctx context.Context, key string) error {
	for {
		l.mu.Lock()
		now := time.Now()
		l.sweep(now)
		h := l.convs[key]
		if h == nil {
			h = &history{}
			l.convs[key] = h
		}
		h.trim(now, l.longest, l.most)
		d := h.delay(now, l.windows)
		if d == 0 {
			h.ts = append(h.ts, now)
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		if dl, ok := ctx.Deadline(); ok && now.Add(d).After(dl) {
			return fmt.Errorf("%w: %w: next slot in %s", tap.ErrThrottled, ErrRateLimited, d.Round(time.Millisecond))
		}
		if err := sleep(ctx, d); err != nil {
			return fmt.Errorf("%w: %w", tap.ErrThrottled, err)
		}
	}
}

// sweep drops conversations idle for longer than the longest window, at
// most once a minute. Called with l.mu held.
func (l *limiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Minute {
		return
	}
	l.lastSweep = now
	for k, h := range l.convs {
		if len(h.ts) == 0 || !h.ts[len(h.ts)-1].After(now.Add(-l.longest)) {
			delete(l.convs, k)
		}
	}
}
