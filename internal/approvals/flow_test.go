package approvals_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/tap"
)

func TestFullPath(t *testing.T) {
	for _, db := range []string{"memstore", "sqlite"} {
		t.Run(db, func(t *testing.T) { testFullPath(t, setup{sqlite: db == "sqlite"}) })
	}
}

func testFullPath(t *testing.T, s setup) {
	ctx := context.Background()
	e := newEnv(t, s)
	r := e.submit()
	if r.State != tap.StatePending || len(r.ID) != 22 || r.Version != 1 || r.ApprovalsNeeded != 1 {
		t.Fatalf("submitted = %+v", r)
	}
	if len(r.Warnings) != 1 || e.notes.count(approvals.NoticeSubmitted) != 1 {
		t.Fatalf("warnings %v, notices %v", r.Warnings, e.notes.kinds())
	}

	r, err := e.svc.Approve(ctx, r.ID, e.alex)
	if err != nil {
		t.Fatalf("approve: %v", err)
	}
	if r.State != tap.StateIssued || r.MethodID == "" || r.DecidedBy.EntraID != e.alex.EntraID || r.Sealed != nil {
		t.Fatalf("approved = %+v", r)
	}
	live := e.livePasses()
	if len(live) != 1 || live[0].ID != r.MethodID || e.creates() != 1 {
		t.Fatalf("tenant passes %+v, creates %d", live, e.creates())
	}
	if got := e.stored(r.ID); len(got.Sealed) == 0 || got.SealedFor != "entra:"+string(e.megan.EntraID) {
		t.Fatalf("stored sealed %d bytes for %q", len(got.Sealed), got.SealedFor)
	}
	// Unrevealed, it lapses when the pass would end; the requester is
	// reminded halfway there first.
	if half := r.IssuedAt.Add(r.RevealBy.Sub(r.IssuedAt) / 2); !r.PassExpires.Equal(r.PassStart.Add(8*time.Hour)) ||
		!r.RevealBy.Equal(r.PassExpires) || !r.NextTimer.Equal(half) {
		t.Fatalf("pass window %v..%v, reveal by %v, timer %v", r.PassStart, r.PassExpires, r.RevealBy, r.NextTimer)
	}
	if n := e.notes.last(t, approvals.NoticeIssued); n.Request.Sealed != nil || n.Actor.EntraID != e.alex.EntraID {
		t.Fatalf("issued notice = %+v", n)
	}

	r, pass, err := e.svc.Reveal(ctx, r.ID, e.megan)
	if err != nil {
		t.Fatalf("reveal: %v", err)
	}
	if r.State != tap.StateDelivered || pass.Value.Reveal() != live[0].Value || pass.MethodID != live[0].ID {
		t.Fatalf("revealed %+v, pass %+v", r, pass)
	}
	if got := e.stored(r.ID); got.Sealed != nil || got.RevealedAt.IsZero() {
		t.Fatalf("sealed copy not destroyed at reveal: %d bytes", len(got.Sealed))
	}

	if _, err := e.tenant.RegisterMethod("sarah@contoso.com", tap.MethodAuthenticator); err != nil {
		t.Fatal(err)
	}
	r, err = e.svc.Confirm(ctx, e.hireAct)
	if err != nil {
		t.Fatalf("confirm: %v", err)
	}
	if r.State != tap.StateConfirmed || len(e.livePasses()) != 0 {
		t.Fatalf("confirmed %s, live passes %+v", r.State, e.livePasses())
	}
	if n := e.notes.last(t, approvals.NoticeConfirmed); n.Detail != "Microsoft Authenticator" || n.Request.ClosedAt.Before(n.Request.RevealedAt) {
		t.Fatalf("confirmed notice = %q, %v..%v", n.Detail, n.Request.RevealedAt, n.Request.ClosedAt)
	}
	wantNotices := []approvals.NoticeKind{approvals.NoticeSubmitted, approvals.NoticeIssued, approvals.NoticeRevealed, approvals.NoticeConfirmed}
	if got, issuing := e.notes.kindsBut(); !slices.Equal(got, wantNotices) || issuing != 1 {
		t.Fatalf("notices = %v and %d issuing, want %v and 1", got, issuing, wantNotices)
	}
	wantAudit := []string{"submit:ok", "approve:intent", "approve:ok", "issue:ok", "issued:ok", "reveal:intent", "reveal:ok", "confirm:ok"}
	if got := e.auditActions(); !slices.Equal(got, wantAudit) {
		t.Fatalf("audit = %v, want %v", got, wantAudit)
	}
	rep, err := e.trail.Verify(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("verify = %+v, %v", rep, err)
	}
	// Invariant 1: the pass is nowhere but in the one reveal answer.
	e.noSecret(pass.Value.Reveal())
}

