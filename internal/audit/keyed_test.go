package audit_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tapbot/tapbot/internal/audit"
	"github.com/tapbot/tapbot/internal/store/memstore"
	"github.com/tapbot/tapbot/internal/tap"
)

var (
	keyA = bytes.Repeat([]byte{0xA1}, 32)
	keyB = bytes.Repeat([]byte{0xB2}, 32)
)

// rechain is what someone with write access to the database and no key
// can do: change records, then recompute every unkeyed hash and link from
// the first changed record on, so the chain is consistent again.
func rechain(recs []tap.AuditRecord, from int64) []tap.AuditRecord {
	prev := ""
	for i := range recs {
		if recs[i].Seq >= from {
			recs[i].PrevHash = prev
			recs[i].Hash = audit.Hash(recs[i])
		}
		prev = recs[i].Hash
	}
	return recs
}

// problems is rep's problems without their details.
func problems(rep audit.Report) []audit.Problem {
	var out []audit.Problem
	for _, p := range rep.Problems {
		out = append(out, audit.Problem{Seq: p.Seq, Kind: p.Kind})
	}
	return out
}

func TestKeyedChain(t *testing.T) {
	st := memstore.New()
	tr := audit.New(st, clock(), quiet, audit.WithKey(keyA))
	record(t, tr, 4)
	recs, _ := st.ListAudit(context.Background(), 0, 0)
	for _, r := range recs {
		if !strings.HasPrefix(r.Hash, audit.MACPrefix) || r.Hash != audit.MAC(keyA, r) || r.Hash == audit.MAC(keyB, r) {
			t.Fatalf("record %d: hash %q is not its MAC under the key", r.Seq, r.Hash)
		}
	}
	rep, err := tr.Verify(context.Background())
	if err != nil || !rep.OK() || rep.Records != 4 || rep.Legacy != 0 || rep.FirstKeyed != 1 {
		t.Fatalf("report = %+v, err = %v", rep, err)
	}
}

// TestAttack_AuditRewriteWithUnkeyedHash: someone who can write the
// database changes a record's body and recomputes the chain the only way
// they can without the key. Before audit_key the trail was a plain
// SHA-256 chain and this passed verification.
func TestAttack_AuditRewriteWithUnkeyedHash(t *testing.T) {
	tests := []struct {
		name   string
		damage func([]tap.AuditRecord) []tap.AuditRecord
		first  audit.Problem
	}{
		{"body rewritten, tail rechained", func(r []tap.AuditRecord) []tap.AuditRecord {
			r[2].Outcome, r[2].Actor = "refused", "entra:someone-else"
			return rechain(r, 3)
		}, audit.Problem{Seq: 3, Kind: audit.Unkeyed}},
		{"first record rewritten, whole chain rechained", func(r []tap.AuditRecord) []tap.AuditRecord {
			r[0].Action = "deny"
			return rechain(r, 1)
		}, audit.Problem{Seq: 6, Kind: audit.Unkeyed}},
		{"body rewritten, MAC kept", func(r []tap.AuditRecord) []tap.AuditRecord {
			r[3].Detail["to"] = "denied"
			return r
		}, audit.Problem{Seq: 4, Kind: audit.Tampered}},
		{"body rewritten, MAC under a guessed key", func(r []tap.AuditRecord) []tap.AuditRecord {
			r[5].Outcome = "error"
			r[5].Hash = audit.MAC(keyB, r[5])
			return r
		}, audit.Problem{Seq: 6, Kind: audit.Tampered}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := memstore.New()
			record(t, audit.New(st, clock(), quiet, audit.WithKey(keyA)), 6)
			tr := audit.New(damaged{Store: st, damage: tt.damage}, clock(), quiet, audit.WithKey(keyA))
			rep, err := tr.Verify(context.Background())
			if !errors.Is(err, audit.ErrDamaged) {
				t.Fatalf("rewritten trail verified: %v\n%s", err, rep)
			}
			if got := problems(rep); len(got) == 0 || got[0] != tt.first {
				t.Fatalf("problems = %+v, want first %+v", rep.Problems, tt.first)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("first at seq %d: %s: ", tt.first.Seq, tt.first.Kind)) {
				t.Fatalf("error %q does not name the first bad record", err)
			}
		})
	}
}

