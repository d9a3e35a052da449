package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/store/reqdoc"
	"github.com/tapbot/tapbot/internal/store/storetest"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tapbot.db")
	s, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

func TestFileModeAndPragmas(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	if err := s.CreateRequest(ctx, storetest.NewRequest("r1", 0)); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(p), fi.Mode().Perm())
		}
	}
	for _, tt := range []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"synchronous", "1"},
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
		{"secure_delete", "1"},  // deleted sealed passes are zeroed in the file
		{"cache_size", "-1024"}, // page cache bounded at 1 MiB a connection
	} {
		for name, db := range map[string]*sql.DB{"writer": s.w, "reader": s.r, "checkpointer": s.cp} {
			var got string
			if err := db.QueryRowContext(ctx, "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("%s PRAGMA %s = %s, want %s", name, tt.pragma, got, tt.want)
			}
		}
	}
	if _, err := s.r.ExecContext(ctx, `DELETE FROM requests`); err == nil {
		t.Errorf("the reader pool accepted a write")
	}
}

func TestExistingFileMadePrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tapbot.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestOpenRejectsNonFiles(t *testing.T) {
	for _, p := range []string{"", ":memory:", "x.db?mode=memory"} {
		if s, err := Open(context.Background(), p, nil); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}

func TestMigrationsOnceUnderConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tapbot.db")
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(context.Background(), path, nil)
			if err == nil {
				err = s.Close()
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var rows, version int
	if err := s.r.QueryRow(`SELECT count(*), max(version) FROM schema_version`).Scan(&rows, &version); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("migrations/*.sql")
	if rows != 1 || version != len(files) || version < 2 {
		t.Fatalf("schema_version has %d rows, version %d; want 1 row, version %d", rows, version, len(files))
	}
}

// The sealed ciphertext lives in its own table, never in the requests
// row, and once the pass is revealed it is gone from the database files.
func TestSealedPassRow(t *testing.T) {
	s, path := openTemp(t)
	ctx := context.Background()
	r := storetest.NewRequest("r1", 0)
	marker := []byte("SEALED-MARKER-7f3a")
	r.Sealed = marker
	if err := s.CreateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	var sealed []byte
	if err := s.r.QueryRow(`SELECT sealed FROM sealed_passes WHERE id = 'r1'`).Scan(&sealed); err != nil || !bytes.Equal(sealed, marker) {
		t.Fatalf("sealed_passes: %q, %v", sealed, err)
	}
	var cols int
	if err := s.r.QueryRow(`SELECT count(*) FROM pragma_table_info('requests') WHERE name = 'sealed' OR type = 'BLOB'`).Scan(&cols); err != nil || cols != 0 {
		t.Fatalf("requests has %d blob columns (%v), want none", cols, err)
	}
	r.Sealed = nil
	if err := s.UpdateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	wantFilesWithout(t, s, path, marker)
}

// wantFilesWithout checkpoints the WAL into the database and checks that
// neither file holds b: secure_delete zeroed it without a VACUUM.
func wantFilesWithout(t *testing.T, s *Store, path string, b []byte) {
	t.Helper()
	if _, err := s.w.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal"} {
		data, err := os.ReadFile(p)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if bytes.Contains(data, b) {
			t.Errorf("%s still holds the destroyed ciphertext", filepath.Base(p))
		}
	}
}

