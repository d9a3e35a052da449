// Package storetest is the one conformance suite every tap.Store
// implementation passes: storetest.Run(t, open). It checks the contract
// written on tap.Store — compare-and-swap versions, filters and ordering,
// the sealed pass in a row of its own (through each store's Inspector),
// de-duplication keys, sessions, conversation references, the audit
// sequence, leases — and races 20 goroutines on one request so that -race
// and the CAS are both exercised.
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// Opener returns a fresh, empty store. Run closes it when the test ends;
// the opener registers any other cleanup (temp files, schemas) with t.
type Opener func(t *testing.T) tap.Store

// Run runs the whole suite, each part as a subtest with its own store.
func Run(t *testing.T, open Opener) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, tap.Store)
	}{
		{"CreateGet", testCreateGet},
		{"Update", testUpdate},
		{"Sealed", testSealed},
		{"Attack_SealedPassLingers", testSealedOwnRow},
		{"List", testList},
		{"Batch", testBatch},
		{"DueOutbox", testDueOutbox},
		{"Queued", testQueued},
		{"MarkSeen", testMarkSeen},
		{"Sessions", testSessions},
		{"Conversations", testConversations},
		{"Audit", testAudit},
		{"Leases", testLeases},
		{"RaceUpdate", testRaceUpdate},
		{"RaceMarkSeen", testRaceMarkSeen},
		{"RaceLease", testRaceLease},
		{"RaceAudit", testRaceAudit},
		{"Canceled", testCanceled},
		{"OneOpenPerTarget", testOneOpenPerTarget},
		{"RaceOneOpenPerTarget", testRaceOneOpenPerTarget},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			})
			tt.fn(t, s)
		})
	}
}

// base is a fixed instant with nanoseconds, so stores that truncate time fail.
var base = time.Date(2026, 3, 2, 9, 30, 0, 123456789, time.UTC)

// NewRequest returns a request with every field set, created at base+offset.
// It is exported for other packages' tests that need a realistic request.
func NewRequest(id string, offset time.Duration) *tap.Request {
	created := base.Add(offset)
	by := tap.Actor{Platform: "slack", ChatID: "U0APPR", EntraID: "entra-approver", Name: "Ann Approver"}
	return &tap.Request{
		ID:    tap.RequestID(id),
		State: tap.StatePending,
		Requester: tap.Actor{Platform: "slack", ChatID: "U0MGR", EntraID: "entra-manager",
			Name: "Mia Manager", Email: "mia@example.com"},
		Target: tap.User{ID: "entra-hire-" + tap.UserID(id), UPN: "hire@example.com", DisplayName: "Nia Hire",
			Mail: "hire@example.com", Department: "Sales", HireDate: created.Add(24 * time.Hour).Truncate(24 * time.Hour),
			Enabled: true, UserType: "Member"},
		Start:           created.Add(time.Hour),
		Lifetime:        8 * time.Hour,
		OneTime:         true,
		Reason:          tap.ReasonOnboarding,
		Justification:   "first day <b>&</b> \"quotes\" ünïcødé",
		RequesterZone:   "Europe/Berlin",
		HireZone:        "America/New_York",
		Warnings:        []string{"starts outside office hours"},
		ApprovalsNeeded: 2,
		Approvals:       []tap.Decision{{Approver: by, At: created.Add(time.Minute)}},
		DecidedBy:       &by,
		DecisionReason:  "ok",
		MethodID:        "method-" + id,
		PassStart:       created.Add(time.Hour),
		PassExpires:     created.Add(9 * time.Hour),
		SealedFor:       "entra-manager",
		Refs:            []tap.Ref{{Platform: "slack", Conversation: "C1", Message: "1700000000.0001", Extra: "x"}},
		CreatedAt:       created,
		UpdatedAt:       created,
		NextTimer:       created.Add(30 * time.Minute),
	}
}

