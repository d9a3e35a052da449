package postgres_test

import (
	"testing"

	"github.com/tapbot/tapbot/internal/store/storetest"
)

func BenchmarkMarkSeen(b *testing.B) {
	s := openAt(b, freshSchema(b))
	defer s.Close()
	storetest.BenchMarkSeen(b, s)
}

func BenchmarkUpdateRequest(b *testing.B) {
	s := openAt(b, freshSchema(b))
	defer s.Close()
	storetest.BenchUpdateRequest(b, s)
}