func TestTwoApprovers(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, setup{})
	r := e.submit(func(r *tap.Request) { r.ApprovalsNeeded = 2; r.Reason = tap.ReasonRecovery })

	r, err := e.svc.Approve(ctx, r.ID, e.alex)
	if err != nil || r.State != tap.StatePending || len(r.Approvals) != 1 {
		t.Fatalf("first approval: %+v, %v", r, err)
	}
	if e.notes.count(approvals.NoticeApproval) != 1 || e.creates() != 0 {
		t.Fatalf("after first: notices %v, creates %d", e.notes.kinds(), e.creates())
	}
	_, err = e.svc.Approve(ctx, r.ID, e.alex)
	if msg := refusal(t, err, tap.ErrSelfApproval); !strings.Contains(msg, "second, different approver") {
		t.Fatalf("same approver twice: %q", msg)
	}
	r, err = e.svc.Approve(ctx, r.ID, e.nestor)
	if err != nil || r.State != tap.StateIssued || len(r.Approvals) != 2 || r.DecidedBy.EntraID != e.nestor.EntraID {
		t.Fatalf("second approval: %+v, %v", r, err)
	}
	if e.creates() != 1 {
		t.Fatalf("creates = %d", e.creates())
	}
}

func TestDecisionRefusals(t *testing.T) {
	tests := []struct {
		name     string
		who      func(e *env) tap.Actor
		deny     bool
		sentinel error
		text     string
	}{
		{"not an approver approves", func(e *env) tap.Actor { return e.eve }, false, tap.ErrForbidden, "Only members of the approver group"},
		{"not an approver denies", func(e *env) tap.Actor { return e.eve }, true, tap.ErrForbidden, "Only members of the approver group"},
		{"requester approves own request", func(e *env) tap.Actor { e.check.approvers[e.megan.EntraID] = true; return e.megan }, false, tap.ErrSelfApproval, "You can't approve"},
		{"target approves", func(e *env) tap.Actor { e.check.approvers[e.hireAct.EntraID] = true; return e.hireAct }, false, tap.ErrSelfApproval, "You can't approve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, setup{})
			r := e.submit()
			before := e.stored(r.ID).Version
			var err error
			if tt.deny {
				_, err = e.svc.Deny(context.Background(), r.ID, tt.who(e), "no")
			} else {
				_, err = e.svc.Approve(context.Background(), r.ID, tt.who(e))
			}
			if msg := refusal(t, err, tt.sentinel); !strings.Contains(msg, tt.text) {
				t.Fatalf("refusal = %q, want %q", msg, tt.text)
			}
			if got := e.stored(r.ID); got.State != tap.StatePending || got.Version != before {
				t.Fatalf("request changed: %s v%d", got.State, got.Version)
			}
			if a := e.auditActions(); a[len(a)-1] != map[bool]string{false: "approve", true: "deny"}[tt.deny]+":refused" {
				t.Fatalf("refusal not audited: %v", a)
			}
			if e.creates() != 0 {
				t.Fatal("a pass was created")
			}
		})
	}
}

func TestDeny(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, setup{})
	r := e.submit()
	r, err := e.svc.Deny(ctx, r.ID, e.alex, "not starting until March")
	if err != nil || r.State != tap.StateDenied || r.DecisionReason != "not starting until March" || !r.NextTimer.IsZero() {
		t.Fatalf("deny: %+v, %v", r, err)
	}
	if n := e.notes.last(t, approvals.NoticeDenied); n.Detail != "not starting until March" {
		t.Fatalf("denied notice = %+v", n)
	}
	// A later click sees who decided, and nothing is created.
	_, err = e.svc.Approve(ctx, r.ID, e.nestor)
	if msg := refusal(t, err, tap.ErrInvalidTransition); !strings.HasPrefix(msg, "Alex Wilber already denied this at ") {
		t.Fatalf("approve after deny: %q", msg)
	}
	if e.creates() != 0 {
		t.Fatal("a pass was created")
	}
}

