// Package workq bounds the inbound chat work tapbot accepts: a fixed number
// of workers, a bounded queue in front of them, and one lane per key
// (conversation) so that a conversation whose replies are slow (rate
// limits, connector retries) holds at most one worker and never delays
// another conversation's work. It also keeps a per-sender rate (Senders).
//
// An adapter reserves a slot before it acknowledges a delivery: when the
// pool is full, Teams answers 503 with Retry-After (Teams redelivers) and
// Slack acknowledges and drops the delivery, counted.
package workq

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// Defaults for Config.
const (
	DefaultWorkers = 32
	DefaultQueue   = 512
	// DefaultPerKey is how many deliveries of one conversation may wait.
	DefaultPerKey = 16
)

// Config sizes a Pool.
type Config struct {
	// Workers run handlers at once (default DefaultWorkers).
	Workers int
	// Queue is how many accepted deliveries may wait for a worker, all
	// conversations together (0: DefaultQueue; negative: none).
	Queue int
	// PerKey is how many deliveries of one key may be running or waiting
	// (default DefaultPerKey).
	PerKey int
}

// ErrClosed is returned by Reserve after Close.
var ErrClosed = errors.New("workq: closed")

// Pool runs submitted work on a fixed set of workers, one job per key at a
// time, in the order reserved per key. It is safe for concurrent use.
type Pool struct {
	cap, perKey int

	workers int

	mu      sync.Mutex
	used    int // reserved slots: running + queued + reserved-not-yet-run
	lanes   map[string]*lane
	ready   []*lane // lanes with work waiting for a worker, each at most once
	running int     // worker goroutines
	closed  bool
	idle    chan struct{} // closed once a closed pool holds no slot
	stopped bool

	accepted, rejected atomic.Int64
}

type lane struct {
	key      string
	reserved int      // slots held by this key (queued, running, or reserved)
	jobs     []func() // queued, oldest first
	queued   bool     // on p.ready or being run by a worker
}

// New returns a pool. Workers are goroutines started on demand, up to
// Config.Workers, and gone when there is no work.
func New(cfg Config) *Pool {
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	switch {
	case cfg.Queue == 0:
		cfg.Queue = DefaultQueue
	case cfg.Queue < 0:
		cfg.Queue = 0
	}
	if cfg.PerKey <= 0 {
		cfg.PerKey = DefaultPerKey
	}
	return &Pool{cap: cfg.Workers + cfg.Queue, perKey: cfg.PerKey, workers: cfg.Workers,
		lanes: map[string]*lane{}, idle: make(chan struct{})}
}

// Slot is a reserved place in the pool for one job of one key: Run it or
// Release it, exactly once.
type Slot struct {
	p    *Pool
	l    *lane
	done atomic.Bool
}

// Reserve takes a slot for key without blocking. It returns false when the
// pool or the key's lane is full (or the pool is closed).
func (p *Pool) Reserve(key string) (*Slot, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.lanes[key]
	if p.closed || p.used >= p.cap || (l != nil && l.reserved >= p.perKey) {
		p.rejected.Add(1)
		return nil, false
	}
	if l == nil {
		l = &lane{key: key}
		p.lanes[key] = l
	}
	l.reserved++
	p.used++
	p.accepted.Add(1)
	return &Slot{p: p, l: l}, true
}

// Run queues fn on the slot's lane; fn runs on a worker after the lane's
// earlier jobs.
func (s *Slot) Run(fn func()) {
	if !s.done.CompareAndSwap(false, true) {
		panic("workq: slot used twice")
	}
	p, l := s.p, s.l
	p.mu.Lock()
	defer p.mu.Unlock()
	l.jobs = append(l.jobs, fn)
	if l.queued {
		return // the lane is waiting or running: its worker takes fn in turn
	}
	l.queued = true
	p.ready = append(p.ready, l)
	if p.running < p.workers {
		p.running++
		go p.work()
	}
}

// Release gives the slot back unused.
func (s *Slot) Release() {
	if !s.done.CompareAndSwap(false, true) {
		return
	}
	s.p.mu.Lock()
	s.p.free(s.l)
	s.p.mu.Unlock()
}

// free returns one slot of l (p.mu held).
func (p *Pool) free(l *lane) {
	l.reserved--
	p.used--
	if l.reserved == 0 && !l.queued {
		delete(p.lanes, l.key)
	}
	if p.closed {
		p.stopIfIdle()
	}
}

// stopIfIdle marks a closed pool that holds no slot idle (p.mu held).
func (p *Pool) stopIfIdle() {
	if p.used == 0 && !p.stopped {
		p.stopped = true
		close(p.idle)
	}
}

// work runs lanes until none waits: one job of a lane at a time, then the
// lane goes to the back of the line so a busy conversation takes turns
// with the others.
func (p *Pool) work() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.ready) > 0 {
		l := p.ready[0]
		p.ready[0] = nil
		p.ready = p.ready[1:]
		fn := l.jobs[0]
		l.jobs[0] = nil
		l.jobs = l.jobs[1:]
		p.mu.Unlock()
		runSafe(fn)
		p.mu.Lock()
		l.queued = len(l.jobs) > 0
		if l.queued {
			p.ready = append(p.ready, l)
		}
		p.free(l)
	}
	p.running--
}

// runSafe runs fn; a panic is the job's own (handlers contain theirs), but
// a worker must survive it, and it is logged so it is not lost.
func runSafe(fn func()) {
	defer func() {
		if v := recover(); v != nil {
			slog.Error("work pool job panicked", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
	}()
	fn()
}

// Stats are the pool's counters since New.
type Stats struct {
	// Busy is the number of slots held now (running, queued or reserved).
	Busy int
	// Accepted and Rejected count Reserve calls.
	Accepted, Rejected int64
}

// Stats returns the current counters.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	busy := p.used
	p.mu.Unlock()
	return Stats{Busy: busy, Accepted: p.accepted.Load(), Rejected: p.rejected.Load()}
}

// Close refuses new reservations and waits until every reserved slot has
// been run or released, or returns ctx's error when ctx ends first.
func (p *Pool) Close(ctx context.Context) error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		p.stopIfIdle()
	}
	p.mu.Unlock()
	select {
	case <-p.idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
