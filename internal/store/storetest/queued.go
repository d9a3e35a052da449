package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// testQueued: RequestFilter.Queued selects the requests with IssueQueued
// set (the issuance queue), oldest first, combined with States and Limit;
// IssueQueued survives the round trip and a request leaves the queue
// when its state does.
func testQueued(t *testing.T, s tap.Store) {
	ctx := context.Background()
	specs := []struct {
		id     string
		offset time.Duration
		state  tap.State
		queued bool
	}{
		{"q-late", 3 * time.Minute, tap.StateApproved, true},
		{"q-early", time.Minute, tap.StateApproved, true},
		{"reveal-mode", 2 * time.Minute, tap.StateApproved, false},
		{"q-issued", 0, tap.StateIssued, true},
		{"pending", 4 * time.Minute, tap.StatePending, false},
	}
	for _, sp := range specs {
		r := NewRequest(sp.id, sp.offset)
		r.State = sp.state
		if sp.queued {
			r.IssueQueued = base.Add(sp.offset + time.Second)
		}
		mustCreate(t, s, r)
	}
	list := func(f tap.RequestFilter) []string {
		t.Helper()
		got, err := s.ListRequests(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, string(r.ID))
		}
		return ids
	}
	queue := tap.RequestFilter{States: []tap.State{tap.StateApproved}, Queued: true}
	if got, want := list(queue), []string{"q-early", "q-late"}; !slices.Equal(got, want) {
		t.Fatalf("queue = %v, want %v (oldest first)", got, want)
	}
	if got, want := list(tap.RequestFilter{Queued: true}), []string{"q-issued", "q-early", "q-late"}; !slices.Equal(got, want) {
		t.Fatalf("queued in any state = %v, want %v", got, want)
	}
	queue.Limit = 1
	if got, want := list(queue), []string{"q-early"}; !slices.Equal(got, want) {
		t.Fatalf("queue limit 1 = %v, want %v", got, want)
	}
	queue.Limit = 0
	r := mustGet(t, s, "q-early")
	if want := base.Add(time.Minute + time.Second); !r.IssueQueued.Equal(want) || !r.Queued() {
		t.Fatalf("IssueQueued = %v (queued %v), want %v", r.IssueQueued, r.Queued(), want)
	}
	r.State = tap.StateIssuing
	if err := s.UpdateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got, want := list(queue), []string{"q-late"}; !slices.Equal(got, want) {
		t.Fatalf("queue after a claim = %v, want %v", got, want)
	}
}
