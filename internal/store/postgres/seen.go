package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tapbot/tapbot/internal/store/groupcommit"
)

// maxBatch bounds how many MarkSeen calls share one statement, and
// seenWorkers how many such statements are in flight at once (each holds
// one pool connection while it runs).
const (
	maxBatch    = 512
	seenWorkers = 3
)

type seenReq struct {
	key string
	ttl time.Duration
}

var errClosed = errors.New("postgres store closed")

// MarkSeen records key until now+ttl by the database clock. It returns
// true the first time and false while the key is unexpired. Concurrent
// calls are group-committed: one INSERT … ON CONFLICT statement (one
// commit, one WAL flush) for every call waiting at that moment, and each
// returns only after that commit. A call whose context ends before its
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

// commitSeen upserts the batch's distinct keys in one statement, in a
// fixed (byte) order so that batches from several replicas lock rows in
// the same order and cannot deadlock. The upsert only takes over an
// expired key; RETURNING names the keys this batch won. A key repeated
// within the batch is first only at its first occurrence.
func (s *Store) commitSeen(ctx context.Context, batch []seenReq) ([]bool, error) {
	keys := make([]string, 0, len(batch))
	ttls := make([]int64, 0, len(batch))
	firstAt := make(map[string]int, len(batch))
	for i, r := range batch {
		if _, dup := firstAt[r.key]; dup {
			continue
		}
		firstAt[r.key] = i
		keys = append(keys, r.key)
		ttls = append(ttls, r.ttl.Microseconds())
	}
	rows, err := s.pool.Query(ctx, `INSERT INTO seen (key, expires)
		SELECT k, clock_timestamp() + t * interval '1 microsecond'
		FROM unnest($1::text[], $2::bigint[]) AS u (k, t) ORDER BY k COLLATE "C"
		ON CONFLICT (key) DO UPDATE SET expires = excluded.expires WHERE seen.expires <= clock_timestamp()
		RETURNING key`, keys, ttls)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]bool, len(batch))
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		if i, ok := firstAt[k]; ok {
			out[i] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
