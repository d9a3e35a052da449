package approvals_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

const tapMethods = "/users/*/authentication/temporaryAccessPassMethods"

func TestConcurrentApprovalsCreateOnce(t *testing.T) {
	for _, db := range []string{"memstore", "sqlite"} {
		t.Run(db, func(t *testing.T) { testConcurrentApprovals(t, setup{sqlite: db == "sqlite"}) })
	}
}

func testConcurrentApprovals(t *testing.T, s setup) {
	ctx := context.Background()
	e := newEnv(t, s)
	var approvers []tap.Actor
	for i := range 10 {
		a := actor(e.tenant, fmt.Sprintf("approver%d@contoso.com", i), fmt.Sprintf("Approver %d", i))
		e.check.approvers[a.EntraID] = true
		approvers = append(approvers, a)
	}
	r := e.submit()
	var wg sync.WaitGroup
	errs := make([]error, len(approvers))
	start := make(chan struct{})
	for i, a := range approvers {
		wg.Go(func() {
			<-start
			_, errs[i] = e.svc.Approve(ctx, r.ID, a)
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		if err == nil {
			won++
			continue
		}
		if msg := refusal(t, err, tap.ErrInvalidTransition); !strings.Contains(msg, "already approved this at") {
			t.Errorf("loser refusal = %q", msg)
		}
	}
	if won != 1 || e.creates() != 1 || e.notes.count(approvals.NoticeIssued) != 1 {
		t.Fatalf("winners %d, creates %d, notices %v", won, e.creates(), e.notes.kinds())
	}
	posts := 0
	for _, req := range e.tenant.Requests() {
		if req.Method == "POST" {
			posts++
		}
	}
	if posts != 1 {
		t.Fatalf("Graph saw %d POSTs", posts)
	}
	if got := e.stored(r.ID); got.State != tap.StateIssued || len(got.Approvals) != 1 {
		t.Fatalf("stored %s with %d approvals", got.State, len(got.Approvals))
	}
}

func TestRevealOnlyByRecipientOnlyOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, setup{})
	r := e.submit()
	if _, err := e.svc.Approve(ctx, r.ID, e.alex); err != nil {
		t.Fatal(err)
	}
	intruders := map[string]tap.Actor{
		"approver":                   e.alex,
		"new hire":                   e.hireAct,
		"stranger":                   e.eve,
		"requester's chat id, no id": {Platform: e.megan.Platform, ChatID: e.megan.ChatID, Name: e.megan.Name},
		"requester's name, other id": {Platform: "test", ChatID: "U-x", EntraID: "0000beef-0000-0000-0000-000000000000", Name: "Megan Bowen"},
		"nobody":                     {},
	}
	for name, who := range intruders {
		t.Run(name, func(t *testing.T) {
			before := e.notes.count(approvals.NoticeSecurity)
			_, p, err := e.svc.Reveal(ctx, r.ID, who)
			if msg := refusal(t, err, tap.ErrForbidden); !strings.HasPrefix(msg, "Only the person who asked for this pass can reveal it.") {
				t.Fatalf("refusal = %q", msg)
			}
			if !p.Value.IsZero() || e.stored(r.ID).State != tap.StateIssued {
				t.Fatal("pass handed out or state changed")
			}
			if e.notes.count(approvals.NoticeSecurity) != before+1 {
				t.Fatalf("no security notice: %v", e.notes.kinds())
			}
			if a := e.auditActions(); a[len(a)-1] != "reveal:refused" {
				t.Fatalf("not audited: %v", a)
			}
		})
	}
	_, p, err := e.svc.Reveal(ctx, r.ID, e.megan)
	if err != nil || p.Value.IsZero() {
		t.Fatalf("recipient reveal: %v", err)
	}
	_, p2, err := e.svc.Reveal(ctx, r.ID, e.megan)
	if msg := refusal(t, err, tap.ErrAlreadyRevealed); !strings.Contains(msg, "shown only once") || !p2.Value.IsZero() {
		t.Fatalf("second reveal: %q", msg)
	}
	e.noSecret(p.Value.Reveal())
}

func TestConcurrentRevealsHandOutOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, setup{})
	r := e.submit()
	if _, err := e.svc.Approve(ctx, r.ID, e.alex); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var got []string
	for range 8 {
		wg.Go(func() {
			_, p, err := e.svc.Reveal(ctx, r.ID, e.megan)
			if err == nil {
				mu.Lock()
				got = append(got, p.Value.Reveal())
				mu.Unlock()
			} else if !errors.Is(err, tap.ErrAlreadyRevealed) {
				t.Errorf("reveal: %v", err)
			}
		})
	}
	wg.Wait()
	if len(got) != 1 || got[0] != e.livePasses()[0].Value {
		t.Fatalf("handed out %d times", len(got))
	}
	e.svc.Wait() // the revealed notice goes out in the background
	if e.notes.count(approvals.NoticeRevealed) != 1 {
		t.Fatalf("notices %v", e.notes.kinds())
	}
}

