package approvals_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/tap"
)

// crashAt holds (never delivers) the notices of one kind: the process is
// taken to be killed between the commit and that notice.
func crashAt(kind approvals.NoticeKind) func(approvals.NoticeKind) bool {
	return func(k approvals.NoticeKind) bool { return k == kind }
}

// TestNoticeSurvivesCrashAfterCommit kills the process between each
// lifecycle step's commit and its notice, restarts it over the same store
// and sweeps: every notice arrives once, after the grace period, with the
// actor and detail it was committed with, and the outbox is empty.
func TestNoticeSurvivesCrashAfterCommit(t *testing.T) {
	for _, tt := range crashCases() {
		t.Run(string(tt.kind)+"/"+string(tt.cfg.IssueOn), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { crashAndRestart(t, tt) })
		})
	}
}

// crashCase is one lifecycle step whose notice a crash loses.
type crashCase struct {
	kind  approvals.NoticeKind
	cfg   approvals.Config
	steps func(t *testing.T, e *env) // ends with the step whose notice is lost
	actor func(e *env) *tap.Actor    // who the notice names
}

func crashCases() []crashCase {
	ctx := context.Background()
	return []crashCase{
		{approvals.NoticeSubmitted, approvals.Config{}, func(t *testing.T, e *env) { e.submit() },
			func(e *env) *tap.Actor { return &e.megan }},
		{approvals.NoticeApproval, approvals.Config{}, func(t *testing.T, e *env) {
			r := e.submit(func(r *tap.Request) { r.ApprovalsNeeded = 2 })
			must(t)(e.svc.Approve(ctx, r.ID, e.alex))
		}, func(e *env) *tap.Actor { return &e.alex }},
		{approvals.NoticeIssued, approvals.Config{}, func(t *testing.T, e *env) {
			must(t)(e.svc.Approve(ctx, e.submit().ID, e.alex))
		}, func(e *env) *tap.Actor { return &e.alex }},
		{approvals.NoticeApproved, approvals.Config{IssueOn: approvals.IssueOnReveal}, func(t *testing.T, e *env) {
			must(t)(e.svc.Approve(ctx, e.submit().ID, e.alex))
		}, func(e *env) *tap.Actor { return &e.alex }},
		{approvals.NoticeDenied, approvals.Config{}, func(t *testing.T, e *env) {
			must(t)(e.svc.Deny(ctx, e.submit().ID, e.alex, "not this week"))
		}, func(e *env) *tap.Actor { return &e.alex }},
		{approvals.NoticeCancelled, approvals.Config{}, func(t *testing.T, e *env) {
			must(t)(e.svc.Cancel(ctx, e.submit().ID, e.megan))
		}, func(e *env) *tap.Actor { return &e.megan }},
		{approvals.NoticeRevealed, approvals.Config{}, func(t *testing.T, e *env) {
			r := e.submit()
			must(t)(e.svc.Approve(ctx, r.ID, e.alex))
			if _, _, err := e.svc.Reveal(ctx, r.ID, e.megan); err != nil {
				t.Fatal(err)
			}
		}, func(e *env) *tap.Actor { return &e.megan }},
		{approvals.NoticeRevealed, approvals.Config{IssueOn: approvals.IssueOnReveal}, func(t *testing.T, e *env) {
			r := e.submit()
			must(t)(e.svc.Approve(ctx, r.ID, e.alex))
			if _, _, err := e.svc.Reveal(ctx, r.ID, e.megan); err != nil {
				t.Fatal(err)
			}
		}, func(e *env) *tap.Actor { return &e.megan }},
		{approvals.NoticeRevoked, approvals.Config{}, func(t *testing.T, e *env) {
			r := e.submit()
			must(t)(e.svc.Approve(ctx, r.ID, e.alex))
			must(t)(e.svc.Revoke(ctx, r.ID, e.nestor))
		}, func(e *env) *tap.Actor { return &e.nestor }},
		{approvals.NoticeFailed, approvals.Config{}, func(t *testing.T, e *env) {
			e.check.refuseAtIssue = map[tap.UserID]string{e.hire.ID: "Sarah became a Global Administrator."}
			_, _ = e.svc.Approve(ctx, e.submit().ID, e.alex)
		}, func(e *env) *tap.Actor { return &e.alex }},
		{approvals.NoticeSecurity, approvals.Config{}, func(t *testing.T, e *env) {
			r := e.submit()
			must(t)(e.svc.Approve(ctx, r.ID, e.alex))
			_, _, _ = e.svc.Reveal(ctx, r.ID, e.eve)
		}, func(e *env) *tap.Actor { return &e.eve }},
		{approvals.NoticeRescheduled, approvals.Config{}, func(t *testing.T, e *env) {
			must(t)(e.svc.Reschedule(ctx, e.submit().ID, e.megan, time.Now().Add(48*time.Hour)))
		}, func(e *env) *tap.Actor { return &e.megan }},
		{approvals.NoticeWithdrawn, approvals.Config{}, func(t *testing.T, e *env) {
			r := e.submit()
			must(t)(e.svc.Approve(ctx, r.ID, e.alex))
			must(t)(e.svc.WithdrawOffer(ctx, r.ID, e.nestor, "the offer was withdrawn"))
		}, func(e *env) *tap.Actor { return &e.nestor }},
		{approvals.NoticeReminder, approvals.Config{}, func(t *testing.T, e *env) {
			e.submit()
			time.Sleep(12 * time.Hour)
			sweep(t, e)
		}, func(*env) *tap.Actor { return nil }},
		{approvals.NoticeExpired, approvals.Config{}, func(t *testing.T, e *env) {
			e.submit()
			time.Sleep(12 * time.Hour)
			sweep(t, e)
			time.Sleep(12 * time.Hour)
			sweep(t, e)
		}, func(*env) *tap.Actor { return nil }},
		{approvals.NoticeLapsed, approvals.Config{}, func(t *testing.T, e *env) {
			must(t)(e.svc.Approve(ctx, e.submit().ID, e.alex))
			time.Sleep(approvals.DefaultRevealWindow)
			sweep(t, e)
		}, func(*env) *tap.Actor { return nil }},
	}
}

