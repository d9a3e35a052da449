package slack

import (
	"context"
	"sync"
	"time"
)

// pacer keeps one outbound lane per channel: posts to a channel go out one
// at a time, in order, and after a burst of `burst` at most one per
// interval (Slack allows about one chat.postMessage per second per
// channel). It is a GCRA: tat is the lane's theoretical arrival time.
type pacer struct {
	interval time.Duration
	burst    int

	mu    sync.Mutex
	lanes map[string]*lane
}

type lane struct {
	turn chan struct{} // a one-slot lock that respects ctx
	tat  time.Time
	used time.Time
}

func newPacer(interval time.Duration, burst int) *pacer {
	return &pacer{interval: interval, burst: burst, lanes: map[string]*lane{}}
}

// acquire waits for the channel's turn and slot; release must be called
// once the post is done.
func (p *pacer) acquire(ctx context.Context, channel string) (release func(), err error) {
	p.mu.Lock()
	l, ok := p.lanes[channel]
	if !ok {
		if len(p.lanes) > 10000 {
			p.sweep()
		}
		l = &lane{turn: make(chan struct{}, 1)}
		p.lanes[channel] = l
	}
	p.mu.Unlock()
	select {
	case l.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	now := time.Now()
	if l.tat.Before(now) {
		l.tat = now
	}
	if wait := l.tat.Add(-time.Duration(p.burst-1) * p.interval).Sub(now); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			<-l.turn
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	l.tat = l.tat.Add(p.interval)
	l.used = time.Now()
	return func() { <-l.turn }, nil
}

// sweep drops idle lanes (called with p.mu held).
func (p *pacer) sweep() {
	cutoff := time.Now().Add(-time.Duration(p.burst+1) * p.interval)
	for k, l := range p.lanes {
		select {
		case l.turn <- struct{}{}:
			if l.tat.Before(cutoff) {
				delete(p.lanes, k)
			}
			<-l.turn
		default:
		}
	}
}