// A database from before migration 5 keeps its sealed passes: they move
// to sealed_passes, the requests column goes, and a reveal afterwards
// leaves no copy in the files.
func TestMigrationMovesSealedPasses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tapbot.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=secure_delete(1)")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"0001_init.sql", "0002_seen_expires.sql", "0003_one_open_per_target.sql", "0004_drop_seen_expires.sql"} {
		body, err := migrations.ReadFile("migrations/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	marker := []byte("SEALED-BEFORE-MIGRATION-31c9")
	old := storetest.NewRequest("old", 0)
	doc, _, err := reqdoc.Encode(old, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE schema_version (version INTEGER NOT NULL)`,
		`INSERT INTO schema_version VALUES (4)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO requests (id, version, state, requester, target, created_at, next_timer, doc, sealed)
		VALUES ('old', 1, 'issued', 'm', 't', 0, NULL, ?, ?), ('plain', 1, 'pending', 'm', 't2', 0, NULL, ?, NULL)`,
		string(doc), marker, string(doc)); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.GetRequest(ctx, "old")
	if err != nil || !bytes.Equal(got.Sealed, marker) {
		t.Fatalf("migrated request: Sealed %q, err %v", got.Sealed, err)
	}
	if n, err := s.SealedRows(ctx, "plain"); err != nil || n != 0 {
		t.Fatalf("a request without a seal got %d sealed rows (%v)", n, err)
	}
	if held, err := s.RequestsHold(ctx, marker); err != nil || held {
		t.Fatalf("requests still hold the sealed pass after the migration (%v)", err)
	}
	got.Sealed = nil
	if err := s.UpdateRequest(ctx, got); err != nil {
		t.Fatal(err)
	}
	wantFilesWithout(t, s, path, marker)
}

func TestPrune(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	now := time.Now()
	s.now = func() time.Time { return now }
	for _, k := range []string{"a", "b"} {
		if _, err := s.MarkSeen(ctx, k, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.MarkSeen(ctx, "c", time.Hour); err != nil {
		t.Fatal(err)
	}
	now = now.Add(2 * time.Minute)
	if err := s.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.r.QueryRow(`SELECT count(*) FROM seen`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d keys left after prune, want 1", n)
	}
	if first, err := s.MarkSeen(ctx, "c", time.Hour); err != nil || first {
		t.Fatalf("live key pruned: first=%v err=%v", first, err)
	}
}

// Group commit: many concurrent callers, each distinct key reported first
// exactly once, and every answer is already committed (visible to a
// reader) when it arrives.
func TestGroupCommit(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	const workers, keys = 16, 200
	var firsts atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range keys {
				key := fmt.Sprintf("slack:Ev%d", k)
				first, err := s.MarkSeen(ctx, key, time.Hour)
				if err != nil {
					errs <- err
					return
				}
				if first {
					firsts.Add(1)
					var n int
					if err := s.r.QueryRow(`SELECT count(*) FROM seen WHERE key = ?`, key).Scan(&n); err != nil || n != 1 {
						errs <- errors.Join(err, errors.New("answered before commit: "+key))
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if firsts.Load() != keys {
		t.Fatalf("%d first sightings, want %d", firsts.Load(), keys)
	}
}

func TestMarkSeenAfterClose(t *testing.T) {
	s, _ := openTemp(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkSeen(context.Background(), "k", time.Hour); err == nil {
		t.Fatal("MarkSeen after Close succeeded")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// A database at an older schema version gets only the newer migrations.
func TestMigrateUpgrade(t *testing.T) {
	s, path := openTemp(t)
	for _, undo := range []string{
		`DROP INDEX requests_batch`,
		`DROP TABLE intake_refs`,
		`DROP TABLE intake_keys`,
		`DROP INDEX IF EXISTS seen_expires`,
		`DROP INDEX IF EXISTS requests_one_open_per_target`,
		`DROP TABLE sealed_passes`,
		`ALTER TABLE requests ADD COLUMN sealed BLOB`,
	} {
		if _, err := s.w.Exec(undo); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.w.Exec(`UPDATE schema_version SET version = 1`); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var version, idx, gone, sealed int
	if err := s.r.QueryRow(`SELECT max(version),
		(SELECT count(*) FROM sqlite_master WHERE name = 'requests_one_open_per_target'),
		(SELECT count(*) FROM sqlite_master WHERE name = 'seen_expires'),
		(SELECT count(*) FROM sqlite_master WHERE name = 'sealed_passes')
		FROM schema_version`).Scan(&version, &idx, &gone, &sealed); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("migrations/*.sql")
	if version != len(files) || idx != 1 || gone != 0 || sealed != 1 {
		t.Fatalf("after upgrade: version %d, open-target index %d, seen_expires %d, sealed_passes %d; want %d, 1, 0, 1",
			version, idx, gone, sealed, len(files))
	}
}

// TestPruneWalksChunks: more keys than one chunk, expired and live
// interleaved in key order; every expired one goes, every live one stays.
func TestPruneWalksChunks(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	now := time.Now()
	s.now = func() time.Time { return now }
	tx, err := s.w.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 12001; i++ {
		exp := now.Add(time.Hour)
		if i%2 == 0 {
			exp = now.Add(-time.Minute)
		}
		if _, err := tx.Exec(`INSERT INTO seen (key, expires) VALUES (?, ?)`, fmt.Sprintf("k%06d", i), nanos(exp)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := s.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	var left, expired int
	if err := s.r.QueryRow(`SELECT count(*), coalesce(sum(expires <= ?), 0) FROM seen`, nanos(now)).Scan(&left, &expired); err != nil {
		t.Fatal(err)
	}
	if left != 6000 || expired != 0 {
		t.Fatalf("after prune: %d keys left (%d expired), want 6000 live", left, expired)
	}
}
