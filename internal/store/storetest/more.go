package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

func testList(t *testing.T, s tap.Store) {
	ctx := context.Background()
	if got, err := s.ListRequests(ctx, tap.RequestFilter{}); err != nil || len(got) != 0 {
		t.Fatalf("empty store: %d requests, err %v", len(got), err)
	}
	// Created out of order so that ordering by insertion would fail.
	type spec struct {
		id        string
		offset    time.Duration
		state     tap.State
		requester tap.UserID
		target    tap.UserID
		next      time.Duration // NextTimer offset from base; -1 means zero
	}
	specs := []spec{
		{"d", 3 * time.Hour, tap.StateIssued, "m1", "t1", 4 * time.Hour},
		{"a", 0, tap.StatePending, "m1", "t0", time.Hour}, // open requests have distinct targets
		{"c", 2 * time.Hour, tap.StateDenied, "m2", "t2", -1},
		{"b", time.Hour, tap.StatePending, "m2", "t3", 2 * time.Hour},
		{"e", 4 * time.Hour, tap.StateConfirmed, "m1", "t2", -1},
		{"b2", time.Hour, tap.StateApproved, "m1", "t2", 2*time.Hour + time.Nanosecond}, // same CreatedAt as b: ID breaks the tie
	}
	for _, sp := range specs {
		r := NewRequest(sp.id, sp.offset)
		r.State = sp.state
		r.Requester.EntraID = sp.requester
		r.Target.ID = sp.target
		r.NextTimer = time.Time{}
		if sp.next >= 0 {
			r.NextTimer = base.Add(sp.next)
		}
		r.Sealed = []byte("sealed-" + sp.id)
		mustCreate(t, s, r)
	}
	tests := []struct {
		name string
		f    tap.RequestFilter
		want []string
	}{
		{"all oldest first", tap.RequestFilter{}, []string{"a", "b", "b2", "c", "d", "e"}},
		{"one state", tap.RequestFilter{States: []tap.State{tap.StatePending}}, []string{"a", "b"}},
		{"several states", tap.RequestFilter{States: []tap.State{tap.StateIssued, tap.StateDenied, tap.StateApproved}}, []string{"b2", "c", "d"}},
		{"no match state", tap.RequestFilter{States: []tap.State{tap.StateRevoked}}, nil},
		{"requester", tap.RequestFilter{Requester: "m2"}, []string{"b", "c"}},
		{"target", tap.RequestFilter{Target: "t2"}, []string{"b2", "c", "e"}},
		{"requester and target", tap.RequestFilter{Requester: "m1", Target: "t2"}, []string{"b2", "e"}},
		{"due before inclusive", tap.RequestFilter{DueBefore: base.Add(2 * time.Hour)}, []string{"a", "b"}},
		{"due before far future skips zero timers", tap.RequestFilter{DueBefore: base.Add(100 * time.Hour)}, []string{"a", "b", "b2", "d"}},
		{"due before everything", tap.RequestFilter{DueBefore: base.Add(-time.Hour)}, nil},
		{"since inclusive", tap.RequestFilter{Since: base.Add(2 * time.Hour)}, []string{"c", "d", "e"}},
		{"since to the nanosecond", tap.RequestFilter{Since: base.Add(2*time.Hour + time.Nanosecond)}, []string{"d", "e"}},
		{"limit", tap.RequestFilter{Limit: 2}, []string{"a", "b"}},
		{"limit above count", tap.RequestFilter{Limit: 50}, []string{"a", "b", "b2", "c", "d", "e"}},
		{"all filters", tap.RequestFilter{States: []tap.State{tap.StatePending, tap.StateIssued, tap.StateApproved},
			Requester: "m1", DueBefore: base.Add(5 * time.Hour), Since: base.Add(time.Minute), Limit: 1}, []string{"b2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListRequests(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range got {
				ids = append(ids, string(r.ID))
				if want := "sealed-" + string(r.ID); string(r.Sealed) != want {
					t.Errorf("%s: Sealed = %q, want %q", r.ID, r.Sealed, want)
				}
				if r.Version != 1 {
					t.Errorf("%s: Version = %d, want 1", r.ID, r.Version)
				}
			}
			if !slices.Equal(ids, tt.want) {
				t.Fatalf("got %v, want %v", ids, tt.want)
			}
		})
	}
	// A state change is visible to the state filter (indexed columns follow updates).
	r := mustGet(t, s, "a")
	r.State = tap.StateIssuing
	r.NextTimer = time.Time{}
	if err := s.UpdateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListRequests(ctx, tap.RequestFilter{States: []tap.State{tap.StatePending}, DueBefore: base.Add(100 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "b" {
		t.Fatalf("after update: got %d requests, want only b", len(got))
	}
}

func testMarkSeen(t *testing.T, s tap.Store) {
	ctx := context.Background()
	for i, want := range []bool{true, false, false} {
		got, err := s.MarkSeen(ctx, "slack:Ev1", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("call %d: first = %v, want %v", i+1, got, want)
		}
	}
	if first, err := s.MarkSeen(ctx, "slack:Ev2", time.Hour); err != nil || !first {
		t.Fatalf("another key: first = %v, err %v", first, err)
	}
	// Keys are exact: no prefix or case folding.
	for _, k := range []string{"slack:ev1", "slack:Ev", "slack:Ev1 "} {
		if first, err := s.MarkSeen(ctx, k, time.Hour); err != nil || !first {
			t.Fatalf("key %q: first = %v, err %v", k, first, err)
		}
	}
	// After ttl the key counts as new again, and is then held for the new ttl.
	const ttl = 150 * time.Millisecond
	if first, err := s.MarkSeen(ctx, "teams:short", ttl); err != nil || !first {
		t.Fatalf("short: first = %v, err %v", first, err)
	}
	time.Sleep(3 * ttl)
	if first, err := s.MarkSeen(ctx, "teams:short", time.Hour); err != nil || !first {
		t.Fatalf("after ttl: first = %v, err %v; want true", first, err)
	}
	if first, err := s.MarkSeen(ctx, "teams:short", time.Hour); err != nil || first {
		t.Fatalf("after renewal: first = %v, err %v; want false", first, err)
	}
	// Expired keys of others do not disturb live ones.
	if first, err := s.MarkSeen(ctx, "slack:Ev1", time.Hour); err != nil || first {
		t.Fatalf("live key after others expired: first = %v, err %v", first, err)
	}
}

func testSessions(t *testing.T, s tap.Store) {
	ctx := context.Background()
	now := time.Now()
	if _, err := s.GetSession(ctx, "slack/D1/U1"); !errors.Is(err, tap.ErrNotFound) {
		t.Fatalf("get missing: err = %v, want ErrNotFound", err)
	}
	live := tap.Session{Key: "slack/D1/U1", Data: []byte(`{"step":"reason"}`), Expires: now.Add(time.Hour)}
	if err := s.PutSession(ctx, live); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetSession(ctx, live.Key)
	if err != nil {
		t.Fatal(err)
	}
	if got.Key != live.Key || !bytes.Equal(got.Data, live.Data) || !got.Expires.Equal(live.Expires) {
		t.Fatalf("got %+v, want %+v", got, live)
	}
	replaced := tap.Session{Key: live.Key, Data: []byte(`{"step":"confirm"}`), Expires: now.Add(2 * time.Hour)}
	if err := s.PutSession(ctx, replaced); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetSession(ctx, live.Key); err != nil || !bytes.Equal(got.Data, replaced.Data) || !got.Expires.Equal(replaced.Expires) {
		t.Fatalf("after replace: %+v, %v", got, err)
	}
	expired := tap.Session{Key: "teams/a:1/29:x", Data: []byte("{}"), Expires: now.Add(-time.Second)}
	if err := s.PutSession(ctx, expired); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSession(ctx, expired.Key); !errors.Is(err, tap.ErrNotFound) {
		t.Fatalf("expired session: err = %v, want ErrNotFound", err)
	}
	// An expired session can be replaced by a live one.
	expired.Expires = now.Add(time.Hour)
	if err := s.PutSession(ctx, expired); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSession(ctx, expired.Key); err != nil {
		t.Fatalf("revived session: %v", err)
	}
	if err := s.DeleteSession(ctx, live.Key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSession(ctx, live.Key); !errors.Is(err, tap.ErrNotFound) {
		t.Fatalf("deleted session: err = %v, want ErrNotFound", err)
	}
	if err := s.DeleteSession(ctx, live.Key); err != nil {
		t.Fatalf("deleting an absent session: %v", err)
	}
	if _, err := s.GetSession(ctx, expired.Key); err != nil {
		t.Fatalf("delete removed another session: %v", err)
	}
}

func testConversations(t *testing.T, s tap.Store) {
	ctx := context.Background()
	if _, err := s.GetConversation(ctx, "teams:user:x"); !errors.Is(err, tap.ErrNotFound) {
		t.Fatalf("get missing: err = %v, want ErrNotFound", err)
	}
	ref := []byte(`{"serviceUrl":"https://smba.trafficmanager.net/emea/","conversation":{"id":"a:1"}}` + "\x00\xff")
	if err := s.PutConversation(ctx, "teams:user:x", ref); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetConversation(ctx, "teams:user:x")
	if err != nil || !bytes.Equal(got, ref) {
		t.Fatalf("got %q, %v", got, err)
	}
	got[0] = 'X'
	if again, _ := s.GetConversation(ctx, "teams:user:x"); !bytes.Equal(again, ref) {
		t.Fatalf("returned ref aliases the stored one")
	}
	ref2 := []byte(`{"conversation":{"id":"a:2"}}`)
	if err := s.PutConversation(ctx, "teams:user:x", ref2); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetConversation(ctx, "teams:user:x"); err != nil || !bytes.Equal(got, ref2) {
		t.Fatalf("after replace: %q, %v", got, err)
	}
}

func auditRecord(seq int64) tap.AuditRecord {
	return tap.AuditRecord{
		Seq: seq, At: base.Add(time.Duration(seq) * time.Second), Actor: "entra:entra-approver",
		Action: "approve", Request: tap.RequestID(fmt.Sprintf("r%d", seq)), MethodID: "m",
		Outcome: "ok", Detail: map[string]string{"state": "issuing", "n": fmt.Sprint(seq)},
		PrevHash: fmt.Sprintf("prev%d", seq), Hash: fmt.Sprintf("hash%d", seq),
	}
}

func sameAudit(a, b tap.AuditRecord) bool {
	return a.Seq == b.Seq && a.At.Equal(b.At) && a.Actor == b.Actor && a.Action == b.Action &&
		a.Request == b.Request && a.MethodID == b.MethodID && a.Outcome == b.Outcome &&
		fmt.Sprint(a.Detail) == fmt.Sprint(b.Detail) && a.PrevHash == b.PrevHash && a.Hash == b.Hash
}

func testAudit(t *testing.T, s tap.Store) {
	ctx := context.Background()
	if _, err := s.LastAudit(ctx); !errors.Is(err, tap.ErrNotFound) {
		t.Fatalf("last of empty: err = %v, want ErrNotFound", err)
	}
	if got, err := s.ListAudit(ctx, 0, 0); err != nil || len(got) != 0 {
		t.Fatalf("list of empty: %d, %v", len(got), err)
	}
	if err := s.AppendAudit(ctx, auditRecord(2)); err == nil {
		t.Fatalf("first record with seq 2 was accepted")
	}
	var recs []tap.AuditRecord
	for seq := int64(1); seq <= 5; seq++ {
		rec := auditRecord(seq)
		if seq == 3 {
			rec.Detail, rec.MethodID, rec.Request = nil, "", ""
			rec.Actor, rec.Outcome = "system", "refused"
		}
		if err := s.AppendAudit(ctx, rec); err != nil {
			t.Fatalf("append %d: %v", seq, err)
		}
		recs = append(recs, rec)
	}
	last, err := s.LastAudit(ctx)
	if err != nil || !sameAudit(last, recs[4]) {
		t.Fatalf("last = %+v, %v; want %+v", last, err, recs[4])
	}
	if err := s.AppendAudit(ctx, auditRecord(5)); !errors.Is(err, tap.ErrConflict) {
		t.Fatalf("append taken seq: err = %v, want ErrConflict", err)
	}
	if err := s.AppendAudit(ctx, auditRecord(2)); !errors.Is(err, tap.ErrConflict) {
		t.Fatalf("append old seq: err = %v, want ErrConflict", err)
	}
	if err := s.AppendAudit(ctx, auditRecord(7)); err == nil {
		t.Fatalf("append leaving a gap was accepted")
	}
	if last, _ := s.LastAudit(ctx); last.Seq != 5 || last.Hash != "hash5" {
		t.Fatalf("a refused append changed the trail: last = %+v", last)
	}
	tests := []struct {
		after int64
		limit int
		want  []int64
	}{
		{0, 0, []int64{1, 2, 3, 4, 5}},
		{2, 0, []int64{3, 4, 5}},
		{0, 2, []int64{1, 2}},
		{3, 1, []int64{4}},
		{5, 0, nil},
		{9, 0, nil},
		{-1, 0, []int64{1, 2, 3, 4, 5}},
	}
	for _, tt := range tests {
		got, err := s.ListAudit(ctx, tt.after, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		var seqs []int64
		for _, r := range got {
			seqs = append(seqs, r.Seq)
			if !sameAudit(r, recs[r.Seq-1]) {
				t.Errorf("record %d: got %+v, want %+v", r.Seq, r, recs[r.Seq-1])
			}
		}
		if !slices.Equal(seqs, tt.want) {
			t.Errorf("ListAudit(%d, %d) = %v, want %v", tt.after, tt.limit, seqs, tt.want)
		}
	}
}

func testLeases(t *testing.T, s tap.Store) {
	ctx := context.Background()
	acquire := func(name, holder string, ttl time.Duration, want bool) {
		t.Helper()
		got, err := s.AcquireLease(ctx, name, holder, ttl)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("AcquireLease(%s, %s) = %v, want %v", name, holder, got, want)
		}
	}
	acquire("sweeper", "replica-a", time.Hour, true)
	acquire("sweeper", "replica-a", time.Hour, true) // renew
	acquire("sweeper", "replica-b", time.Hour, false)
	acquire("reconcile", "replica-b", time.Hour, true) // leases are independent

	const ttl = 150 * time.Millisecond
	acquire("short", "replica-a", ttl, true)
	time.Sleep(3 * ttl)
	acquire("short", "replica-b", time.Hour, true) // taken after expiry
	acquire("short", "replica-a", time.Hour, false)

	// A renewal extends the lease from now.
	acquire("renew", "replica-a", ttl, true)
	time.Sleep(ttl / 2)
	acquire("renew", "replica-a", time.Hour, true)
	time.Sleep(3 * ttl)
	acquire("renew", "replica-b", time.Hour, false)
}
