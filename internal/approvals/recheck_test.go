package approvals_test

import (
	"context"
	"testing"

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
