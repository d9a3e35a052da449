package teams_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/teams"
	"github.com/tapbot/tapbot/internal/workq"
)

// A full work pool answers 503 with Retry-After, before the activity is
// marked seen: Teams' redelivery is handled, not dropped as a duplicate.
func TestFullPoolAnswers503WithRetryAfter(t *testing.T) {
	pool := workq.New(workq.Config{Workers: 1, Queue: -1, PerKey: 1})
	f := newFixture(t, teams.WithWork(pool, workq.NewSenders(1000, 1000)))
	release := make(chan struct{})
	f.h.react = func(ctx context.Context, ev chat.Event) {
		if ev.Text == "hold" {
			<-release
		}
	}
	if code, _ := f.post(f.personal("hold"), "valid"); code != http.StatusOK {
		t.Fatalf("first message: %d", code)
	}
	act := f.personal("second")
	code, hdr, body := f.postHeader(act, "valid")
	if code != http.StatusServiceUnavailable {
		t.Fatalf("message to a full pool: %d %s, want 503", code, body)
	}
	if ra := hdr.Get("Retry-After"); ra != "1" {
		t.Fatalf("Retry-After = %q, want 1", ra)
	}
	if f.a.Busy() != 1 {
		t.Fatalf("Busy() = %d, want 1", f.a.Busy())
	}
	close(release)
	f.waitEvents(1)
	// Teams redelivers the same activity: now it is handled.
	if code, _ := f.post(act, "valid"); code != http.StatusOK {
		t.Fatalf("redelivery: %d", code)
	}
	evs := f.waitEvents(2)
	if evs[1].Text != "second" {
		t.Fatalf("redelivered event = %q", evs[1].Text)
	}
}

// A person over the message rate is acknowledged, dropped, and told once.
func TestPersonOverRateIsToldOnce(t *testing.T) {
	f := newFixture(t, teams.WithWork(workq.New(workq.Config{}), workq.NewSenders(0.001, 3)))
	for i := range 20 {
		if code, _ := f.post(f.personal("hello"), "valid"); code != http.StatusOK {
			t.Fatalf("message %d: %d, want 200", i, code)
		}
	}
	f.waitEvents(3)
	if f.a.RateDropped() != 17 {
		t.Fatalf("RateDropped() = %d, want 17", f.a.RateDropped())
	}
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(f.wire(), "faster than I can read") < 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	f.a.Wait()
	if n := strings.Count(f.wire(), "faster than I can read"); n != 1 {
		t.Fatalf("polite replies sent = %d, want 1; wire:\n%s", n, f.wire())
	}
}
