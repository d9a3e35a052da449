package graph

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// writeGate paces writes to Graph's per-app write limit: when Graph
// answers a write with 429 and Retry-After, every write of this client
// waits until then, instead of each learning the limit with a 429 of its
// own. Graph's window slides, so the slots freed while everyone waits are
// used at once when the gate opens.
type writeGate struct {
	mu    sync.Mutex
	until time.Time
}

// wait blocks until the gate is open or ctx ends.
func (g *writeGate) wait(ctx context.Context) error {
	for {
		g.mu.Lock()
		d := time.Until(g.until)
		g.mu.Unlock()
		if d <= 0 {
			return nil
		}
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// hold closes the gate for d (it never shortens a longer hold).
func (g *writeGate) hold(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t := time.Now().Add(d); t.After(g.until) {
		g.until = t
	}
}

// retryAfter reads a Retry-After value (seconds or an HTTP date); a
// missing or unreadable one is a second.
func retryAfter(v string) time.Duration {
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return time.Second
}

// fits reports whether waiting d still leaves ctx time to send.
func fits(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Now().Add(d).Before(dl)
}
