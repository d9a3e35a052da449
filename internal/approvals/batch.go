package approvals

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// approveOne is how Approve all approves each request of a batch: the
// same click as a single approval, each one checked and audited on its
// own, its pass queued for the issuer (RunIssuer), which creates it at
// Graph's write limit instead of inside the click.
var approveOne = (*Service).ApproveQueued

// batchWorkers bounds how many rows of a batch are checked, sent or
// approved at once (each costs Graph reads and an audit record).
const batchWorkers = 4

// BatchRequestID is the id of the request a batch's row opens: derived
// from the batch id (itself the sender and the file's hash) and the row,
// so sending the batch again, or a second click, finds the same request
// instead of opening another.
func BatchRequestID(batch string, line int) tap.RequestID {
	return tap.RequestID("b-" + batch + "-" + strconv.Itoa(line))
}

// BatchRow is one row of a batch to send: its line in the file and the
// draft request (requester = the hiring manager, or the sender).
type BatchRow struct {
	Line  int
	Draft *tap.Request
}

// BatchOutcome is what became of one row: the request it opened (or had
// opened at an earlier send), or why not.
type BatchOutcome struct {
	Line    int
	Request *tap.Request
	Err     error
}

// MayBulk refuses actor unless they may send a batch (an approver or a
// member of a requester group), read now.
func (s *Service) MayBulk(ctx context.Context, actor tap.Actor) error {
	ok, err := s.check.MayBulk(ctx, actor)
	if err != nil {
		return fmt.Errorf("check batch sender %s: %w", who(actor), err)
	}
	if !ok {
		return tap.Refuse(tap.ErrForbidden, text.BulkNotAllowed)
	}
	return nil
}

// CheckBatch runs Check on every row, a few at a time, and returns each
// row's request as it would be submitted or its refusal, in row order.
// Nothing is stored and nobody is told.
func (s *Service) CheckBatch(ctx context.Context, rows []BatchRow) []BatchOutcome {
	return s.eachRow(ctx, rows, func(ctx context.Context, row BatchRow) (*tap.Request, error) {
		return s.Check(ctx, row.Draft)
	})
}

// SendBatch submits every row as its own request tagged with b, each
// through SubmitAs with the id BatchRequestID derives, so it runs the
// checks of a single request, is audited and stored on its own and
// notifies as one (the chat layer draws one bulk card for the batch
// instead of a card per request). It is idempotent: a row whose request
// exists already (an earlier send, a double click, another replica) is
// returned as it is, never opened twice.
func (s *Service) SendBatch(ctx context.Context, b tap.Batch, rows []BatchRow) []BatchOutcome {
	return s.eachRow(ctx, rows, func(ctx context.Context, row BatchRow) (*tap.Request, error) {
		id := BatchRequestID(b.ID, row.Line)
		if q, err := s.store.GetRequest(ctx, id); err == nil {
			return snapshot(q), nil
		} else if !errors.Is(err, tap.ErrNotFound) {
			return nil, fmt.Errorf("read batch request %s: %w", id, err)
		}
		d := row.Draft.Clone()
		bb := b
		d.Batch = &bb
		q, err := s.SubmitAs(ctx, d, id)
		if err != nil {
			// A concurrent send of the same row won the insert.
			if got, gerr := s.store.GetRequest(ctx, id); gerr == nil {
				return snapshot(got), nil
			}
			return nil, err
		}
		return q, nil
	})
}

// eachRow runs fn on every row, batchWorkers at a time, in row order.
func (s *Service) eachRow(ctx context.Context, rows []BatchRow, fn func(context.Context, BatchRow) (*tap.Request, error)) []BatchOutcome {
	out := make([]BatchOutcome, len(rows))
	sem := make(chan struct{}, batchWorkers)
	var wg sync.WaitGroup
	for i, row := range rows {
		out[i].Line = row.Line
		if ctx.Err() != nil {
			out[i].Err = ctx.Err()
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i].Request, out[i].Err = fn(ctx, row)
		}()
	}
	wg.Wait()
	return out
}

// Batch lists the requests of batch id, oldest first; ErrNotFound when
// there are none.
func (s *Service) Batch(ctx context.Context, id string) ([]*tap.Request, error) {
	reqs, err := s.store.ListRequests(ctx, tap.RequestFilter{Batch: id})
	if err != nil {
		return nil, fmt.Errorf("list batch %s: %w", id, err)
	}
	if len(reqs) == 0 {
		return nil, tap.Refuse(tap.ErrNotFound, text.BulkGone)
	}
	for i, r := range reqs {
		reqs[i] = snapshot(r)
	}
	return reqs, nil
}

// ApproveBatch is Approve all: actor approves every request of batch id
// that still waits for them, each through the single approval's checks
// and audit (a request needing a second approver stays pending). The
// batch's sender is refused (they may not approve their own batch,
// whichever requester a row named), and so is a click with nothing left
// to approve. each, when set, is called as every request finishes.
func (s *Service) ApproveBatch(ctx context.Context, id string, actor tap.Actor, each func(BatchOutcome)) ([]BatchOutcome, error) {
	reqs, err := s.Batch(ctx, id)
	if err != nil {
		return nil, err
	}
	if b := reqs[0].Batch; b != nil && same(b.Submitter, actor) {
		return nil, s.refused(ctx, reqs[0], actor, "approve_batch", tap.Refuse(tap.ErrSelfApproval, text.BulkOwnBatch))
	}
	var rows []BatchRow
	for _, r := range reqs {
		if s.decidable(r, actor) == nil {
			rows = append(rows, BatchRow{Line: 0, Draft: r})
		}
	}
	if len(rows) == 0 {
		return nil, tap.Refuse(tap.ErrInvalidTransition, text.BulkNoneLeft)
	}
	s.log.InfoContext(ctx, "batch approval", "batch", id, "approver", who(actor), "requests", len(rows))
	var mu sync.Mutex
	out := s.eachRow(ctx, rows, func(ctx context.Context, row BatchRow) (*tap.Request, error) {
		q, err := approveOne(s, ctx, row.Draft.ID, actor)
		if each != nil {
			mu.Lock()
			each(BatchOutcome{Request: q, Err: err})
			mu.Unlock()
		}
		return q, err
	})
	return out, nil
}