func TestSealedBytesAreBoundAndOpaque(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, setup{})
	// Two requests for two new hires (one open request per target).
	diego := actor(e.tenant, "diego@contoso.com", "Diego Siciliani")
	a := e.submit()
	b := e.submit(func(r *tap.Request) {
		r.Target = tap.User{ID: diego.EntraID, UPN: "diego@contoso.com", DisplayName: "Diego Siciliani", Enabled: true, UserType: "Member"}
	})
	for _, r := range []*tap.Request{a, b} {
		if _, err := e.svc.Approve(ctx, r.ID, e.alex); err != nil {
			t.Fatal(err)
		}
	}
	value := e.tenant.Passes("diego@contoso.com")[0].Value // b's pass
	sa, sb := e.stored(a.ID), e.stored(b.ID)
	if bytes.Contains(sb.Sealed, []byte(value)) || len(sb.Sealed) < len(value)+28 {
		t.Fatalf("sealed bytes (%d) hold the pass or are too short", len(sb.Sealed))
	}
	// Moving b's sealed bytes onto a's row must not open.
	sa.Sealed = sb.Sealed
	if err := e.store.UpdateRequest(ctx, sa); err != nil {
		t.Fatal(err)
	}
	_, p, err := e.svc.Reveal(ctx, a.ID, e.megan)
	if !errors.Is(err, tap.ErrUnavailable) || !p.Value.IsZero() || e.stored(a.ID).State != tap.StateIssued {
		t.Fatalf("swapped sealed bytes: %v", err)
	}
	// Another key cannot open b.
	other, err := approvals.New(approvals.Config{SealKey: bytes.Repeat([]byte{7}, 32)}, approvals.Deps{
		Store: e.store, Directory: e.dir, Issuer: e.iss, Checker: e.check, Audit: e.trail, Notify: e.notes})
	if err != nil {
		t.Fatal(err)
	}
	_, p, err = other.Reveal(ctx, b.ID, e.megan)
	if !errors.Is(err, tap.ErrUnavailable) || !p.Value.IsZero() {
		t.Fatalf("wrong key: %v", err)
	}
	_, p, err = e.svc.Reveal(ctx, b.ID, e.megan)
	if err != nil || p.Value.Reveal() != value {
		t.Fatalf("right key: %v", err)
	}
}

// flakyAudit fails for the listed actions and records the rest.
type flakyAudit struct {
	next approvals.Auditor
	fail map[string]bool
}

func (f flakyAudit) Record(ctx context.Context, rec tap.AuditRecord) error {
	if f.fail[rec.Action] {
		return fmt.Errorf("disk full: %w", tap.ErrAudit)
	}
	return f.next.Record(ctx, rec)
}

func TestAuditFailureBlocksIssuance(t *testing.T) {
	tests := []struct {
		name     string
		fail     []string
		mode     approvals.IssueOn
		state    tap.State
		sentinel error
		notice   approvals.NoticeKind
	}{
		{"approve record fails: nothing changes", []string{"approve"}, "", tap.StatePending, tap.ErrAudit, ""},
		{"issue record fails: no Graph call, request failed", []string{"issue"}, "", tap.StateFailed, tap.ErrAudit, approvals.NoticeFailed},
		{"every record after submit fails", []string{"approve", "issue", "issued", "fail", "reveal"}, "", tap.StatePending, tap.ErrAudit, ""},
		{"issued record fails: pass deleted, request failed", []string{"issued"}, "", tap.StateFailed, tap.ErrAudit, approvals.NoticeFailed},
		{"issue on reveal: reveal record fails", []string{"reveal"}, approvals.IssueOnReveal, tap.StateApproved, tap.ErrAudit, ""},
		{"issue on reveal: issue record fails", []string{"issue"}, approvals.IssueOnReveal, tap.StateFailed, tap.ErrAudit, approvals.NoticeFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			fail := map[string]bool{}
			for _, a := range tt.fail {
				fail[a] = true
			}
			e := newEnv(t, setup{cfg: approvals.Config{IssueOn: tt.mode},
				auditor: func(a approvals.Auditor) approvals.Auditor { return flakyAudit{next: a, fail: fail} }})
			r := e.submit()
			r, err := e.svc.Approve(ctx, r.ID, e.alex)
			if tt.mode == approvals.IssueOnReveal {
				if err != nil {
					t.Fatal(err)
				}
				_, _, err = e.svc.Reveal(ctx, r.ID, e.megan)
			}
			if !errors.Is(err, tt.sentinel) {
				t.Fatalf("err = %v, want %v", err, tt.sentinel)
			}
			got := e.stored(r.ID)
			if got.State != tt.state || len(got.Sealed) != 0 {
				t.Fatalf("state = %s (sealed %d), want %s", got.State, len(got.Sealed), tt.state)
			}
			if len(e.livePasses()) != 0 {
				t.Fatal("a live pass is left")
			}
			if !slices.Contains(tt.fail, "issued") && e.creates() != 0 {
				t.Fatalf("Graph create called %d times although the audit record failed", e.creates())
			}
			if tt.notice != "" {
				if n := e.notes.last(t, tt.notice); !strings.Contains(n.Detail, "audit trail") {
					t.Fatalf("notice detail = %q", n.Detail)
				}
			}
		})
	}
}

