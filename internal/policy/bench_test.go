package policy

import (
	"context"
	"testing"
)

// BenchmarkCheckSubmit measures one submit check against simtenant over
// loopback HTTP, with the tenant policy cached, and reports how many
// Graph calls a submit makes.
func BenchmarkCheckSubmit(b *testing.B) {
	e := newEnv(b)
	e.cfg.Quotas.PerRequesterPerDay = 1 << 30
	c := e.checker()
	ctx := context.Background()
	if _, err := c.CheckSubmit(ctx, e.draft("sarah")); err != nil {
		b.Fatal(err)
	}
	e.tenant.ClearRequests()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.CheckSubmit(ctx, e.draft("sarah")); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(e.tenant.Requests()))/float64(b.N), "graph_calls/op")
}

// BenchmarkCheckDecision measures one click-time check.
func BenchmarkCheckDecision(b *testing.B) {
	e := newEnv(b)
	c := e.checker()
	ctx := context.Background()
	r := e.draft("sarah")
	if _, err := c.CheckSubmit(ctx, r); err != nil {
		b.Fatal(err)
	}
	ann := e.actor("ann")
	e.tenant.ClearRequests()
	b.ResetTimer()
	for b.Loop() {
		if err := c.CheckDecision(ctx, r, ann); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(e.tenant.Requests()))/float64(b.N), "graph_calls/op")
}
