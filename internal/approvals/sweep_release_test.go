package approvals_test

import (
	"context"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/approvals"
)

// TestRunReleasesLeaseOnStop: a replica that stops cleanly hands the
// sweeper lease over at once instead of after its TTL.
func TestRunReleasesLeaseOnStop(t *testing.T) {
	e := newEnv(t, setup{})
	bg := context.Background()
	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	// Renewed every 50 ms for 150 ms: without a release, the lease stays
	// taken for at least 100 ms after the stop.
	go func() { done <- e.svc.Run(ctx, 50*time.Millisecond, "replica-a") }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		// replica-a takes the lease at start; probe until it does.
		ok, err := e.store.AcquireLease(bg, approvals.SweeperLease, "probe", time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("replica-a never took the lease")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if ok, _ := e.store.AcquireLease(bg, approvals.SweeperLease, "replica-b", time.Hour); ok {
		t.Fatal("lease free while replica-a runs")
	}
	cancel()
	<-done
	if ok, err := e.store.AcquireLease(bg, approvals.SweeperLease, "replica-b", time.Hour); err != nil || !ok {
		t.Fatalf("lease not handed over on stop: ok=%v err=%v", ok, err)
	}
}
