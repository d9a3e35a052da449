// Package sqlite is the embedded tap.Store on modernc.org/sqlite (pure Go,
// no cgo): one database file in WAL mode, embedded migrations, one writer
// connection (SQLite admits one writer at a time; serialising in-process
// avoids SQLITE_BUSY) and a small pool of readers. De-duplication keys are
// written with group commit: concurrent MarkSeen calls share one
// transaction, and each caller is answered only after that commit.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/tapbot/tapbot/internal/store/groupcommit"
	"github.com/tapbot/tapbot/internal/store/schema"
	"github.com/tapbot/tapbot/internal/tap"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a tap.Store in one SQLite file. Create it with Open.
type Store struct {
	w    *sql.DB // exactly one connection: all writes
	r    *sql.DB // readers
	cp   *sql.DB // the background checkpointer (checkpoint.go)
	log  *slog.Logger
	now  func() time.Time
	seen *groupcommit.Committer[seenReq, bool]

	stmtMu sync.Mutex
	stmts  map[stmtKey]*sql.Stmt

	// writes are writeQueries prepared on w by Open, read-only afterwards,
	// so a transaction holding w's one connection never waits for stmtMu
	// (whose holder may be waiting for that connection).
	writes map[string]*sql.Stmt

	stop chan struct{}
	done sync.WaitGroup
	once sync.Once
}

var _ tap.Store = (*Store)(nil)

// pruneEvery is how often expired de-duplication keys and sessions are deleted.
const pruneEvery = time.Minute

