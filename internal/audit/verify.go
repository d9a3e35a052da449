package audit

import (
	"cmp"
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tapbot/tapbot/internal/tap"
)

// Kind classifies a problem Verify found.
type Kind string

// Problem kinds.
const (
	// Tampered: the record's stored MAC (or legacy hash) does not match
	// its contents.
	Tampered Kind = "tampered"
	// Deleted: records are missing before this one (a sequence gap, or a
	// prev_hash that matches no earlier record), or the record an anchor
	// names is gone.
	Deleted Kind = "deleted"
	// Reordered: the record is out of sequence, or links to a record
	// other than the one before it.
	Reordered Kind = "reordered"
	// Unkeyed: an unkeyed (legacy) record where only keyed ones may be:
	// after a keyed record, or as the newest record of a keyed trail.
	Unkeyed Kind = "unkeyed"
	// WrongKey: no keyed record verifies under the key Verify was given.
	WrongKey Kind = "wrong_key"
	// Rewritten: the record differs from an anchor taken earlier.
	Rewritten Kind = "rewritten"
	// Unchecked: a keyed record, and the Trail has no key to check it.
	Unchecked Kind = "unchecked"
	// Retired: a record under a previous audit key after records under
	// the current one (written with a retired key after the rotation), or
	// as the newest record (the rotation was not sealed yet).
	Retired Kind = "retired_key"
)

// Problem is one break in the chain, named by the record's sequence number.
type Problem struct {
	Seq    int64  `json:"seq"`
	Kind   Kind   `json:"kind"`
	Detail string `json:"detail"`
}

// Report is the result of Verify.
type Report struct {
	// Records is how many records were read.
	Records int64 `json:"records"`
	// LastSeq and LastHash identify the head of the chain (LastHash is
	// the stored MAC, or the legacy hash); Anchor turns them into an
	// anchor to keep outside the database.
	LastSeq  int64  `json:"last_seq"`
	LastHash string `json:"last_hash"`
	// Legacy counts the unkeyed (v1) records; FirstKeyed is the first
	// keyed record's seq (0: none).
	Legacy     int64 `json:"legacy,omitempty"`
	FirstKeyed int64 `json:"first_keyed,omitempty"`
	// Anchors are the anchors the trail matched.
	Anchors  []Anchor  `json:"anchors,omitempty"`
	Problems []Problem `json:"problems,omitempty"`
}

// OK reports whether the chain is intact.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// ErrDamaged is returned (wrapped) by Verify when the chain has problems.
var ErrDamaged = errors.New("audit trail damaged")

// String is the report for an operator: one line when intact, else one
// line per problem, the first bad record first.
func (r Report) String() string {
	var b strings.Builder
	if r.OK() {
		fmt.Fprintf(&b, "audit trail intact: %d records, head seq %d mac %s", r.Records, r.LastSeq, r.LastHash)
	} else {
		fmt.Fprintf(&b, "audit trail damaged: %d problems in %d records (head seq %d mac %s)", len(r.Problems), r.Records, r.LastSeq, r.LastHash)
	}
	switch {
	case r.Legacy > 0 && r.FirstKeyed > 0:
		fmt.Fprintf(&b, "\n  %d legacy unkeyed records (written before audit_key) are covered by keyed record %d", r.Legacy, r.FirstKeyed)
	case r.Legacy > 0:
		fmt.Fprintf(&b, "\n  all %d records are legacy unkeyed records: no key authenticates them", r.Legacy)
	}
	for _, a := range r.Anchors {
		fmt.Fprintf(&b, "\n  matches anchor %s", a)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "\n  seq %d: %s: %s", p.Seq, p.Kind, p.Detail)
	}
	return b.String()
}

// Verify walks the whole chain and reports every record whose MAC (or
// legacy hash) does not match its contents, every unkeyed record where
// only keyed ones may be, every gap in the sequence, every broken or
// misplaced link, and every anchor the trail no longer matches, each named
// by the record's sequence number. It reads the trail twice: once to index
// the stored hashes (so a moved record can be told from a removed one),
// once to check. The error is only for failures to read the store and for
// a damaged chain: then the Report lists every problem and the error wraps
// ErrDamaged and names the first.
func (t *Trail) Verify(ctx context.Context, anchors ...Anchor) (Report, error) {
	if t.keyErr != nil {
		return Report{}, fmt.Errorf("verify audit trail: %w", t.keyErr)
	}
	v := &verifier{t: t, hashes: map[string]int64{}, seqs: map[int64]bool{}, anchors: map[int64]Anchor{}}
	for _, a := range anchors {
		v.anchors[a.Seq] = a
	}
	err := t.each(ctx, func(rec tap.AuditRecord) error {
		v.hashes[rec.Hash] = rec.Seq
		v.seqs[rec.Seq] = true
		return nil
	})
	if err == nil {
		err = t.each(ctx, v.check)
	}
	if err != nil {
		return v.rep, fmt.Errorf("verify audit trail: %w", err)
	}
	v.finish()
	rep := v.rep
	if len(rep.Problems) > 0 {
		first := rep.Problems[0]
		t.log.WarnContext(ctx, "audit trail damaged", "records", rep.Records, "problems", len(rep.Problems), "first_problem_seq", first.Seq)
		return rep, fmt.Errorf("%w: %d problems, first at seq %d: %s: %s", ErrDamaged, len(rep.Problems), first.Seq, first.Kind, first.Detail)
	}
	return rep, nil
}