// diff reports how got differs from want, or "" if they are equal: every
// JSON field plus the Sealed bytes (which JSON never carries).
func diff(got, want *tap.Request) string {
	g, err1 := json.Marshal(got)
	w, err2 := json.Marshal(want)
	if err1 != nil || err2 != nil {
		return fmt.Sprintf("marshal: %v %v", err1, err2)
	}
	if !bytes.Equal(g, w) {
		return fmt.Sprintf("got  %s\nwant %s", g, w)
	}
	if (got.Sealed == nil) != (want.Sealed == nil) || !bytes.Equal(got.Sealed, want.Sealed) {
		return fmt.Sprintf("sealed: got %x (nil %v), want %x (nil %v)", got.Sealed, got.Sealed == nil, want.Sealed, want.Sealed == nil)
	}
	return ""
}

func mustCreate(t *testing.T, s tap.Store, r *tap.Request) {
	t.Helper()
	if err := s.CreateRequest(context.Background(), r); err != nil {
		t.Fatalf("create %s: %v", r.ID, err)
	}
}

func mustGet(t *testing.T, s tap.Store, id tap.RequestID) *tap.Request {
	t.Helper()
	r, err := s.GetRequest(context.Background(), id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return r
}

func testCreateGet(t *testing.T, s tap.Store) {
	ctx := context.Background()
	if _, err := s.GetRequest(ctx, "missing"); !errors.Is(err, tap.ErrNotFound) {
		t.Fatalf("get missing: err = %v, want ErrNotFound", err)
	}
	r := NewRequest("r1", 0)
	r.Sealed = []byte{0, 1, 2, 255}
	mustCreate(t, s, r)
	if r.Version != 1 {
		t.Fatalf("after create Version = %d, want 1", r.Version)
	}
	want := r.Clone()
	// The caller's copy must not alias the stored one.
	r.Warnings[0] = "mutated"
	r.Refs[0].Message = "mutated"
	r.DecidedBy.Name = "mutated"
	r.Sealed[0] = 9
	got := mustGet(t, s, "r1")
	if d := diff(got, want); d != "" {
		t.Fatalf("get after create:\n%s", d)
	}
	// Nor may the returned copy.
	got.Approvals[0].Approver.Name = "mutated"
	got.Sealed[1] = 9
	if d := diff(mustGet(t, s, "r1"), want); d != "" {
		t.Fatalf("get after mutating a returned copy:\n%s", d)
	}

	dup := NewRequest("r1", time.Hour)
	if err := s.CreateRequest(ctx, dup); !errors.Is(err, tap.ErrConflict) {
		t.Fatalf("create duplicate: err = %v, want ErrConflict", err)
	}
	if d := diff(mustGet(t, s, "r1"), want); d != "" {
		t.Fatalf("duplicate create changed the stored request:\n%s", d)
	}

	bad := NewRequest("r3", 0)
	bad.Version = 3
	if err := s.CreateRequest(ctx, bad); err == nil {
		t.Fatalf("create with Version 3 succeeded")
	}
	if _, err := s.GetRequest(ctx, "r3"); !errors.Is(err, tap.ErrNotFound) {
		t.Fatalf("a refused create stored the request: %v", err)
	}

	// A minimal request (zero times, nil slices) round-trips too.
	minimal := &tap.Request{ID: "r2", State: tap.StatePending}
	mustCreate(t, s, minimal)
	if d := diff(mustGet(t, s, "r2"), minimal); d != "" {
		t.Fatalf("minimal request:\n%s", d)
	}
}

func testUpdate(t *testing.T, s tap.Store) {
	ctx := context.Background()
	r := NewRequest("u1", 0)
	mustCreate(t, s, r)

	a := mustGet(t, s, "u1")
	b := mustGet(t, s, "u1")
	a.State = tap.StateIssuing
	a.NextTimer = time.Time{}
	a.Refs = append(a.Refs, tap.Ref{Platform: "teams", Conversation: "a:1", Message: "1:2"})
	if err := s.UpdateRequest(ctx, a); err != nil {
		t.Fatalf("update at version 1: %v", err)
	}
	if a.Version != 2 {
		t.Fatalf("after update Version = %d, want 2", a.Version)
	}
	if d := diff(mustGet(t, s, "u1"), a); d != "" {
		t.Fatalf("get after update:\n%s", d)
	}

	b.State = tap.StateDenied
	if err := s.UpdateRequest(ctx, b); !errors.Is(err, tap.ErrConflict) {
		t.Fatalf("stale update: err = %v, want ErrConflict", err)
	}
	if b.Version != 1 {
		t.Fatalf("a lost update changed the caller's Version to %d", b.Version)
	}
	if got := mustGet(t, s, "u1"); got.State != tap.StateIssuing || got.Version != 2 {
		t.Fatalf("stale update was applied: state %s version %d", got.State, got.Version)
	}

	future := mustGet(t, s, "u1")
	future.Version = 7
	if err := s.UpdateRequest(ctx, future); !errors.Is(err, tap.ErrConflict) {
		t.Fatalf("update at a future version: err = %v, want ErrConflict", err)
	}

	missing := NewRequest("nope", 0)
	missing.Version = 1
	if err := s.UpdateRequest(ctx, missing); !errors.Is(err, tap.ErrNotFound) {
		t.Fatalf("update missing: err = %v, want ErrNotFound", err)
	}
	if _, err := s.GetRequest(ctx, "nope"); !errors.Is(err, tap.ErrNotFound) {
		t.Fatalf("update of a missing request created it: %v", err)
	}

	// Successive updates keep bumping.
	for want := int64(3); want <= 5; want++ {
		if err := s.UpdateRequest(ctx, a); err != nil {
			t.Fatalf("update %d: %v", want, err)
		}
		if a.Version != want {
			t.Fatalf("Version = %d, want %d", a.Version, want)
		}
	}
}

func testSealed(t *testing.T, s tap.Store) {
	ctx := context.Background()
	sealed := make([]byte, 256)
	for i := range sealed {
		sealed[i] = byte(i)
	}
	r := NewRequest("s1", 0)
	r.Sealed = sealed
	mustCreate(t, s, r)
	if got := mustGet(t, s, "s1"); !bytes.Equal(got.Sealed, sealed) {
		t.Fatalf("sealed round-trip: got %x", got.Sealed)
	}

	r.Sealed = nil // revealed: the sealed copy is destroyed
	if err := s.UpdateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, "s1"); got.Sealed != nil {
		t.Fatalf("after clearing, Sealed = %x (nil %v), want nil", got.Sealed, got.Sealed == nil)
	}

	r.Sealed = []byte{} // empty is stored as absent
	if err := s.UpdateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, "s1"); got.Sealed != nil {
		t.Fatalf("after storing empty, Sealed = %x, want nil", got.Sealed)
	}

	r.Sealed = []byte("second ciphertext")
	if err := s.UpdateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	list, err := s.ListRequests(ctx, tap.RequestFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || !bytes.Equal(list[0].Sealed, r.Sealed) {
		t.Fatalf("ListRequests must carry Sealed too, got %d requests", len(list))
	}
}

func testCanceled(t *testing.T, s tap.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.CreateRequest(ctx, NewRequest("c1", 0)); !errors.Is(err, context.Canceled) {
		t.Errorf("create with a canceled context: err = %v, want context.Canceled", err)
	}
	if _, err := s.MarkSeen(ctx, "k", time.Hour); err == nil {
		t.Errorf("MarkSeen with a canceled context succeeded")
	}
	if _, err := s.GetRequest(context.Background(), "c1"); !errors.Is(err, tap.ErrNotFound) {
		t.Errorf("a canceled create stored the request: %v", err)
	}
}
