package watch_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/audit"
	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/store/memstore"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/testutil"
	"github.com/tapbot/tapbot/internal/watch"
)

const token = "watch-test-token"

// monday is a Monday 00:00 in Los Angeles: the new hire's first day.
var (
	la, _  = time.LoadLocation("America/Los_Angeles")
	monday = time.Date(2026, 12, 7, 0, 0, 0, 0, la)
)

// at is a time on the first day (offset from midnight, LA).
func at(h, m int) time.Time {
	return monday.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

// sentAlerts records what the notifier was given.
type sentAlerts struct {
	mu     sync.Mutex
	alerts []watch.Alert
	down   int // the next down deliveries fail, as a chat outage would
}

func (s *sentAlerts) Alert(_ context.Context, a watch.Alert, _ *tap.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down > 0 {
		s.down--
		return errors.New("chat: 503 service unavailable")
	}
	s.alerts = append(s.alerts, a)
	return nil
}

func (s *sentAlerts) rules() []watch.Rule {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []watch.Rule
	for _, a := range s.alerts {
		out = append(out, a.Rule)
	}
	return out
}

type env struct {
	tn    *simtenant.Tenant
	gc    *graph.Client
	st    *memstore.Store
	trail *audit.Trail
	sent  *sentAlerts
	logs  *testutil.SyncBuffer
	now   time.Time
	mu    sync.Mutex
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) set(t time.Time) {
	e.mu.Lock()
	e.now = t
	e.mu.Unlock()
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{tn: simtenant.New(), st: memstore.New(), sent: &sentAlerts{}, logs: &testutil.SyncBuffer{}, now: at(7, 0)}
	e.tn.SetNow(e.clock)
	e.tn.RequireToken(token)
	simtenant.Demo(e.tn)
	e.tn.Start()
	t.Cleanup(e.tn.Close)
	gc, err := graph.New(graph.Config{BaseURL: e.tn.URL(), Credential: graph.StaticCredential(token),
		Timeout: 10 * time.Second, MaxRetries: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.gc = gc
	e.trail = audit.New(e.st, e.clock, slog.New(slog.DiscardHandler))
	return e
}

func (e *env) watcher(t *testing.T, cfg watch.Config) *watch.Watcher {
	t.Helper()
	w, err := watch.New(cfg, watch.Deps{Store: e.st, SignIns: e.gc, Passes: e.gc, Audit: e.trail, Notifier: e.sent,
		Log: slog.New(slog.NewTextHandler(e.logs, nil)), Now: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// issued stores a delivered request for user: an 8-hour pass from 08:00
// on the first day (LA), one-time if oneTime.
func (e *env) issued(t *testing.T, id tap.RequestID, user string, oneTime bool) *tap.Request {
	t.Helper()
	return e.made(t, id, user, oneTime, at(7, 0), tap.StateDelivered)
}

// made stores a request for user like issued, made at created and now in
// state.
func (e *env) made(t *testing.T, id tap.RequestID, user string, oneTime bool, created time.Time, state tap.State) *tap.Request {
	t.Helper()
	start := at(8, 0)
	r := &tap.Request{ID: id, State: state, Target: tap.User{ID: tap.UserID(user), DisplayName: "Sarah Johnson",
		HireDate: monday}, Lifetime: 8 * time.Hour, OneTime: oneTime, Reason: tap.ReasonOnboarding, HireZone: "America/Los_Angeles",
		MethodID: "m-" + string(id), PassStart: start, PassExpires: start.Add(8 * time.Hour), Start: start,
		CreatedAt: created, UpdatedAt: start, IssuedAt: start.Add(-time.Minute), RevealedAt: start.Add(-30 * time.Second)}
	if err := e.st.CreateRequest(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

func (e *env) signIn(t *testing.T, user string, when time.Time, ip, country string, errCode int) {
	t.Helper()
	if _, err := e.tn.RecordSignIn(simtenant.SignIn{UserID: user, At: when, IP: ip, City: "Seattle", Country: country,
		OS: "Windows", Browser: "Edge", ErrorCode: errCode}); err != nil {
		t.Fatal(err)
	}
}

// signInReads counts the tenant's sign-in log reads for a pass (the
// polls, filtered by user; not the check at start).
func (e *env) signInReads() int {
	n := 0
	for _, r := range e.tn.Requests() {
		if r.Path == "/beta/auditLogs/signIns" && strings.Contains(r.RawQuery, "userId") {
			n++
		}
	}
	return n
}

// auditActions lists the audit trail's actions with their rule.
func (e *env) audits(t *testing.T, action string) []tap.AuditRecord {
	t.Helper()
	recs, err := e.st.ListAudit(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []tap.AuditRecord
	for _, r := range recs {
		if r.Action == action {
			out = append(out, r)
		}
	}
	return out
}
