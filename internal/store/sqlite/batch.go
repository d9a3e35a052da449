package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// maxBatch bounds how many MarkSeen calls share one transaction.
const maxBatch = 256

const upsertSeen = `INSERT INTO seen (key, expires) VALUES (?, ?)
	ON CONFLICT (key) DO UPDATE SET expires = excluded.expires WHERE seen.expires <= ?`

var errClosed = errors.New("sqlite store closed")

type seenReq struct {
	ctx context.Context
	key string
	ttl time.Duration
	res chan seenRes
}

type seenRes struct {
	first bool
	err   error
}

// batcher is the group committer for MarkSeen. One goroutine takes every
// call waiting at that moment (up to maxBatch), runs them in order in one
// transaction and answers each only after COMMIT returns, so an answer
// never precedes the write it reports. A failed commit fails the whole
// batch; nothing in it is recorded.
type batcher struct {
	db   *sql.DB
	stmt *sql.Stmt // upsertSeen, prepared once on the writer connection
	now  func() time.Time
	in   chan seenReq
	quit chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

func newBatcher(db *sql.DB, now func() time.Time) (*batcher, error) {
	stmt, err := db.Prepare(upsertSeen)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	b := &batcher{db: db, stmt: stmt, now: now, in: make(chan seenReq), quit: make(chan struct{})}
	b.wg.Add(1)
	go b.loop()
	return b, nil
}

// MarkSeen records key until now+ttl. It returns true the first time and
// false while the key is unexpired. Concurrent calls are committed
// together; each returns after its commit. A call whose context ends
// before its turn is not recorded and returns the context's error.
func (s *Store) MarkSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("mark seen %s: %w", key, err)
	}
	req := seenReq{ctx: ctx, key: key, ttl: ttl, res: make(chan seenRes, 1)}
	select {
	case s.seen.in <- req:
	case <-s.seen.quit:
		return false, fmt.Errorf("mark seen %s: %w", key, errClosed)
	case <-ctx.Done():
		return false, fmt.Errorf("mark seen %s: %w", key, ctx.Err())
	}
	// Once handed over, wait for the outcome even if ctx ends: reporting an
	// error for a key that was in fact recorded would turn the platform's
	// retry into a dropped duplicate.
	res := <-req.res
	if res.err != nil {
		return false, fmt.Errorf("mark seen %s: %w", key, res.err)
	}
	return res.first, nil
}

func (b *batcher) loop() {
	defer b.wg.Done()
	batch := make([]seenReq, 0, maxBatch)
	for {
		select {
		case <-b.quit:
			return
		case first := <-b.in:
			batch = append(batch[:0], first)
		fill:
			for len(batch) < maxBatch {
				select {
				case r := <-b.in:
					batch = append(batch, r)
				default:
					break fill
				}
			}
			b.commit(batch)
		}
	}
}

func (b *batcher) commit(batch []seenReq) {
	now := b.now()
	live := batch[:0:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.res <- seenRes{err: err}
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	if len(live) == 1 { // nothing to share: one autocommit statement
		first, err := execSeen(context.Background(), b.stmt.ExecContext, live[0], now)
		live[0].res <- seenRes{first: first, err: err}
		return
	}
	results, err := b.commitTx(live, now)
	for i, r := range live {
		if err != nil {
			r.res <- seenRes{err: err}
			continue
		}
		r.res <- seenRes{first: results[i]}
	}
}

func (b *batcher) commitTx(live []seenReq, now time.Time) ([]bool, error) {
	ctx := context.Background()
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	stmt := tx.StmtContext(ctx, b.stmt)
	results := make([]bool, len(live))
	for i, r := range live {
		first, err := execSeen(ctx, stmt.ExecContext, r, now)
		if err != nil {
			return nil, err
		}
		results[i] = first
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return results, nil
}

type execFunc func(ctx context.Context, args ...any) (sql.Result, error)

func execSeen(ctx context.Context, exec execFunc, r seenReq, now time.Time) (bool, error) {
	res, err := exec(ctx, r.key, now.Add(r.ttl).UnixNano(), now.UnixNano())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

func (b *batcher) close() {
	b.once.Do(func() {
		close(b.quit)
		b.wg.Wait()
		_ = b.stmt.Close()
	})
}
