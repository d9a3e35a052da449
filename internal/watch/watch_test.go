package watch_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/watch"
)

type signInAt struct {
	when        time.Time
	ip, country string
	errCode     int
}

// TestRulesEndToEnd drives every rule through the simulated Graph: each
// fires exactly once over repeated polls, and its normal-day twin fires
// nothing.
func TestRulesEndToEnd(t *testing.T) {
	cases := []struct {
		name    string
		signIns []signInAt
		now     time.Time
		want    []watch.Rule
	}{
		{"normal day", []signInAt{{at(9, 4), "203.0.113.7", "US", 0}}, at(17, 0), nil},
		{"normal day, pass ended used", []signInAt{{at(9, 4), "203.0.113.7", "US", 0}}, at(16, 30), nil},
		{"two IPs within the window", []signInAt{{at(9, 4), "203.0.113.7", "US", 0}, {at(9, 40), "198.51.100.9", "US", 0}}, at(12, 0),
			[]watch.Rule{watch.RuleSeveralIPs}},
		{"two IPs hours apart (false positive)", []signInAt{{at(9, 4), "203.0.113.7", "US", 0}, {at(12, 0), "198.51.100.9", "US", 0}}, at(13, 0), nil},
		{"two countries within the window", []signInAt{{at(9, 4), "203.0.113.7", "US", 0}, {at(9, 20), "203.0.113.7", "RO", 0}}, at(12, 0),
			[]watch.Rule{watch.RuleSeveralIPs}},
		{"after hours", []signInAt{{at(15, 0).Add(-7 * time.Hour), "203.0.113.7", "US", 0}, {at(15, 59), "203.0.113.7", "US", 0}}, at(16, 0), nil},
		{"evening use", []signInAt{{at(19, 30), "203.0.113.7", "US", 0}}, at(20, 0), []watch.Rule{watch.RuleAfterHours}},
		{"just before closing (false positive)", []signInAt{{at(18, 59), "203.0.113.7", "US", 0}}, at(19, 30), nil},
		{"failed three times", []signInAt{{at(9, 0), "203.0.113.7", "US", 50126}, {at(9, 1), "203.0.113.7", "US", 50126},
			{at(9, 2), "203.0.113.7", "US", 50126}}, at(10, 0), []watch.Rule{watch.RuleFailures}},
		{"failed twice then worked (false positive)", []signInAt{{at(9, 0), "203.0.113.7", "US", 50126}, {at(9, 1), "203.0.113.7", "US", 50126},
			{at(9, 2), "203.0.113.7", "US", 0}}, at(10, 0), nil},
		{"never used", nil, at(16, 0), []watch.Rule{watch.RuleNeverUsed}},
		{"not used yet, still live (false positive)", nil, at(15, 59), nil},
		{"setup confirmed without a pass sign-in (false positive)", nil, at(16, 0), nil},
		{"use recorded earlier, gone from the log since (false positive)", nil, at(16, 0), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			r := e.issued(t, "r1", simtenant.DemoSarahID, false)
			if strings.HasPrefix(c.name, "setup confirmed") {
				r.State = tap.StateConfirmed
				if err := e.st.UpdateRequest(context.Background(), r); err != nil {
					t.Fatal(err)
				}
			}
			if strings.HasPrefix(c.name, "use recorded earlier") {
				// An earlier poll saw the first use; the log's newest pages
				// (later sign-ins with Hello) no longer reach back to it.
				r.FirstUse = &tap.SignIn{At: at(9, 4), IP: "203.0.113.7"}
				if err := e.st.UpdateRequest(context.Background(), r); err != nil {
					t.Fatal(err)
				}
			}
			for _, s := range c.signIns {
				e.signIn(t, simtenant.DemoSarahID, s.when, s.ip, s.country, s.errCode)
			}
			w := e.watcher(t, watch.Config{})
			e.set(c.now)
			for range 3 { // repeated polls: each alert still once
				if _, err := w.Tick(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			if got := e.sent.rules(); !slices.Equal(got, c.want) {
				t.Fatalf("alerts = %v, want %v", got, c.want)
			}
			if got := len(e.audits(t, watch.ActionAlert)); got != len(c.want) {
				t.Errorf("%d alert audit records, want %d", got, len(c.want))
			}
		})
	}
}

// TestBeforeStartDay: a pass issued the Friday before the first day and
// used that Friday raises before_start once; used on Monday, nothing.
func TestBeforeStartDay(t *testing.T) {
	for _, c := range []struct {
		name string
		use  time.Time
		want []watch.Rule
	}{
		{"used the Friday before", at(10, 0).AddDate(0, 0, -3), []watch.Rule{watch.RuleBeforeStart}},
		{"used on the first day (false positive)", at(7, 5), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			r := e.issued(t, "r1", simtenant.DemoSarahID, false)
			r.PassStart = at(9, 0).AddDate(0, 0, -3)
			r.PassExpires = at(9, 0).AddDate(0, 0, 1)
			if err := e.st.UpdateRequest(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			e.signIn(t, simtenant.DemoSarahID, c.use, "203.0.113.7", "US", 0)
			e.set(c.use.Add(time.Hour))
			w := e.watcher(t, watch.Config{})
			for range 2 {
				if _, err := w.Tick(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			if got := e.sent.rules(); !slices.Equal(got, c.want) {
				t.Fatalf("alerts = %v, want %v", got, c.want)
			}
		})
	}
}

// TestFirstUseRecordedOnce: the first use lands in the audit trail once,
// with when, where and the device.
func TestFirstUseRecordedOnce(t *testing.T) {
	e := newEnv(t)
	e.issued(t, "r1", simtenant.DemoSarahID, false)
	e.signIn(t, simtenant.DemoSarahID, at(9, 4), "203.0.113.7", "US", 0)
	e.signIn(t, simtenant.DemoSarahID, at(9, 30), "203.0.113.7", "US", 0)
	e.set(at(10, 0))
	w := e.watcher(t, watch.Config{})
	for range 2 {
		if _, err := w.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	recs := e.audits(t, watch.ActionFirstUse)
	if len(recs) != 1 {
		t.Fatalf("%d first-use records, want 1", len(recs))
	}
	d := recs[0].Detail
	if d["where"] != "203.0.113.7, Seattle, Windows" || d["at"] != at(9, 4).UTC().Format(time.RFC3339) || recs[0].Request != "r1" {
		t.Errorf("first use = %+v", recs[0])
	}
}

// TestNoSignInLogs: a 403 from the sign-in log is said once in the log;
// a one-time pass's use is still seen through OneTimeUsed, and nothing
// else breaks.
func TestNoSignInLogs(t *testing.T) {
	e := newEnv(t)
	p, err := e.gc.CreatePass(context.Background(), simtenant.DemoSarahID, tap.PassSpec{Lifetime: 8 * time.Hour, OneTime: true})
	if err != nil {
		t.Fatal(err)
	}
	r := e.issued(t, "r1", simtenant.DemoSarahID, true)
	r.MethodID = p.MethodID
	r.PassStart, r.PassExpires = e.clock(), e.clock().Add(8*time.Hour)
	if err := e.st.UpdateRequest(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	e.tn.FailWith(http.MethodGet, "/auditLogs/signIns", 100, http.StatusForbidden)
	w := e.watcher(t, watch.Config{})
	if _, err := w.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.signIn(t, simtenant.DemoSarahID, e.clock().Add(time.Minute), "203.0.113.7", "US", 0) // uses the one-time pass
	e.set(e.clock().Add(2 * time.Minute))
	for range 2 {
		if _, err := w.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(e.logs.String(), "sign-in logs unavailable"); n != 1 {
		t.Errorf("said %d times that sign-in logs are unavailable, want once:\n%s", n, e.logs.String())
	}
	if !strings.Contains(e.logs.String(), "AuditLog.Read.All") {
		t.Error("the notice does not name AuditLog.Read.All")
	}
	if n := e.signInReads(); n != 1 {
		t.Errorf("read the sign-in log %d times after a 403, want 1", n)
	}
	recs := e.audits(t, watch.ActionFirstUse)
	if len(recs) != 1 || recs[0].Detail["seen_as"] != "OneTimeUsed" {
		t.Errorf("first use records = %+v, want one seen as OneTimeUsed", recs)
	}
}

// TestThrottledPausesForRetryAfter: after a 429 the watcher polls
// nothing until Retry-After has passed.
func TestThrottledPausesForRetryAfter(t *testing.T) {
	e := newEnv(t)
	e.issued(t, "r1", simtenant.DemoSarahID, false)
	e.set(at(9, 0))
	e.tn.Inject(http.MethodGet, "/auditLogs/signIns", 2, simtenant.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1"})
	w := e.watcher(t, watch.Config{})
	if _, err := w.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := w.Paused(), at(9, 0).Add(time.Second); !got.Equal(want) {
		t.Fatalf("paused until %v, want %v", got, want)
	}
	reads := e.signInReads()
	if n, _ := w.Tick(context.Background()); n != 0 || e.signInReads() != reads {
		t.Errorf("polled %d passes while paused", n)
	}
	e.set(at(9, 0).Add(2 * time.Second))
	if n, err := w.Tick(context.Background()); n != 1 || err != nil {
		t.Errorf("after the pause polled %d (err %v), want 1", n, err)
	}
}

// TestCapPerMinute: with per_minute 2 and a one-minute interval, three
// live passes are polled two per tick, round robin.
func TestCapPerMinute(t *testing.T) {
	e := newEnv(t)
	for i, u := range []string{simtenant.DemoSarahID, simtenant.DemoDiegoID, simtenant.DemoJohannaID} {
		e.issued(t, tap.RequestID("r"+string(rune('1'+i))), u, false)
	}
	e.set(at(9, 0))
	w := e.watcher(t, watch.Config{PerMinute: 2})
	users := map[string]bool{}
	for tick := range 2 {
		before := len(e.tn.Requests())
		n, err := w.Tick(context.Background())
		if err != nil || n != 2 {
			t.Fatalf("tick %d polled %d (err %v), want 2", tick, n, err)
		}
		for _, r := range e.tn.Requests()[before:] {
			users[r.RawQuery] = true
		}
	}
	if len(users) != 3 {
		t.Errorf("two ticks covered %d passes, want all 3", len(users))
	}
}

// countingStore counts lease attempts so the test knows both replicas tried.
type countingStore struct {
	watch.Store
	mu       sync.Mutex
	attempts int
}

func (c *countingStore) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	c.mu.Lock()
	c.attempts++
	c.mu.Unlock()
	return c.Store.AcquireLease(ctx, name, holder, ttl)
}

func (c *countingStore) tries() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.attempts
}

// TestTwoReplicasOnePoller: two watchers on one store; only the lease
// holder reads the sign-in log, and the alert goes out once.
func TestTwoReplicasOnePoller(t *testing.T) {
	e := newEnv(t)
	e.issued(t, "r1", simtenant.DemoSarahID, false)
	e.signIn(t, simtenant.DemoSarahID, at(19, 30), "203.0.113.7", "US", 0)
	e.set(at(20, 0))
	cs := &countingStore{Store: e.st}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, holder := range []string{"replica-a", "replica-b"} {
		w, err := watch.New(watch.Config{}, watch.Deps{Store: cs, SignIns: e.gc, Audit: e.trail, Notifier: e.sent, Now: e.clock})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); _ = w.Run(ctx, holder) }()
	}
	deadline := time.Now().Add(10 * time.Second)
	for (cs.tries() < 2 || len(e.sent.rules()) < 1) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if cs.tries() < 2 {
		t.Fatalf("only %d lease attempts", cs.tries())
	}
	if n := e.signInReads(); n != 1 {
		t.Errorf("sign-in log read %d times by two replicas, want 1 (one poller)", n)
	}
	if got := e.sent.rules(); !slices.Equal(got, []watch.Rule{watch.RuleAfterHours}) {
		t.Errorf("alerts = %v", got)
	}
}

// TestFirstUseOnTheRequest: the request carries the first use, for status.
func TestFirstUseOnTheRequest(t *testing.T) {
	e := newEnv(t)
	e.issued(t, "r1", simtenant.DemoSarahID, false)
	e.signIn(t, simtenant.DemoSarahID, at(9, 4), "203.0.113.7", "US", 0)
	e.set(at(10, 0))
	if _, err := e.watcher(t, watch.Config{}).Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	r, err := e.st.GetRequest(context.Background(), "r1")
	if err != nil {
		t.Fatal(err)
	}
	if r.FirstUse == nil || r.FirstUse.IP != "203.0.113.7" || !r.FirstUse.At.Equal(at(9, 4)) {
		t.Fatalf("first use on the request = %+v", r.FirstUse)
	}
}

// TestNoSignInLogsSaidAtStart: Check says it at start, once, even with no
// pass to watch; a second check and later polls do not repeat it.
func TestNoSignInLogsSaidAtStart(t *testing.T) {
	e := newEnv(t)
	e.tn.FailWith(http.MethodGet, "/auditLogs/signIns", 100, http.StatusForbidden)
	w := e.watcher(t, watch.Config{})
	w.Check(context.Background())
	w.Check(context.Background())
	e.issued(t, "r1", simtenant.DemoSarahID, false)
	e.set(at(9, 0))
	if _, err := w.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(e.logs.String(), "sign-in logs unavailable"); n != 1 {
		t.Errorf("said %d times, want once:\n%s", n, e.logs.String())
	}
	if n := e.signInReads(); n != 0 {
		t.Errorf("%d polls of the sign-in log after the 403 at start, want 0", n)
	}
}

// TestCheckWithPermissionSaysNothing: a readable log is not reported.
func TestCheckWithPermissionSaysNothing(t *testing.T) {
	e := newEnv(t)
	w := e.watcher(t, watch.Config{})
	w.Check(context.Background())
	if strings.Contains(e.logs.String(), "unavailable") {
		t.Errorf("logged: %s", e.logs.String())
	}
}