// verifier is the state of one Verify walk.
type verifier struct {
	t       *Trail
	rep     Report
	hashes  map[string]int64 // stored hash → seq
	seqs    map[int64]bool
	anchors map[int64]Anchor // by seq; removed once checked
	prev    *tap.AuditRecord
	keyed   int64   // keyed records read
	badMACs []int64 // keyed records whose MAC did not match
	current int64   // first record under the current key (0: none yet)
	headOld bool    // the newest record read is under a previous key
}

func (v *verifier) add(seq int64, k Kind, format string, args ...any) {
	v.rep.Problems = append(v.rep.Problems, Problem{Seq: seq, Kind: k, Detail: fmt.Sprintf(format, args...)})
}

// check is the second pass over one record.
func (v *verifier) check(rec tap.AuditRecord) error {
	v.rep.Records++
	v.checkVersion(rec)
	v.checkLink(rec)
	if a, ok := v.anchors[rec.Seq]; ok {
		delete(v.anchors, rec.Seq)
		if got := anchorOf(rec); got.MAC != a.MAC {
			v.add(rec.Seq, Rewritten, "MAC %s differs from the anchor's %s: the trail was rewritten at or before this record", short(got.MAC), short(a.MAC))
		} else {
			v.rep.Anchors = append(v.rep.Anchors, a)
		}
	}
	r := rec
	v.prev = &r
	return nil
}

// checkVersion checks rec's contents against its MAC or legacy hash, and
// that an unkeyed record does not follow a keyed one.
func (v *verifier) checkVersion(rec tap.AuditRecord) {
	v.headOld = false
	if isKeyed(rec.Hash) {
		v.keyed++
		if v.rep.FirstKeyed == 0 {
			v.rep.FirstKeyed = rec.Seq
		}
	} else {
		v.rep.Legacy++
	}
	if kind, why := v.t.checkContents(rec); kind != "" {
		if kind == Tampered && isKeyed(rec.Hash) {
			v.badMACs = append(v.badMACs, rec.Seq)
		}
		v.add(rec.Seq, kind, "%s", why)
		return
	}
	if !isKeyed(rec.Hash) && v.rep.FirstKeyed != 0 {
		v.add(rec.Seq, Unkeyed, "an unkeyed hash anyone can recompute, after keyed record %d: written or rewritten without the audit key", v.rep.FirstKeyed)
	}
	if !isKeyed(rec.Hash) || v.t.key == nil {
		return
	}
	switch k := v.t.keyOf(rec); {
	case k == 0 && v.current == 0:
		v.current = rec.Seq
	case k > 0 && v.current != 0:
		v.add(rec.Seq, Retired, "keyed under a previous audit key after record %d was keyed under the current one: written with a retired key after the rotation", v.current)
	case k > 0:
		v.headOld = true
	}
}

// checkLink checks rec's place in the sequence and its link to the
// record before it.
func (v *verifier) checkLink(rec tap.AuditRecord) {
	want, wantHash := int64(1), ""
	if v.prev != nil {
		want, wantHash = v.prev.Seq+1, v.prev.Hash
	}
	switch {
	case v.prev != nil && rec.Seq <= v.prev.Seq:
		v.add(rec.Seq, Reordered, "comes after record %d", v.prev.Seq)
	case rec.Seq > want && v.present(want, rec.Seq-1):
		v.add(rec.Seq, Reordered, "records %d..%d come later in the trail", want, rec.Seq-1)
	case rec.Seq > want:
		v.add(rec.Seq, Deleted, "records before it are missing (expected %d)", want)
	case rec.PrevHash == wantHash:
	case v.prev == nil:
		v.add(rec.Seq, Reordered, "the first record links to a predecessor")
	default:
		if at, ok := v.hashes[rec.PrevHash]; ok {
			v.add(rec.Seq, Reordered, "links to record %d instead of record %d", at, v.prev.Seq)
		} else {
			v.add(rec.Seq, Deleted, "links to no record in the trail; the record before it (%d) was removed, replaced or rehashed", v.prev.Seq)
		}
	}
}

// present reports whether every seq in [from, to] is somewhere in the trail.
func (v *verifier) present(from, to int64) bool {
	for s := from; s <= to; s++ {
		if !v.seqs[s] {
			return false
		}
	}
	return true
}

