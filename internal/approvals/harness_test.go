package approvals_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/audit"
	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/store/memstore"
	"github.com/tapbot/tapbot/internal/store/sqlite"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/testutil"
)

// checker is the test's policy: approvers are a fixed set of Entra ids;
// nobody approves their own request or one for themselves, or twice.
type checker struct {
	mu            sync.Mutex
	approvers     map[tap.UserID]bool
	refuseAtIssue map[tap.UserID]string
	// unavailableAtIssue makes the next CheckIssue calls fail as a
	// directory outage would.
	unavailableAtIssue int
	decisions          atomic.Int32 // CheckDecision calls (they read Entra)
}

func (c *checker) CheckSubmit(_ context.Context, r *tap.Request) ([]string, error) {
	if r.Requester.EntraID == r.Target.ID {
		return nil, tap.Refuse(tap.ErrSelfApproval, "You can't ask for a pass for yourself.")
	}
	if r.Lifetime == 0 {
		r.Lifetime = 8 * time.Hour
	}
	return []string{"approving replaces a live pass"}, nil
}

func (c *checker) CheckDecision(ctx context.Context, r *tap.Request, a tap.Actor) error {
	c.decisions.Add(1)
	if ok, _ := c.IsApprover(ctx, a); !ok {
		return tap.Refuse(tap.ErrForbidden, "Only members of the approver group can decide requests.")
	}
	if a.EntraID == r.Requester.EntraID || a.EntraID == r.Target.ID {
		return tap.Refuse(tap.ErrSelfApproval, "You can't approve a request you made or one for yourself.")
	}
	return nil
}

// CheckApprove is CheckDecision here (the fake has no privileged targets).
func (c *checker) CheckApprove(ctx context.Context, r *tap.Request, a tap.Actor) error {
	return c.CheckDecision(ctx, r, a)
}

// CheckReveal lets the requester's own chat account reveal.
func (c *checker) CheckReveal(_ context.Context, r *tap.Request, a tap.Actor) error {
	if a.EntraID != r.Requester.EntraID {
		return tap.Refuse(tap.ErrForbidden, "Only the requester can reveal.")
	}
	return nil
}

// CheckRevoke lets approvers revoke.
func (c *checker) CheckRevoke(ctx context.Context, _ *tap.Request, a tap.Actor) error {
	if ok, _ := c.IsApprover(ctx, a); !ok {
		return tap.Refuse(tap.ErrForbidden, "Only the requester or an approver can revoke this pass.")
	}
	return nil
}

// MayBulk lets approvers send batches.
func (c *checker) MayBulk(ctx context.Context, a tap.Actor) (bool, error) {
	return c.IsApprover(ctx, a)
}

// CheckReissue lets approvers replace a request.
func (c *checker) CheckReissue(ctx context.Context, r *tap.Request, a tap.Actor) error {
	return c.CheckRevoke(ctx, r, a)
}

// CheckIssue refuses a target listed in c.refuseAtIssue.
func (c *checker) CheckIssue(_ context.Context, r *tap.Request) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if msg, ok := c.refuseAtIssue[r.Target.ID]; ok {
		return tap.Refuse(tap.ErrPrivileged, msg)
	}
	if c.unavailableAtIssue > 0 {
		c.unavailableAtIssue--
		return fmt.Errorf("re-read target %s: graph answered 500: %w", r.Target.ID, tap.ErrUnavailable)
	}
	return nil
}

func (c *checker) IsApprover(_ context.Context, a tap.Actor) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.approvers[a.EntraID], nil
}

// notices records every notice.
type notices struct {
	mu  sync.Mutex
	all []approvals.Notice
}

func (n *notices) Notify(_ context.Context, x approvals.Notice) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.all = append(n.all, x)
	return nil
}

func (n *notices) kinds() []approvals.NoticeKind {
	n.mu.Lock()
	defer n.mu.Unlock()
	var ks []approvals.NoticeKind
	for _, x := range n.all {
		ks = append(ks, x.Kind)
	}
	return ks
}

// kindsBut returns the kinds except NoticeIssuing, delivered in the
// background while Graph creates the pass (its place among the others
// is not fixed), and how many of those there were.
func (n *notices) kindsBut() (ks []approvals.NoticeKind, issuing int) {
	for _, k := range n.kinds() {
		if k == approvals.NoticeIssuing {
			issuing++
			continue
		}
		ks = append(ks, k)
	}
	return ks, issuing
}

func (n *notices) count(k approvals.NoticeKind) int {
	return len(slices.DeleteFunc(n.kinds(), func(x approvals.NoticeKind) bool { return x != k }))
}

