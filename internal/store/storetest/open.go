package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/tapbot/tapbot/internal/tap"
)

// testOneOpenPerTarget: a second open request for a target is refused
// with ErrConflict; once the first is closed, a new one is accepted.
func testOneOpenPerTarget(t *testing.T, s tap.Store) {
	ctx := context.Background()
	first := NewRequest("open-1", 0)
	if err := s.CreateRequest(ctx, first); err != nil {
		t.Fatal(err)
	}
	second := NewRequest("open-2", 1)
	second.Target = first.Target
	if err := s.CreateRequest(ctx, second); !errors.Is(err, tap.ErrConflict) {
		t.Fatalf("second open request for one target: %v, want ErrConflict", err)
	}
	other := NewRequest("open-3", 2) // another target is unaffected
	if err := s.CreateRequest(ctx, other); err != nil {
		t.Fatal(err)
	}
	first.State = tap.StateDenied
	if err := s.UpdateRequest(ctx, first); err != nil {
		t.Fatal(err)
	}
	second.Version = 0
	if err := s.CreateRequest(ctx, second); err != nil {
		t.Fatalf("new request after the first closed: %v", err)
	}
	closed := NewRequest("open-4", 3)
	closed.Target, closed.State = first.Target, tap.StateExpired
	if err := s.CreateRequest(ctx, closed); err != nil {
		t.Fatalf("a closed request never conflicts: %v", err)
	}
}

// testRaceOneOpenPerTarget: 20 concurrent creates for one target, exactly
// one succeeds.
func testRaceOneOpenPerTarget(t *testing.T, s tap.Store) {
	ctx := context.Background()
	target := NewRequest("race-target", 0).Target
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := NewRequest(fmt.Sprintf("race-open-%d", i), 0)
			r.Target = target
			err := s.CreateRequest(ctx, r)
			switch {
			case err == nil:
				mu.Lock()
				won++
				mu.Unlock()
			case !errors.Is(err, tap.ErrConflict):
				t.Errorf("create %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d concurrent open requests for one target were stored, want 1", won)
	}
}
