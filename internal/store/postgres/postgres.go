// Package postgres is the tap.Store for several replicas, on PostgreSQL via
// github.com/jackc/pgx/v5 (pgxpool). Every request write is a
// compare-and-swap (UPDATE … WHERE id=$1 AND version=$2); de-duplication
// keys and timer leases are single upserts judged by the database clock,
// so replicas agree on expiry; the audit sequence is a primary key. Its
// embedded migrations run under a PostgreSQL advisory lock, so replicas
// starting together apply them once.
//
// The schema is whatever search_path selects; add search_path=... to the
// DSN to use one other than public.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tapbot/tapbot/internal/store/groupcommit"
	"github.com/tapbot/tapbot/internal/store/schema"
	"github.com/tapbot/tapbot/internal/tap"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a tap.Store on a PostgreSQL pool. Create it with Open.
type Store struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	now  func() time.Time
	seen *groupcommit.Committer[seenReq, bool]

	stop chan struct{}
	done sync.WaitGroup
	once sync.Once
}

var _ tap.Store = (*Store)(nil)

// pruneEvery is how often expired de-duplication keys, sessions and leases are deleted.
const pruneEvery = time.Minute

// migrateLockKey is the first half of the advisory lock key; the second is
// hashtext(current_schema()), so separate schemas migrate independently.
const migrateLockKey = 0x74617062 // "tapb"

// Open connects to dsn (a postgres:// URL or key=value string; pool
// settings such as pool_max_conns are honoured), applies pending
// migrations under an advisory lock and starts the pruner.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The parse error can quote the DSN, password included; don't wrap it.
		return nil, fmt.Errorf("open postgres: invalid database url: %w", tap.ErrInvalidInput)
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		// MarkSeen's group committer may hold seenWorkers connections;
		// leave room for everything else.
		cfg.MaxConns = max(cfg.MaxConns, 10)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	s := &Store{pool: pool, log: log, now: time.Now, stop: make(chan struct{})}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	s.seen = groupcommit.New(seenWorkers, maxBatch, s.commitSeen)
	s.done.Add(1)
	go s.pruneLoop()
	return s, nil
}

// migrate applies the embedded migrations newer than schema_version while
// holding a session advisory lock, each in its own transaction.
func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, hashtext(current_schema()))`, migrateLockKey); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must go even if ctx has ended.
		uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, `SELECT pg_advisory_unlock($1, hashtext(current_schema()))`, migrateLockKey); err != nil {
			// Dropping the connection releases the session lock.
			_ = conn.Conn().Close(uctx)
		}
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var cur int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&cur); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	from := cur
	for _, name := range names {
		v, err := schema.Version(name)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if v <= cur {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM schema_version`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_version (version) VALUES ($1)`, v)
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		cur = v
	}
	if cur != from {
		s.log.Info("postgres schema migrated", "schema_version", cur, "from_version", from)
	}
	return nil
}

func (s *Store) pruneLoop() {
	defer s.done.Done()
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), pruneEvery/2)
			if err := s.Prune(ctx); err != nil {
				s.log.Warn("postgres prune", "err", err)
			}
			cancel()
		}
	}
}

// Prune deletes expired de-duplication keys, sessions and leases, in
// chunks so no statement runs long. Open runs it every minute on every
// replica; SKIP LOCKED lets replicas pruning at once share the work.
func (s *Store) Prune(ctx context.Context) error {
	const chunk = 10000
	var total int64
	for _, d := range []struct {
		q    string
		args []any
	}{
		{`DELETE FROM seen WHERE key IN (SELECT key FROM seen WHERE expires <= clock_timestamp()
			LIMIT $1 FOR UPDATE SKIP LOCKED)`, []any{chunk}},
		{`DELETE FROM sessions WHERE key IN (SELECT key FROM sessions WHERE expires <= $2
			LIMIT $1 FOR UPDATE SKIP LOCKED)`, []any{chunk, s.now().UnixNano()}},
		{`DELETE FROM leases WHERE name IN (SELECT name FROM leases WHERE expires <= clock_timestamp()
			LIMIT $1 FOR UPDATE SKIP LOCKED)`, []any{chunk}},
		{`DELETE FROM intake_keys WHERE (caller, key) IN (SELECT caller, key FROM intake_keys
			WHERE expires <= clock_timestamp() LIMIT $1 FOR UPDATE SKIP LOCKED)`, []any{chunk}},
	} {
		for {
			tag, err := s.pool.Exec(ctx, d.q, d.args...)
			if err != nil {
				return fmt.Errorf("prune: %w", err)
			}
			total += tag.RowsAffected()
			if tag.RowsAffected() < chunk {
				break
			}
		}
	}
	if total > 0 {
		s.log.Debug("postgres pruned", "rows", total)
	}
	return nil
}

// Close stops the pruner and closes the pool.
func (s *Store) Close() error {
	s.once.Do(func() {
		close(s.stop)
		s.done.Wait()
		s.seen.Close()
		s.pool.Close()
	})
	return nil
}

// isUnique reports a unique_violation.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// nanos turns t into the stored integer; the zero time sorts first.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return math.MinInt64
	}
	return t.UnixNano()
}

// fromNanos inverts nanos, in UTC.
func fromNanos(n int64) time.Time {
	if n == math.MinInt64 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// nullNanos is nanos with the zero time as NULL.
func nullNanos(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	n := t.UnixNano()
	return &n
}
