package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// RunIntake runs the tap.IntakeStore contract against stores from open,
// which must also implement tap.IntakeStore.
func RunIntake(t *testing.T, open Opener) {
	t.Helper()
	for _, tt := range []struct {
		name string
		fn   func(*testing.T, tap.Store, tap.IntakeStore)
	}{
		{"ReserveComplete", testIntakeReserveComplete},
		{"ReleaseStaleExpired", testIntakeRelease},
		{"ExternalRefs", testIntakeRefs},
		{"RaceReserve", testIntakeRace},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { _ = s.Close() })
			is, ok := s.(tap.IntakeStore)
			if !ok {
				t.Fatalf("%T does not implement tap.IntakeStore", s)
			}
			tt.fn(t, s, is)
		})
	}
}

func testIntakeReserveComplete(t *testing.T, s tap.Store, is tap.IntakeStore) {
	ctx := context.Background()
	k := tap.IntakeKey{Caller: "app-1", Key: "k1", BodyHash: "h1"}
	got, ok, err := is.ReserveIntakeKey(ctx, k, time.Hour, time.Minute)
	if err != nil || !ok || got.Request != "" || got.Expires.Sub(got.Created) != time.Hour {
		t.Fatalf("first reserve = %+v, %v, %v", got, ok, err)
	}
	// Held and not stale: a second call (same or other body) sees the holder.
	got, ok, err = is.ReserveIntakeKey(ctx, tap.IntakeKey{Caller: "app-1", Key: "k1", BodyHash: "h2"}, time.Hour, time.Minute)
	if err != nil || ok || got.BodyHash != "h1" || got.Request != "" {
		t.Fatalf("second reserve = %+v, %v, %v; want the first holder", got, ok, err)
	}
	// Another caller's key of the same name is its own.
	if _, ok, err := is.ReserveIntakeKey(ctx, tap.IntakeKey{Caller: "app-2", Key: "k1", BodyHash: "h9"}, time.Hour, time.Minute); err != nil || !ok {
		t.Fatalf("other caller's reserve = %v, %v", ok, err)
	}
	if err := is.CompleteIntakeKey(ctx, "app-1", "k1", "h2", "req-x", ""); !errors.Is(err, tap.ErrNotFound) {
		t.Fatalf("complete with another body: %v, want ErrNotFound", err)
	}
	r := NewRequest("intake-1", 0)
	if err := s.CreateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := is.CompleteIntakeKey(ctx, "app-1", "k1", "h1", r.ID, ""); err != nil {
		t.Fatal(err)
	}
	if err := is.CompleteIntakeKey(ctx, "app-1", "k1", "h1", r.ID, ""); !errors.Is(err, tap.ErrNotFound) {
		t.Fatalf("second complete: %v, want ErrNotFound", err)
	}
	got, ok, err = is.ReserveIntakeKey(ctx, k, time.Hour, 0)
	if err != nil || ok || got.Request != r.ID || got.BodyHash != "h1" {
		t.Fatalf("reserve after complete (stale 0) = %+v, %v, %v; want the completed entry", got, ok, err)
	}
}

func testIntakeRelease(t *testing.T, s tap.Store, is tap.IntakeStore) {
	ctx := context.Background()
	k := tap.IntakeKey{Caller: "app", Key: "rel", BodyHash: "h1"}
	if _, ok, err := is.ReserveIntakeKey(ctx, k, time.Hour, time.Hour); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if err := is.ReleaseIntakeKey(ctx, "app", "rel", "other"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := is.ReserveIntakeKey(ctx, k, time.Hour, time.Hour); ok {
		t.Fatal("release with another body freed the key")
	}
	if err := is.ReleaseIntakeKey(ctx, "app", "rel", "h1"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := is.ReserveIntakeKey(ctx, tap.IntakeKey{Caller: "app", Key: "rel", BodyHash: "h2"}, time.Hour, time.Hour); err != nil || !ok {
		t.Fatalf("reserve after release = %v, %v", ok, err)
	}
	// A holder with no request older than stale is taken over.
	time.Sleep(5 * time.Millisecond)
	if got, ok, err := is.ReserveIntakeKey(ctx, tap.IntakeKey{Caller: "app", Key: "rel", BodyHash: "h3"}, time.Hour, time.Millisecond); err != nil || !ok || got.BodyHash != "h3" {
		t.Fatalf("stale takeover = %+v, %v, %v", got, ok, err)
	}
	// An expired key is free again, even when completed.
	r := NewRequest("intake-exp", 0)
	if err := s.CreateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	e := tap.IntakeKey{Caller: "app", Key: "exp", BodyHash: "h1"}
	if _, ok, err := is.ReserveIntakeKey(ctx, e, time.Millisecond, time.Hour); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if err := is.CompleteIntakeKey(ctx, "app", "exp", "h1", r.ID, ""); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if got, ok, err := is.ReserveIntakeKey(ctx, e, time.Hour, time.Hour); err != nil || !ok || got.Request != "" {
		t.Fatalf("reserve after expiry = %+v, %v, %v", got, ok, err)
	}
	if err := is.ReleaseIntakeKey(ctx, "app", "missing", "h"); err != nil {
		t.Fatalf("release of an absent key: %v", err)
	}
}

func testIntakeRefs(t *testing.T, s tap.Store, is tap.IntakeStore) {
	ctx := context.Background()
	var want []tap.RequestID
	for i := range 3 {
		r := NewRequest(fmt.Sprintf("ref-%d", i), time.Duration(i))
		if err := s.CreateRequest(ctx, r); err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("k%d", i)
		if _, _, err := is.ReserveIntakeKey(ctx, tap.IntakeKey{Caller: "hr", Key: key, BodyHash: "h"}, time.Hour, time.Hour); err != nil {
			t.Fatal(err)
		}
		ref := "HIRE-1"
		if i == 2 {
			ref = "HIRE-2"
		} else {
			want = append(want, r.ID)
		}
		if err := is.CompleteIntakeKey(ctx, "hr", key, "h", r.ID, ref); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // distinct creation times
	}
	got, err := is.IntakeRequests(ctx, "hr", "HIRE-1")
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("IntakeRequests(HIRE-1) = %v, %v; want %v", got, err, want)
	}
	if got, err := is.IntakeRequests(ctx, "other-app", "HIRE-1"); err != nil || len(got) != 0 {
		t.Fatalf("another caller sees %v, %v", got, err)
	}
	if got, err := is.IntakeRequests(ctx, "hr", "none"); err != nil || len(got) != 0 {
		t.Fatalf("unknown ref: %v, %v", got, err)
	}
}

// testIntakeRace: 16 goroutines reserve one key at once; exactly one wins.
func testIntakeRace(t *testing.T, _ tap.Store, is tap.IntakeStore) {
	ctx := context.Background()
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			_, ok, err := is.ReserveIntakeKey(ctx, tap.IntakeKey{Caller: "hr", Key: "race", BodyHash: fmt.Sprint(i)}, time.Hour, time.Hour)
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Fatalf("%d reservations won, want 1", n)
	}
}
