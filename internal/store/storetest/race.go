package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

const racers = 20

func one(s tap.Store) func(int) tap.Store { return func(int) tap.Store { return s } }

// MultiOpener returns n stores sharing one fresh, empty backend, as n
// replicas (or processes) would. RunMulti closes them.
type MultiOpener func(t *testing.T, n int) []tap.Store

// RunMulti runs the race tests with goroutine g using store g mod n, so
// compare-and-swap, de-duplication, leases and the audit sequence are
// checked across handles that share nothing but the backend.
func RunMulti(t *testing.T, n int, open MultiOpener) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, func(int) tap.Store)
	}{
		{"RaceUpdate", raceUpdate},
		{"RaceMarkSeen", raceMarkSeen},
		{"RaceLease", raceLease},
		{"RaceAudit", raceAudit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stores := open(t, n)
			if len(stores) != n {
				t.Fatalf("opener returned %d stores, want %d", len(stores), n)
			}
			for _, s := range stores {
				t.Cleanup(func() {
					if err := s.Close(); err != nil {
						t.Errorf("close: %v", err)
					}
				})
			}
			tt.fn(t, func(g int) tap.Store { return stores[g%n] })
		})
	}
}

// testRaceUpdate: in each round 20 goroutines read the same version of one
// request and all try to save it; exactly one may win, the rest must see
// ErrConflict, and the winner's write is the one stored.
func testRaceUpdate(t *testing.T, s tap.Store) { raceUpdate(t, one(s)) }

func raceUpdate(t *testing.T, pick func(g int) tap.Store) {
	ctx := context.Background()
	s := pick(0)
	mustCreate(t, s, NewRequest("race", 0))
	const rounds = 5
	for round := 1; round <= rounds; round++ {
		var loaded, start sync.WaitGroup
		loaded.Add(racers)
		start.Add(1)
		var wins atomic.Int32
		var winner atomic.Value
		errs := make(chan error, racers)
		for g := range racers {
			go func() {
				r, err := pick(g).GetRequest(ctx, "race")
				loaded.Done()
				if err != nil {
					errs <- err
					return
				}
				start.Wait()
				r.DecisionReason = fmt.Sprintf("round %d goroutine %d", round, g)
				r.Approvals = append(r.Approvals, tap.Decision{Approver: tap.Actor{ChatID: fmt.Sprint(g)}})
				switch err := pick(g).UpdateRequest(ctx, r); {
				case err == nil:
					wins.Add(1)
					winner.Store(r.DecisionReason)
					errs <- nil
				case errors.Is(err, tap.ErrConflict):
					errs <- nil
				default:
					errs <- err
				}
			}()
		}
		loaded.Wait()
		start.Done()
		for range racers {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if n := wins.Load(); n != 1 {
			t.Fatalf("round %d: %d writers won, want exactly 1", round, n)
		}
		got := mustGet(t, s, "race")
		if got.Version != int64(round+1) {
			t.Fatalf("round %d: Version = %d, want %d", round, got.Version, round+1)
		}
		if got.DecisionReason != winner.Load() {
			t.Fatalf("round %d: stored %q, winner wrote %q", round, got.DecisionReason, winner.Load())
		}
		if len(got.Approvals) != round+1 {
			t.Fatalf("round %d: %d approvals stored, want %d", round, len(got.Approvals), round+1)
		}
	}
}

// race runs fn in 20 goroutines released together and counts true results.
func race(t *testing.T, fn func(g int) (bool, error)) int {
	t.Helper()
	var start, done sync.WaitGroup
	start.Add(1)
	var wins atomic.Int32
	errs := make(chan error, racers)
	for g := range racers {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			ok, err := fn(g)
			if err != nil {
				errs <- err
				return
			}
			if ok {
				wins.Add(1)
			}
		}()
	}
	start.Done()
	done.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return int(wins.Load())
}

func testRaceMarkSeen(t *testing.T, s tap.Store) { raceMarkSeen(t, one(s)) }

func raceMarkSeen(t *testing.T, pick func(g int) tap.Store) {
	ctx := context.Background()
	for round := range 3 {
		key := fmt.Sprintf("slack:EvRace%d", round)
		n := race(t, func(g int) (bool, error) { return pick(g).MarkSeen(ctx, key, time.Hour) })
		if n != 1 {
			t.Fatalf("round %d: MarkSeen returned true %d times, want 1", round, n)
		}
	}
}

func testRaceLease(t *testing.T, s tap.Store) { raceLease(t, one(s)) }

func raceLease(t *testing.T, pick func(g int) tap.Store) {
	ctx := context.Background()
	n := race(t, func(g int) (bool, error) {
		return pick(g).AcquireLease(ctx, "sweeper", fmt.Sprintf("replica-%d", g), time.Hour)
	})
	if n != 1 {
		t.Fatalf("%d holders got the lease, want 1", n)
	}
}

func testRaceAudit(t *testing.T, s tap.Store) { raceAudit(t, one(s)) }

func raceAudit(t *testing.T, pick func(g int) tap.Store) {
	ctx := context.Background()
	for seq := int64(1); seq <= 3; seq++ {
		n := race(t, func(g int) (bool, error) {
			rec := auditRecord(seq)
			rec.Actor = fmt.Sprintf("goroutine %d", g)
			switch err := pick(g).AppendAudit(ctx, rec); {
			case err == nil:
				return true, nil
			case errors.Is(err, tap.ErrConflict):
				return false, nil
			default:
				return false, err
			}
		})
		if n != 1 {
			t.Fatalf("seq %d: %d appends succeeded, want 1", seq, n)
		}
	}
	recs, err := pick(0).ListAudit(ctx, 0, 0)
	if err != nil || len(recs) != 3 {
		t.Fatalf("after racing appends: %d records, %v", len(recs), err)
	}
}
