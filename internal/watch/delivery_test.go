package watch_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/watch"
)

// TestAlertNotLostToAChatOutage: an alert whose delivery fails (the chat
// API is down for two polls) is raised again at the next poll and
// delivered once it is back; later polls send nothing more.
func TestAlertNotLostToAChatOutage(t *testing.T) {
	e := newEnv(t)
	e.issued(t, "r1", simtenant.DemoSarahID, false)
	e.signIn(t, simtenant.DemoSarahID, at(19, 30), "203.0.113.7", "US", 0)
	e.set(at(20, 0))
	e.sent.down = 2
	w := e.watcher(t, watch.Config{})
	for i := range 2 {
		if _, err := w.Tick(context.Background()); err == nil {
			t.Fatalf("poll %d: the failed delivery was not reported", i+1)
		}
		r, err := e.st.GetRequest(context.Background(), "r1")
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Alerted) != 0 {
			t.Fatalf("poll %d: the undelivered alert stays claimed: %v", i+1, r.Alerted)
		}
	}
	for range 3 {
		if _, err := w.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := e.sent.rules(), []watch.Rule{watch.RuleAfterHours}; !slices.Equal(got, want) {
		t.Fatalf("alerts delivered = %v, want %v", got, want)
	}
	r, err := e.st.GetRequest(context.Background(), "r1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Alerted, []string{string(watch.RuleAfterHours)}) {
		t.Fatalf("request's alerted rules = %v", r.Alerted)
	}
}

// TestClaimedAlertNotSentAgain: a rule already on the request (another
// replica raised it before the lease moved) is not sent again.
func TestClaimedAlertNotSentAgain(t *testing.T) {
	e := newEnv(t)
	r := e.issued(t, "r1", simtenant.DemoSarahID, false)
	r.Alerted = []string{string(watch.RuleAfterHours)}
	if err := e.st.UpdateRequest(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	e.signIn(t, simtenant.DemoSarahID, at(19, 30), "203.0.113.7", "US", 0)
	e.set(at(20, 0))
	if _, err := e.watcher(t, watch.Config{}).Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.sent.rules(); len(got) != 0 {
		t.Fatalf("alerts sent again: %v", got)
	}
}

// TestLapsedUnseenIsNotNeverUsed: a pass nobody revealed (it lapsed in
// its reveal window; the requester was told then) raises no never_used.
func TestLapsedUnseenIsNotNeverUsed(t *testing.T) {
	e := newEnv(t)
	r := e.made(t, "r1", simtenant.DemoSarahID, false, at(7, 0), tap.StateExpired)
	r.RevealedAt = time.Time{}
	if err := e.st.UpdateRequest(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	e.set(at(17, 0))
	if _, err := e.watcher(t, watch.Config{}).Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := e.sent.rules(); len(got) != 0 {
		t.Fatalf("alerts for a pass nobody saw: %v", got)
	}
}

// TestRequestMadeWeeksAheadIsWatched: a request made 45 days before the
// first day (an HR system asks early; the policy allows max_ahead 60
// days) is watched while its pass is live and after it ended unused.
func TestRequestMadeWeeksAheadIsWatched(t *testing.T) {
	for _, c := range []struct {
		name  string
		state tap.State
		now   time.Time
		use   bool
		want  []watch.Rule
	}{
		{"live pass used in the evening", tap.StateDelivered, at(20, 0), true, []watch.Rule{watch.RuleAfterHours}},
		{"ended unused an hour ago", tap.StateExpired, at(17, 0), false, []watch.Rule{watch.RuleNeverUsed}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.made(t, "r1", simtenant.DemoSarahID, false, at(8, 0).AddDate(0, 0, -45), c.state)
			if c.use {
				e.signIn(t, simtenant.DemoSarahID, at(19, 30), "203.0.113.7", "US", 0)
			}
			e.set(c.now)
			w := e.watcher(t, watch.Config{Lookback: watch.LookbackFor(60 * 24 * time.Hour)})
			if _, err := w.Tick(context.Background()); err != nil {
				t.Fatal(err)
			}
			if got := e.sent.rules(); !slices.Equal(got, c.want) {
				t.Fatalf("alerts = %v, want %v", got, c.want)
			}
		})
	}
}
