package approvals_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

// hires adds n new hires managed by Megan and submits a request for each;
// it returns the requests and the hires' UPNs.
func (e *env) hires(n int) ([]*tap.Request, []string) {
	e.t.Helper()
	var reqs []*tap.Request
	var upns []string
	for i := range n {
		upn := fmt.Sprintf("hire%03d@contoso.com", i)
		id := e.tenant.AddUser(simtenant.User{UPN: upn, DisplayName: fmt.Sprintf("Hire %d", i), Mail: upn})
		r, err := e.svc.Submit(context.Background(), &tap.Request{Requester: e.megan,
			Target:   tap.User{ID: tap.UserID(id), UPN: upn, DisplayName: fmt.Sprintf("Hire %d", i), Enabled: true, UserType: "Member"},
			Lifetime: 8 * time.Hour, Reason: tap.ReasonOnboarding, Justification: "bulk"})
		if err != nil {
			e.t.Fatalf("submit %s: %v", upn, err)
		}
		reqs, upns = append(reqs, r), append(upns, upn)
	}
	return reqs, upns
}

// queueAll approves every request with ApproveQueued.
func (e *env) queueAll(reqs []*tap.Request) {
	e.t.Helper()
	for _, r := range reqs {
		q, err := e.svc.ApproveQueued(context.Background(), r.ID, e.alex)
		if err != nil {
			e.t.Fatalf("approve queued %s: %v", r.ID, err)
		}
		if !q.Queued() {
			e.t.Fatalf("approve queued %s: state %s, queued %v", r.ID, q.State, q.IssueQueued)
		}
	}
}

