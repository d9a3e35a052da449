package approvals_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/tap"
)

func sweep(t *testing.T, e *env) {
	t.Helper()
	if err := e.svc.Sweep(context.Background()); err != nil {
		t.Fatalf("sweep: %v", err)
	}
}

func TestReminderThenExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, setup{inProcess: true})
		r := e.submit()
		time.Sleep(12*time.Hour - time.Second)
		sweep(t, e)
		if n := e.notes.count(approvals.NoticeReminder); n != 0 {
			t.Fatalf("reminder too early")
		}
		time.Sleep(time.Second)
		sweep(t, e)
		sweep(t, e)
		if n := e.notes.count(approvals.NoticeReminder); n != 1 {
			t.Fatalf("reminders = %d, want 1", n)
		}
		if got := e.stored(r.ID); got.State != tap.StatePending || got.NextTimer != r.CreatedAt.Add(24*time.Hour) {
			t.Fatalf("after reminder: %s, timer %v", got.State, got.NextTimer)
		}
		time.Sleep(12 * time.Hour)
		// A click after the window but before the sweep is refused.
		_, err := e.svc.Approve(context.Background(), r.ID, e.alex)
		if msg := refusal(t, err, tap.ErrInvalidTransition); !strings.Contains(msg, "expired") {
			t.Fatalf("late approve: %q", msg)
		}
		sweep(t, e)
		if got := e.stored(r.ID); got.State != tap.StateExpired || !got.NextTimer.IsZero() {
			t.Fatalf("state %s, timer %v", got.State, got.NextTimer)
		}
		if e.notes.count(approvals.NoticeExpired) != 1 || e.creates() != 0 {
			t.Fatalf("notices %v", e.notes.kinds())
		}
	})
}

func TestMissedReminderGoesStraightToExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, setup{inProcess: true, cfg: approvals.Config{ApprovalWindow: 2 * time.Hour}})
		r := e.submit()
		time.Sleep(3 * time.Hour) // the sweeper was down
		sweep(t, e)
		if e.stored(r.ID).State != tap.StateExpired || e.notes.count(approvals.NoticeReminder) != 0 {
			t.Fatalf("notices %v", e.notes.kinds())
		}
	})
}

func TestRevealWindowLapse(t *testing.T) {
	tests := []struct {
		name   string
		window time.Duration
		lapse  time.Duration
	}{
		{"configured window", time.Hour, time.Hour},
		{"default: until the pass expires", 0, 8 * time.Hour},
		{"window longer than the pass", 24 * time.Hour, 8 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, setup{inProcess: true, cfg: approvals.Config{RevealWindow: tt.window}})
				r := e.submit()
				if _, err := e.svc.Approve(context.Background(), r.ID, e.alex); err != nil {
					t.Fatal(err)
				}
				time.Sleep(tt.lapse - time.Second)
				sweep(t, e)
				if e.stored(r.ID).State != tap.StateIssued || len(e.livePasses()) != 1 {
					t.Fatal("lapsed too early")
				}
				time.Sleep(time.Second)
				_, _, err := e.svc.Reveal(context.Background(), r.ID, e.megan)
				refusal(t, err, tap.ErrInvalidTransition)
				sweep(t, e)
				got := e.stored(r.ID)
				if got.State != tap.StateExpired || got.Sealed != nil || len(e.livePasses()) != 0 {
					t.Fatalf("state %s, sealed %d, live %v", got.State, len(got.Sealed), e.livePasses())
				}
				if n := e.notes.last(t, approvals.NoticeLapsed); !strings.Contains(n.Detail, "deleted in Entra") {
					t.Fatalf("lapsed notice %+v", n)
				}
			})
		})
	}
}

func TestApprovedLapseInIssueOnReveal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, setup{inProcess: true, cfg: approvals.Config{IssueOn: approvals.IssueOnReveal, RevealWindow: 2 * time.Hour}})
		r := e.submit()
		if _, err := e.svc.Approve(context.Background(), r.ID, e.alex); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Hour)
		sweep(t, e)
		if e.stored(r.ID).State != tap.StateExpired || e.notes.count(approvals.NoticeLapsed) != 1 || e.creates() != 0 {
			t.Fatalf("notices %v, creates %d", e.notes.kinds(), e.creates())
		}
	})
}

