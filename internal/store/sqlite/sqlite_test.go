package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tapbot/tapbot/internal/store/sqlite"
	"github.com/tapbot/tapbot/internal/store/storetest"
	"github.com/tapbot/tapbot/internal/tap"
)

func open(t *testing.T) tap.Store {
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "tapbot.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, open)
}

func TestIntakeConformance(t *testing.T) {
	storetest.RunIntake(t, open)
}

func TestConformanceSharedFile(t *testing.T) {
	storetest.RunMulti(t, 3, func(t *testing.T, n int) []tap.Store {
		path := filepath.Join(t.TempDir(), "tapbot.db")
		var out []tap.Store
		for range n {
			s, err := sqlite.Open(context.Background(), path, nil)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	})
}
