package bot_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tapbot/tapbot/internal/app"
	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/audit"
	"github.com/tapbot/tapbot/internal/bot"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/policy"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/store/postgres"
	"github.com/tapbot/tapbot/internal/store/postgres/pgtest"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/testutil"
)

// pgSchema is a fresh PostgreSQL schema for one test (see pgtest: skipped
// without TAPBOT_TEST_POSTGRES_DSN unless TAPBOT_REQUIRE_POSTGRES=1).
func pgSchema(t testing.TB) string { return pgtest.Schema(t, "tapbot_replicas") }

// cluster is several tapbot replicas on one PostgreSQL schema. They
// share what production replicas share: one Entra tenant, one chat
// platform and one seal key. Each replica has its own pool, Graph
// client, policy checker, audit trail, approvals service and router.
type cluster struct {
	t        *testing.T
	ctx      context.Context
	dsn      string
	tenant   *simtenant.Tenant
	msgr     *chattest.Messenger
	key      []byte
	acfg     approvals.Config
	logs     *testutil.SyncBuffer
	replicas []*replica
	// platforms adds replica i's own chat platforms (see newClusterWith).
	platforms func(i int, st *postgres.Store, log *slog.Logger) []app.Platform
	// notices, when set, wraps the notifier of the replicas started next
	// (a process that dies after its commits: see killed).
	notices func(approvals.Notifier) approvals.Notifier
}

// replica is one bot instance.
type replica struct {
	name   string
	store  *postgres.Store
	svc    *approvals.Service
	router *bot.Router
	trail  *audit.Trail
	log    *slog.Logger

	cancel context.CancelFunc // stops Run
	done   chan struct{}      // closed when Run returned
	closed bool
}

// newCluster starts n replicas on a fresh schema, with the chattest
// platform only.
func newCluster(t *testing.T, n int, acfg approvals.Config) *cluster {
	t.Helper()
	return newClusterWith(t, n, acfg, nil)
}

// newClusterWith starts n replicas on a fresh schema; platforms, when
// set, adds replica i's own chat platforms next to chattest.
func newClusterWith(t *testing.T, n int, acfg approvals.Config, platforms func(i int, st *postgres.Store, log *slog.Logger) []app.Platform) *cluster {
	t.Helper()
	dsn := pgSchema(t) // registered first, so the schema is dropped last
	tenant := simtenant.New()
	simtenant.Demo(tenant)
	tenant.RequireToken("test-token")
	tenant.Start()
	t.Cleanup(tenant.Close)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	acfg.SealKey = key
	c := &cluster{t: t, ctx: context.Background(), dsn: dsn, tenant: tenant, msgr: chattest.New(),
		key: key, acfg: acfg, logs: &testutil.SyncBuffer{}, platforms: platforms}
	t.Cleanup(func() {
		for _, r := range c.replicas {
			c.kill(r)
		}
	})
	// The replicas start at once on the empty schema, as a fresh
	// deployment does: their migrations race for the advisory lock.
	stores := make([]*postgres.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = postgres.Open(c.ctx, dsn, c.logger(i))
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			for _, st := range stores {
				if st != nil {
					_ = st.Close()
				}
			}
			t.Fatalf("replica-%d: open: %v", i, errs[i])
		}
	}
	for _, st := range stores {
		c.startOn(st)
	}
	return c
}

