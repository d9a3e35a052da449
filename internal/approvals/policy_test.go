package approvals_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/audit"
	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/policy"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/store/memstore"
	"github.com/tapbot/tapbot/internal/tap"
)

// TestWithRealPolicy runs the Service with the organisation's Checker
// (internal/policy) and graph.Client over the demo tenant, as cmd/bot
// wires them.
func TestWithRealPolicy(t *testing.T) {
	ctx := context.Background()
	tn := simtenant.New()
	simtenant.Demo(tn)
	tn.Start()
	t.Cleanup(tn.Close)
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	gc, err := graph.New(graph.Config{BaseURL: tn.URL(), Credential: graph.StaticCredential("t"), Timeout: 10 * time.Second}, log)
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	cfg := policy.Default()
	cfg.ApproverGroups = []string{simtenant.DemoApproversGroupID}
	checker := policy.New(cfg, policy.Deps{Directory: gc, Requests: st, Log: log})
	notes := &notices{}
	svc, err := approvals.New(approvals.Config{SealKey: make([]byte, 32)}, approvals.Deps{Store: st, Directory: gc,
		Issuer: gc, Checker: checker, Audit: audit.New(st, nil, log), Notify: notes, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	person := func(id, name string) tap.Actor {
		return tap.Actor{Platform: "teams", ChatID: "29:" + id, EntraID: tap.UserID(id), Name: name}
	}
	megan := person(simtenant.DemoMeganID, "Megan Bowen")
	alex := person(simtenant.DemoAlexID, "Alex Wilber")
	irvin := person(simtenant.DemoIrvinID, "Irvin Sayers")
	sarah := person(simtenant.DemoSarahID, "Sarah Johnson")

	// A privileged target never reaches an approver.
	_, err = svc.Submit(ctx, &tap.Request{Requester: megan, Target: tap.User{UPN: simtenant.DemoAdeleUPN}, Reason: tap.ReasonOnboarding})
	refusal(t, err, tap.ErrPrivileged)

	// Recovery needs two distinct approvers; the second is re-checked at
	// the click and was removed from the group after submit.
	r, err := svc.Submit(ctx, &tap.Request{Requester: megan, Target: tap.User{UPN: simtenant.DemoSarahUPN}, Reason: tap.ReasonRecovery, OneTime: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.ApprovalsNeeded != 2 || r.Target.ID != simtenant.DemoSarahID || r.Lifetime != 2*time.Hour || !r.OneTime {
		t.Fatalf("submitted %+v", r)
	}
	if r, err = svc.Approve(ctx, r.ID, alex); err != nil || r.State != tap.StatePending {
		t.Fatalf("first approval: %v", err)
	}
	if _, err = svc.Approve(ctx, r.ID, alex); err == nil {
		t.Fatal("the same approver counted twice")
	}
	if err := tn.RemoveMember(simtenant.DemoApproversGroupID, simtenant.DemoIrvinID); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Approve(ctx, r.ID, irvin)
	refusal(t, err, tap.ErrForbidden)
	if err := tn.AddMember(simtenant.DemoApproversGroupID, simtenant.DemoIrvinID); err != nil {
		t.Fatal(err)
	}
	if r, err = svc.Approve(ctx, r.ID, irvin); err != nil || r.State != tap.StateIssued {
		t.Fatalf("second approval: %v", err)
	}
	if p := tn.Passes(simtenant.DemoSarahUPN); len(p) != 1 || !p[0].IsUsableOnce || p[0].LifetimeMinutes != 120 {
		t.Fatalf("pass in Entra: %+v", p)
	}
	_, pass, err := svc.Reveal(ctx, r.ID, megan)
	if err != nil || pass.Value.Reveal() != tn.Passes(simtenant.DemoSarahUPN)[0].Value {
		t.Fatalf("reveal: %v", err)
	}
	if _, err := tn.RegisterMethod(simtenant.DemoSarahUPN, tap.MethodFIDO2); err != nil {
		t.Fatal(err)
	}
	if r, err = svc.Confirm(ctx, sarah); err != nil || r.State != tap.StateConfirmed || len(tn.Passes(simtenant.DemoSarahUPN)) != 0 {
		t.Fatalf("confirm: %v", err)
	}
	want := []approvals.NoticeKind{approvals.NoticeSubmitted, approvals.NoticeApproval, approvals.NoticeIssued,
		approvals.NoticeRevealed, approvals.NoticeConfirmed}
	if got, issuing := notes.kindsBut(); !slices.Equal(got, want) || issuing != 1 {
		t.Fatalf("notices %v and %d issuing, want %v and 1", got, issuing, want)
	}
	if d := notes.last(t, approvals.NoticeConfirmed).Detail; !strings.Contains(d, "passkey") {
		t.Fatalf("confirmed detail %q", d)
	}
}
