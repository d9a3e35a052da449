package audit_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/tapbot/tapbot/internal/audit"
	"github.com/tapbot/tapbot/internal/store/sqlite"
	"github.com/tapbot/tapbot/internal/tap"
)

// TestVerifySQLiteTampering edits the audit table behind the store's back,
// as someone with the database file would, and checks Verify names the row.
func TestVerifySQLiteTampering(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		want audit.Problem
	}{
		{"row edited", `UPDATE audit SET outcome = 'ok', actor = 'entra:someone-else' WHERE seq = 3`, audit.Problem{Seq: 3, Kind: audit.Tampered}},
		{"detail edited", `UPDATE audit SET detail = '{"state":"denied"}' WHERE seq = 2`, audit.Problem{Seq: 2, Kind: audit.Tampered}},
		{"time edited", `UPDATE audit SET at = at + 1000 WHERE seq = 4`, audit.Problem{Seq: 4, Kind: audit.Tampered}},
		{"row deleted", `DELETE FROM audit WHERE seq = 3`, audit.Problem{Seq: 4, Kind: audit.Deleted}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "tapbot.db")
			st, err := sqlite.Open(ctx, path, quiet)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			tr := audit.New(st, nil, quiet)
			for i, rec := range []tap.AuditRecord{
				{Actor: "entra:megan", Action: "submit", Request: "r1", Outcome: "ok", Detail: map[string]string{"state": "pending"}},
				{Actor: "entra:alex", Action: "approve", Request: "r1", Outcome: "ok", Detail: map[string]string{"state": "issuing"}},
				{Actor: "entra:eve", Action: "reveal", Request: "r1", Outcome: "refused"},
				{Actor: "system", Action: "issued", Request: "r1", MethodID: "m1", Outcome: "ok"},
				{Actor: "entra:megan", Action: "reveal", Request: "r1", Outcome: "ok", Detail: map[string]string{"a": "é\x00\n"}},
			} {
				if err := tr.Record(ctx, rec); err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
			}
			rep, err := tr.Verify(ctx)
			if err != nil || !rep.OK() || rep.Records != 5 {
				t.Fatalf("before tampering: %+v, %v", rep, err)
			}
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.ExecContext(ctx, tt.sql); err != nil {
				t.Fatal(err)
			}
			rep, err = tr.Verify(ctx)
			if !errors.Is(err, audit.ErrDamaged) {
				t.Fatalf("err = %v, want ErrDamaged", err)
			}
			if len(rep.Problems) != 1 || rep.Problems[0].Seq != tt.want.Seq || rep.Problems[0].Kind != tt.want.Kind {
				t.Fatalf("problems = %+v, want %+v", rep.Problems, tt.want)
			}
		})
	}
}

// TestAttack_AuditChainRecomputedInSQLite is the attack on the database
// file itself: rewrite a record, recompute every later hash and link with
// the public unkeyed formula, and cut the tail after an anchor.
func TestAttack_AuditChainRecomputedInSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tapbot.db")
	st, err := sqlite.Open(ctx, path, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tr := audit.New(st, nil, quiet, audit.WithKey(keyA))
	for i := range 5 {
		if err := tr.Record(ctx, tap.AuditRecord{Actor: "entra:alex", Action: "approve", Request: tap.RequestID(fmt.Sprint("r", i)), Outcome: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	anchor, err := tr.Anchor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	recs, err := st.ListAudit(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	recs[1].Actor = "entra:eve"
	for _, r := range rechain(recs, 2)[1:] {
		if _, err := db.ExecContext(ctx, `UPDATE audit SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?`, r.Actor, r.PrevHash, r.Hash, r.Seq); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := tr.Verify(ctx)
	if !errors.Is(err, audit.ErrDamaged) || rep.Problems[0].Seq != 2 || rep.Problems[0].Kind != audit.Unkeyed {
		t.Fatalf("recomputed chain: %v\n%s", err, rep)
	}

	if _, err := db.ExecContext(ctx, `DELETE FROM audit WHERE seq >= 2`); err != nil {
		t.Fatal(err)
	}
	if rep, err := tr.Verify(ctx); err != nil {
		t.Fatalf("a cut tail is consistent without an anchor: %v\n%s", err, rep)
	}
	rep, err = tr.Verify(ctx, anchor)
	if !errors.Is(err, audit.ErrDamaged) || rep.Problems[0].Seq != 5 || rep.Problems[0].Kind != audit.Deleted {
		t.Fatalf("cut tail against anchor %s: %v\n%s", anchor, err, rep)
	}
}