// TestAttack_AuditTailDeletedAfterAnchor: the newest records are removed
// after an anchor was taken. The remaining chain is consistent, so only
// the anchor kept outside the database can tell.
func TestAttack_AuditTailDeletedAfterAnchor(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	tr := audit.New(st, clock(), quiet, audit.WithKey(keyA))
	record(t, tr, 6)
	anchor, err := tr.Anchor(ctx)
	if err != nil || anchor.Seq != 6 {
		t.Fatalf("anchor = %v, %v", anchor, err)
	}
	parsed, err := audit.ParseAnchor(anchor.String())
	if err != nil || parsed != anchor {
		t.Fatalf("ParseAnchor(%q) = %v, %v", anchor, parsed, err)
	}
	rep, err := tr.Verify(ctx, parsed)
	if err != nil || len(rep.Anchors) != 1 || !strings.Contains(rep.String(), "matches anchor "+anchor.String()) {
		t.Fatalf("intact trail against its own anchor: %v\n%s", err, rep)
	}

	cut := audit.New(damaged{Store: st, damage: func(r []tap.AuditRecord) []tap.AuditRecord { return r[:4] }}, clock(), quiet, audit.WithKey(keyA))
	if rep, err := cut.Verify(ctx); err != nil {
		t.Fatalf("without the anchor a cut tail is consistent, want no error: %v\n%s", err, rep)
	}
	rep, err = cut.Verify(ctx, parsed)
	if !errors.Is(err, audit.ErrDamaged) {
		t.Fatalf("cut tail verified against the anchor: %v\n%s", err, rep)
	}
	if got := problems(rep); !slices.Equal(got, []audit.Problem{{Seq: 6, Kind: audit.Deleted}}) ||
		!strings.Contains(rep.Problems[0].Detail, "the trail ends at 4") {
		t.Fatalf("problems = %+v", rep.Problems)
	}

	// Cut and regrown to the anchor's length with records the attacker
	// could write: the record at the anchor's seq is not the anchored one.
	regrown := audit.New(damaged{Store: st, damage: func(r []tap.AuditRecord) []tap.AuditRecord {
		r[4].Outcome, r[5].Outcome = "refused", "refused"
		return rechain(r, 5)
	}}, clock(), quiet, audit.WithKey(keyA))
	rep, _ = regrown.Verify(ctx, parsed)
	if !slices.Contains(problems(rep), audit.Problem{Seq: 6, Kind: audit.Rewritten}) {
		t.Fatalf("regrown tail: problems = %+v", rep.Problems)
	}
}

// TestAttack_AuditWrongKey: verifying with another key (or a chain
// forged under one) names the key, once, at the first keyed record.
func TestAttack_AuditWrongKey(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	record(t, audit.New(st, clock(), quiet, audit.WithKey(keyA)), 5)
	wrong := audit.New(st, clock(), quiet, audit.WithKey(keyB))
	rep, err := wrong.Verify(ctx)
	if !errors.Is(err, audit.ErrDamaged) {
		t.Fatalf("verify under the wrong key: %v", err)
	}
	if got := problems(rep); !slices.Equal(got, []audit.Problem{{Seq: 1, Kind: audit.WrongKey}}) {
		t.Fatalf("problems = %+v", rep.Problems)
	}
	if !strings.Contains(err.Error(), "not the key the bot writes with") {
		t.Fatalf("error %q does not say the key is wrong", err)
	}
	if _, err := wrong.Anchor(ctx); !errors.Is(err, audit.ErrDamaged) {
		t.Fatalf("anchor under the wrong key: %v", err)
	}
	if rep, err := audit.New(st, clock(), quiet).Verify(ctx); !slices.Contains(problems(rep), audit.Problem{Seq: 1, Kind: audit.Unchecked}) {
		t.Fatalf("keyed records checked without a key: %v, %+v", err, rep.Problems)
	}
}