// crashAndRestart runs tt's steps in a process that dies after the last
// commit, restarts it and sweeps.
func crashAndRestart(t *testing.T, tt crashCase) {
	e := newEnv(t, setup{inProcess: true, cfg: tt.cfg, hold: crashAt(tt.kind)})
	tt.steps(t, e)
	e.svc.Wait()
	if n := e.notes.count(tt.kind); n != 0 {
		t.Fatalf("the crashed process delivered %d %s notices", n, tt.kind)
	}
	r := only(t, e)
	if len(r.Outbox) != 1 || r.Outbox[0].Kind != string(tt.kind) {
		t.Fatalf("outbox after the crash: %+v", r.Outbox)
	}
	e.restart()
	sweep(t, e) // within the grace period: left to its committer
	if len(e.notes.all) != 0 {
		t.Fatalf("delivered within the grace period: %v", e.notes.kinds())
	}
	time.Sleep(31 * time.Second)
	sweep(t, e)
	time.Sleep(10 * time.Minute)
	sweep(t, e)
	if got := e.notes.kinds(); !slices.Equal(got, []approvals.NoticeKind{tt.kind}) {
		t.Fatalf("notices after restart = %v, want [%s]", got, tt.kind)
	}
	n := e.notes.last(t, tt.kind)
	want := tt.actor(e)
	if (want == nil) != (n.Actor == nil) || (want != nil && n.Actor.EntraID != want.EntraID) {
		t.Fatalf("actor %+v, want %+v", n.Actor, want)
	}
	if tt.kind == approvals.NoticeDenied && n.Detail != "not this week" {
		t.Fatalf("detail %q", n.Detail)
	}
	if got := only(t, e); len(got.Outbox) != 0 || n.Request.State != got.State {
		t.Fatalf("after delivery: outbox %+v, notice drawn at %s, stored %s", got.Outbox, n.Request.State, got.State)
	}
}