func TestDeliveredPassEndsUnconfirmed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, setup{inProcess: true})
		r := e.submit()
		ctx := context.Background()
		if _, err := e.svc.Approve(ctx, r.ID, e.alex); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.Reveal(ctx, r.ID, e.megan); err != nil {
			t.Fatal(err)
		}
		time.Sleep(8*time.Hour - time.Minute)
		sweep(t, e)
		if e.stored(r.ID).State != tap.StateDelivered {
			t.Fatal("ended early")
		}
		time.Sleep(time.Minute)
		sweep(t, e)
		if got := e.stored(r.ID); got.State != tap.StateExpired || len(e.livePasses()) != 0 {
			t.Fatalf("state %s, live %v", got.State, e.livePasses())
		}
		if n := e.notes.last(t, approvals.NoticePassEnded); !strings.Contains(n.Detail, "Entra: Expired") {
			t.Fatalf("pass ended notice %+v", n)
		}
		if _, err := e.svc.Confirm(ctx, e.hireAct); !errors.Is(err, tap.ErrNotFound) {
			t.Fatalf("confirm after the end: %v", err)
		}
	})
}

// gate holds CreatePass until released, to stand for a hung or crashed
// issuer. With createFirst it creates in Graph before waiting (the crash
// happened after Graph did its part).
type gate struct {
	approvals.PassIssuer
	createFirst bool
	entered     chan struct{}
	release     chan error
}

func (g *gate) CreatePass(ctx context.Context, u tap.UserID, spec tap.PassSpec) (tap.Pass, error) {
	var p tap.Pass
	var err error
	if g.createFirst {
		p, err = g.PassIssuer.CreatePass(ctx, u, spec)
	}
	close(g.entered)
	if rerr := <-g.release; rerr != nil {
		return tap.Pass{}, rerr
	}
	if !g.createFirst {
		p, err = g.PassIssuer.CreatePass(ctx, u, spec)
	}
	return p, err
}

func TestStuckIssuingIsReconciled(t *testing.T) {
	tests := []struct {
		name        string
		createFirst bool
		release     error
		deletes     int
		reason      string
		deleteFails int // the late issuer's delete fails this often
	}{
		{"crashed after Graph created the pass", true, errors.New("process gone"), 1, "it was removed", 0},
		{"hung before Graph; create lands after the sweep", false, nil, 1, "nothing was left in Entra", 0},
		{"late create whose delete fails: the sweeper deletes it", false, nil, 1, "nothing was left in Entra", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				g := &gate{createFirst: tt.createFirst, entered: make(chan struct{}), release: make(chan error)}
				e := newEnv(t, setup{inProcess: true, issuer: func(p approvals.PassIssuer) approvals.PassIssuer {
					g.PassIssuer = p
					return g
				}})
				r := e.submit()
				var wg sync.WaitGroup
				var approveErr error
				wg.Go(func() { _, approveErr = e.svc.Approve(context.Background(), r.ID, e.alex) })
				<-g.entered
				time.Sleep(59 * time.Second)
				sweep(t, e)
				if e.stored(r.ID).State != tap.StateIssuing {
					t.Fatal("reconciled too early")
				}
				time.Sleep(time.Second)
				sweep(t, e)
				got := e.stored(r.ID)
				if got.State != tap.StateFailed || !strings.Contains(got.FailReason, tt.reason) {
					t.Fatalf("state %s %q", got.State, got.FailReason)
				}
				if tt.deleteFails > 0 {
					e.tenant.FailWith("DELETE", tapMethods+"/*", tt.deleteFails, 500)
				}
				g.release <- tt.release
				wg.Wait()
				if approveErr == nil {
					t.Fatal("late issuer reported success")
				}
				if tt.deleteFails > 0 {
					if len(e.livePasses()) != 1 || e.stored(r.ID).MethodID == "" {
						t.Fatal("the failed delete was not handed to the sweeper")
					}
					time.Sleep(time.Minute)
					sweep(t, e)
					if !e.stored(r.ID).NextTimer.IsZero() {
						t.Fatal("orphan timer left set")
					}
				}
				if len(e.livePasses()) != 0 || e.tenant.Deletes("sarah@contoso.com") != tt.deletes || e.creates() != 1 {
					t.Fatalf("live %v, deletes %d, creates %d", e.livePasses(), e.tenant.Deletes("sarah@contoso.com"), e.creates())
				}
				if e.notes.count(approvals.NoticeFailed) != 1 || e.notes.count(approvals.NoticeIssued) != 0 {
					t.Fatalf("notices %v", e.notes.kinds())
				}
				if got := e.stored(r.ID); got.State != tap.StateFailed || got.Sealed != nil {
					t.Fatalf("final %s", got.State)
				}
			})
		})
	}
}

func TestRunSweepsUnderLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, setup{inProcess: true})
		ctx, cancel := context.WithCancel(context.Background())
		r := e.submit()
		var wg sync.WaitGroup
		for _, holder := range []string{"replica-a", "replica-b"} {
			wg.Go(func() {
				if err := e.svc.Run(ctx, time.Minute, holder); !errors.Is(err, context.Canceled) {
					t.Errorf("run %s: %v", holder, err)
				}
			})
		}
		time.Sleep(25 * time.Hour)
		cancel()
		wg.Wait()
		if e.notes.count(approvals.NoticeReminder) != 1 || e.notes.count(approvals.NoticeExpired) != 1 {
			t.Fatalf("notices %v", e.notes.kinds())
		}
		if e.stored(r.ID).State != tap.StateExpired {
			t.Fatal("not expired")
		}
		// A clean stop hands the lease back: the next replica takes over at once.
		ok, err := e.store.AcquireLease(context.Background(), approvals.SweeperLease, "replica-c", time.Minute)
		if err != nil || !ok {
			t.Fatalf("lease still held after the sweepers stopped cleanly: %v %v", ok, err)
		}
	})
}

// lateLanding loses the create's response at once while Graph performs
// the create later, as a server finishing a request the client gave up on.
type lateLanding struct {
	approvals.PassIssuer
	after time.Duration
	wg    sync.WaitGroup
	once  sync.Once
}

func (l *lateLanding) CreatePass(ctx context.Context, u tap.UserID, spec tap.PassSpec) (tap.Pass, error) {
	first := false
	l.once.Do(func() { first = true })
	if !first {
		return l.PassIssuer.CreatePass(ctx, u, spec)
	}
	l.wg.Go(func() {
		time.Sleep(l.after)
		_, _ = l.PassIssuer.CreatePass(context.Background(), u, spec)
	})
	return tap.Pass{}, fmt.Errorf("POST: context deadline exceeded: %w", tap.ErrUncertain)
}

func TestLateLandingCreateIsRemoved(t *testing.T) {
	tests := []struct {
		name     string
		askAgain bool // a new request is issued after the failure, before the late check
		live     int
	}{
		{"orphan deleted by the late check", false, 0},
		{"a newer request's pass is kept", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l := &lateLanding{after: 30 * time.Second}
				e := newEnv(t, setup{inProcess: true, issuer: func(p approvals.PassIssuer) approvals.PassIssuer {
					l.PassIssuer = p
					return l
				}})
				ctx := context.Background()
				r := e.submit()
				_, err := e.svc.Approve(ctx, r.ID, e.alex)
				if msg := refusal(t, err, tap.ErrUncertain); !strings.Contains(msg, "nothing was left") {
					t.Fatalf("refusal %q", msg)
				}
				l.wg.Wait() // the late create lands
				if len(e.livePasses()) != 1 {
					t.Fatal("late create did not land")
				}
				var again *tap.Request
				if tt.askAgain {
					again = e.submit()
					if again, err = e.svc.Approve(ctx, again.ID, e.alex); err != nil || again.State != tap.StateIssued {
						t.Fatalf("second request: %v", err)
					}
				}
				time.Sleep(5 * time.Minute)
				sweep(t, e)
				if got := e.livePasses(); len(got) != tt.live {
					t.Fatalf("live passes %v, want %d", got, tt.live)
				}
				if again != nil && e.livePasses()[0].ID != again.MethodID {
					t.Fatal("kept the wrong pass")
				}
				if !e.stored(r.ID).NextTimer.IsZero() {
					t.Fatal("late-check timer left set")
				}
			})
		})
	}
}

