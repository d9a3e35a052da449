package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tapbot/tapbot/internal/store/postgres"
	"github.com/tapbot/tapbot/internal/store/storetest"
	"github.com/tapbot/tapbot/internal/tap"
)

// dsn returns TAPBOT_TEST_POSTGRES_DSN. Without it the test is skipped,
// unless TAPBOT_REQUIRE_POSTGRES=1 makes that a failure (CI sets it).
func dsn(t testing.TB) string {
	t.Helper()
	d := os.Getenv("TAPBOT_TEST_POSTGRES_DSN")
	if d == "" {
		if os.Getenv("TAPBOT_REQUIRE_POSTGRES") == "1" {
			t.Fatal("TAPBOT_REQUIRE_POSTGRES=1 but TAPBOT_TEST_POSTGRES_DSN is not set")
		}
		t.Skip("TAPBOT_TEST_POSTGRES_DSN not set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return d
}

// freshSchema creates an empty schema, dropped when the test ends, and
// returns a DSN whose search_path selects it.
func freshSchema(t testing.TB) string {
	t.Helper()
	base := dsn(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "tapbot_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(t, base, schema)
}

func withSearchPath(t testing.TB, dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("parse dsn: %v", err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

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
		WHERE table_schema = current_schema() AND table_name IN ('requests', 'seen', 'sessions', 'conversations', 'audit', 'leases')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 6 {
		t.Fatalf("%d of 6 tables in %s", n, d)
	}
}

// The sealed ciphertext is in its own bytea column, never in the JSON document.
func TestSealedColumn(t *testing.T) {
	d := freshSchema(t)
	s := openAt(t, d)
	defer s.Close()
	ctx := context.Background()
	r := storetest.NewRequest("r1", 0)
	marker := []byte("SEALED-MARKER-7f3a")
	r.Sealed = marker
	if err := s.CreateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var doc string
	var sealed []byte
	if err := conn.QueryRow(ctx, `SELECT doc::text, sealed FROM requests WHERE id = 'r1'`).Scan(&doc, &sealed); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(doc, string(marker)) || string(sealed) != string(marker) {
		t.Fatalf("doc %s / sealed %q", doc, sealed)
	}
	r.Sealed = nil
	if err := s.UpdateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	var isNull bool
	if err := conn.QueryRow(ctx, `SELECT sealed IS NULL FROM requests WHERE id = 'r1'`).Scan(&isNull); err != nil || !isNull {
		t.Fatalf("sealed column not NULL after clearing (err %v)", err)
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
