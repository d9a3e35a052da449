package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tapbot/tapbot/internal/store/sqlite"
	"github.com/tapbot/tapbot/internal/store/storetest"
)

func benchStore(b *testing.B) *sqlite.Store {
	s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "tapbot.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

func BenchmarkMarkSeen(b *testing.B) { storetest.BenchMarkSeen(b, benchStore(b)) }

func BenchmarkUpdateRequest(b *testing.B) { storetest.BenchUpdateRequest(b, benchStore(b)) }