func TestApprovalWindowGrownAfterReminder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, setup{inProcess: true, cfg: approvals.Config{ApprovalWindow: 2 * time.Hour}})
		r := e.submit()
		time.Sleep(time.Hour)
		sweep(t, e)
		// Restarted with a longer window: the request lives on.
		cfg := e.cfg
		cfg.ApprovalWindow = 4 * time.Hour
		svc, err := approvals.New(cfg, approvals.Deps{Store: e.store, Directory: e.dir, Issuer: e.iss,
			Checker: e.check, Audit: e.trail, Notify: e.notes})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour)
		if err := svc.Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := e.stored(r.ID)
		if got.State != tap.StatePending || !got.NextTimer.Equal(r.CreatedAt.Add(4*time.Hour)) {
			t.Fatalf("state %s, timer %v", got.State, got.NextTimer)
		}
		time.Sleep(2 * time.Hour)
		if err := svc.Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
		if e.stored(r.ID).State != tap.StateExpired || e.notes.count(approvals.NoticeReminder) != 1 {
			t.Fatalf("notices %v", e.notes.kinds())
		}
	})
}

// TestRevealReminders: an issued pass nobody revealed reminds its
// requester halfway through the reveal window and an hour before it
// ends, once each, then lapses; a revealed one stops reminding.
func TestRevealReminders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, setup{inProcess: true}) // the window ends with the 8-hour pass
		r := e.submit()
		if _, err := e.svc.Approve(context.Background(), r.ID, e.alex); err != nil {
			t.Fatal(err)
		}
		for _, step := range []struct {
			after time.Duration
			want  int
			state tap.State
		}{
			{4*time.Hour - time.Minute, 0, tap.StateIssued},
			{time.Minute, 1, tap.StateIssued}, // halfway
			{time.Hour, 1, tap.StateIssued},   // once
			{2 * time.Hour, 2, tap.StateIssued},
			{time.Hour, 2, tap.StateExpired}, // the window is over
		} {
			time.Sleep(step.after)
			sweep(t, e)
			sweep(t, e)
			if got := e.notes.count(approvals.NoticeRevealReminder); got != step.want || e.stored(r.ID).State != step.state {
				t.Fatalf("after %v more: %d reminders, state %s; want %d, %s", step.after, got, e.stored(r.ID).State, step.want, step.state)
			}
		}
		n := e.notes.last(t, approvals.NoticeRevealReminder)
		if by, err := time.Parse(time.RFC3339, n.Detail); err != nil || !by.Equal(e.stored(r.ID).RevealBy.Truncate(time.Second)) {
			t.Fatalf("reminder detail %q, want the lapse time", n.Detail)
		}

		// Revealed before the second reminder: no more reminders.
		e2 := newEnv(t, setup{inProcess: true})
		r2 := e2.submit()
		if _, err := e2.svc.Approve(context.Background(), r2.ID, e2.alex); err != nil {
			t.Fatal(err)
		}
		time.Sleep(4 * time.Hour)
		sweep(t, e2)
		if _, _, err := e2.svc.Reveal(context.Background(), r2.ID, e2.megan); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3*time.Hour + time.Minute)
		sweep(t, e2)
		if got := e2.notes.count(approvals.NoticeRevealReminder); got != 1 {
			t.Fatalf("%d reminders after the reveal, want the 1 before it", got)
		}
	})
}

// TestRevealReminderInIssueOnReveal: an approval waiting for its Reveal
// (nothing minted) reminds too; a 2-hour window has one reminder.
func TestRevealReminderInIssueOnReveal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, setup{inProcess: true, cfg: approvals.Config{IssueOn: approvals.IssueOnReveal, RevealWindow: 2 * time.Hour}})
		r := e.submit()
		if _, err := e.svc.Approve(context.Background(), r.ID, e.alex); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour)
		sweep(t, e)
		time.Sleep(59 * time.Minute)
		sweep(t, e)
		if got := e.notes.count(approvals.NoticeRevealReminder); got != 1 || e.stored(r.ID).State != tap.StateApproved {
			t.Fatalf("%d reminders, state %s; want 1, approved", got, e.stored(r.ID).State)
		}
		time.Sleep(time.Minute)
		sweep(t, e)
		if e.stored(r.ID).State != tap.StateExpired || e.creates() != 0 {
			t.Fatalf("state %s, creates %d", e.stored(r.ID).State, e.creates())
		}
	})
}