// settle waits until no request is approved-queued or issuing.
func (e *env) settle(reqs []*tap.Request, within time.Duration) (held int) {
	e.t.Helper()
	deadline := time.Now().Add(within)
	seen := map[tap.RequestID]bool{}
	for {
		open := 0
		for _, r := range reqs {
			s := e.stored(r.ID)
			if s.State == tap.StateIssuing || s.Queued() {
				open++
			}
			// A request requeued after an uncertain create is held back
			// until that create could no longer land: the test's clock
			// jumps there instead of the test waiting a minute.
			if now := e.cfg.Now(); s.Queued() && now.Before(s.ClaimAfter) {
				if !seen[r.ID] {
					seen[r.ID] = true
					held++
				}
				e.skew.Add(int64(s.ClaimAfter.Sub(now) + time.Millisecond))
			}
		}
		if open == 0 {
			return held
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%d of %d requests still queued or issuing after %s", open, len(reqs), within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// exactlyOnce checks every request issued, its sealed pass the user's one
// live pass, and (when creates > 0) that many creates per user.
func (e *env) exactlyOnce(reqs []*tap.Request, upns []string, creates int) {
	e.t.Helper()
	for i, r := range reqs {
		s := e.stored(r.ID)
		live := e.tenant.Passes(upns[i])
		if s.State != tap.StateIssued || len(s.Sealed) == 0 || len(live) != 1 || live[0].ID != s.MethodID {
			e.t.Errorf("%s: state %s, sealed %d bytes, live %v, method %s", upns[i], s.State, len(s.Sealed), live, s.MethodID)
		}
		if n := e.tenant.Creates(upns[i]); creates > 0 && n != creates {
			e.t.Errorf("%s: %d creates, want %d", upns[i], n, creates)
		}
	}
}

// runIssuer runs svc's issuer until the returned stop is called.
func runIssuer(t *testing.T, svc *approvals.Service, holder string, workers int) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.RunIssuer(ctx, holder, workers) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("issuer %s: %v", holder, err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// TestApproveQueuedIssuedByIssuer: the final ApproveQueued click creates
// nothing and tells the requester nothing; the issuer then creates the
// pass once and NoticeIssued is the requester's notice.
func TestApproveQueuedIssuedByIssuer(t *testing.T) {
	e := newEnv(t, setup{})
	reqs, upns := e.hires(1)
	e.queueAll(reqs)
	if n := e.tenant.TotalCreates(); n != 0 {
		t.Fatalf("%d creates inside the click", n)
	}
	if got := e.notes.kinds(); slices.Contains(got, approvals.NoticeApproved) || slices.Contains(got, approvals.NoticeIssued) ||
		!slices.Contains(got, approvals.NoticeQueued) {
		t.Fatalf("notices after the queued approval: %v", got)
	}
	runIssuer(t, e.svc, "replica-a", 2)
	e.settle(reqs, 10*time.Second)
	e.exactlyOnce(reqs, upns, 1)
	if n := e.notes.count(approvals.NoticeIssued); n != 1 {
		t.Fatalf("%d NoticeIssued, want 1", n)
	}
	if s := e.stored(reqs[0].ID); s.IssueQueued.IsZero() || s.ClaimedBy != "replica-a" {
		t.Fatalf("issued request: queued %v, claimed by %q", s.IssueQueued, s.ClaimedBy)
	}
}

// TestApproveQueuedRevealMode: in issue-on-reveal mode ApproveQueued is
// Approve (approved, nothing queued).
func TestApproveQueuedRevealMode(t *testing.T) {
	e := newEnv(t, setup{cfg: approvals.Config{IssueOn: approvals.IssueOnReveal}})
	r := e.submit()
	got, err := e.svc.ApproveQueued(context.Background(), r.ID, e.alex)
	if err != nil || got.State != tap.StateApproved || got.Queued() || e.notes.count(approvals.NoticeApproved) != 1 {
		t.Fatalf("reveal mode: %v, state %s, queued %v, notices %v", err, got.State, got.IssueQueued, e.notes.kinds())
	}
}

// TestIssuerExactlyOnceConcurrent: three replicas' issuers (one store,
// one tenant) race for 40 queued requests: each is created exactly once.
func TestIssuerExactlyOnceConcurrent(t *testing.T) {
	e := newEnv(t, setup{})
	reqs, upns := e.hires(40)
	e.queueAll(reqs)
	for i := range 3 {
		svc := e.service(e.notes, nil)
		runIssuer(t, svc, fmt.Sprintf("replica-%d", i), 3)
	}
	e.settle(reqs, 20*time.Second)
	e.exactlyOnce(reqs, upns, 1)
	if n := e.notes.count(approvals.NoticeIssued); n != len(reqs) {
		t.Fatalf("%d NoticeIssued, want %d", n, len(reqs))
	}
}

// TestQueuedCancelRacesClaim: requesters cancel queued requests while the
// issuers claim them. Each ends either cancelled with nothing created or
// issued with one pass; never a pass for a cancelled request.
func TestQueuedCancelRacesClaim(t *testing.T) {
	e := newEnv(t, setup{})
	reqs, upns := e.hires(30)
	e.queueAll(reqs)
	var wg sync.WaitGroup
	for _, r := range reqs {
		wg.Go(func() { _, _ = e.svc.Cancel(context.Background(), r.ID, e.megan) })
	}
	for i := range 2 {
		runIssuer(t, e.service(e.notes, nil), fmt.Sprintf("replica-%d", i), 4)
	}
	wg.Wait()
	e.settle(reqs, 20*time.Second)
	cancelled := 0
	for i, r := range reqs {
		s := e.stored(r.ID)
		switch s.State {
		case tap.StateCancelled:
			cancelled++
			if n := e.tenant.Creates(upns[i]); n != 0 {
				t.Errorf("%s cancelled but %d creates", upns[i], n)
			}
		case tap.StateIssued:
			if n := e.tenant.Creates(upns[i]); n != 1 {
				t.Errorf("%s issued with %d creates", upns[i], n)
			}
		default:
			t.Errorf("%s ended %s", upns[i], s.State)
		}
	}
	if cancelled == 0 {
		t.Fatal("no cancel won: the race was not exercised")
	}
}

// TestIssuer429Storm: Graph's write limit is far below the queue (5
// writes a second for 20 creates, no pacing configured): the write gate
// holds every create on Retry-After, nothing is resent blindly, and
// every request is issued exactly once.
func TestIssuer429Storm(t *testing.T) {
	e := newEnv(t, setup{})
	reqs, upns := e.hires(20)
	e.tenant.SetWriteLimit(5, time.Second)
	e.queueAll(reqs)
	runIssuer(t, e.service(e.notes, nil), "replica-a", 4)
	runIssuer(t, e.service(e.notes, nil), "replica-b", 4)
	e.settle(reqs, 30*time.Second)
	e.exactlyOnce(reqs, upns, 1)
	if e.tenant.Throttled() == 0 {
		t.Fatal("no 429: the storm did not happen")
	}
}

// TestIssuerLostResponseRequeued: Graph performs a create and the
// response is lost. The outcome is reconciled, never resent: the orphan
// pass (its value lost) is deleted and the request goes back in the
// queue, then is issued once more; the requester gets one NoticeIssued.
func TestIssuerLostResponseRequeued(t *testing.T) {
	e := newEnv(t, setup{})
	reqs, upns := e.hires(1)
	e.tenant.DropResponse("POST", "/users/*/authentication/temporaryAccessPassMethods", 1)
	e.queueAll(reqs)
	runIssuer(t, e.svc, "replica-a", 1)
	if held := e.settle(reqs, 20*time.Second); held != 1 {
		// A create whose answer was lost may still land: the request is
		// claimed again only once it no longer can (else that late create
		// would replace the new pass).
		t.Fatalf("%d requests held back after the lost answer, want 1", held)
	}
	e.exactlyOnce(reqs, upns, 2)
	acts := e.auditActions()
	if !slices.Contains(acts, "reconcile:ok") || !slices.Contains(acts, "requeue:ok") || slices.Contains(acts, "fail:ok") {
		t.Fatalf("audit: %v", acts)
	}
	if n := e.notes.count(approvals.NoticeIssued); n != 1 || e.notes.count(approvals.NoticeFailed) != 0 {
		t.Fatalf("notices: %v", e.notes.kinds())
	}
}

// TestIssuerKilledReplicaRequeued: a replica claimed two requests and was
// killed, one after Graph created its pass (value lost), one before its
// create. Its liveness lease lapses; a live issuer reconciles both
// (deleting the orphan), requeues them and issues each once.
func TestIssuerKilledReplicaRequeued(t *testing.T) {
	e := newEnv(t, setup{})
	reqs, upns := e.hires(2)
	e.queueAll(reqs)
	ctx := context.Background()
	for i, r := range reqs {
		c := e.stored(r.ID)
		c.State, c.ClaimedBy, c.IssuedAt = tap.StateIssuing, "killed-replica", time.Now().Add(-10*time.Second)
		if err := e.store.UpdateRequest(ctx, c); err != nil {
			t.Fatal(err)
		}
		if i == 0 { // its create landed; the replica died before the answer
			if _, err := e.iss.CreatePass(ctx, c.Target.ID, tap.PassSpec{Lifetime: time.Hour}); err != nil {
				t.Fatal(err)
			}
		}
	}
	runIssuer(t, e.svc, "replica-a", 2)
	e.settle(reqs, 20*time.Second)
	e.exactlyOnce(reqs, upns, 0)
	if n0, n1 := e.tenant.Creates(upns[0]), e.tenant.Creates(upns[1]); n0 != 2 || n1 != 1 {
		t.Fatalf("creates %d and %d, want 2 (the lost one, then ours) and 1", n0, n1)
	}
	if acts := e.auditActions(); !slices.Contains(acts, "requeue:ok") || !slices.Contains(acts, "delete_pass:ok") {
		t.Fatalf("audit: %v", acts)
	}
}

// killable stands for a replica that can be killed: once dead, its store
// and Graph calls fail at once (a create in flight is performed by Graph,
// but its answer never arrives), so it renews no lease and saves nothing.
type killable struct {
	tap.Store
	iss   approvals.PassIssuer
	dead  atomic.Bool
	after int32 // kill inside this create (1-based)
	n     atomic.Int32
}

var errKilled = errors.New("replica killed")

func (k *killable) GetRequest(ctx context.Context, id tap.RequestID) (*tap.Request, error) {
	if k.dead.Load() {
		return nil, errKilled
	}
	return k.Store.GetRequest(ctx, id)
}
func (k *killable) UpdateRequest(ctx context.Context, r *tap.Request) error {
	if k.dead.Load() {
		return errKilled
	}
	return k.Store.UpdateRequest(ctx, r)
}
func (k *killable) ListRequests(ctx context.Context, f tap.RequestFilter) ([]*tap.Request, error) {
	if k.dead.Load() {
		return nil, errKilled
	}
	return k.Store.ListRequests(ctx, f)
}
func (k *killable) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if k.dead.Load() {
		return false, errKilled
	}
	return k.Store.AcquireLease(ctx, name, holder, ttl)
}
func (k *killable) AppendAudit(ctx context.Context, rec tap.AuditRecord) error {
	if k.dead.Load() {
		return errKilled
	}
	return k.Store.AppendAudit(ctx, rec)
}
func (k *killable) CreatePass(ctx context.Context, user tap.UserID, spec tap.PassSpec) (tap.Pass, error) {
	if k.dead.Load() {
		return tap.Pass{}, errKilled
	}
	p, err := k.iss.CreatePass(ctx, user, spec)
	if k.n.Add(1) == k.after {
		k.dead.Store(true)
	}
	if k.dead.Load() {
		return tap.Pass{}, errKilled
	}
	return p, err
}
func (k *killable) ListPasses(ctx context.Context, user tap.UserID) ([]tap.Pass, error) {
	if k.dead.Load() {
		return nil, errKilled
	}
	return k.iss.ListPasses(ctx, user)
}
func (k *killable) DeletePass(ctx context.Context, user tap.UserID, methodID string) error {
	if k.dead.Load() {
		return errKilled
	}
	return k.iss.DeletePass(ctx, user, methodID)
}

// TestIssuerSmallScaleKill is the bulk benchmark's machinery at a small
// scale: 60 queued requests, Graph's write limit binding (30 a second,
// and the issuers paced to it), two replicas, one killed inside its
// fifth create. Every request is issued, each with one live pass that is
// the sealed one; only the killed replica's in-flight creates are
// repeated (their values died with it); nothing is lost.
func TestIssuerSmallScaleKill(t *testing.T) {
	e := newEnv(t, setup{cfg: approvals.Config{WriteLimit: 30, WriteWindow: time.Second}})
	reqs, upns := e.hires(60)
	e.tenant.SetWriteLimit(30, time.Second)
	e.queueAll(reqs)
	k := &killable{Store: e.store, iss: e.iss, after: 5}
	doomed, err := approvals.New(e.cfg, approvals.Deps{Store: k, Directory: e.dir, Issuer: k,
		Checker: e.check, Audit: e.aud, Notify: e.notes, Log: e.log})
	if err != nil {
		t.Fatal(err)
	}
	// The killed replica's audit trail writes through the live store: the
	// kill is of its Graph calls, its request saves and its lease.
	stopDoomed := runIssuer(t, doomed, "doomed", 3)
	runIssuer(t, e.svc, "survivor", 3)
	for !k.dead.Load() {
		time.Sleep(5 * time.Millisecond)
	}
	e.settle(reqs, 30*time.Second)
	stopDoomed()
	e.exactlyOnce(reqs, upns, 0)
	repeated := 0
	for _, u := range upns {
		switch n := e.tenant.Creates(u); n {
		case 1:
		case 2:
			repeated++
		default:
			t.Errorf("%s: %d creates", u, n)
		}
	}
	if repeated == 0 || repeated > 3 {
		t.Fatalf("%d requests created twice; want the killed replica's in-flight creates (1 to 3)", repeated)
	}
	if n := e.notes.count(approvals.NoticeIssued); n != len(reqs) {
		t.Fatalf("%d NoticeIssued, want %d", n, len(reqs))
	}
}