// Records written before audit_key verify as a legacy prefix once the bot
// has adopted the key; unkeyed records after that are reported.
func TestLegacyPrefix(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	now := clock()
	record(t, audit.New(st, now, quiet), 3) // an older tapbot, no key
	tr := audit.New(st, now, quiet, audit.WithKey(keyA))

	rep, err := tr.Verify(ctx)
	if got := problems(rep); !errors.Is(err, audit.ErrDamaged) || !slices.Equal(got, []audit.Problem{{Seq: 3, Kind: audit.Unkeyed}}) {
		t.Fatalf("unadopted legacy trail: %v, %+v", err, rep.Problems)
	}
	if ok, err := tr.AdoptKey(ctx); !ok || err != nil {
		t.Fatalf("AdoptKey = %v, %v", ok, err)
	}
	if ok, err := tr.AdoptKey(ctx); ok || err != nil {
		t.Fatalf("second AdoptKey = %v, %v; want nothing appended", ok, err)
	}
	record(t, tr, 2)
	recs, _ := st.ListAudit(ctx, 0, 0)
	if a := recs[3]; a.Action != audit.AdoptAction || a.Detail["legacy_records"] != "3" || !strings.HasPrefix(a.Hash, audit.MACPrefix) {
		t.Fatalf("adoption record = %+v", a)
	}
	rep, err = tr.Verify(ctx)
	if err != nil || rep.Legacy != 3 || rep.FirstKeyed != 4 || !strings.Contains(rep.String(), "3 legacy unkeyed records (written before audit_key) are covered by keyed record 4") {
		t.Fatalf("adopted trail: %v\n%s", err, rep)
	}

	tests := []struct {
		name   string
		damage func([]tap.AuditRecord) []tap.AuditRecord
		first  audit.Problem
	}{
		{"legacy record rewritten and rechained", func(r []tap.AuditRecord) []tap.AuditRecord {
			r[1].Actor = "entra:someone-else"
			prev := r[0].Hash
			for i := 1; i < 3; i++ {
				r[i].PrevHash = prev
				r[i].Hash = audit.Hash(r[i])
				prev = r[i].Hash
			}
			return r
		}, audit.Problem{Seq: 4, Kind: audit.Deleted}},
		{"keyed records downgraded to legacy", func(r []tap.AuditRecord) []tap.AuditRecord {
			return rechain(r, 4)
		}, audit.Problem{Seq: 6, Kind: audit.Unkeyed}},
		{"keyed tail removed", func(r []tap.AuditRecord) []tap.AuditRecord { return r[:3] },
			audit.Problem{Seq: 3, Kind: audit.Unkeyed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := audit.New(damaged{Store: st, damage: tt.damage}, now, quiet, audit.WithKey(keyA))
			rep, err := d.Verify(ctx)
			if got := problems(rep); !errors.Is(err, audit.ErrDamaged) || len(got) == 0 || got[0] != tt.first {
				t.Fatalf("%v; problems = %+v, want first %+v", err, rep.Problems, tt.first)
			}
		})
	}

	// An unkeyed writer (an older replica) after the key was adopted.
	record(t, audit.New(st, now, quiet), 1)
	rep, _ = tr.Verify(ctx)
	if got := problems(rep); !slices.Equal(got, []audit.Problem{{Seq: 7, Kind: audit.Unkeyed}}) {
		t.Fatalf("unkeyed record after keyed ones: %+v", rep.Problems)
	}
}

