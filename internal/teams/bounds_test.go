package teams_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/store/memstore"
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

// A click that waits in its lane past the invoke deadline is answered
// "busy" and then does nothing: a Reveal run after Teams stopped waiting
// would consume the pass with nowhere to show it.
func TestQueuedClickPastTheDeadlineDoesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var clicks atomic.Int32
		h := &recorder{react: func(ctx context.Context, ev chat.Event) {
			if ev.Kind == chat.KindAction {
				clicks.Add(1)
				return
			}
			time.Sleep(10 * time.Second) // the person's previous message is slow
		}}
		pool := workq.New(workq.Config{Workers: 1, Queue: 4, PerKey: 4})
		a, err := teams.New(teams.Config{LocalMode: true}, memstore.New(), h, nil, teams.WithWork(pool, workq.NewSenders(1000, 1000)))
		if err != nil {
			t.Fatal(err)
		}
		if rec := localRequest(t, a, playgroundMessage("slow"), "127.0.0.1:1"); rec.Code != http.StatusOK {
			t.Fatalf("message: %d", rec.Code)
		}
		act := playgroundMessage("")
		act["type"], act["name"] = "invoke", "adaptiveCard/action"
		act["id"] = "click-1"
		act["value"] = map[string]any{"action": map[string]any{"verb": chat.ActionReveal, "data": map[string]any{"action": chat.ActionReveal, "value": "r"}}}
		rec := localRequest(t, a, act, "127.0.0.1:1")
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "nothing was done") {
			t.Fatalf("queued click answered %d %s", rec.Code, rec.Body)
		}
		a.Wait()
		if n := clicks.Load(); n != 0 {
			t.Fatalf("the click ran %d times after it was answered busy", n)
		}
	})
}
