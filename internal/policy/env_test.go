package policy

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/store/memstore"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/testutil"
)

const graphToken = "policy-test-token"

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// start is the tests' "now": a Monday morning before the working day.
var start = time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)

// env is a seeded fake tenant (simtenant), a memstore and a clock.
type env struct {
	t      testing.TB
	tenant *simtenant.Tenant
	store  *memstore.Store
	cfg    Config
	dir    *graph.Client

	mu  sync.Mutex
	now time.Time

	ids    map[string]tap.UserID // short name → object id
	groups map[string]string     // group name → id
	logs   testutil.SyncBuffer
}

// people: short name → display name. UPN is <short>@contoso.com.
var people = map[string]string{
	"mia": "Mia Manager", "sarah": "Sarah Johnson", "ann": "Ann Approver", "bob": "Bob Approver",
	"rita": "Rita Recovery", "rob": "Rob Recovery", "hal": "Hal Helpdesk", "sam": "Sam Stranger",
	"dan": "Dan Disabled", "ada": "Ada Admin", "eli": "Eli Eligible", "gus": "Gus Group",
	"xena": "Xena Excluded", "vic": "Vic Executive", "ian": "Ian Internal",
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, now: start, ids: map[string]tap.UserID{}, groups: map[string]string{}}
	e.tenant = simtenant.New()
	e.tenant.SetNow(e.clock)
	e.tenant.Start()
	t.Cleanup(e.tenant.Close)
	e.tenant.RequireToken(graphToken)
	dir, err := graph.New(graph.Config{BaseURL: e.tenant.URL(), Credential: graph.StaticCredential(graphToken),
		Timeout: 10 * time.Second}, slog.New(slog.NewJSONHandler(&e.logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	e.dir = dir
	e.store = memstore.New()
	t.Cleanup(func() { _ = e.store.Close() })

	for short, display := range people {
		u := simtenant.User{UPN: short + "@contoso.com", DisplayName: display, Mail: short + "@contoso.com"}
		switch short {
		case "dan":
			u.Disabled = true
		case "ian":
			u.UserType = "Guest" // an internal guest: home-tenant credentials, may hold a pass
		}
		e.ids[short] = tap.UserID(e.tenant.AddUser(u))
	}
	e.ids["lee"] = tap.UserID(e.tenant.AddUser(simtenant.User{
		UPN: "lee.gu_fabrikam.com#EXT#@contoso.onmicrosoft.com", DisplayName: "Lee Gu",
		Mail: "lee.gu@fabrikam.com", ExternalUserState: "Accepted",
	}))
	for _, short := range []string{"sarah", "lee", "dan", "ada", "eli", "gus", "xena", "vic", "ian", "ann", "sam"} {
		e.must(e.tenant.SetManager(string(e.ids[short]), string(e.ids["mia"])))
	}

	for name, members := range map[string][]string{
		"TAP Approvers":      {"ann", "bob"},
		"Recovery Approvers": {"rita", "rob"},
		"TAP Requesters":     {"hal"},
		"Executives":         {"vic"},
		"No TAP":             {"xena"},
		"New Hires":          {"sarah", "ian"},
	} {
		e.groups[name] = e.tenant.AddGroup(simtenant.Group{DisplayName: name})
		for _, m := range members {
			e.must(e.tenant.AddMember(e.groups[name], string(e.ids[m])))
		}
	}
	e.groups["Helpdesk Admins"] = e.tenant.AddGroup(simtenant.Group{DisplayName: "Helpdesk Admins", RoleAssignable: true})
	e.must(e.tenant.AddMember(e.groups["Helpdesk Admins"], string(e.ids["gus"])))
	e.must(e.tenant.AssignRole(e.groups["Helpdesk Admins"], "Helpdesk Administrator", false))
	e.must(e.tenant.AssignRole(string(e.ids["ada"]), "Global Administrator", false))
	e.must(e.tenant.AssignRole(string(e.ids["eli"]), "Authentication Administrator", true))

	pol := simtenant.DefaultPolicy()
	pol.Exclude = []string{e.groups["No TAP"]}
	e.tenant.SetPolicy(pol)

	e.cfg = Default()
	e.cfg.ApproverGroups = []string{e.groups["TAP Approvers"]}
	e.cfg.ReasonApproverGroups = map[tap.Reason][]string{tap.ReasonRecovery: {e.groups["Recovery Approvers"]}}
	e.cfg.TwoApprovers.TargetGroups = []string{e.groups["Executives"]}
	e.cfg.Requesters.Groups = []string{e.groups["TAP Requesters"]}
	if err := e.cfg.Validate(); err != nil {
		t.Fatalf("test config invalid: %v", err)
	}
	return e
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = e.now.Add(d)
}

// checker builds a Checker over the env's current config.
func (e *env) checker() *Checker {
	return New(e.cfg, Deps{Directory: e.dir, Requests: e.store, Passes: e.dir, Now: e.clock,
		Log: slog.New(slog.NewJSONHandler(&e.logs, nil))})
}

func (e *env) actor(short string) tap.Actor {
	return tap.Actor{Platform: "test", ChatID: "U-" + short, EntraID: e.ids[short], Name: people[short], Email: short + "@contoso.com"}
}

// draft is what the dialog hands over: requester Mia, target by UPN.
func (e *env) draft(target string) *tap.Request {
	upn := target + "@contoso.com"
	if target == "lee" {
		upn = "lee.gu_fabrikam.com#EXT#@contoso.onmicrosoft.com"
	}
	return &tap.Request{
		ID:        tap.RequestID("draft-" + target),
		Requester: e.actor("mia"),
		Target:    tap.User{UPN: upn},
		Reason:    tap.ReasonOnboarding,
		CreatedAt: e.clock(),
	}
}

// seed stores a request in state st by requester for target, created ago.
func (e *env) seed(id string, st tap.State, requester, target string, ago time.Duration) {
	e.t.Helper()
	r := &tap.Request{ID: tap.RequestID(id), State: st, Requester: e.actor(requester),
		Target: tap.User{ID: e.ids[target], DisplayName: people[target]}, Reason: tap.ReasonOnboarding,
		CreatedAt: e.clock().Add(-ago)}
	e.must(e.store.CreateRequest(context.Background(), r))
}

// createPass mints a pass for short through simtenant's wire API.
func (e *env) createPass(short string, lifetimeMin int) {
	e.t.Helper()
	body := strings.NewReader(fmt.Sprintf(`{"lifetimeInMinutes":%d,"isUsableOnce":false}`, lifetimeMin))
	req, _ := http.NewRequest(http.MethodPost, e.tenant.URL()+"/users/"+string(e.ids[short])+"/authentication/temporaryAccessPassMethods", body)
	req.Header.Set("Authorization", "Bearer "+graphToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	e.must(err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		e.t.Fatalf("create pass for %s: status %d", short, resp.StatusCode)
	}
}

// countCalls counts recorded Graph requests whose path contains s.
func (e *env) countCalls(method, s string) int {
	n := 0
	for _, r := range e.tenant.Requests() {
		if r.Method == method && strings.Contains(r.Path, s) {
			n++
		}
	}
	return n
}

// golden collects refusal sentences and compares them with a file.
type golden struct {
	mu    sync.Mutex
	lines map[string]string
}

func (g *golden) add(name, msg string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.lines == nil {
		g.lines = map[string]string{}
	}
	g.lines[name] = msg
}

// check compares (or with -update writes) the file's section for prefix.
func (g *golden) check(t *testing.T, file string, order []string) {
	t.Helper()
	var b strings.Builder
	for _, name := range order {
		if msg, ok := g.lines[name]; ok {
			fmt.Fprintf(&b, "%s\n\t%s\n", name, msg)
		}
	}
	path := filepath.Join("testdata", file)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (run with -update to create): %v", err)
	}
	if string(want) != b.String() {
		t.Errorf("%s differs (run go test -update and review the diff):\n--- got\n%s\n--- want\n%s", path, b.String(), want)
	}
}
