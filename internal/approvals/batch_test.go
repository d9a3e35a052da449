package approvals_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/testutil"
	"github.com/tapbot/tapbot/internal/text"
)

// TestBatch: a batch sent twice opens each row's request once; its
// sender may approve neither the batch nor any request in it (though an
// approver, and though no row names them as requester); Approve all by
// another approver queues every request and the issuer issues each, one
// Graph create each; a second Approve all finds nothing left.
func TestBatch(t *testing.T) {
	e := newEnv(t, setup{})
	ctx := context.Background()
	ictx, stop := context.WithCancel(ctx)
	issuer := make(chan error, 1)
	go func() { issuer <- e.svc.RunIssuer(ictx, "replica-1", 4) }()
	t.Cleanup(func() { stop(); <-issuer })
	if err := e.svc.MayBulk(ctx, e.eve); !errors.Is(err, tap.ErrForbidden) || err.Error() != text.BulkNotAllowed {
		t.Fatalf("MayBulk(eve) = %v", err)
	}
	if err := e.svc.MayBulk(ctx, e.alex); err != nil {
		t.Fatalf("MayBulk(alex) = %v", err)
	}
	var rows []approvals.BatchRow
	upns := []string{"sarah@contoso.com"}
	ids := []tap.UserID{e.hire.ID}
	for i := range 3 {
		upn := fmt.Sprintf("hire%d@contoso.com", i)
		ids = append(ids, tap.UserID(e.tenant.AddUser(simtenant.User{UPN: upn, DisplayName: fmt.Sprintf("Hire %d", i)})))
		upns = append(upns, upn)
	}
	for i, upn := range upns {
		rows = append(rows, approvals.BatchRow{Line: i + 2, Draft: &tap.Request{Requester: e.megan, Target: tap.User{ID: ids[i], UPN: upn},
			Lifetime: 8 * time.Hour, Reason: tap.ReasonOnboarding, Start: time.Now().Add(time.Hour)}})
	}
	for _, o := range e.svc.CheckBatch(ctx, rows) {
		if o.Err != nil || o.Request == nil || o.Request.State != tap.StatePending {
			t.Fatalf("check row %d: %+v", o.Line, o)
		}
	}
	if n := e.notes.count(approvals.NoticeSubmitted); n != 0 {
		t.Fatalf("checking told %d notices", n)
	}
	b := tap.Batch{ID: "abc123", Title: "Sales onboarding", Submitter: e.alex, Size: len(rows)}
	for range 2 { // a double click, a retry: each row's request once
		for _, o := range e.svc.SendBatch(ctx, b, rows) {
			if o.Err != nil || o.Request.ID != approvals.BatchRequestID("abc123", o.Line) || o.Request.Batch == nil || o.Request.Batch.ID != "abc123" {
				t.Fatalf("send row %d: %+v", o.Line, o)
			}
		}
	}
	reqs, err := e.svc.Batch(ctx, "abc123")
	if err != nil || len(reqs) != 4 {
		t.Fatalf("batch: %d requests, %v", len(reqs), err)
	}
	if n := e.notes.count(approvals.NoticeSubmitted); n != 4 {
		t.Fatalf("%d submitted notices, want 4", n)
	}
	// The insider: Alex sent the batch and is an approver.
	if _, err := e.svc.ApproveBatch(ctx, "abc123", e.alex, nil); !errors.Is(err, tap.ErrSelfApproval) {
		t.Fatalf("sender's Approve all: %v", err)
	}
	if _, err := e.svc.Approve(ctx, reqs[0].ID, e.alex); !errors.Is(err, tap.ErrSelfApproval) || !strings.Contains(err.Error(), text.BulkOwnBatch) {
		t.Fatalf("sender approving one request of the batch: %v", err)
	}
	var seen int
	out, err := e.svc.ApproveBatch(ctx, "abc123", e.nestor, func(approvals.BatchOutcome) { seen++ })
	if err != nil || len(out) != 4 || seen != 4 {
		t.Fatalf("Approve all: %d outcomes, %d seen, %v", len(out), seen, err)
	}
	for _, o := range out {
		if o.Err != nil || !o.Request.Queued() {
			t.Errorf("approved: %+v", o)
		}
	}
	testutil.Eventually(t, 10*time.Second, "every pass issued", func() bool {
		reqs, _ := e.svc.Batch(ctx, "abc123")
		for _, q := range reqs {
			if q.State != tap.StateIssued {
				return false
			}
		}
		return true
	})
	for _, upn := range upns {
		if n := e.tenant.Creates(upn); n != 1 {
			t.Errorf("%s: %d creates", upn, n)
		}
	}
	if _, err := e.svc.ApproveBatch(ctx, "abc123", e.nestor, nil); !errors.Is(err, tap.ErrInvalidTransition) {
		t.Fatalf("second Approve all: %v", err)
	}
	if _, err := e.svc.Batch(ctx, "nope"); !errors.Is(err, tap.ErrNotFound) {
		t.Fatalf("unknown batch: %v", err)
	}
}
