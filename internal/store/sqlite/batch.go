package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tapbot/tapbot/internal/store/groupcommit"
)

// maxBatch bounds how many MarkSeen calls share one transaction.
const maxBatch = 256

const upsertSeen = `INSERT INTO seen (key, expires) VALUES (?, ?)
	ON CONFLICT (key) DO UPDATE SET expires = excluded.expires WHERE seen.expires <= ?`

type seenReq struct {
	key string
	ttl time.Duration
}

// MarkSeen records key until now+ttl. It returns true the first time and
// false while the key is unexpired. Concurrent calls are group-committed:
// they share one transaction, run in arrival order, and each returns only
// after that transaction has committed (WAL, synchronous=NORMAL: durable
// across a process crash; the last commits can be lost to a power cut, as
// for every write of this store). A call whose context ends before its
// batch forms is not recorded and returns the context's error.
func (s *Store) MarkSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	first, err := s.seen.Do(ctx, seenReq{key: key, ttl: ttl})
	if errors.Is(err, groupcommit.ErrClosed) {
		err = errClosed
	}
	if err != nil {
		return false, fmt.Errorf("mark seen %s: %w", key, err)
	}
	return first, nil
}

var errClosed = errors.New("sqlite store closed")

// commitSeen is the group commit: one autocommit statement for a lone
// call, otherwise one IMMEDIATE transaction for the batch.
func (s *Store) commitSeen(ctx context.Context, batch []seenReq) ([]bool, error) {
	st, err := s.stmt(ctx, s.w, upsertSeen)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]bool, len(batch))
	if len(batch) == 1 {
		out[0], err = execSeen(ctx, st, batch[0], now)
		return out, err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }()
	txst := tx.StmtContext(ctx, st)
	for i, r := range batch {
		if out[i], err = execSeen(ctx, txst, r, now); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return out, nil
}

func execSeen(ctx context.Context, st *sql.Stmt, r seenReq, now time.Time) (bool, error) {
	res, err := st.ExecContext(ctx, r.key, now.Add(r.ttl).UnixNano(), now.UnixNano())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n == 1, nil
}
