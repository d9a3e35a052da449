package approvals_test

import (
	"context"
	"testing"
)

// BenchmarkLifecycleWithNotices measures one request's life through the
// lifecycle (submit, approve and issue, reveal, revoke: four notices,
// each committed with its change, delivered, and removed from the
// outbox) without the network, on memstore and on SQLite, where every
// write is a transaction on disk.
func BenchmarkLifecycleWithNotices(b *testing.B) {
	for _, bb := range []struct {
		name   string
		sqlite bool
	}{{"memstore", false}, {"sqlite", true}} {
		b.Run(bb.name, func(b *testing.B) {
			e := newEnv(b, setup{inProcess: true, sqlite: bb.sqlite})
			ctx := context.Background()
			for b.Loop() {
				r := e.submit()
				if _, err := e.svc.Approve(ctx, r.ID, e.alex); err != nil {
					b.Fatal(err)
				}
				if _, _, err := e.svc.Reveal(ctx, r.ID, e.megan); err != nil {
					b.Fatal(err)
				}
				e.svc.Wait()
				if _, err := e.svc.Revoke(ctx, r.ID, e.megan); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
