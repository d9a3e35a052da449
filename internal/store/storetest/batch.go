package storetest

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// testBatch checks RequestFilter.Batch: the requests of one CSV upload,
// oldest first, with the other filters on top; a request outside any
// batch is never listed; the batch survives a round trip and updates.
func testBatch(t *testing.T, s tap.Store) {
	ctx := context.Background()
	sub := tap.Actor{Platform: "slack", ChatID: "U0HR", EntraID: "entra-hr", Name: "Hana HR"}
	for i, sp := range []struct {
		id, batch string
		state     tap.State
	}{{"b1-2", "b1", tap.StatePending}, {"b1-1", "b1", tap.StatePending}, {"b2-1", "b2", tap.StatePending},
		{"loose", "", tap.StatePending}, {"b1-3", "b1", tap.StateDenied}} {
		r := NewRequest(sp.id, time.Duration(5-i)*time.Minute)
		r.State = sp.state
		if sp.batch != "" {
			r.Batch = &tap.Batch{ID: sp.batch, Title: "Sales onboarding", Submitter: sub, Size: 3}
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
	if got, want := list(tap.RequestFilter{Batch: "b1"}), []string{"b1-3", "b1-1", "b1-2"}; !slices.Equal(got, want) {
		t.Errorf("batch b1: %v, want %v", got, want)
	}
	if got := list(tap.RequestFilter{Batch: "b1", States: []tap.State{tap.StatePending}, Limit: 1}); !slices.Equal(got, []string{"b1-1"}) {
		t.Errorf("batch b1 pending, limit 1: %v", got)
	}
	if got := list(tap.RequestFilter{Batch: "none"}); len(got) != 0 {
		t.Errorf("unknown batch: %v", got)
	}
	r := mustGet(t, s, "b2-1")
	want := &tap.Batch{ID: "b2", Title: "Sales onboarding", Submitter: sub, Size: 3}
	if !reflect.DeepEqual(r.Batch, want) {
		t.Errorf("round trip: %+v, want %+v", r.Batch, want)
	}
	r.State = tap.StateIssuing
	if err := s.UpdateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got := list(tap.RequestFilter{Batch: "b2", States: []tap.State{tap.StateIssuing}}); !slices.Equal(got, []string{"b2-1"}) {
		t.Errorf("batch b2 after update: %v", got)
	}
	if r := mustGet(t, s, "loose"); r.Batch != nil {
		t.Errorf("a request outside a batch reads back with %+v", r.Batch)
	}
}
