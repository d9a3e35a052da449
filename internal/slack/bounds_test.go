package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/workq"
)

// With the work pool full, a delivery is acknowledged (a 5xx would only
// bring it back) and dropped, counted.
func TestFullPoolDropsAndCounts(t *testing.T) {
	e := newEnv(t)
	e.a.work = workq.New(workq.Config{Workers: 1, Queue: -1, PerKey: 1})
	release := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) }) // before the adapter's Wait
	e.rec.act = func(ctx context.Context, ev chat.Event) {
		if ev.Text == "hold" {
			<-release
		}
	}
	e.deliver(t, e.fake.DM(alice, "hold"), http.StatusOK)
	e.deliver(t, e.fake.DM(bob, "dropped"), http.StatusOK)
	if got := e.a.Dropped(); got != 1 {
		t.Fatalf("Dropped() = %d, want 1", got)
	}
	once.Do(func() { close(release) })
	if ev := e.rec.next(t); ev.Text != "hold" {
		t.Fatalf("handled %q", ev.Text)
	}
	e.a.Wait()
	if n := e.rec.count(); n != 1 {
		t.Fatalf("handler saw %d events, want only the first", n)
	}
}

// A person over the message rate is acknowledged, dropped, and told once.
func TestPersonOverRateIsToldOnce(t *testing.T) {
	e := newEnv(t)
	e.a.senders = workq.NewSenders(0.001, 2)
	var ids []string
	for range 15 {
		body := e.fake.DM(alice, "hello")
		var env struct {
			EventID string `json:"event_id"`
		}
		if err := json.Unmarshal([]byte(body), &env); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, env.EventID)
		e.deliver(t, body, http.StatusOK)
	}
	e.rec.next(t)
	e.rec.next(t)
	e.a.Wait()
	if n := e.rec.count(); n != 2 {
		t.Fatalf("handler saw %d events, want the burst of 2", n)
	}
	if got := e.a.RateDropped(); got != 13 {
		t.Fatalf("RateDropped() = %d, want 13", got)
	}
	// The flood cost no de-duplication write: the rate is checked first.
	// A delivery not marked seen would be marked now (first == true).
	marked := 0
	for _, id := range ids {
		if first, err := e.store.MarkSeen(context.Background(), "slack:ev:"+id, time.Hour); err != nil {
			t.Fatal(err)
		} else if !first {
			marked++
		}
	}
	if marked != 2 {
		t.Fatalf("%d deliveries marked seen, want the 2 handled", marked)
	}
	told := 0
	for _, c := range e.fake.Calls("chat.postMessage") {
		if strings.Contains(c.Args["text"]+c.Args["blocks"], "faster than I can read") {
			told++
		}
	}
	if told != 1 {
		t.Fatalf("polite replies = %d, want 1", told)
	}
}

// /tap to a full pool is answered in the command's own response and opens
// no "Loading…" modal that nothing would ever close.
func TestFullPoolAnswersCommandBusy(t *testing.T) {
	e := newEnv(t)
	e.a.work = workq.New(workq.Config{Workers: 1, Queue: -1, PerKey: 1})
	release := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	e.rec.act = func(ctx context.Context, ev chat.Event) {
		if ev.Text == "hold" {
			<-release
		}
	}
	e.deliver(t, e.fake.DM(alice, "hold"), http.StatusOK)
	body := e.deliver(t, e.fake.SlashCommand(bob, e.fake.DMChannel(bob), ""), http.StatusOK)
	if !strings.Contains(body, "busy") || !strings.Contains(body, `"ephemeral"`) {
		t.Fatalf("command to a full pool answered %q", body)
	}
	if n := len(e.fake.Calls("views.open")); n != 0 {
		t.Fatalf("%d loading modals opened for a command nothing will handle", n)
	}
	if got := e.a.Dropped(); got != 1 {
		t.Fatalf("Dropped() = %d, want 1", got)
	}
	once.Do(func() { close(release) })
	e.a.Wait()
}