func TestCancel(t *testing.T) {
	tests := []struct {
		name     string
		mode     approvals.IssueOn
		who      func(e *env) tap.Actor
		approve  bool
		sentinel error
		want     tap.State
	}{
		{"requester cancels pending", "", func(e *env) tap.Actor { return e.megan }, false, nil, tap.StateCancelled},
		{"requester cancels approved (issue on reveal)", approvals.IssueOnReveal, func(e *env) tap.Actor { return e.megan }, true, nil, tap.StateCancelled},
		{"approver cannot cancel", "", func(e *env) tap.Actor { return e.alex }, false, tap.ErrForbidden, tap.StatePending},
		{"same chat id, different Entra id", "", func(e *env) tap.Actor { a := e.megan; a.EntraID = e.eve.EntraID; return a }, false, tap.ErrForbidden, tap.StatePending},
		{"too late once issued", "", func(e *env) tap.Actor { return e.megan }, true, tap.ErrInvalidTransition, tap.StateIssued},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, setup{cfg: approvals.Config{IssueOn: tt.mode}})
			r := e.submit()
			if tt.approve {
				if _, err := e.svc.Approve(ctx, r.ID, e.alex); err != nil {
					t.Fatal(err)
				}
			}
			_, err := e.svc.Cancel(ctx, r.ID, tt.who(e))
			if tt.sentinel != nil {
				refusal(t, err, tt.sentinel)
			} else if err != nil {
				t.Fatal(err)
			}
			if got := e.stored(r.ID).State; got != tt.want {
				t.Fatalf("state = %s, want %s", got, tt.want)
			}
			if tt.want == tap.StateCancelled && e.notes.count(approvals.NoticeCancelled) != 1 {
				t.Fatalf("notices = %v", e.notes.kinds())
			}
		})
	}
}

func TestRevoke(t *testing.T) {
	tests := []struct {
		name     string
		reveal   bool
		who      func(e *env) tap.Actor
		sentinel error
	}{
		{"requester revokes issued", false, func(e *env) tap.Actor { return e.megan }, nil},
		{"approver revokes delivered", true, func(e *env) tap.Actor { return e.nestor }, nil},
		{"stranger cannot revoke", true, func(e *env) tap.Actor { return e.eve }, tap.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, setup{})
			r := e.submit()
			if _, err := e.svc.Approve(ctx, r.ID, e.alex); err != nil {
				t.Fatal(err)
			}
			if tt.reveal {
				if _, _, err := e.svc.Reveal(ctx, r.ID, e.megan); err != nil {
					t.Fatal(err)
				}
			}
			got, err := e.svc.Revoke(ctx, r.ID, tt.who(e))
			if tt.sentinel != nil {
				refusal(t, err, tt.sentinel)
				if len(e.livePasses()) != 1 {
					t.Fatal("pass deleted by a refused revoke")
				}
				return
			}
			if err != nil || got.State != tap.StateRevoked {
				t.Fatalf("revoke: %+v, %v", got, err)
			}
			if len(e.livePasses()) != 0 || e.stored(r.ID).Sealed != nil {
				t.Fatal("pass or sealed copy left after revoke")
			}
			if e.notes.count(approvals.NoticeRevoked) != 1 {
				t.Fatalf("notices = %v", e.notes.kinds())
			}
			_, err = e.svc.Revoke(ctx, r.ID, e.megan)
			if msg := refusal(t, err, tap.ErrInvalidTransition); !strings.HasPrefix(msg, "This pass was revoked at ") {
				t.Fatalf("second revoke: %q", msg)
			}
		})
	}
}

