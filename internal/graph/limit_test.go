package graph_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

// limitedTenant is a tenant with n people and Graph's write limit scaled
// down to limit writes per window.
func limitedTenant(tb testing.TB, n, limit int, window time.Duration, retries int) (*simtenant.Tenant, *graph.Client, []string) {
	tb.Helper()
	tn := simtenant.New()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = tn.AddUser(simtenant.User{UPN: fmt.Sprintf("hire%04d@contoso.com", i), DisplayName: fmt.Sprintf("Hire %d", i)})
	}
	tn.SetWriteLimit(limit, window)
	tn.Start()
	tb.Cleanup(tn.Close)
	c, err := graph.New(graph.Config{BaseURL: tn.URL(), Credential: graph.StaticCredential("t"), MaxRetries: retries}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return tn, c, ids
}

// issue creates one pass per id with workers in parallel and returns how
// many failed.
func issue(c *graph.Client, ids []string, workers int, deadline time.Duration) int {
	var failed atomic.Int32
	next := make(chan string)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range next {
				ctx, cancel := context.WithTimeout(context.Background(), deadline)
				if _, err := c.CreatePass(ctx, tap.UserID(id), tap.PassSpec{Lifetime: time.Hour}); err != nil {
					failed.Add(1)
				}
				cancel()
			}
		}()
	}
	for _, id := range ids {
		next <- id
	}
	close(next)
	wg.Wait()
	return int(failed.Load())
}

// Creates beyond Graph's write limit wait for it and are sent again only
// after a 429 (which proves Graph did not process them): every person
// gets exactly one pass, nobody fails.
func TestCreatesAtTheWriteLimit(t *testing.T) {
	tn, c, ids := limitedTenant(t, 90, 30, time.Second, 3)
	if failed := issue(c, ids, 16, 30*time.Second); failed != 0 {
		t.Fatalf("%d creates failed", failed)
	}
	for _, id := range ids {
		if n := tn.Creates(id); n != 1 {
			t.Fatalf("%s: %d creates", id, n)
		}
	}
	if tn.Throttled() == 0 {
		t.Fatal("the limit never answered 429: the test did not exercise it")
	}
	t.Logf("90 creates, limit 30/s: %d answered 429", tn.Throttled())
}

// A create whose deadline ends while it waits for the limit is not sent
// and says it was throttled.
func TestCreateThrottledPastItsDeadline(t *testing.T) {
	tn, c, ids := limitedTenant(t, 3, 1, time.Hour, 3)
	ctx := context.Background()
	if _, err := c.CreatePass(ctx, tap.UserID(ids[0]), tap.PassSpec{Lifetime: time.Hour}); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err := c.CreatePass(short, tap.UserID(ids[1]), tap.PassSpec{Lifetime: time.Hour})
	if !errors.Is(err, tap.ErrThrottled) {
		t.Fatalf("err = %v, want ErrThrottled", err)
	}
	if tn.Creates(ids[1]) != 0 {
		t.Fatal("a refused create was processed")
	}
}

// BenchmarkIssueAtWriteLimit issues b.N×60 passes against a write limit of
// 60 per second and reports the rate as a share of that ceiling; "loop" is
// the article's PowerShell pattern (one create at a time, no backoff, a
// 429 is a failure).
func BenchmarkIssueAtWriteLimit(b *testing.B) {
	const limit, window = 60, time.Second
	for _, mode := range []struct {
		name    string
		workers int
		retries int
		wait    time.Duration
	}{{"gate-32-workers", 32, 3, time.Minute}, {"loop-sequential-no-backoff", 1, 0, 0}} {
		b.Run(mode.name, func(b *testing.B) {
			n := 60 * b.N * 4
			tn, c, ids := limitedTenant(b, n, limit, window, mode.retries)
			b.ResetTimer()
			start := time.Now()
			var failed int
			if mode.wait > 0 {
				failed = issue(c, ids, mode.workers, mode.wait)
			} else {
				for _, id := range ids {
					// Invoke-MgCreateUserAuthenticationTemporaryAccessPassMethod in a loop.
					ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
					if _, err := c.CreatePass(ctx, tap.UserID(id), tap.PassSpec{Lifetime: time.Hour}); err != nil {
						failed++
					}
					cancel()
				}
			}
			elapsed := time.Since(start)
			issued := n - failed
			ceiling := float64(limit) / window.Seconds()
			// The first window is free (the limit starts empty): count
			// the rate over the windows after it.
			rate := float64(issued-limit) / (elapsed.Seconds())
			b.ReportMetric(100*rate/ceiling, "%ceiling")
			b.ReportMetric(float64(issued), "issued")
			b.ReportMetric(float64(failed), "failed")
			b.ReportMetric(float64(tn.Throttled()), "429s")
		})
	}
}
