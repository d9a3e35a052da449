package slack

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
)

func TestPacerBurstThenOnePerInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPacer(time.Second, 3)
		start := time.Now()
		var at []time.Duration
		for range 6 {
			release, err := p.acquire(context.Background(), "C1")
			if err != nil {
				t.Fatal(err)
			}
			at = append(at, time.Since(start))
			release()
		}
		want := []time.Duration{0, 0, 0, time.Second, 2 * time.Second, 3 * time.Second}
		for i := range want {
			if at[i] != want[i] {
				t.Fatalf("post %d at %v, want %v (all: %v)", i, at[i], want[i], at)
			}
		}
		// Another channel has its own lane.
		release, _ := p.acquire(context.Background(), "C2")
		release()
		if d := time.Since(start); d != 3*time.Second {
			t.Fatalf("other channel waited until %v", d)
		}
		// After a quiet spell the burst is available again.
		time.Sleep(10 * time.Second)
		mark := time.Now()
		for range 3 {
			release, _ := p.acquire(context.Background(), "C1")
			release()
		}
		if d := time.Since(mark); d != 0 {
			t.Fatalf("burst after idle waited %v", d)
		}
	})
}

func TestPacerKeepsOrderAndHonoursContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPacer(time.Second, 1)
		release, _ := p.acquire(context.Background(), "C1")
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		done := make(chan error)
		go func() {
			_, err := p.acquire(ctx, "C1") // waits for the turn, then gives up
			done <- err
		}()
		synctest.Wait()
		release()
		if err := <-done; !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("acquire: %v", err)
		}
		// The lane is free again.
		r2, err := p.acquire(context.Background(), "C1")
		if err != nil {
			t.Fatal(err)
		}
		r2()
	})
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := &Adapter{retries: 3, maxWait: 30 * time.Second, log: testLogger(t)}
		var at []time.Duration
		start := time.Now()
		err := a.do(context.Background(), func(context.Context) error {
			at = append(at, time.Since(start))
			if len(at) < 3 {
				return &slack.RateLimitedError{RetryAfter: 7 * time.Second}
			}
			return nil
		})
		if err != nil || len(at) != 3 || at[1] != 7*time.Second || at[2] != 14*time.Second {
			t.Fatalf("err %v, attempts at %v", err, at)
		}
		// Bounded: after a.retries retries the error surfaces as throttled.
		n := 0
		err = a.do(context.Background(), func(context.Context) error {
			n++
			return &slack.RateLimitedError{RetryAfter: time.Second}
		})
		if n != 4 || !errors.Is(classify("chat.postMessage", err), tap.ErrThrottled) {
			t.Fatalf("%d attempts, err %v", n, err)
		}
		// A Retry-After longer than maxWait, or past the deadline, is not waited for.
		n = 0
		_ = a.do(context.Background(), func(context.Context) error {
			n++
			return &slack.RateLimitedError{RetryAfter: time.Hour}
		})
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = a.do(ctx, func(context.Context) error {
			n++
			return &slack.RateLimitedError{RetryAfter: 5 * time.Second}
		})
		if n != 2 {
			t.Fatalf("%d attempts, want 2", n)
		}
	})
}

// TestRateLimitedByTheWire runs a real 429 with Retry-After: 1 through
// slack-go and the fake.
func TestRateLimitedByTheWire(t *testing.T) {
	e := newEnv(t)
	e.fake.RateLimit("chat.postMessage", 1, 1)
	start := time.Now()
	ref, err := e.a.Send(context.Background(), chat.Address{Kind: chat.ToChannel}, chat.Message{Text: "after a 429"})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second {
		t.Fatalf("retried after %v, before Retry-After", d)
	}
	if calls := e.fake.Calls("chat.postMessage"); len(calls) != 2 || ref.Message == "" {
		t.Fatalf("%d calls, ref %+v", len(calls), ref)
	}
}
