package approvals_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/tap"
)

// TestTargetRecheckedBeforeCreate: a target that became ineligible while
// the request waited gets no pass; the request fails and says why.
func TestTargetRecheckedBeforeCreate(t *testing.T) {
	e := newEnv(t, setup{})
	r := e.submit()
	e.check.mu.Lock()
	e.check.refuseAtIssue = map[tap.UserID]string{e.hire.ID: "Sarah Johnson now holds Global Administrator."}
	e.check.mu.Unlock()
	_, err := e.svc.Approve(context.Background(), r.ID, e.alex)
	if err == nil {
		t.Fatal("approve went through for a target refused at issue")
	}
	if n := e.tenant.TotalCreates(); n != 0 {
		t.Fatalf("Graph creates = %d, want 0", n)
	}
	got := e.stored(r.ID)
	if got.State != tap.StateFailed || got.FailReason == "" {
		t.Fatalf("state %s reason %q", got.State, got.FailReason)
	}
	if e.notes.count(approvals.NoticeFailed) != 1 {
		t.Errorf("notices %v", e.notes.kinds())
	}
}

// A directory that fails twice (500) during the re-check right before the
// create is asked again: the approved request is issued, once.
func TestRecheckRetriedThroughABriefOutage(t *testing.T) {
	e := newEnv(t, setup{})
	r := e.submit()
	e.check.mu.Lock()
	e.check.unavailableAtIssue = 2
	e.check.mu.Unlock()
	if _, err := e.svc.Approve(context.Background(), r.ID, e.alex); err != nil {
		t.Fatalf("approve through a brief outage: %v", err)
	}
	if got := e.stored(r.ID); got.State != tap.StateIssued || e.tenant.TotalCreates() != 1 {
		t.Fatalf("state %s, creates %d", got.State, e.tenant.TotalCreates())
	}
	e.check.mu.Lock()
	left := e.check.unavailableAtIssue
	e.check.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d failures left unasked", left)
	}
}

// TestConcurrentSubmitsOneOpenPerTarget: ten simultaneous submits for one
// new hire; the store lets exactly one through, the others get a plain
// refusal (no second request, so never a second Graph create).
func TestConcurrentSubmitsOneOpenPerTarget(t *testing.T) {
	e := newEnv(t, setup{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &tap.Request{Requester: e.megan, Target: e.hire, Lifetime: 8 * time.Hour, Reason: tap.ReasonOnboarding}
			_, err := e.svc.Submit(context.Background(), r)
			mu.Lock()
			defer mu.Unlock()
			var ref *tap.Refusal
			switch {
			case err == nil:
				ok++
			case errors.As(err, &ref) && strings.Contains(ref.Msg, "already an open request"):
				refused++
			default:
				t.Errorf("submit: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 1 || refused != 9 {
		t.Fatalf("%d accepted, %d refused; want 1 and 9", ok, refused)
	}
}