// finish adds what only the whole walk shows: anchors whose record is
// gone, an unkeyed head on a keyed trail, and a key that verifies nothing.
func (v *verifier) finish() {
	if v.prev != nil {
		v.rep.LastSeq, v.rep.LastHash = v.prev.Seq, v.prev.Hash
	}
	for _, a := range sortedAnchors(v.anchors) {
		if a.Seq > v.rep.LastSeq {
			v.add(a.Seq, Deleted, "record %d named by anchor %s is missing: the trail ends at %d, so records after %d were removed", a.Seq, a, v.rep.LastSeq, v.rep.LastSeq)
		} else {
			v.add(a.Seq, Deleted, "record %d named by anchor %s is missing", a.Seq, a)
		}
	}
	if v.t.key != nil && v.prev != nil && !isKeyed(v.prev.Hash) && v.rep.FirstKeyed == 0 {
		v.add(v.prev.Seq, Unkeyed, "the newest record is unkeyed: the bot seals the legacy records with a keyed record (%s) when it starts with audit_key, so either it has not run with the key yet, or the keyed records after this one were removed or rewritten", AdoptAction)
	}
	if v.headOld {
		v.add(v.prev.Seq, Retired, "the newest record is keyed under a previous audit key: the bot seals the chain under the new key (%s) when it starts with it, so either it has not run with the new key yet, or the records after this one were removed", RotateAction)
	}
	if v.keyed > 0 && int64(len(v.badMACs)) == v.keyed {
		v.blameKey()
	}
}

// blameKey replaces the per-record MAC problems with one WrongKey
// problem, first, when no keyed record verifies: the key is wrong far more
// likely than every keyed record rewritten.
func (v *verifier) blameKey() {
	bad := map[int64]bool{}
	for _, s := range v.badMACs {
		bad[s] = true
	}
	kept := []Problem{{Seq: v.rep.FirstKeyed, Kind: WrongKey, Detail: fmt.Sprintf(
		"none of the %d keyed records verifies under this audit key: it is not the key the bot writes with (or every keyed record was rewritten)", v.keyed)}}
	for _, p := range v.rep.Problems {
		if p.Kind == Tampered && bad[p.Seq] {
			continue
		}
		kept = append(kept, p)
	}
	v.rep.Problems = kept
}

func sortedAnchors(m map[int64]Anchor) []Anchor {
	out := make([]Anchor, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Anchor) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

// checkContents checks rec against its own MAC (keyed) or hash (legacy).
// It returns the problem's kind and why, or "" when the record is sound.
func (t *Trail) checkContents(rec tap.AuditRecord) (Kind, string) {
	if !isKeyed(rec.Hash) {
		if got := Hash(rec); got != rec.Hash {
			return Tampered, fmt.Sprintf("stored hash %s does not match the contents (%s)", short(rec.Hash), short(got))
		}
		return "", ""
	}
	if t.key == nil {
		return Unchecked, "a keyed record, and no audit key was given to check it"
	}
	if t.keyOf(rec) < 0 {
		return Tampered, "MAC does not match the contents: the record was rewritten, or written under another audit key"
	}
	return "", ""
}

// keyOf is the key rec's MAC verifies under: 0 the current key, i > 0
// the i-th previous key, -1 none (or rec is not keyed).
func (t *Trail) keyOf(rec tap.AuditRecord) int {
	if t.key == nil || !isKeyed(rec.Hash) {
		return -1
	}
	for i, k := range append([][]byte{t.key}, t.prev...) {
		if hmac.Equal([]byte(MAC(k, rec)), []byte(rec.Hash)) {
			return i
		}
	}
	return -1
}

// Export writes every record, oldest first, as one JSON object per line
// (the tap.AuditRecord JSON shape) for a SIEM.
func (t *Trail) Export(ctx context.Context, w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	err := t.each(ctx, func(rec tap.AuditRecord) error {
		if err := enc.Encode(rec); err != nil {
			return fmt.Errorf("write record %d: %w", rec.Seq, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("export audit trail: %w", err)
	}
	return nil
}

// each calls fn for every record in store order, a page at a time.
func (t *Trail) each(ctx context.Context, fn func(tap.AuditRecord) error) error {
	var after int64
	for {
		page, err := t.store.ListAudit(ctx, after, pageSize)
		if err != nil {
			return fmt.Errorf("list audit after %d: %w", after, err)
		}
		for _, rec := range page {
			if err := fn(rec); err != nil {
				return err
			}
		}
		if len(page) < pageSize {
			return nil
		}
		last := page[len(page)-1].Seq
		if last <= after { // a store returning out-of-order pages must not loop forever
			return nil
		}
		after = last
	}
}

func short(h string) string {
	h = strings.TrimPrefix(h, MACPrefix)
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
