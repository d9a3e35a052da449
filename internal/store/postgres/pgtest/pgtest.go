// Package pgtest gives tests a PostgreSQL database: TAPBOT_TEST_POSTGRES_DSN
// and a fresh schema per test, dropped when the test ends. Without the DSN
// the test is skipped, unless TAPBOT_REQUIRE_POSTGRES=1 (CI) makes that a
// failure.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// DSN returns TAPBOT_TEST_POSTGRES_DSN, or skips (fails under
// TAPBOT_REQUIRE_POSTGRES=1) when it is not set.
func DSN(t testing.TB) string {
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

// Schema creates an empty schema named prefix_<random>, dropped when the
// test ends, and returns a DSN whose search_path selects it.
func Schema(t testing.TB, prefix string) string {
	t.Helper()
	base := DSN(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := prefix + "_" + hex.EncodeToString(b[:])
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
	return WithSearchPath(t, base, schema)
}

// WithSearchPath returns dsn selecting schema (URL or key=value form).
func WithSearchPath(t testing.TB, dsn, schema string) string {
	t.Helper()
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