// Open opens (creating it with mode 0600 if needed) the database at path,
// applies pending migrations and starts the pruner. Close releases it.
func Open(ctx context.Context, path string, log *slog.Logger) (*Store, error) {
	if path == "" || path == ":memory:" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open sqlite %q: need a file path without ? or #: %w", path, tap.ErrInvalidInput)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// Create the file ourselves so that it (and the -wal and -shm files,
	// which SQLite creates with the database's mode) is private.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	_ = f.Close()
	if err := os.Chmod(path, 0o600); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// cache_size(-1024): each connection's page cache is at most 1 MiB
	// (6 connections: 6 MiB), so resident memory stays bounded however
	// large the file grows (README, "Memory").
	const pragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_pragma=secure_delete(1)&_pragma=cache_size(-1024)"
	w, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=wal_autocheckpoint(0)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	cp, err := sql.Open("sqlite", "file:"+path+"?"+pragmas)
	if err != nil {
		_ = w.Close()
		_ = r.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	cp.SetMaxOpenConns(1)
	cp.SetMaxIdleConns(1)
	s := &Store{w: w, r: r, cp: cp, log: log, now: time.Now, stmts: make(map[stmtKey]*sql.Stmt), stop: make(chan struct{})}
	if err := s.setup(ctx); err != nil {
		_ = w.Close()
		_ = r.Close()
		_ = cp.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	s.seen = groupcommit.New(1, maxBatch, s.commitSeen) // one writer
	s.done.Add(2)
	go s.pruneLoop()
	go s.checkpointLoop(cp)
	return s, nil
}

// setup applies the migrations, then prepares the writer's statements.
// Several processes opening a new file at once can meet SQLITE_BUSY
// while one of them switches it to WAL (the busy timeout does not cover
// that), so a busy migration is tried again a few times.
func (s *Store) setup(ctx context.Context) error {
	err := s.migrate(ctx)
	for wait := 20 * time.Millisecond; isBusy(err) && wait < 2*time.Second; wait *= 2 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		err = s.migrate(ctx)
	}
	if err != nil {
		return err
	}
	s.writes = make(map[string]*sql.Stmt, len(writeQueries))
	for _, q := range writeQueries {
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		s.writes[q] = st
	}
	return nil
}

// migrate applies the embedded migrations newer than schema_version, all
// in one IMMEDIATE transaction so concurrent openers apply them once.
func (s *Store) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var cur int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&cur); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	applied := 0
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
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM schema_version`); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, v); err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		cur = v
		applied++
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if applied > 0 {
		s.log.Info("sqlite schema migrated", "schema_version", cur, "applied", applied)
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
			if err := s.Prune(context.Background()); err != nil {
				s.log.Warn("sqlite prune", "err", err)
			}
		}
	}
}

// Prune deletes expired de-duplication keys, sessions and leases. Open
// runs it every minute; it is exported for tests and tools. De-duplication
// keys have no expiry index (it would cost every inbound delivery a second
// B-tree write): the chunked delete walks the table, which is cheap at the
// volumes a chat bot sees and bounded per statement by the LIMIT.
func (s *Store) Prune(ctx context.Context) error {
	now := nanos(s.now())
	total, err := s.pruneSeen(ctx, now)
	if err != nil {
		return err
	}
	for _, q := range []string{
		`DELETE FROM sessions WHERE key IN (SELECT key FROM sessions WHERE expires <= ? LIMIT 5000)`,
		`DELETE FROM leases WHERE expires <= ?`,
		`DELETE FROM intake_keys WHERE (caller, key) IN (SELECT caller, key FROM intake_keys WHERE expires <= ? LIMIT 5000)`,
	} {
		for {
			res, err := s.w.ExecContext(ctx, q, now)
			if err != nil {
				return fmt.Errorf("prune: %w", err)
			}
			n, _ := res.RowsAffected()
			total += n
			if n < 5000 {
				break
			}
		}
	}
	if total > 0 {
		s.log.Debug("sqlite pruned", "rows", total)
	}
	return nil
}

// pruneSeen deletes expired de-duplication keys by walking the primary
// key in chunks of 5000: linear in the table's size, and the single writer
// is held for one chunk at a time, never for the whole walk.
func (s *Store) pruneSeen(ctx context.Context, now int64) (int64, error) {
	var total int64
	last := ""
	for {
		var hi sql.NullString
		if err := s.r.QueryRowContext(ctx,
			`SELECT max(key) FROM (SELECT key FROM seen WHERE key > ? ORDER BY key LIMIT 5000)`, last).Scan(&hi); err != nil {
			return total, fmt.Errorf("prune: %w", err)
		}
		if !hi.Valid {
			return total, nil
		}
		res, err := s.w.ExecContext(ctx, `DELETE FROM seen WHERE key > ? AND key <= ? AND expires <= ?`, last, hi.String, now)
		if err != nil {
			return total, fmt.Errorf("prune: %w", err)
		}
		n, _ := res.RowsAffected()
		total += n
		last = hi.String
	}
}

// Close stops the pruner and the group committer and closes the database.
func (s *Store) Close() error {
	var err error
	s.once.Do(func() {
		close(s.stop)
		s.done.Wait()
		s.seen.Close()
		s.stmtMu.Lock()
		for _, st := range s.stmts {
			_ = st.Close()
		}
		s.stmts = nil
		s.stmtMu.Unlock()
		for _, st := range s.writes {
			_ = st.Close()
		}
		err = errors.Join(s.w.Close(), s.r.Close(), s.cp.Close())
	})
	return err
}

type stmtKey struct {
	db    *sql.DB
	query string
}

// maxStmts bounds the prepared-statement cache (ListRequests builds its
// query from the filter, so the set of texts is finite but not tiny).
const maxStmts = 128

// stmt returns query prepared on db from the cache, preparing and
// caching it on first use; nil (use db directly) if the cache is full.
func (s *Store) stmt(ctx context.Context, db *sql.DB, query string) (*sql.Stmt, error) {
	k := stmtKey{db, query}
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if st, ok := s.stmts[k]; ok {
		return st, nil
	}
	if s.stmts == nil || len(s.stmts) >= maxStmts {
		return nil, nil
	}
	st, err := db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.stmts[k] = st
	return st, nil
}

// inTx runs fn in one IMMEDIATE transaction on the writer connection,
// committed when fn returns nil and rolled back otherwise.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// txExec runs query in tx, as the statement Open prepared when it is one
// of writeQueries. It neither prepares nor takes stmtMu: the transaction
// holds the writer's only connection, which a preparer would wait for.
func (s *Store) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st := s.writes[query]
	if st == nil {
		return tx.ExecContext(ctx, query, args...)
	}
	return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}

// exec runs query on db as a cached prepared statement.
func (s *Store) exec(ctx context.Context, db *sql.DB, query string, args ...any) (sql.Result, error) {
	st, err := s.stmt(ctx, db, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return db.ExecContext(ctx, query, args...)
	}
	return st.ExecContext(ctx, args...)
}

// query runs query on db as a cached prepared statement.
func (s *Store) query(ctx context.Context, db *sql.DB, query string, args ...any) (*sql.Rows, error) {
	st, err := s.stmt(ctx, db, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return db.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

// queryRow is query for one row.
func (s *Store) queryRow(ctx context.Context, db *sql.DB, query string, args ...any) *sql.Row {
	if st, err := s.stmt(ctx, db, query); err == nil && st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.QueryRowContext(ctx, query, args...)
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
func nullNanos(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

// isBusy reports whether err is SQLite's SQLITE_BUSY (database is locked).
func isBusy(err error) bool {
	var coded interface{ Code() int }
	return errors.As(err, &coded) && coded.Code()&0xff == 5
}