func (n *notices) last(t *testing.T, k approvals.NoticeKind) approvals.Notice {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	for i := len(n.all) - 1; i >= 0; i-- {
		if n.all[i].Kind == k {
			return n.all[i]
		}
	}
	t.Fatalf("no %s notice; got %v", k, n.all)
	return approvals.Notice{}
}

type env struct {
	t       testing.TB
	log     *slog.Logger
	aud     approvals.Auditor    // the auditor the Service was built with
	wrapped approvals.PassIssuer // the issuer the Service was built with
	tenant  *simtenant.Tenant
	store   tap.Store
	dbPath  string // SQLite file, when the env runs on SQLite
	trail   *audit.Trail
	svc     *approvals.Service
	notes   *notices
	logs    *testutil.SyncBuffer
	check   *checker
	dir     approvals.Directory
	iss     approvals.PassIssuer // the real one, under any wrapper
	key     []byte
	cfg     approvals.Config
	hire    tap.User
	megan   tap.Actor // requester (the new hire's manager)
	alex    tap.Actor // approver
	nestor  tap.Actor // approver
	eve     tap.Actor // neither
	hireAct tap.Actor // the new hire in chat
	// skew moves the Service's clock ahead of the wall clock (settle uses
	// it to skip a requeued request's hold-back).
	skew atomic.Int64
}

type setup struct {
	cfg       approvals.Config
	auditor   func(approvals.Auditor) approvals.Auditor
	issuer    func(approvals.PassIssuer) approvals.PassIssuer
	inProcess bool // no network: required inside synctest bubbles
	sqlite    bool // the SQLite store in a temp dir instead of memstore
	// notifier wraps the recording notifier (a chat API that fails).
	notifier func(approvals.Notifier) approvals.Notifier
	// hold is the Service's fault hook (Deps.Hold).
	hold func(approvals.NoticeKind) bool
}

func actor(t *simtenant.Tenant, upn, name string) tap.Actor {
	id := t.AddUser(simtenant.User{UPN: upn, DisplayName: name, Mail: upn})
	return tap.Actor{Platform: "test", ChatID: "U-" + strings.Split(upn, "@")[0], EntraID: tap.UserID(id), Name: name, Email: upn}
}

func newEnv(t testing.TB, s setup) *env {
	t.Helper()
	e := &env{t: t, tenant: simtenant.New(), store: memstore.New(), notes: &notices{}, logs: &testutil.SyncBuffer{}}
	if s.sqlite {
		e.dbPath = filepath.Join(t.TempDir(), "tapbot.db")
		st, err := sqlite.Open(context.Background(), e.dbPath, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		e.store = st
	}
	e.megan = actor(e.tenant, "megan@contoso.com", "Megan Bowen")
	e.alex = actor(e.tenant, "alex@contoso.com", "Alex Wilber")
	e.nestor = actor(e.tenant, "nestor@contoso.com", "Nestor Wilke")
	e.eve = actor(e.tenant, "eve@contoso.com", "Eve Mallory")
	e.hireAct = actor(e.tenant, "sarah@contoso.com", "Sarah Johnson")
	e.hire = tap.User{ID: e.hireAct.EntraID, UPN: "sarah@contoso.com", DisplayName: "Sarah Johnson", Enabled: true, UserType: "Member"}
	if err := e.tenant.SetManager("sarah@contoso.com", "megan@contoso.com"); err != nil {
		t.Fatal(err)
	}
	e.check = &checker{approvers: map[tap.UserID]bool{e.alex.EntraID: true, e.nestor.EntraID: true}}
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if s.inProcess {
		// graph.Client dials the network, which a synctest bubble cannot
		// wait on; the Graph wire format is spoken in-process instead.
		w := &wire{base: "http://graph.test/v1.0", hc: &http.Client{Transport: inProcess{e.tenant.Handler()}}}
		e.dir, e.iss = w, w
	} else {
		e.tenant.RequireToken("approvals-test-token")
		e.tenant.Start()
		t.Cleanup(e.tenant.Close)
		c, err := graph.New(graph.Config{BaseURL: e.tenant.URL(), Credential: graph.StaticCredential("approvals-test-token"),
			Timeout: 10 * time.Second}, log)
		if err != nil {
			t.Fatal(err)
		}
		e.dir, e.iss = c, c
	}
	e.trail = audit.New(e.store, nil, log)
	var aud approvals.Auditor = e.trail
	if s.auditor != nil {
		aud = s.auditor(aud)
	}
	iss := e.iss
	if s.issuer != nil {
		iss = s.issuer(iss)
	}
	e.key = make([]byte, 32)
	_, _ = rand.Read(e.key)
	e.cfg = s.cfg
	e.cfg.SealKey = e.key
	if e.cfg.Now == nil {
		e.cfg.Now = func() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) }
	}
	e.log, e.aud, e.wrapped = log, aud, iss
	var out approvals.Notifier = e.notes
	if s.notifier != nil {
		out = s.notifier(out)
	}
	e.svc = e.service(out, s.hold)
	return e
}