func TestDroppedCreateIsReconciled(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, setup{})
	e.tenant.Inject("POST", tapMethods, 1, simtenant.Fault{Drop: true})
	r := e.submit()
	got, err := e.svc.Approve(ctx, r.ID, e.alex)
	if msg := refusal(t, err, tap.ErrUncertain); msg != "The pass could not be delivered safely; it was removed — ask again." {
		t.Fatalf("refusal = %q", msg)
	}
	if e.creates() != 1 || e.tenant.Deletes("sarah@contoso.com") != 1 || len(e.livePasses()) != 0 {
		t.Fatalf("creates %d, deletes %d, live %v", e.creates(), e.tenant.Deletes("sarah@contoso.com"), e.livePasses())
	}
	if got.State != tap.StateFailed || e.stored(r.ID).State != tap.StateFailed {
		t.Fatalf("state = %s", got.State)
	}
	n := e.notes.last(t, approvals.NoticeFailed)
	if n.Detail != "the pass could not be delivered safely; it was removed — ask again" || n.Request.Requester.EntraID != e.megan.EntraID {
		t.Fatalf("failed notice = %+v", n)
	}
	want := []string{"submit:ok", "approve:intent", "approve:ok", "issue:ok", "reconcile:ok", "delete_pass:ok", "fail:ok"}
	if a := e.auditActions(); !slices.Equal(a, want) {
		t.Fatalf("audit = %v, want %v", a, want)
	}
	// Never created again, by a click or by the sweeper.
	if _, err := e.svc.Approve(ctx, r.ID, e.nestor); err == nil {
		t.Fatal("approve after failure succeeded")
	}
	if err := e.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if e.creates() != 1 {
		t.Fatalf("creates = %d", e.creates())
	}
}

func TestUncertainCreateThatDidNotHappen(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, setup{})
	e.tenant.Inject("POST", tapMethods, 1, simtenant.Fault{Status: 503})
	r := e.submit()
	_, err := e.svc.Approve(ctx, r.ID, e.alex)
	if msg := refusal(t, err, tap.ErrUncertain); !strings.Contains(msg, "nothing was left in Entra") {
		t.Fatalf("refusal = %q", msg)
	}
	if e.creates() != 0 || e.tenant.Deletes("sarah@contoso.com") != 0 || e.stored(r.ID).State != tap.StateFailed {
		t.Fatal("unexpected Graph changes or state")
	}
}

func TestGraphRefusalFailsWithItsReason(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, setup{})
	r := e.submit(func(r *tap.Request) { r.Lifetime = 10 * 60 * 60 * 1e9 }) // 10h > the policy's 480 min
	_, err := e.svc.Approve(ctx, r.ID, e.alex)
	msg := refusal(t, err, tap.ErrLifetimeRange)
	got := e.stored(r.ID)
	if got.State != tap.StateFailed || e.creates() != 0 {
		t.Fatalf("stored %s, creates %d", got.State, e.creates())
	}
	// Graph's range, in whatever words the client put it.
	if !strings.Contains(got.FailReason, "8 hours") && !strings.Contains(got.FailReason, "480") {
		t.Fatalf("fail reason %q lacks the policy range", got.FailReason)
	}
	if msg != "No pass was created: "+strings.TrimSuffix(got.FailReason, ".")+"." {
		t.Fatalf("refusal = %q", msg)
	}
	if e.notes.count(approvals.NoticeFailed) != 1 {
		t.Fatalf("notices %v", e.notes.kinds())
	}
}