func TestAdoptKeyOnceAcrossReplicas(t *testing.T) {
	st := memstore.New()
	now := clock()
	record(t, audit.New(st, now, quiet), 2)
	var wg sync.WaitGroup
	var mu sync.Mutex
	adopted := 0
	for range 5 {
		wg.Go(func() {
			ok, err := audit.New(st, now, quiet, audit.WithKey(keyA)).AdoptKey(context.Background())
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				adopted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if adopted != 1 {
		t.Fatalf("%d replicas appended an adoption record, want 1", adopted)
	}
	if ok, _ := audit.New(memstore.New(), now, quiet, audit.WithKey(keyA)).AdoptKey(context.Background()); ok {
		t.Fatal("AdoptKey appended to an empty trail")
	}
}

func TestBadKeyFailsClosed(t *testing.T) {
	ctx := context.Background()
	for _, key := range [][]byte{nil, make([]byte, 31)} {
		st := memstore.New()
		tr := audit.New(st, clock(), quiet, audit.WithKey(key))
		if err := tr.Record(ctx, tap.AuditRecord{Action: "issue"}); !errors.Is(err, tap.ErrAudit) || !errors.Is(err, audit.ErrBadKey) {
			t.Fatalf("key of %d bytes: Record err = %v, want ErrAudit and ErrBadKey", len(key), err)
		}
		if _, err := tr.Verify(ctx); !errors.Is(err, audit.ErrBadKey) {
			t.Fatalf("key of %d bytes: Verify err = %v", len(key), err)
		}
		if _, err := st.LastAudit(ctx); !errors.Is(err, tap.ErrNotFound) {
			t.Fatalf("key of %d bytes: something was recorded", len(key))
		}
	}
}

func TestParseAnchor(t *testing.T) {
	hexMAC := strings.Repeat("ab", 32)
	good := []string{"12:" + hexMAC, "12:" + audit.MACPrefix + hexMAC, " 12:" + strings.ToUpper(hexMAC) + "\n"}
	for _, s := range good {
		a, err := audit.ParseAnchor(s)
		if err != nil || a != (audit.Anchor{Seq: 12, MAC: hexMAC}) {
			t.Errorf("ParseAnchor(%q) = %+v, %v", s, a, err)
		}
	}
	bad := map[string]string{
		"":                    "no ':'",
		hexMAC:                "no ':'",
		"x:" + hexMAC:         "not a record sequence number",
		"0:" + hexMAC:         "not a record sequence number",
		"12:" + hexMAC[:63]:   "64 hex digits",
		"12:" + hexMAC + "zz": "64 hex digits",
	}
	for s, want := range bad {
		if _, err := audit.ParseAnchor(s); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "bot audit anchor") {
			t.Errorf("ParseAnchor(%q) err = %v, want it to say %q", s, err, want)
		}
	}
}

// Rotating the audit key: records under the previous key still verify,
// the bot seals them under the new key at start (RotateAction), and a
// record written with the retired key after that is reported.
func TestKeyRotation(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	record(t, audit.New(st, clock(), quiet, audit.WithKey(keyA)), 3)

	rotated := audit.New(st, clock(), quiet, audit.WithKey(keyB), audit.WithPreviousKeys(keyA))
	rep, err := rotated.Verify(ctx)
	if want := []audit.Problem{{Seq: 3, Kind: audit.Retired}}; !errors.Is(err, audit.ErrDamaged) || !slices.Equal(problems(rep), want) {
		t.Fatalf("before the rotation is sealed: %v %+v", err, rep.Problems)
	}
	if ok, err := rotated.AdoptKey(ctx); !ok || err != nil {
		t.Fatalf("AdoptKey = %v, %v", ok, err)
	}
	if ok, _ := rotated.AdoptKey(ctx); ok {
		t.Fatal("the rotation was sealed twice")
	}
	record(t, rotated, 2)
	recs, _ := st.ListAudit(ctx, 0, 0)
	if r := recs[3]; r.Action != audit.RotateAction || r.Detail["previous_key_records"] != "3" || r.Hash != audit.MAC(keyB, r) {
		t.Fatalf("rotation record: %+v", r)
	}
	if rep, err := rotated.Verify(ctx); err != nil || !rep.OK() || rep.Records != 6 {
		t.Fatalf("after the rotation: %v %+v", err, rep)
	}
	if rep, _ := audit.New(st, clock(), quiet, audit.WithKey(keyB)).Verify(ctx); len(rep.Problems) != 3 {
		t.Fatalf("without the previous key the old records must not verify: %+v", rep.Problems)
	}

	// Someone who kept the retired key appends a record with it.
	old := audit.New(st, clock(), quiet, audit.WithKey(keyA))
	record(t, old, 1)
	rep, err = rotated.Verify(ctx)
	if want := []audit.Problem{{Seq: 7, Kind: audit.Retired}}; !errors.Is(err, audit.ErrDamaged) || !slices.Equal(problems(rep), want) {
		t.Fatalf("a record under the retired key after the rotation: %v %+v", err, rep.Problems)
	}
	if !strings.Contains(rep.Problems[0].Detail, "after record 4 was keyed under the current one") {
		t.Fatalf("detail: %s", rep.Problems[0].Detail)
	}
	if _, err := audit.New(st, clock(), quiet, audit.WithKey(keyB), audit.WithPreviousKeys(keyA[:8])).Verify(ctx); !errors.Is(err, audit.ErrBadKey) {
		t.Fatalf("a short previous key: %v", err)
	}
}
