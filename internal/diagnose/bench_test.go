package diagnose_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/diagnose"
	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

// TestRunReadsTheTenant runs a diagnosis over HTTP against the simulated
// tenant: Graph's own usability reason reaches the report.
func TestRunReadsTheTenant(t *testing.T) {
	gc, tn := tenantClient(t)
	if _, err := gc.CreatePass(context.Background(), simtenant.DemoSarahID, tap.PassSpec{Lifetime: time.Hour, OneTime: true}); err != nil {
		t.Fatal(err)
	}
	if err := tn.UseOnce(simtenant.DemoSarahID); err != nil {
		t.Fatal(err)
	}
	rep, err := diagnose.Run(context.Background(), gc, simtenant.DemoSarahID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cause != diagnose.CauseOneTimeUsed || rep.Pass == nil || rep.Pass.UsabilityReason != "OneTimeUsed" {
		t.Errorf("cause %s, pass %+v", rep.Cause, rep.Pass)
	}
	if _, err := diagnose.Run(context.Background(), gc, "00000000-0000-4000-8000-00000000dead", time.Now()); err == nil {
		t.Error("diagnosis of a missing user succeeded")
	}
}

// BenchmarkRun is one whole diagnosis (five Graph reads) against the
// simulated tenant over loopback HTTP.
func BenchmarkRun(b *testing.B) {
	gc, _ := tenantClient(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := diagnose.Run(ctx, gc, simtenant.DemoSarahID, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRunSlowGraph is a diagnosis when each Graph GET takes 20 ms,
// as over the internet: the reads run at once, so about one read's time
// (measured ~22 ms) instead of four in a row (80 ms and more).
func BenchmarkRunSlowGraph(b *testing.B) {
	gc, tn := tenantClient(b)
	ctx := context.Background()
	for b.Loop() {
		tn.DelayBy("GET", "", 5, 20*time.Millisecond)
		if _, err := diagnose.Run(ctx, gc, simtenant.DemoSarahID, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

func tenantClient(tb testing.TB) (*graph.Client, *simtenant.Tenant) {
	tb.Helper()
	tn := simtenant.New()
	simtenant.Demo(tn)
	tn.RequireToken("t")
	tn.Start()
	tb.Cleanup(tn.Close)
	gc, err := graph.New(graph.Config{BaseURL: tn.URL(), Credential: graph.StaticCredential("t")}, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	return gc, tn
}
