package memstore_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tapbot/tapbot/internal/store/memstore"
	"github.com/tapbot/tapbot/internal/store/storetest"
	"github.com/tapbot/tapbot/internal/tap"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) tap.Store { return memstore.New() })
}

func TestIntakeConformance(t *testing.T) {
	storetest.RunIntake(t, func(t *testing.T) tap.Store { return memstore.New() })
}

// memstore reads time.Now, so inside a synctest bubble expiry follows the
// fake clock: callers can test timer-driven code without sleeping.
func TestFollowsSynctestClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		s := memstore.New()
		if first, _ := s.MarkSeen(ctx, "k", time.Hour); !first {
			t.Fatal("first MarkSeen = false")
		}
		if ok, _ := s.AcquireLease(ctx, "sweeper", "a", time.Minute); !ok {
			t.Fatal("first AcquireLease = false")
		}
		if err := s.PutSession(ctx, tap.Session{Key: "s", Expires: time.Now().Add(30 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(59 * time.Minute)
		if first, _ := s.MarkSeen(ctx, "k", time.Hour); first {
			t.Fatal("key expired early")
		}
		if _, err := s.GetSession(ctx, "s"); !errors.Is(err, tap.ErrNotFound) {
			t.Fatalf("session after its expiry: %v", err)
		}
		if ok, _ := s.AcquireLease(ctx, "sweeper", "b", time.Minute); !ok {
			t.Fatal("expired lease not taken over")
		}
		time.Sleep(2 * time.Minute)
		if first, _ := s.MarkSeen(ctx, "k", time.Hour); !first {
			t.Fatal("key did not expire")
		}
	})
}
