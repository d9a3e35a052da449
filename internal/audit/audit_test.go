package audit_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/audit"
	"github.com/tapbot/tapbot/internal/store/memstore"
	"github.com/tapbot/tapbot/internal/tap"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func clock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 11, 27, 14, 0, 0, 123456789, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Second)
		return t
	}
}

func record(t *testing.T, tr *audit.Trail, n int) {
	t.Helper()
	for i := range n {
		err := tr.Record(context.Background(), tap.AuditRecord{
			Actor: "entra:u1", Action: "approve", Request: tap.RequestID(fmt.Sprint("r", i)),
			Outcome: "ok", Detail: map[string]string{"from": "pending", "to": "issuing", "n": fmt.Sprint(i)},
		})
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
}

func TestRecordBuildsAChain(t *testing.T) {
	st := memstore.New()
	tr := audit.New(st, clock(), quiet)
	record(t, tr, 5)
	recs, err := st.ListAudit(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 {
		t.Fatalf("records = %d, want 5", len(recs))
	}
	prev := ""
	for i, r := range recs {
		if r.Seq != int64(i+1) || r.PrevHash != prev || r.Hash != audit.Hash(r) || len(r.Hash) != 64 {
			t.Errorf("record %d: seq %d prev %q hash %q", i, r.Seq, r.PrevHash, r.Hash)
		}
		if r.At.Nanosecond()%1000 != 0 {
			t.Errorf("record %d: At %v not truncated to microseconds", i, r.At)
		}
		prev = r.Hash
	}
	rep, err := tr.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Records != 5 || rep.LastSeq != 5 || rep.LastHash != recs[4].Hash {
		t.Fatalf("report = %+v", rep)
	}
}

func TestHashIsCanonical(t *testing.T) {
	at := time.Date(2026, 11, 27, 14, 0, 0, 5000, time.UTC)
	base := tap.AuditRecord{Seq: 3, At: at, Actor: "system", Action: "expire", Outcome: "ok",
		Detail: map[string]string{"a": "1", "b": "2"}, PrevHash: "ab"}
	same := base
	same.At = at.In(time.FixedZone("X", 3600))
	same.Detail = map[string]string{"b": "2", "a": "1"}
	if audit.Hash(base) != audit.Hash(same) {
		t.Fatal("hash depends on zone or map order")
	}
	// Every field is covered, and field boundaries cannot be shifted.
	changes := map[string]func(*tap.AuditRecord){
		"seq":      func(r *tap.AuditRecord) { r.Seq++ },
		"at":       func(r *tap.AuditRecord) { r.At = r.At.Add(time.Microsecond) },
		"actor":    func(r *tap.AuditRecord) { r.Actor = "entra:x" },
		"action":   func(r *tap.AuditRecord) { r.Action = "deny" },
		"request":  func(r *tap.AuditRecord) { r.Request = "r" },
		"method":   func(r *tap.AuditRecord) { r.MethodID = "m" },
		"outcome":  func(r *tap.AuditRecord) { r.Outcome = "refused" },
		"detail":   func(r *tap.AuditRecord) { r.Detail = map[string]string{"a": "12", "b": ""} },
		"detail_k": func(r *tap.AuditRecord) { r.Detail = map[string]string{"a1": "", "b": "2"} },
		"prev":     func(r *tap.AuditRecord) { r.PrevHash = "ac" },
		"shift":    func(r *tap.AuditRecord) { r.Actor, r.Action = "systeme", "xpire" },
	}
	for name, change := range changes {
		r := base
		r.Detail = map[string]string{"a": "1", "b": "2"}
		change(&r)
		if audit.Hash(r) == audit.Hash(base) {
			t.Errorf("%s: hash unchanged", name)
		}
	}
}

// damaged serves the audit rows as an attacker left them in the database.
type damaged struct {
	*memstore.Store
	damage func([]tap.AuditRecord) []tap.AuditRecord
}

func (d damaged) ListAudit(ctx context.Context, after int64, limit int) ([]tap.AuditRecord, error) {
	all, err := d.Store.ListAudit(ctx, 0, 0)
	if err != nil {
		return nil, err
	}
	var out []tap.AuditRecord
	for _, r := range d.damage(all) {
		if r.Seq > after && (limit == 0 || len(out) < limit) {
			out = append(out, r)
		}
	}
	return out, nil
}

func TestVerifyFindsDamage(t *testing.T) {
	idx := func(recs []tap.AuditRecord, seq int64) int {
		return slices.IndexFunc(recs, func(r tap.AuditRecord) bool { return r.Seq == seq })
	}
	tests := []struct {
		name   string
		damage func([]tap.AuditRecord) []tap.AuditRecord
		want   []audit.Problem // Detail not compared
	}{
		{"intact", func(r []tap.AuditRecord) []tap.AuditRecord { return r }, nil},
		{"tampered actor", func(r []tap.AuditRecord) []tap.AuditRecord {
			r[idx(r, 3)].Actor = "entra:someone-else"
			return r
		}, []audit.Problem{{Seq: 3, Kind: audit.Tampered}}},
		{"tampered detail", func(r []tap.AuditRecord) []tap.AuditRecord {
			r[idx(r, 5)].Detail["to"] = "denied"
			return r
		}, []audit.Problem{{Seq: 5, Kind: audit.Tampered}}},
		{"tampered and rehashed", func(r []tap.AuditRecord) []tap.AuditRecord {
			i := idx(r, 3)
			r[i].Outcome = "refused"
			r[i].Hash = audit.Hash(r[i])
			return r
		}, []audit.Problem{{Seq: 4, Kind: audit.Deleted}}},
		{"deleted middle", func(r []tap.AuditRecord) []tap.AuditRecord {
			return slices.Delete(r, idx(r, 3), idx(r, 3)+1)
		}, []audit.Problem{{Seq: 4, Kind: audit.Deleted}}},
		{"deleted first", func(r []tap.AuditRecord) []tap.AuditRecord { return r[1:] },
			[]audit.Problem{{Seq: 2, Kind: audit.Deleted}}},
		{"deleted and renumbered", func(r []tap.AuditRecord) []tap.AuditRecord {
			r = slices.Delete(r, idx(r, 3), idx(r, 3)+1)
			for i := range r {
				r[i].Seq = int64(i + 1)
				r[i].Hash = audit.Hash(r[i]) // attacker rehashes, cannot fix the links
			}
			return r
		}, []audit.Problem{{Seq: 3, Kind: audit.Deleted}, {Seq: 4, Kind: audit.Deleted}, {Seq: 5, Kind: audit.Deleted}}},
		{"swapped rows", func(r []tap.AuditRecord) []tap.AuditRecord {
			i, j := idx(r, 3), idx(r, 4)
			r[i], r[j] = r[j], r[i]
			return r
		}, []audit.Problem{{Seq: 4, Kind: audit.Reordered}, {Seq: 3, Kind: audit.Reordered}, {Seq: 5, Kind: audit.Reordered}}},
		{"swapped and renumbered", func(r []tap.AuditRecord) []tap.AuditRecord {
			i, j := idx(r, 3), idx(r, 4)
			r[i], r[j] = r[j], r[i]
			r[i].Seq, r[j].Seq = 3, 4
			return r
		}, []audit.Problem{{Seq: 3, Kind: audit.Tampered}, {Seq: 3, Kind: audit.Reordered},
			{Seq: 4, Kind: audit.Tampered}, {Seq: 4, Kind: audit.Reordered}, {Seq: 5, Kind: audit.Reordered}}},
		{"swapped, renumbered and rehashed", func(r []tap.AuditRecord) []tap.AuditRecord {
			i, j := idx(r, 3), idx(r, 4)
			r[i], r[j] = r[j], r[i]
			r[i].Seq, r[j].Seq = 3, 4
			r[i].Hash, r[j].Hash = audit.Hash(r[i]), audit.Hash(r[j])
			return r
		}, []audit.Problem{{Seq: 3, Kind: audit.Deleted}, {Seq: 4, Kind: audit.Reordered}, {Seq: 5, Kind: audit.Deleted}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := memstore.New()
			record(t, audit.New(st, clock(), quiet), 6)
			tr := audit.New(damaged{Store: st, damage: tt.damage}, clock(), quiet)
			rep, err := tr.Verify(context.Background())
			if (err != nil) != (len(tt.want) > 0) || (err != nil && !errors.Is(err, audit.ErrDamaged)) {
				t.Fatalf("err = %v", err)
			}
			s := rep.String()
			if (len(tt.want) == 0) != strings.HasPrefix(s, "audit trail intact") {
				t.Fatalf("report string = %q", s)
			}
			for _, p := range tt.want {
				if !strings.Contains(s, fmt.Sprintf("seq %d: %s: ", p.Seq, p.Kind)) {
					t.Errorf("report string %q does not name seq %d", s, p.Seq)
				}
			}
			if len(tt.want) > 0 && !strings.Contains(err.Error(), fmt.Sprintf("first at seq %d", tt.want[0].Seq)) {
				t.Errorf("error %q does not name seq %d", err, tt.want[0].Seq)
			}
			var got []audit.Problem
			for _, p := range rep.Problems {
				if p.Detail == "" {
					t.Errorf("problem at %d has no detail", p.Seq)
				}
				got = append(got, audit.Problem{Seq: p.Seq, Kind: p.Kind})
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("problems = %+v, want %+v", rep.Problems, tt.want)
			}
			if rep.OK() != (len(tt.want) == 0) {
				t.Fatalf("OK() = %v", rep.OK())
			}
		})
	}
}

func TestConcurrentReplicasKeepOneChain(t *testing.T) {
	st := memstore.New()
	now := clock()
	replicas := []*audit.Trail{audit.New(st, now, quiet), audit.New(st, now, quiet), audit.New(st, now, quiet)}
	var wg sync.WaitGroup
	errs := make(chan error, 60)
	for i := range 60 {
		wg.Go(func() {
			errs <- replicas[i%len(replicas)].Record(context.Background(),
				tap.AuditRecord{Actor: "system", Action: "sweep", Outcome: "ok", Detail: map[string]string{"i": fmt.Sprint(i)}})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	rep, err := replicas[0].Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Records != 60 {
		t.Fatalf("report = %+v", rep)
	}
}

type brokenAppend struct{ *memstore.Store }

var errDisk = errors.New("disk full")

func (brokenAppend) AppendAudit(context.Context, tap.AuditRecord) error { return errDisk }

type busyAppend struct{ *memstore.Store }

func (busyAppend) AppendAudit(context.Context, tap.AuditRecord) error { return tap.ErrConflict }

func TestRecordFailsClosed(t *testing.T) {
	tests := []struct {
		name  string
		store tap.Store
		rec   tap.AuditRecord
		cause error
	}{
		{"append error", brokenAppend{memstore.New()}, tap.AuditRecord{Action: "issue"}, errDisk},
		{"endless conflicts", busyAppend{memstore.New()}, tap.AuditRecord{Action: "issue"}, tap.ErrConflict},
		{"no action", memstore.New(), tap.AuditRecord{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := audit.New(tt.store, clock(), quiet).Record(context.Background(), tt.rec)
			if !errors.Is(err, tap.ErrAudit) {
				t.Fatalf("err = %v, want ErrAudit", err)
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Fatalf("err = %v, want it to wrap %v", err, tt.cause)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := audit.New(memstore.New(), clock(), quiet).Record(ctx, tap.AuditRecord{Action: "x"}); !errors.Is(err, tap.ErrAudit) {
		t.Fatalf("cancelled ctx: err = %v", err)
	}
}

func TestExportWritesJSONLines(t *testing.T) {
	st := memstore.New()
	tr := audit.New(st, clock(), quiet)
	record(t, tr, 3)
	var buf bytes.Buffer
	if err := tr.Export(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	want, _ := st.ListAudit(context.Background(), 0, 0)
	sc := bufio.NewScanner(&buf)
	var n int
	for sc.Scan() {
		var got tap.AuditRecord
		if err := json.Unmarshal(sc.Bytes(), &got); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		if got.Seq != want[n].Seq || got.Hash != want[n].Hash || got.Hash != audit.Hash(got) {
			t.Errorf("line %d: %+v, want %+v", n+1, got, want[n])
		}
		n++
	}
	if n != 3 {
		t.Fatalf("lines = %d, want 3", n)
	}
}

func TestExportAndVerifyPage(t *testing.T) {
	st := memstore.New()
	tr := audit.New(st, clock(), quiet)
	record(t, tr, 1203)
	rep, err := tr.Verify(context.Background())
	if err != nil || !rep.OK() || rep.Records != 1203 {
		t.Fatalf("report = %+v, err = %v", rep, err)
	}
	var buf bytes.Buffer
	if err := tr.Export(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(buf.Bytes(), []byte("\n")); n != 1203 {
		t.Fatalf("lines = %d", n)
	}
}