func TestIssueOnReveal(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, setup{cfg: approvals.Config{IssueOn: approvals.IssueOnReveal}})
	r := e.submit()
	r, err := e.svc.Approve(ctx, r.ID, e.alex)
	if err != nil || r.State != tap.StateApproved || e.creates() != 0 {
		t.Fatalf("approve: %s, %v, creates %d", r.State, err, e.creates())
	}
	if e.notes.count(approvals.NoticeApproved) != 1 {
		t.Fatalf("notices %v", e.notes.kinds())
	}
	if _, _, err := e.svc.Reveal(ctx, r.ID, e.eve); !errors.Is(err, tap.ErrForbidden) || e.creates() != 0 {
		t.Fatalf("stranger reveal: %v, creates %d", err, e.creates())
	}
	r, p, err := e.svc.Reveal(ctx, r.ID, e.megan)
	if err != nil || r.State != tap.StateDelivered || p.Value.Reveal() != e.livePasses()[0].Value || e.creates() != 1 {
		t.Fatalf("reveal: %+v, %v", r, err)
	}
	if got := e.stored(r.ID); got.Sealed != nil || got.MethodID == "" || got.RevealedAt.IsZero() {
		t.Fatalf("stored %+v", got)
	}
	if _, _, err := e.svc.Reveal(ctx, r.ID, e.megan); !errors.Is(err, tap.ErrAlreadyRevealed) || e.creates() != 1 {
		t.Fatalf("second reveal: %v, creates %d", err, e.creates())
	}
	e.svc.Wait() // the revealed notice goes out in the background
	wantN := []approvals.NoticeKind{approvals.NoticeSubmitted, approvals.NoticeApproved, approvals.NoticeSecurity, approvals.NoticeRevealed}
	if got := e.notes.kinds(); !slices.Equal(got, wantN) {
		t.Fatalf("notices %v", got)
	}
	e.noSecret(p.Value.Reveal())
}

func TestThrottledCreate(t *testing.T) {
	tests := []struct {
		name       string
		n          int
		retryAfter string
		state      tap.State
		creates    int
	}{
		{"one 429 is waited out", 1, "0", tap.StateIssued, 1},
		{"many short 429s are waited out", 20, "0", tap.StateIssued, 1},
		{"throttled past the deadline: nothing created", 1, "3600", tap.StateFailed, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, setup{})
			e.tenant.Throttle("POST", tapMethods, tt.n, tt.retryAfter)
			r := e.submit()
			_, err := e.svc.Approve(context.Background(), r.ID, e.alex)
			if got := e.stored(r.ID).State; got != tt.state || e.creates() != tt.creates {
				t.Fatalf("state %s, creates %d, err %v", got, e.creates(), err)
			}
			if tt.state == tap.StateFailed {
				if msg := refusal(t, err, tap.ErrThrottled); !strings.Contains(msg, text.FailThrottled) {
					t.Fatalf("refusal = %q", msg)
				}
				if e.notes.count(approvals.NoticeFailed) != 1 {
					t.Fatalf("notices %v", e.notes.kinds())
				}
			} else if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestClickStormAuditsEachClickOnce: many approvers click Approve at once.
// The decision runs inside the compare-and-swap and is re-run when it
// loses, but the audit and the Checker's Entra reads are not: each click
// writes at most its intent and one outcome, the Checker is asked once per
// click, and exactly one "approve:ok" exists (the committed decision).
func TestClickStormAuditsEachClickOnce(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, setup{sqlite: true})
	r := e.submit()
	const clicks = 24
	var wg sync.WaitGroup
	for i := range clicks {
		a := e.alex
		if i%2 == 1 {
			a = e.nestor
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = e.svc.Approve(ctx, r.ID, a)
		}()
	}
	wg.Wait()
	count := map[string]int{}
	for _, a := range e.auditActions() {
		count[a]++
	}
	if count["approve:ok"] != 1 {
		t.Fatalf("%d approve:ok records, want 1 (the committed decision); trail %v", count["approve:ok"], count)
	}
	if count["approve:intent"] > clicks || count["approve:refused"] > clicks {
		t.Fatalf("%d intents and %d refusals for %d clicks; each click has at most one of each", count["approve:intent"], count["approve:refused"], clicks)
	}
	if n := count["approve:intent"] + count["approve:ok"] + count["approve:refused"]; n > 2*clicks {
		t.Fatalf("%d approve records for %d clicks, want at most %d", n, clicks, 2*clicks)
	}
	if n := e.check.decisions.Load(); n > clicks {
		t.Fatalf("CheckDecision called %d times for %d clicks: Entra is read inside the retry loop", n, clicks)
	}
	if e.creates() != 1 {
		t.Fatalf("graph creates = %d, want 1", e.creates())
	}
}