func (c *cluster) logger(i int) *slog.Logger {
	return slog.New(slog.NewJSONHandler(c.logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("replica", fmt.Sprintf("replica-%d", i))
}

// start opens one more replica on the cluster's schema.
func (c *cluster) start() *replica {
	c.t.Helper()
	st, err := postgres.Open(c.ctx, c.dsn, c.logger(len(c.replicas)))
	if err != nil {
		c.t.Fatal(err)
	}
	return c.startOn(st)
}

// startOn wires a replica around its own open pool.
func (c *cluster) startOn(st *postgres.Store) *replica {
	c.t.Helper()
	name := fmt.Sprintf("replica-%d", len(c.replicas))
	log := c.logger(len(c.replicas))
	gc, err := graph.New(graph.Config{BaseURL: c.tenant.URL(), Credential: graph.StaticCredential("test-token")}, log)
	if err != nil {
		c.t.Fatal(err)
	}
	pcfg := policy.Default()
	pcfg.ApproverGroups = []string{simtenant.DemoApproversGroupID}
	pcfg.TwoApprovers = policy.TwoApprovers{}
	pcfg.Quotas.OpenPerRequester = 20
	platforms := []app.Platform{fixed(c.msgr, approversChannel)}
	if c.platforms != nil {
		platforms = append(platforms, c.platforms(len(c.replicas), st, log)...)
	}
	wired, err := app.Build(app.Config{Policy: pcfg, Approvals: c.acfg}, app.Deps{Store: st, Graph: gc, AuditKey: auditKey, Platforms: platforms,
		Notices: c.notices, Log: log})
	if err != nil {
		c.t.Fatal(err)
	}
	svc, router, trail := wired.Service, wired.Router, wired.Audit
	r := &replica{name: name, store: st, svc: svc, router: router, trail: trail, log: log}
	c.replicas = append(c.replicas, r)
	return r
}

// run starts r's timers under the sweeper lease, as cmd/bot does, with
// the replica's name as the lease holder.
func (c *cluster) run(r *replica, every time.Duration) {
	ctx, cancel := context.WithCancel(c.ctx)
	r.cancel, r.done = cancel, make(chan struct{})
	go func() {
		defer close(r.done)
		if err := r.svc.Run(ctx, every, r.name); err != nil && ctx.Err() == nil {
			c.t.Errorf("%s: run: %v", r.name, err)
		}
	}()
}

// kill stops r's timers and closes its pool, as a crashed or stopped
// process would leave things (its lease stays until it expires).
func (c *cluster) kill(r *replica) {
	if r.closed {
		return
	}
	r.closed = true
	if r.cancel != nil {
		r.cancel()
		<-r.done
	}
	_ = r.store.Close()
}

// live returns the replicas not killed.
func (c *cluster) live() []*replica {
	var out []*replica
	for _, r := range c.replicas {
		if !r.closed {
			out = append(out, r)
		}
	}
	return out
}

// say sends free text from u in their 1:1 conversation through r.
func (c *cluster) say(r *replica, u chat.User, text string) *chattest.Replies {
	ev, rep := chattest.Event(chat.Event{Kind: chat.KindMessage, User: u, Direct: true, Text: text,
		Conversation: tap.Ref{Conversation: "dm-" + u.ID}})
	r.router.Handle(c.ctx, ev)
	return rep
}

// click presses a button through r.
func (c *cluster) click(r *replica, u chat.User, action, value string) *chattest.Replies {
	ev, rep := chattest.Event(chat.Event{Kind: chat.KindAction, User: u, Action: action, Value: value,
		Conversation: tap.Ref{Conversation: "dm-" + u.ID}})
	r.router.Handle(c.ctx, ev)
	return rep
}

// request has Megan ask for a pass for upn on one replica and confirm the
// summary on another (the dialog session lives in the store); it returns
// the request id from the approval card.
func (c *cluster) request(ask, confirm *replica, upn string) tap.RequestID {
	c.t.Helper()
	text := "pass for " + upn + " tomorrow 9am, 8 hours, onboarding, multi-use because they start in Sales"
	r := c.say(ask, megan, text)
	if !strings.Contains(r.Text(), "Confirm and send") {
		c.t.Fatalf("no summary to confirm; %s said:\n%s", ask.name, r.Text())
	}
	before := len(c.msgr.To(approversChannel))
	r = c.say(confirm, megan, "yes")
	cards := c.msgr.To(approversChannel)
	if len(cards) != before+1 {
		c.t.Fatalf("%d approval cards posted, want 1; %s said:\n%s", len(cards)-before, confirm.name, r.Text())
	}
	id := chattest.ButtonValue(cards[len(cards)-1].Message, chat.ActionApprove)
	if id == "" {
		c.t.Fatalf("approval card has no Approve button:\n%s", chattest.Text(cards[len(cards)-1].Message))
	}
	return tap.RequestID(id)
}

// get reads a request through any live replica.
func (c *cluster) get(id tap.RequestID) *tap.Request {
	c.t.Helper()
	live := c.live()
	if len(live) == 0 {
		c.t.Fatal("no live replica")
	}
	r, err := live[0].store.GetRequest(c.ctx, id)
	if err != nil {
		c.t.Fatal(err)
	}
	return r
}

// card returns the approval card of id as it stands now.
func (c *cluster) card(id tap.RequestID) chattest.Posted {
	c.t.Helper()
	var found []chattest.Posted
	for _, p := range c.msgr.To(approversChannel) {
		if p.Message.Note == "Request "+string(id) && strings.HasPrefix(p.Message.Title, "Temporary Access Pass request") {
			found = append(found, p)
		}
	}
	if len(found) != 1 {
		c.t.Fatalf("%d approval cards for %s, want exactly 1", len(found), id)
	}
	return found[0]
}

// count returns how many messages sent to id matched when sent (a card
// redrawn since still counts as what the person was told).
func (c *cluster) count(to string, match func(m chat.Message) bool) int {
	n := 0
	for _, p := range c.msgr.To(to) {
		if match(p.Sent) {
			n++
		}
	}
	return n
}

// about matches messages about request id that contain text.
func about(id tap.RequestID, text string) func(chat.Message) bool {
	return func(m chat.Message) bool {
		return m.Note == "Request "+string(id) && strings.Contains(chattest.Text(m), text)
	}
}

// withButton matches messages carrying the action button for id.
func withButton(id tap.RequestID, action string) func(chat.Message) bool {
	return func(m chat.Message) bool { return chattest.ButtonValue(m, action) == string(id) }
}

// sql runs one query on a short-lived connection to the cluster's schema.
func (c *cluster) sql(query string, dest ...any) {
	c.t.Helper()
	conn, err := pgx.Connect(c.ctx, c.dsn)
	if err != nil {
		c.t.Fatal(err)
	}
	defer conn.Close(c.ctx)
	if err := conn.QueryRow(c.ctx, query).Scan(dest...); err != nil {
		c.t.Fatalf("%s: %v", query, err)
	}
}

// auditCount counts the "ok" audit records of action for id, and the
// distinct request versions they name. The approvals service writes the
// outcome after its compare-and-swap commits, so both count committed
// decisions.
func (c *cluster) auditCount(id tap.RequestID, action string) (versions, records int) {
	c.t.Helper()
	c.sql(fmt.Sprintf(`SELECT count(DISTINCT detail->>'version'), count(*) FROM audit
		WHERE request_id = '%s' AND action = '%s' AND outcome = 'ok'`, id, action), &versions, &records)
	return versions, records
}

// assertPassNowhere checks that the pass is in no table of the schema (as
// text, whole rows, sealed bytes included), no log line of any replica
// and no chat message ever posted, and that the audit chain verifies.
func (c *cluster) assertPassNowhere(pass string) {
	c.t.Helper()
	conn, err := pgx.Connect(c.ctx, c.dsn)
	if err != nil {
		c.t.Fatal(err)
	}
	defer conn.Close(c.ctx)
	for _, table := range []string{"requests", "audit", "sessions", "seen", "conversations", "leases"} {
		rows, err := conn.Query(c.ctx, "SELECT x::text FROM "+table+" x")
		if err != nil {
			c.t.Fatalf("read %s: %v", table, err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				c.t.Fatal(err)
			}
			if strings.Contains(s, pass) || strings.Contains(s, hex.EncodeToString([]byte(pass))) {
				c.t.Errorf("the pass appears in table %s", table)
			}
		}
		rows.Close()
	}
	if strings.Contains(c.logs.String(), pass) {
		c.t.Error("the pass appears in the logs")
	}
	for _, m := range c.msgr.All() {
		if strings.Contains(chattest.Text(m), pass) {
			c.t.Errorf("the pass appears in a chat message: %s", chattest.Text(m))
		}
	}
	live := c.live()
	if len(live) == 0 {
		c.t.Fatal("no live replica")
	}
	if rep, err := live[0].trail.Verify(c.ctx); err != nil || !rep.OK() {
		c.t.Errorf("audit verify: %v %+v", err, rep)
	}
}

// logged returns the replica names that logged msg for request id.
func (c *cluster) logged(msg string, id tap.RequestID, attrs map[string]string) []string {
	var out []string
	for _, line := range strings.Split(c.logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["msg"] != msg || rec["request_id"] != string(id) {
			continue
		}
		ok := true
		for k, v := range attrs {
			if fmt.Sprint(rec[k]) != v {
				ok = false
			}
		}
		if ok {
			out = append(out, fmt.Sprint(rec["replica"]))
		}
	}
	return out
}

// loggedAny returns the replica names that logged msg.
func (c *cluster) loggedAny(msg string) []string {
	var out []string
	for _, line := range strings.Split(c.logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == msg {
			out = append(out, fmt.Sprint(rec["replica"]))
		}
	}
	return out
}