// TestNoticeRetriedWithBackoff: a chat API that is down gets the notice
// again 5 s, 10 s, 20 s … after each failure, and once it answers the
// notice is delivered and leaves the outbox; the parts it reported done
// come back in Done.
func TestNoticeRetriedWithBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chat := &flaky{down: true}
		e := newEnv(t, setup{inProcess: true, notifier: func(n approvals.Notifier) approvals.Notifier { chat.next = n; return chat }})
		start := time.Now()
		r := e.submit()
		// Sweep every second for a minute: attempts at 0 s (the fast
		// path), then 5 s, 15 s, 35 s after it.
		for range 60 {
			time.Sleep(time.Second)
			sweep(t, e)
		}
		if got := chat.offsets(start); !slices.Equal(got, []time.Duration{0, 5 * time.Second, 15 * time.Second, 35 * time.Second}) {
			t.Fatalf("attempts at %v", got)
		}
		if got := e.stored(r.ID).Outbox; len(got) != 1 || got[0].Attempts != 4 || !slices.Equal(got[0].Done, []string{"cards"}) {
			t.Fatalf("outbox %+v", got)
		}
		chat.setDown(false)
		time.Sleep(time.Minute)
		sweep(t, e)
		if e.notes.count(approvals.NoticeSubmitted) != 1 || len(e.stored(r.ID).Outbox) != 0 {
			t.Fatalf("after recovery: %v, outbox %+v", e.notes.kinds(), e.stored(r.ID).Outbox)
		}
		if n := e.notes.last(t, approvals.NoticeSubmitted); n.Attempt != 4 || !slices.Equal(n.Done, []string{"cards"}) {
			t.Fatalf("delivered notice: attempt %d, done %v", n.Attempt, n.Done)
		}
	})
}

// TestUndeliverableNoticeGivenUpAfterADay: a notice nobody can receive is
// retried for a day, then dropped with an ERROR log and an audit record.
func TestUndeliverableNoticeGivenUpAfterADay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		chat := &flaky{down: true}
		e := newEnv(t, setup{inProcess: true, cfg: approvals.Config{ApprovalWindow: 72 * time.Hour},
			notifier: func(n approvals.Notifier) approvals.Notifier { chat.next = n; return chat }})
		r := e.submit()
		for range 24 * 12 {
			time.Sleep(5 * time.Minute)
			sweep(t, e)
		}
		if got := e.stored(r.ID).Outbox; len(got) != 0 {
			t.Fatalf("outbox after a day: %+v", got)
		}
		if n := len(chat.offsets(time.Time{})); n < 280 || n > 300 {
			t.Fatalf("%d attempts in a day, want one per 5 minutes at most", n)
		}
		if a := e.auditActions(); !slices.Contains(a, "notice:abandoned") {
			t.Fatalf("audit %v", a)
		}
		if !strings.Contains(e.logs.String(), `"level":"ERROR","msg":"notice given up`) {
			t.Fatalf("no ERROR log")
		}
	})
}

// TestSweepBoundsNoticeWork: one sweep delivers at most 50 notices; the
// rest wait for the next sweep.
func TestSweepBoundsNoticeWork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, setup{inProcess: true, hold: crashAt(approvals.NoticeSubmitted)})
		for i := range 60 {
			hire := actor(e.tenant, "hire"+string(rune('a'+i%26))+string(rune('a'+i/26))+"@contoso.com", "Hire")
			e.submit(func(r *tap.Request) { r.Target = tap.User{ID: hire.EntraID, UPN: hire.Email, Enabled: true} })
		}
		e.restart()
		time.Sleep(time.Minute)
		sweep(t, e)
		if n := e.notes.count(approvals.NoticeSubmitted); n != 50 {
			t.Fatalf("first sweep delivered %d", n)
		}
		sweep(t, e)
		if n := e.notes.count(approvals.NoticeSubmitted); n != 60 {
			t.Fatalf("second sweep: %d in all", n)
		}
	})
}

// must fails t on the error of a lifecycle call: must(t)(e.svc.Approve(…)).
func must(t *testing.T) func(*tap.Request, error) {
	return func(_ *tap.Request, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// only returns the env's one request.
func only(t *testing.T, e *env) *tap.Request {
	t.Helper()
	rs, err := e.store.ListRequests(context.Background(), tap.RequestFilter{})
	if err != nil || len(rs) != 1 {
		t.Fatalf("requests: %d, %v", len(rs), err)
	}
	return rs[0]
}

// flaky is a chat API that can be down: it then fails every notice,
// reporting the part "cards" done, as a router whose card went out but
// whose message to the requester did not would.
type flaky struct {
	mu   sync.Mutex
	down bool
	at   []time.Time
	next approvals.Notifier
}

func (f *flaky) Notify(ctx context.Context, n approvals.Notice) error {
	f.mu.Lock()
	f.at = append(f.at, time.Now())
	down := f.down
	f.mu.Unlock()
	if down {
		return &approvals.Undelivered{Done: []string{"cards"}, Err: errors.New("chat API answered 503")}
	}
	return f.next.Notify(ctx, n)
}

func (f *flaky) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

func (f *flaky) offsets(start time.Time) []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []time.Duration
	for _, at := range f.at {
		out = append(out, at.Sub(start))
	}
	return out
}
