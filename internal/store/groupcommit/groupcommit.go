// Package groupcommit batches concurrent small writes into one commit.
// One goroutine takes every call waiting at that moment (up to a bound),
// hands them to a commit function together, and answers each caller only
// after that function returns — so no caller hears "done" before its write
// is committed, and a failed commit fails every call in it.
//
// The stores use it for MarkSeen, the de-duplication check every inbound
// chat delivery goes through, where one transaction per call would spend
// most of its time in the commit (a WAL write on SQLite, an fsync on
// PostgreSQL).
package groupcommit

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is returned by Do after Close.
var ErrClosed = errors.New("group committer closed")

// CommitFunc writes a batch in one commit and returns one result per
// item, in order. It gets a context that is not canceled by any caller.
type CommitFunc[In, Out any] func(ctx context.Context, batch []In) ([]Out, error)

type call[In, Out any] struct {
	ctx context.Context
	in  In
	res chan result[Out]
}

type result[Out any] struct {
	out Out
	err error
}

// Committer runs a CommitFunc for batches of concurrent calls. Create it
// with New; it is safe for concurrent use.
type Committer[In, Out any] struct {
	commit CommitFunc[In, Out]
	max    int
	in     chan call[In, Out]
	quit   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
}

// New starts a committer with the given number of workers, each of which
// forms a batch of at most maxBatch waiting calls and commits it; so up to
// workers commits are in flight at once. Use one worker for a backend
// with a single writer (SQLite); several let a server (PostgreSQL) flush
// concurrent commits together.
func New[In, Out any](workers, maxBatch int, commit CommitFunc[In, Out]) *Committer[In, Out] {
	c := &Committer[In, Out]{commit: commit, max: max(1, maxBatch),
		in: make(chan call[In, Out]), quit: make(chan struct{})}
	for range max(1, workers) {
		c.wg.Add(1)
		go c.loop()
	}
	return c
}

// Do submits in and waits until the batch holding it is committed. If ctx
// ends before the batch is formed, in is left out of it and Do returns
// ctx's error. Once in is part of a batch, Do waits for the commit even if
// ctx ends, so an error always means "not written" (unless the commit
// itself reports an error after writing, which CommitFunc must not do).
func (c *Committer[In, Out]) Do(ctx context.Context, in In) (Out, error) {
	var zero Out
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	cl := call[In, Out]{ctx: ctx, in: in, res: make(chan result[Out], 1)}
	select {
	case c.in <- cl:
	case <-c.quit:
		return zero, ErrClosed
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	r := <-cl.res
	return r.out, r.err
}

func (c *Committer[In, Out]) loop() {
	defer c.wg.Done()
	batch := make([]call[In, Out], 0, c.max)
	for {
		select {
		case <-c.quit:
			return
		case first := <-c.in:
			batch = append(batch[:0], first)
		fill:
			for len(batch) < c.max {
				select {
				case cl := <-c.in:
					batch = append(batch, cl)
				default:
					break fill
				}
			}
			c.run(batch)
		}
	}
}

func (c *Committer[In, Out]) run(batch []call[In, Out]) {
	live := make([]call[In, Out], 0, len(batch))
	ins := make([]In, 0, len(batch))
	for _, cl := range batch {
		if err := cl.ctx.Err(); err != nil {
			cl.res <- result[Out]{err: err}
			continue
		}
		live = append(live, cl)
		ins = append(ins, cl.in)
	}
	if len(live) == 0 {
		return
	}
	outs, err := c.commit(context.Background(), ins)
	if err == nil && len(outs) != len(ins) {
		err = errors.New("groupcommit: commit returned the wrong number of results")
	}
	for i, cl := range live {
		if err != nil {
			cl.res <- result[Out]{err: err}
			continue
		}
		cl.res <- result[Out]{out: outs[i]}
	}
}

// Close stops the committer after the batch in progress; later Do calls
// return ErrClosed. It is idempotent.
func (c *Committer[In, Out]) Close() {
	c.once.Do(func() {
		close(c.quit)
		c.wg.Wait()
	})
}
