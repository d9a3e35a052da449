package groupcommit_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/store/groupcommit"
)

func TestBatchesAndAnswersInOrder(t *testing.T) {
	var mu sync.Mutex
	committed := map[int]bool{}
	var batches atomic.Int64
	release := make(chan struct{})
	c := groupcommit.New(1, 64, func(_ context.Context, in []int) ([]int, error) {
		if batches.Add(1) == 1 {
			<-release // hold the first batch so the others pile up
		}
		mu.Lock()
		defer mu.Unlock()
		out := make([]int, len(in))
		for i, v := range in {
			committed[v] = true
			out[i] = v * 10
		}
		return out, nil
	})
	defer c.Close()
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := c.Do(context.Background(), i)
			if err != nil || out != i*10 {
				errs <- errors.Join(err, errors.New("wrong answer"))
				return
			}
			mu.Lock()
			ok := committed[i]
			mu.Unlock()
			if !ok {
				errs <- errors.New("answered before commit")
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if b := batches.Load(); b >= n {
		t.Fatalf("%d batches for %d calls: nothing was batched", b, n)
	}
}

func TestCommitErrorFailsBatch(t *testing.T) {
	boom := errors.New("boom")
	c := groupcommit.New(1, 8, func(context.Context, []string) ([]bool, error) { return nil, boom })
	defer c.Close()
	if _, err := c.Do(context.Background(), "k"); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
}

func TestWrongResultCount(t *testing.T) {
	c := groupcommit.New(1, 8, func(context.Context, []string) ([]bool, error) { return nil, nil })
	defer c.Close()
	if _, err := c.Do(context.Background(), "k"); err == nil {
		t.Fatal("a short result slice was accepted")
	}
}

func TestCanceledCallIsLeftOut(t *testing.T) {
	var seen []string
	var mu sync.Mutex
	c := groupcommit.New(1, 8, func(_ context.Context, in []string) ([]bool, error) {
		mu.Lock()
		seen = append(seen, in...)
		mu.Unlock()
		return make([]bool, len(in)), nil
	})
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Do(ctx, "canceled"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if _, err := c.Do(context.Background(), "live"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 1 || seen[0] != "live" {
		t.Fatalf("committed %v, want [live]", seen)
	}
}

func TestClose(t *testing.T) {
	c := groupcommit.New(1, 8, func(_ context.Context, in []int) ([]int, error) { return in, nil })
	c.Close()
	c.Close()
	if _, err := c.Do(context.Background(), 1); !errors.Is(err, groupcommit.ErrClosed) {
		t.Fatalf("err = %v, want ErrClosed", err)
	}
}

func TestSeveralWorkers(t *testing.T) {
	var inFlight, peak atomic.Int64
	c := groupcommit.New(3, 4, func(_ context.Context, in []int) ([]int, error) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		inFlight.Add(-1)
		return in, nil
	})
	defer c.Close()
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if out, err := c.Do(context.Background(), i); err != nil || out != i {
				t.Errorf("Do(%d) = %d, %v", i, out, err)
			}
		}()
	}
	wg.Wait()
	if p := peak.Load(); p < 2 || p > 3 {
		t.Fatalf("peak concurrent commits %d, want 2..3", p)
	}
}
