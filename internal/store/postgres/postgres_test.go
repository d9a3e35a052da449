package postgres_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tapbot/tapbot/internal/store/postgres"
	"github.com/tapbot/tapbot/internal/store/postgres/pgtest"
	"github.com/tapbot/tapbot/internal/store/storetest"
	"github.com/tapbot/tapbot/internal/tap"
)

// freshSchema is a fresh schema for one test (see pgtest).
func freshSchema(t testing.TB) string { return pgtest.Schema(t, "tapbot_test") }

func openAt(t testing.TB, dsn string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) tap.Store { return openAt(t, freshSchema(t)) })
}

func TestIntakeConformance(t *testing.T) {
	storetest.RunIntake(t, func(t *testing.T) tap.Store { return openAt(t, freshSchema(t)) })
}

// Three pools on one schema, as three replicas.
func TestConformanceReplicas(t *testing.T) {
	storetest.RunMulti(t, 3, func(t *testing.T, n int) []tap.Store {
		d := freshSchema(t)
		var out []tap.Store
		for range n {
			out = append(out, openAt(t, d))
		}
		return out
	})
}

// Five replicas starting at once on an empty schema: all open, and the
// schema is applied once.
func TestConcurrentMigrations(t *testing.T) {
	d := freshSchema(t)
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := postgres.Open(context.Background(), d, nil)
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
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var rows, version int
	if err := conn.QueryRow(ctx, `SELECT count(*), max(version) FROM schema_version`).Scan(&rows, &version); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("migrations/*.sql")
	if rows != 1 || version != len(files) || version < 2 {
		t.Fatalf("schema_version: %d rows, version %d; want 1 row, version %d", rows, version, len(files))
	}
	// The tables live in the test's schema, not in public.
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name IN ('requests', 'sealed_passes', 'seen', 'sessions', 'conversations', 'audit', 'leases')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 7 {
		t.Fatalf("%d of 7 tables in %s", n, d)
	}
}

func TestOpenBadDSNDoesNotLeakIt(t *testing.T) {
	_, err := postgres.Open(context.Background(), "postgres://u:hunter2@[::1", nil)
	if err == nil {
		t.Fatal("Open accepted a malformed DSN")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error quotes the password: %v", err)
	}
}

func TestPrune(t *testing.T) {
	d := freshSchema(t)
	s := openAt(t, d)
	defer s.Close()
	ctx := context.Background()
	for _, k := range []string{"a", "b"} {
		if _, err := s.MarkSeen(ctx, k, 100*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.MarkSeen(ctx, "live", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSession(ctx, tap.Session{Key: "old", Data: []byte("{}"), Expires: time.Now().Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcquireLease(ctx, "l", "h", 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if err := s.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var seen, sessions, leases int
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM seen), (SELECT count(*) FROM sessions),
		(SELECT count(*) FROM leases)`).Scan(&seen, &sessions, &leases); err != nil {
		t.Fatal(err)
	}
	if seen != 1 || sessions != 0 || leases != 0 {
		t.Fatalf("after prune: %d keys, %d sessions, %d leases; want 1, 0, 0", seen, sessions, leases)
	}
	if first, err := s.MarkSeen(ctx, "live", time.Hour); err != nil || first {
		t.Fatalf("live key pruned: first=%v err=%v", first, err)
	}
}
