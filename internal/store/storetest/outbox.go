package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// testDueOutbox: a request's pending notices are due like its timer
// (RequestFilter.DueBefore selects on Request.Due), survive the round
// trip, and stop being due once removed.
func testDueOutbox(t *testing.T, s tap.Store) {
	ctx := context.Background()
	actor := &tap.Actor{Platform: "slack", ChatID: "U1", EntraID: "e1"}
	notice := func(id string, next time.Duration) tap.PendingNotice {
		return tap.PendingNotice{ID: id, Kind: "submitted", Actor: actor, Detail: "d", Done: []string{"cards"},
			Created: base, Attempts: 2, Next: base.Add(next)}
	}
	specs := []struct {
		id     string
		target tap.UserID
		next   time.Duration // NextTimer offset; -1 means zero
		outbox []tap.PendingNotice
	}{
		{"timer-only", "t1", 3 * time.Hour, nil},
		{"notice-only", "t2", -1, []tap.PendingNotice{notice("n1", time.Hour)}},
		{"notice-first", "t3", 5 * time.Hour, []tap.PendingNotice{notice("n2", 4*time.Hour), notice("n3", 2*time.Hour)}},
		{"timer-first", "t4", time.Hour, []tap.PendingNotice{notice("n4", 6*time.Hour)}},
	}
	for _, sp := range specs {
		r := NewRequest(sp.id, 0)
		r.Target.ID = sp.target
		r.NextTimer = time.Time{}
		if sp.next >= 0 {
			r.NextTimer = base.Add(sp.next)
		}
		r.Outbox = sp.outbox
		mustCreate(t, s, r)
	}
	due := func(at time.Duration) []string {
		t.Helper()
		got, err := s.ListRequests(ctx, tap.RequestFilter{DueBefore: base.Add(at)})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, string(r.ID))
		}
		slices.Sort(ids)
		return ids
	}
	for _, tt := range []struct {
		at   time.Duration
		want []string
	}{
		{30 * time.Minute, nil},
		{time.Hour, []string{"notice-only", "timer-first"}},
		{2 * time.Hour, []string{"notice-first", "notice-only", "timer-first"}},
		{3 * time.Hour, []string{"notice-first", "notice-only", "timer-first", "timer-only"}},
	} {
		if got := due(tt.at); !slices.Equal(got, tt.want) {
			t.Fatalf("due before +%v: %v, want %v", tt.at, got, tt.want)
		}
	}
	r := mustGet(t, s, "notice-first")
	if len(r.Outbox) != 2 || r.Outbox[1].ID != "n3" || r.Outbox[1].Actor == nil || r.Outbox[1].Actor.EntraID != "e1" ||
		!slices.Equal(r.Outbox[1].Done, []string{"cards"}) || r.Outbox[1].Attempts != 2 || !r.Outbox[1].Next.Equal(base.Add(2*time.Hour)) {
		t.Fatalf("outbox round trip: %+v", r.Outbox)
	}
	// Delivered: the notice leaves the outbox and the request is due at
	// its timer again.
	r = mustGet(t, s, "notice-only")
	r.Outbox = nil
	if err := s.UpdateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got := due(2 * time.Hour); !slices.Equal(got, []string{"notice-first", "timer-first"}) {
		t.Fatalf("after delivery: %v", got)
	}
}
