package store_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tapbot/tapbot/internal/store"
	"github.com/tapbot/tapbot/internal/store/postgres"
	"github.com/tapbot/tapbot/internal/store/sqlite"
	"github.com/tapbot/tapbot/internal/tap"
)

func TestOpenSQLite(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, url, dataDir, wantFile string
	}{
		{"data dir default", "", filepath.Join(dir, "data"), filepath.Join(dir, "data", store.DefaultFile)},
		{"sqlite url", "sqlite://" + filepath.Join(dir, "x", "y.db"), "", filepath.Join(dir, "x", "y.db")},
		{"empty sqlite url uses data dir", "sqlite://", filepath.Join(dir, "d2"), filepath.Join(dir, "d2", store.DefaultFile)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := store.Open(context.Background(), tt.url, tt.dataDir, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, ok := s.(*sqlite.Store); !ok {
				t.Fatalf("got %T, want *sqlite.Store", s)
			}
			fi, err := os.Stat(tt.wantFile)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
			}
			if first, err := s.MarkSeen(context.Background(), "k", time.Minute); err != nil || !first {
				t.Fatalf("MarkSeen = %v, %v", first, err)
			}
		})
	}
	if fi, err := os.Stat(filepath.Join(dir, "data")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir: %v, %v; want mode 0700", fi.Mode(), err)
	}
}

func TestOpenRefuses(t *testing.T) {
	for _, url := range []string{"mysql://root:hunter2@db/tapbot", "hunter2", "file:hunter2.db"} {
		_, err := store.Open(context.Background(), url, t.TempDir(), nil)
		if !errors.Is(err, tap.ErrInvalidInput) {
			t.Errorf("Open(%q): err = %v, want ErrInvalidInput", url, err)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%q): error quotes the url: %v", url, err)
		}
	}
	if _, err := store.Open(context.Background(), "", "", nil); !errors.Is(err, tap.ErrInvalidInput) {
		t.Errorf("no url, no data dir: err = %v", err)
	}
}

func TestOpenPostgres(t *testing.T) {
	dsn := os.Getenv("TAPBOT_TEST_POSTGRES_DSN")
	if dsn == "" {
		if os.Getenv("TAPBOT_REQUIRE_POSTGRES") == "1" {
			t.Fatal("TAPBOT_REQUIRE_POSTGRES=1 but TAPBOT_TEST_POSTGRES_DSN is not set")
		}
		t.Skip("TAPBOT_TEST_POSTGRES_DSN not set")
	}
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Skip("TAPBOT_TEST_POSTGRES_DSN is not a postgres:// URL")
	}
	// Opening migrates: do it in a private schema.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	schema := fmt.Sprintf("tapbot_test_store_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Error(err)
		}
	}()
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	s, err := store.Open(ctx, u.String(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok := s.(*postgres.Store); !ok {
		t.Fatalf("got %T, want *postgres.Store", s)
	}
	if first, err := s.MarkSeen(ctx, "k", time.Minute); err != nil || !first {
		t.Fatalf("MarkSeen = %v, %v", first, err)
	}
}
