package workq

import (
	"strconv"
	"sync"
	"testing"
)

// BenchmarkReserveRun: the cost one delivery pays to go through the pool,
// spread over 100 conversations.
func BenchmarkReserveRun(b *testing.B) {
	p := New(Config{Queue: 1 << 20, PerKey: 1 << 20})
	keys := make([]string, 100)
	for i := range keys {
		keys[i] = "conv-" + strconv.Itoa(i)
	}
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		s, ok := p.Reserve(keys[i%len(keys)])
		if !ok {
			b.Fatal("refused")
		}
		wg.Add(1)
		s.Run(wg.Done)
	}
	wg.Wait()
}

// BenchmarkSendersCheck: the per-person rate check.
func BenchmarkSendersCheck(b *testing.B) {
	s := NewSenders(0, 0)
	b.ReportAllocs()
	for i := range b.N {
		s.Check("teams:29:user-" + strconv.Itoa(i%1000))
	}
}
