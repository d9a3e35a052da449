package postgres_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tapbot/tapbot/internal/store/reqdoc"
	"github.com/tapbot/tapbot/internal/store/storetest"
)

// The sealed ciphertext has a table of its own, which autovacuum cleans
// as soon as a row is deleted; the requests table has no column for it.
func TestSealedPassTable(t *testing.T) {
	d := freshSchema(t)
	s := openAt(t, d)
	defer s.Close()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var blobCols int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = 'requests' AND (column_name = 'sealed' OR data_type = 'bytea')`).Scan(&blobCols); err != nil {
		t.Fatal(err)
	}
	if blobCols != 0 {
		t.Fatalf("requests has %d columns that could hold the sealed pass, want none", blobCols)
	}
	var opts []string
	if err := conn.QueryRow(ctx, `SELECT reloptions FROM pg_class WHERE oid = 'sealed_passes'::regclass`).Scan(&opts); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"autovacuum_vacuum_scale_factor=0", "autovacuum_vacuum_threshold=0"} {
		if !strings.Contains(strings.Join(opts, ","), want) {
			t.Errorf("sealed_passes options %v miss %s", opts, want)
		}
	}

	r := storetest.NewRequest("r1", 0)
	marker := []byte("SEALED-MARKER-7f3a")
	r.Sealed = marker
	if err := s.CreateRequest(ctx, r); err != nil {
		t.Fatal(err)
	}
	var doc string
	var sealed []byte
	if err := conn.QueryRow(ctx, `SELECT r.doc::text, p.sealed FROM requests r JOIN sealed_passes p USING (id) WHERE id = 'r1'`).Scan(&doc, &sealed); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(doc, string(marker)) || !bytes.Equal(sealed, marker) {
		t.Fatalf("doc %s / sealed %q", doc, sealed)
	}

	// Updates of the request leave the sealed row's only version as it
	// was: same inserting transaction, never locked or replaced.
	version := func() string {
		var v string
		if err := conn.QueryRow(ctx, `SELECT xmin::text || '/' || xmax::text FROM sealed_passes WHERE id = 'r1'`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := version()
	for range 3 {
		r.NextTimer = r.NextTimer.Add(1)
		if err := s.UpdateRequest(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if after := version(); after != before || !strings.HasSuffix(after, "/0") {
		t.Fatalf("sealed row version (xmin/xmax) went from %s to %s over updates that kept the seal", before, after)
	}
}

// A schema from before migration 4 keeps its sealed passes: they move to
// sealed_passes, and the requests table is rewritten so that neither its
// dropped column nor the dead row versions left by earlier updates still
// hold a copy.
func TestMigrationMovesSealedPasses(t *testing.T) {
	d := freshSchema(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, name := range []string{"0001_init.sql", "0002_seen_expires.sql", "0003_one_open_per_target.sql"} {
		body, err := os.ReadFile("migrations/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	marker := []byte("SEALED-BEFORE-MIGRATION-31c9")
	doc, _, err := reqdoc.Encode(storetest.NewRequest("old", 0), 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE schema_version (version integer NOT NULL)`,
		`INSERT INTO schema_version VALUES (3)`,
		`INSERT INTO requests (id, version, state, requester, target, created_at, next_timer, doc, sealed)
			VALUES ('old', 1, 'issued', 'm', 't', 0, NULL, $1, $2), ('plain', 1, 'pending', 'm', 't2', 0, NULL, $1, NULL)`,
		// What the old store did: every update rewrote the blob.
		`UPDATE requests SET version = version + 1 WHERE id = 'old'`,
		`UPDATE requests SET version = version + 1 WHERE id = 'old'`,
	} {
		args := []any{}
		if strings.Contains(q, "$1") {
			args = []any{string(doc), marker}
		}
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	s := openAt(t, d)
	defer s.Close()
	got, err := s.GetRequest(ctx, "old")
	if err != nil || !bytes.Equal(got.Sealed, marker) {
		t.Fatalf("migrated request: Sealed %q, err %v", got.Sealed, err)
	}
	if n, err := s.SealedRows(ctx, "plain"); err != nil || n != 0 {
		t.Fatalf("a request without a seal got %d sealed rows (%v)", n, err)
	}
	if held, err := s.RequestsHold(ctx, marker); err != nil || held {
		t.Fatalf("a requests row version still holds the sealed pass after the migration (held %v, err %v)", held, err)
	}
}
