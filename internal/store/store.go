// Package store opens the configured tap.Store: PostgreSQL for a
// postgres:// or postgresql:// URL (several replicas), otherwise the
// embedded SQLite file. The implementations live in the subpackages
// sqlite, postgres and memstore; storetest is the conformance suite they
// all pass.
package store

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/tapbot/tapbot/internal/store/postgres"
	"github.com/tapbot/tapbot/internal/store/sqlite"
	"github.com/tapbot/tapbot/internal/tap"
)

// DefaultFile is the SQLite file name inside the data directory.
const DefaultFile = "tapbot.db"

// Open opens the store that url names:
//
//	""                                  SQLite at dataDir/tapbot.db (dataDir is created, mode 0700)
//	"sqlite://" + path                  SQLite at path (sqlite:///abs/file.db, sqlite://rel/file.db)
//	"postgres://…", "postgresql://…"    PostgreSQL (pgx DSN; add search_path=… for a schema)
//
// Errors never quote url, which may hold a password.
// ValidateURL reports whether url names a store Open can open: empty
// (SQLite in the data dir), sqlite://path, postgres:// or postgresql://.
func ValidateURL(url string) error {
	switch {
	case url == "", strings.HasPrefix(url, "sqlite://"),
		strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return nil
	}
	scheme, _, ok := strings.Cut(url, "://")
	if !ok {
		scheme = "no scheme"
	}
	return fmt.Errorf("unsupported database (%s): use postgres://… or sqlite://…", scheme)
}

func Open(ctx context.Context, url, dataDir string, log *slog.Logger) (tap.Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		s, err := postgres.Open(ctx, url, log)
		if err != nil {
			return nil, err
		}
		log.Info("store opened", "kind", "postgres")
		return s, nil
	case url == "" || strings.HasPrefix(url, "sqlite://"):
		path := strings.TrimPrefix(url, "sqlite://")
		if path == "" {
			if dataDir == "" {
				return nil, fmt.Errorf("open store: no database url and no data dir: %w", tap.ErrInvalidInput)
			}
			if err := os.MkdirAll(dataDir, 0o700); err != nil {
				return nil, fmt.Errorf("open store: %w", err)
			}
			path = filepath.Join(dataDir, DefaultFile)
		} else if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("open store: %w", err)
			}
		}
		s, err := sqlite.Open(ctx, path, log)
		if err != nil {
			return nil, err
		}
		log.Info("store opened", "kind", "sqlite", "path", path)
		return s, nil
	}
	return nil, fmt.Errorf("open store: %w: %w", ValidateURL(url), tap.ErrInvalidInput)
}