func TestConfirm(t *testing.T) {
	tests := []struct {
		name    string
		methods []tap.MethodKind
		confirm []tap.MethodKind // Config.ConfirmMethods
		ok      bool
		text    []string
	}{
		{"no method yet", nil, nil, false, []string{"Windows Hello for Business", "https://aka.ms/mysecurityinfo", "passkey", "\"done\""}},
		{"phone only does not count", []tap.MethodKind{tap.MethodPhone}, nil, false, []string{"Microsoft Authenticator"}},
		{"windows hello", []tap.MethodKind{tap.MethodWindowsHello}, nil, true, nil},
		{"fido2", []tap.MethodKind{tap.MethodPhone, tap.MethodFIDO2}, nil, true, nil},
		{"configured: fido2 only", []tap.MethodKind{tap.MethodAuthenticator}, []tap.MethodKind{tap.MethodFIDO2}, false, []string{"a passkey or security key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, setup{cfg: approvals.Config{ConfirmMethods: tt.confirm}})
			r := e.submit()
			if _, err := e.svc.Approve(ctx, r.ID, e.alex); err != nil {
				t.Fatal(err)
			}
			if _, _, err := e.svc.Reveal(ctx, r.ID, e.megan); err != nil {
				t.Fatal(err)
			}
			for _, k := range tt.methods {
				if _, err := e.tenant.RegisterMethod("sarah@contoso.com", k); err != nil {
					t.Fatal(err)
				}
			}
			got, err := e.svc.Confirm(ctx, e.hireAct)
			if !tt.ok {
				msg := refusal(t, err, tap.ErrPolicy)
				for _, want := range tt.text {
					if !strings.Contains(msg, want) {
						t.Errorf("refusal %q lacks %q", msg, want)
					}
				}
				if len(e.livePasses()) != 1 || got.State != tap.StateDelivered {
					t.Fatal("pass removed although setup is not done")
				}
				return
			}
			if err != nil || got.State != tap.StateConfirmed || len(e.livePasses()) != 0 {
				t.Fatalf("confirm: %+v, %v", got, err)
			}
		})
	}
	t.Run("nothing delivered", func(t *testing.T) {
		e := newEnv(t, setup{})
		_, err := e.svc.Confirm(context.Background(), e.hireAct)
		refusal(t, err, tap.ErrNotFound)
	})
}

func TestQueriesAndRefs(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, setup{})
	// One open request per target: b is decided before a is filed.
	b := e.submit()
	if _, err := e.svc.Deny(ctx, b.ID, e.alex, "dup"); err != nil {
		t.Fatal(err)
	}
	a := e.submit()
	mine, err := e.svc.Mine(ctx, e.megan)
	if err != nil || len(mine) != 2 {
		t.Fatalf("mine = %d, %v", len(mine), err)
	}
	if mine, _ := e.svc.Mine(ctx, e.alex); len(mine) != 0 {
		t.Fatalf("alex has %d requests", len(mine))
	}
	pending, err := e.svc.Pending(ctx, e.nestor)
	if err != nil || len(pending) != 1 || pending[0].ID != a.ID {
		t.Fatalf("pending = %v, %v", pending, err)
	}
	_, err = e.svc.Pending(ctx, e.eve)
	refusal(t, err, tap.ErrForbidden)
	if ok, err := e.svc.IsApprover(ctx, e.alex); !ok || err != nil {
		t.Fatalf("alex is approver: %v %v", ok, err)
	}
	if ok, _ := e.svc.IsApprover(ctx, e.megan); ok {
		t.Fatal("megan is not an approver")
	}

	ref1 := tap.Ref{Platform: "slack", Conversation: "C1", Message: "1.0"}
	ref2 := tap.Ref{Platform: "teams", Conversation: "19:x", Message: "42"}
	if err := e.svc.AddRefs(ctx, a.ID, ref1); err != nil {
		t.Fatal(err)
	}
	v := e.stored(a.ID).Version
	if err := e.svc.AddRefs(ctx, a.ID, ref1, ref2); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.AddRefs(ctx, a.ID, ref2); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.Get(ctx, a.ID)
	if err != nil || !slices.Equal(got.Refs, []tap.Ref{ref1, ref2}) || got.Version != v+1 {
		t.Fatalf("refs = %v (v%d), %v", got.Refs, got.Version, err)
	}
	_, err = e.svc.Get(ctx, "nope")
	if !errors.Is(err, tap.ErrNotFound) {
		t.Fatalf("get missing: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	_, err := approvals.New(approvals.Config{IssueOn: "never", SealKey: []byte("short"), ApprovalWindow: -time.Hour}, approvals.Deps{})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"issue_on", "32", "negative", "store is required", "auditor is required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}