func (e *env) service(out approvals.Notifier, hold func(approvals.NoticeKind) bool) *approvals.Service {
	e.t.Helper()
	svc, err := approvals.New(e.cfg, approvals.Deps{Store: e.store, Directory: e.dir, Issuer: e.wrapped,
		Checker: e.check, Audit: e.aud, Notify: out, Log: e.log, Hold: hold})
	if err != nil {
		e.t.Fatal(err)
	}
	return svc
}

// restart stands for the process started again over the same store,
// tenant and keys, with no fault hook: e.svc and e.notes are new.
func (e *env) restart() {
	e.t.Helper()
	e.svc.Wait()
	e.notes = &notices{}
	e.svc = e.service(e.notes, nil)
}

// submit files Megan's 8-hour onboarding request for Sarah.
func (e *env) submit(mut ...func(*tap.Request)) *tap.Request {
	e.t.Helper()
	r := &tap.Request{Requester: e.megan, Target: e.hire, Lifetime: 8 * time.Hour, Reason: tap.ReasonOnboarding,
		Justification: "first day", RequesterZone: "America/Los_Angeles", HireZone: "America/Los_Angeles"}
	for _, m := range mut {
		m(r)
	}
	got, err := e.svc.Submit(context.Background(), r)
	if err != nil {
		e.t.Fatalf("submit: %v", err)
	}
	return got
}

func (e *env) stored(id tap.RequestID) *tap.Request {
	e.t.Helper()
	r, err := e.store.GetRequest(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) livePasses() []simtenant.PassInfo { return e.tenant.Passes("sarah@contoso.com") }

func (e *env) creates() int { return e.tenant.Creates("sarah@contoso.com") }

// auditActions lists the trail's actions with outcomes, e.g. "approve:ok".
func (e *env) auditActions() []string {
	e.t.Helper()
	recs, err := e.store.ListAudit(context.Background(), 0, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, r.Action+":"+r.Outcome)
	}
	return out
}

// noSecret fails if value appears in any persisted or logged bytes: the
// audit export, the logs, every stored request (JSON and sealed bytes)
// and every notice.
func (e *env) noSecret(value string) {
	e.t.Helper()
	if len(value) < 8 {
		e.t.Fatalf("pass value %q too short to search for", value)
	}
	var exp bytes.Buffer
	if err := e.trail.Export(context.Background(), &exp); err != nil {
		e.t.Fatal(err)
	}
	sources := map[string][]byte{"audit export": exp.Bytes(), "logs": e.logs.Bytes()}
	if e.dbPath != "" {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			b, err := os.ReadFile(e.dbPath + suffix)
			if err != nil && !os.IsNotExist(err) {
				e.t.Fatal(err)
			}
			sources["sqlite file"+suffix] = b
		}
	}
	rs, err := e.store.ListRequests(context.Background(), tap.RequestFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range rs {
		b, _ := json.Marshal(r)
		sources["request "+string(r.ID)] = append(b, r.Sealed...)
		sources["request "+string(r.ID)+" %+v"] = []byte(fmt.Sprintf("%+v", r))
	}
	e.notes.mu.Lock()
	for i, n := range e.notes.all {
		b, _ := json.Marshal(n)
		sources[fmt.Sprintf("notice %d", i)] = append(b, n.Request.Sealed...)
	}
	e.notes.mu.Unlock()
	for name, b := range sources {
		if bytes.Contains(b, []byte(value)) {
			e.t.Errorf("pass value found in %s", name)
		}
	}
}

// refusal asserts err is a *tap.Refusal wrapping sentinel and returns its text.
func refusal(t *testing.T, err error, sentinel error) string {
	t.Helper()
	ref, ok := err.(*tap.Refusal)
	if !ok {
		t.Fatalf("err = %T %v, want *tap.Refusal", err, err)
	}
	if sentinel != nil && ref.Err != sentinel {
		t.Fatalf("refusal %q wraps %v, want %v", ref.Msg, ref.Err, sentinel)
	}
	return ref.Msg
}
