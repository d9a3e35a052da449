package memstore_test

import (
	"testing"

	"github.com/tapbot/tapbot/internal/store/memstore"
	"github.com/tapbot/tapbot/internal/store/storetest"
)

func BenchmarkMarkSeen(b *testing.B) { storetest.BenchMarkSeen(b, memstore.New()) }

func BenchmarkUpdateRequest(b *testing.B) { storetest.BenchUpdateRequest(b, memstore.New()) }
