package audit_test

import (
	"context"
	"testing"

	"github.com/tapbot/tapbot/internal/audit"
	"github.com/tapbot/tapbot/internal/store/memstore"
	"github.com/tapbot/tapbot/internal/tap"
)

func BenchmarkRecord(b *testing.B) {
	tr := audit.New(memstore.New(), nil, quiet)
	rec := tap.AuditRecord{Actor: "entra:u1", Action: "approve", Request: "r1", Outcome: "ok",
		Detail: map[string]string{"state": "issuing", "target": "t1"}}
	ctx := context.Background()
	for b.Loop() {
		if err := tr.Record(ctx, rec); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify10k(b *testing.B) {
	st := memstore.New()
	tr := audit.New(st, nil, quiet)
	ctx := context.Background()
	for range 10_000 {
		if err := tr.Record(ctx, tap.AuditRecord{Actor: "system", Action: "expire", Outcome: "ok"}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		rep, err := tr.Verify(ctx)
		if err != nil || !rep.OK() {
			b.Fatal(rep, err)
		}
	}
}
