package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// Inspector looks beneath tap.Store at where a store keeps the sealed
// pass. Every store implements it in its own tests (methods declared in a
// _test.go file of the store's package), and Run fails a store that does
// not.
type Inspector interface {
	// SealedRows returns how many rows the store's sealed-pass table holds
	// for id.
	SealedRows(ctx context.Context, id tap.RequestID) (int, error)
	// RequestsHold reports whether b appears in any stored version of any
	// request row: every live row and, where the backend keeps them until
	// a vacuum (PostgreSQL), the dead row versions too.
	RequestsHold(ctx context.Context, b []byte) (bool, error)
}

// testSealedOwnRow: the sealed pass lives in a row of its own, never in
// a version of the request's row, and that row is deleted when the pass
// is revealed or destroyed — not by a writer that lost the race.
func testSealedOwnRow(t *testing.T, s tap.Store) {
	in, ok := s.(Inspector)
	if !ok {
		t.Fatalf("%T does not implement storetest.Inspector; declare it in the store's tests", s)
	}
	ctx := context.Background()
	marker := newMarker(t)
	r := NewRequest("own-row", 0)
	mustCreate(t, s, r)
	wantSealedRows(t, in, r.ID, 0)

	r.State, r.Sealed = tap.StateIssued, marker // the pass is created and sealed
	mustUpdate(t, s, r)
	wantSealedRows(t, in, r.ID, 1)
	// While it waits for the reveal the request row changes (reminders,
	// card refs); every change leaves the sealed row alone.
	for i := range 3 {
		r.NextTimer = r.NextTimer.Add(time.Minute)
		r.Refs = append(r.Refs, tap.Ref{Platform: "teams", Conversation: "c", Message: string(rune('a' + i))})
		mustUpdate(t, s, r)
		if got := mustGet(t, s, r.ID); !bytes.Equal(got.Sealed, marker) {
			t.Fatalf("update %d: loaded Sealed = %q, want the sealed pass", i, got.Sealed)
		}
	}
	stale := mustGet(t, s, r.ID)
	stale.Version--
	stale.Sealed = nil
	if err := s.UpdateRequest(ctx, stale); !errors.Is(err, tap.ErrConflict) {
		t.Fatalf("stale update: %v, want ErrConflict", err)
	}
	wantSealedRows(t, in, r.ID, 1)
	wantNotInRequests(t, in, marker, "while the pass is sealed")

	r.State, r.Sealed = tap.StateDelivered, nil // revealed: the sealed copy is destroyed
	mustUpdate(t, s, r)
	wantSealedRows(t, in, r.ID, 0)
	if got := mustGet(t, s, r.ID); got.Sealed != nil {
		t.Fatalf("after reveal Sealed = %q, want nil", got.Sealed)
	}
	wantNotInRequests(t, in, marker, "after reveal")

	// Expiry (or revoke) destroys the seal the same way, from a request
	// that was created with it.
	e := NewRequest("own-row-expired", time.Hour)
	expiring := newMarker(t)
	e.State, e.Sealed = tap.StateIssued, expiring
	mustCreate(t, s, e)
	wantSealedRows(t, in, e.ID, 1)
	e.State, e.Sealed = tap.StateExpired, nil
	mustUpdate(t, s, e)
	wantSealedRows(t, in, e.ID, 0)
	wantNotInRequests(t, in, expiring, "after expiry")
}

// newMarker is sealed-pass bytes no other test writes.
func newMarker(t *testing.T) []byte {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return []byte("SEALED-PASS-" + hex.EncodeToString(b[:]))
}

func mustUpdate(t *testing.T, s tap.Store, r *tap.Request) {
	t.Helper()
	if err := s.UpdateRequest(context.Background(), r); err != nil {
		t.Fatalf("update %s: %v", r.ID, err)
	}
}

func wantSealedRows(t *testing.T, in Inspector, id tap.RequestID, want int) {
	t.Helper()
	n, err := in.SealedRows(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Fatalf("sealed table has %d rows for %s, want %d", n, id, want)
	}
}

func wantNotInRequests(t *testing.T, in Inspector, b []byte, when string) {
	t.Helper()
	held, err := in.RequestsHold(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	if held {
		t.Fatalf("%s: a version of a request row stores the sealed pass", when)
	}
}
