package workq

import (
	"context"
	"sync"
	"testing"
	"time"
)

func closePool(t *testing.T, p *Pool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestReserveRefusesBeyondCapacity(t *testing.T) {
	p := New(Config{Workers: 1, Queue: 2, PerKey: 10})
	release := make(chan struct{})
	for i := range 3 {
		s, ok := p.Reserve(string(rune('a' + i)))
		if !ok {
			t.Fatalf("reserve %d refused below capacity", i)
		}
		s.Run(func() { <-release })
	}
	if _, ok := p.Reserve("d"); ok {
		t.Fatal("reserve beyond workers+queue accepted")
	}
	if st := p.Stats(); st.Busy != 3 || st.Accepted != 3 || st.Rejected != 1 {
		t.Fatalf("stats = %+v, want busy 3, accepted 3, rejected 1", st)
	}
	close(release)
	closePool(t, p)
	if st := p.Stats(); st.Busy != 0 {
		t.Fatalf("busy after close = %d", st.Busy)
	}
}

func TestReleaseGivesTheSlotBack(t *testing.T) {
	p := New(Config{Workers: 1, Queue: -1, PerKey: 1})
	defer closePool(t, p)
	s, ok := p.Reserve("k")
	if !ok {
		t.Fatal("first reserve refused")
	}
	if _, ok := p.Reserve("k"); ok {
		t.Fatal("second reserve of a one-slot pool accepted")
	}
	s.Release()
	s.Release() // idempotent
	s2, ok := p.Reserve("k")
	if !ok {
		t.Fatal("reserve after release refused")
	}
	s2.Release()
}

func TestPerKeyLaneIsBoundedAndOrdered(t *testing.T) {
	p := New(Config{Workers: 4, Queue: 100, PerKey: 3})
	defer closePool(t, p)
	gate := make(chan struct{})
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	for i := range 3 {
		s, ok := p.Reserve("conv")
		if !ok {
			t.Fatalf("reserve %d of the lane refused", i)
		}
		wg.Add(1)
		s.Run(func() {
			defer wg.Done()
			<-gate
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
		})
	}
	if _, ok := p.Reserve("conv"); ok {
		t.Fatal("fourth job of a 3-deep lane accepted")
	}
	if s, ok := p.Reserve("other"); !ok {
		t.Fatal("another key refused while one lane is full")
	} else {
		s.Release()
	}
	close(gate)
	wg.Wait()
	if len(order) != 3 || order[0] != 0 || order[1] != 1 || order[2] != 2 {
		t.Fatalf("lane order = %v, want [0 1 2]", order)
	}
}

// A conversation whose jobs block (a slow outbound) holds one worker; the
// other conversations' jobs run on the others at once.
func TestSlowConversationDoesNotBlockAnother(t *testing.T) {
	p := New(Config{Workers: 2, Queue: 50, PerKey: 20})
	stuck := make(chan struct{})
	for range 20 {
		s, ok := p.Reserve("slow")
		if !ok {
			t.Fatal("slow lane refused")
		}
		s.Run(func() { <-stuck })
	}
	done := make(chan struct{})
	s, ok := p.Reserve("fast")
	if !ok {
		t.Fatal("fast lane refused")
	}
	s.Run(func() { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a job of another conversation waited behind the slow one")
	}
	close(stuck)
	closePool(t, p)
}

func TestPanicKeepsTheWorker(t *testing.T) {
	p := New(Config{Workers: 1, Queue: 1})
	defer closePool(t, p)
	s, _ := p.Reserve("k")
	s.Run(func() { panic("boom") })
	done := make(chan struct{})
	s, ok := p.Reserve("k")
	if !ok {
		t.Fatal("reserve refused")
	}
	s.Run(func() { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the worker died with the panicking job")
	}
}

func TestReserveAfterCloseIsRefused(t *testing.T) {
	p := New(Config{Workers: 1})
	closePool(t, p)
	if _, ok := p.Reserve("k"); ok {
		t.Fatal("reserve after close accepted")
	}
}

func TestSendersTellOncePerFlood(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := NewSenders(5, 10)
	s.now = func() time.Time { return now }
	var allowed, told int
	// 2,000 messages a second for 3 seconds from one person.
	for range 6000 {
		now = now.Add(500 * time.Microsecond)
		switch s.Check("teams:alice") {
		case Allow:
			allowed++
		case DropAndTell:
			told++
		}
	}
	if told != 1 {
		t.Fatalf("told %d times during one flood, want once", told)
	}
	if allowed < 10 || allowed > 10+3*5+1 {
		t.Fatalf("allowed %d, want the burst (10) plus about 5/s", allowed)
	}
	if v := s.Check("teams:bob"); v != Allow {
		t.Fatalf("another sender = %v, want Allow", v)
	}
	// Quiet for long enough to refill: a new flood is told again.
	now = now.Add(3 * time.Second)
	told = 0
	for range 100 {
		if s.Check("teams:alice") == DropAndTell {
			told++
		}
	}
	if told != 1 {
		t.Fatalf("second flood told %d times, want once", told)
	}
}

func TestSendersTableIsBounded(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := NewSenders(5, 10)
	s.now = func() time.Time { return now }
	for i := range maxSenders {
		s.Check(string(rune(i)))
	}
	now = now.Add(10 * time.Second)
	s.Check("new")
	if n := len(s.m); n != 1 {
		t.Fatalf("table after sweep has %d senders, want 1", n)
	}
}
