package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tapbot/tapbot/internal/tap"
)

// Kind classifies a problem Verify found.
type Kind string

// Problem kinds.
const (
	// Tampered: the record's stored hash does not match its contents.
	Tampered Kind = "tampered"
	// Deleted: records are missing before this one (a sequence gap, or a
	// prev_hash that matches no earlier record).
	Deleted Kind = "deleted"
	// Reordered: the record is out of sequence, or links to a record
	// other than the one before it.
	Reordered Kind = "reordered"
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
	// LastSeq and LastHash identify the head of the chain; keep them
	// outside the database (the SIEM export does) so that removing the
	// newest records can be noticed too.
	LastSeq  int64     `json:"last_seq"`
	LastHash string    `json:"last_hash"`
	Problems []Problem `json:"problems,omitempty"`
}

// OK reports whether the chain is intact.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// ErrDamaged is returned (wrapped) by Verify when the chain has problems.
var ErrDamaged = errors.New("audit trail damaged")

// String is the report for an operator: one line when intact, else one
// line per problem.
func (r Report) String() string {
	var b strings.Builder
	if r.OK() {
		fmt.Fprintf(&b, "audit trail intact: %d records, head seq %d hash %s", r.Records, r.LastSeq, r.LastHash)
		return b.String()
	}
	fmt.Fprintf(&b, "audit trail damaged: %d problems in %d records (head seq %d hash %s)", len(r.Problems), r.Records, r.LastSeq, r.LastHash)
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "\n  seq %d: %s: %s", p.Seq, p.Kind, p.Detail)
	}
	return b.String()
}

// Verify walks the whole chain and reports every record whose hash does
// not match its contents, every gap in the sequence and every broken or
// misplaced link, each named by the record's sequence number. It reads
// the trail twice: once to index the stored hashes (so a moved record can
// be told from a removed one), once to check. The error is only for
// failures to read the store and for a damaged chain: then the Report
// lists every problem and the error wraps ErrDamaged and names the first.
func (t *Trail) Verify(ctx context.Context) (Report, error) {
	hashes := map[string]int64{} // stored hash → seq
	seqs := map[int64]bool{}
	err := t.each(ctx, func(rec tap.AuditRecord) error {
		hashes[rec.Hash] = rec.Seq
		seqs[rec.Seq] = true
		return nil
	})
	if err != nil {
		return Report{}, fmt.Errorf("verify audit trail: %w", err)
	}
	present := func(from, to int64) bool { // every seq in [from, to] is somewhere in the trail
		for s := from; s <= to; s++ {
			if !seqs[s] {
				return false
			}
		}
		return true
	}
	var rep Report
	var prev *tap.AuditRecord
	add := func(seq int64, k Kind, format string, args ...any) {
		rep.Problems = append(rep.Problems, Problem{Seq: seq, Kind: k, Detail: fmt.Sprintf(format, args...)})
	}
	err = t.each(ctx, func(rec tap.AuditRecord) error {
		rep.Records++
		if got := Hash(rec); got != rec.Hash {
			add(rec.Seq, Tampered, "stored hash %s does not match the contents (%s)", short(rec.Hash), short(got))
		}
		want, wantHash := int64(1), ""
		if prev != nil {
			want, wantHash = prev.Seq+1, prev.Hash
		}
		switch {
		case prev != nil && rec.Seq <= prev.Seq:
			add(rec.Seq, Reordered, "comes after record %d", prev.Seq)
		case rec.Seq > want && present(want, rec.Seq-1):
			add(rec.Seq, Reordered, "records %d..%d come later in the trail", want, rec.Seq-1)
		case rec.Seq > want:
			add(rec.Seq, Deleted, "records before it are missing (expected %d)", want)
		case rec.PrevHash == wantHash:
		case prev == nil:
			add(rec.Seq, Reordered, "the first record links to a predecessor")
		default:
			if at, ok := hashes[rec.PrevHash]; ok {
				add(rec.Seq, Reordered, "links to record %d instead of record %d", at, prev.Seq)
			} else {
				add(rec.Seq, Deleted, "links to no record in the trail; the record before it (%d) was removed, replaced or rehashed", prev.Seq)
			}
		}
		r := rec
		prev = &r
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("verify audit trail: %w", err)
	}
	if prev != nil {
		rep.LastSeq, rep.LastHash = prev.Seq, prev.Hash
	}
	if len(rep.Problems) > 0 {
		first := rep.Problems[0]
		t.log.WarnContext(ctx, "audit trail damaged", "records", rep.Records, "problems", len(rep.Problems), "first_problem_seq", first.Seq)
		return rep, fmt.Errorf("%w: %d problems, first at seq %d: %s: %s", ErrDamaged, len(rep.Problems), first.Seq, first.Kind, first.Detail)
	}
	return rep, nil
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
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
