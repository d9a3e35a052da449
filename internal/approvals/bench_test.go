package approvals_test

import (
	"context"
	"testing"
)

// BenchmarkSubmitApproveReveal measures one request's whole issuance
// (policy, audit, CAS, Graph create against simtenant in-process, seal,
// reveal) without the network, and the revoke that frees the new hire for
// the next loop (one open request per person).
func BenchmarkSubmitApproveReveal(b *testing.B) {
	e := newEnv(b, setup{inProcess: true})
	ctx := context.Background()
	for b.Loop() {
		r := e.submit()
		if _, err := e.svc.Approve(ctx, r.ID, e.alex); err != nil {
			b.Fatal(err)
		}
		if _, _, err := e.svc.Reveal(ctx, r.ID, e.megan); err != nil {
			b.Fatal(err)
		}
		if _, err := e.svc.Revoke(ctx, r.ID, e.megan); err != nil {
			b.Fatal(err)
		}
	}
}
