package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// BenchMarkSeen measures MarkSeen throughput with b.RunParallel, as
// sub-benchmarks with 1, 16 and 64 goroutines per CPU (in-flight inbound
// requests): every call is a new key (each inbound delivery once), and one
// in eight repeats an earlier key (a platform retry).
func BenchMarkSeen(b *testing.B, s tap.Store) {
	for _, par := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("par=%d", par), func(b *testing.B) { benchMarkSeen(b, s, par) })
	}
}

var benchRun atomic.Int64

func benchMarkSeen(b *testing.B, s tap.Store, par int) {
	ctx := context.Background()
	run := benchRun.Add(1)
	var seq atomic.Int64
	b.SetParallelism(par)
	b.ReportAllocs()
	defer reportCPU(b)()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			if n%8 == 0 {
				n -= 5
			}
			if _, err := s.MarkSeen(ctx, fmt.Sprintf("slack:Ev%06d-%016d", run, n), time.Hour); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchUpdateRequest measures UpdateRequest (a full CAS save of a
// realistic request) with b.RunParallel, each goroutine on its own request.
func BenchUpdateRequest(b *testing.B, s tap.Store) {
	ctx := context.Background()
	var ids atomic.Int64
	b.ReportAllocs()
	defer reportCPU(b)()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := NewRequest(fmt.Sprintf("bench-%d", ids.Add(1)), 0)
		r.Sealed = make([]byte, 60)
		if err := s.CreateRequest(ctx, r); err != nil {
			b.Error(err)
			return
		}
		for pb.Next() {
			r.UpdatedAt = r.UpdatedAt.Add(time.Second)
			if err := s.UpdateRequest(ctx, r); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// reportCPU adds a "cpu-ns/op" metric: process CPU time (user+system, all
// threads) per operation. On a shared machine it is steadier than ns/op,
// and it is what a throughput target on N cores is spent from.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if used := cpuTime() - start; used > 0 && b.N > 0 {
			b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	}
}
