package bot_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/tapbot/tapbot/internal/app"
	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/audit"
	"github.com/tapbot/tapbot/internal/bot"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/policy"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/store/sqlite"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/testutil"
)

// harness is the whole core wired as cmd/bot wires it, with the chat
// platform replaced by chattest and Entra by simtenant over real HTTP.
type harness struct {
	t      *testing.T
	ctx    context.Context
	tenant *simtenant.Tenant
	store  *sqlite.Store
	dbPath string
	msgr   *chattest.Messenger
	router *bot.Router
	svc    *approvals.Service
	trail  *audit.Trail
	logs   *testutil.SyncBuffer

	// What build needs to wire the core again over the same store,
	// tenant and chat platform (a restarted process).
	gc   *graph.Client
	pcfg policy.Config
	acfg approvals.Config
	rcfg bot.Config
	log  *slog.Logger
}

var (
	megan = chat.User{Platform: chattest.Platform, ID: "U-megan", EntraID: simtenant.DemoMeganID, Name: "Megan Bowen"}
	alex  = chat.User{Platform: chattest.Platform, ID: "U-alex", EntraID: simtenant.DemoAlexID, Name: "Alex Wilber"}
	irvin = chat.User{Platform: chattest.Platform, ID: "U-irvin", EntraID: simtenant.DemoIrvinID, Name: "Irvin Sayers"}
	sarah = chat.User{Platform: chattest.Platform, ID: "U-sarah", EntraID: simtenant.DemoSarahID, Name: "Sarah Johnson"}
	diego = chat.User{Platform: chattest.Platform, ID: "U-diego", EntraID: simtenant.DemoDiegoID, Name: "Diego Siciliani"}
)

const approversChannel = "C-approvers"

func newHarness(t *testing.T, issueOn string, policyMut ...func(*policy.Config)) *harness {
	t.Helper()
	ctx := context.Background()
	logs := &testutil.SyncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	tenant := simtenant.New()
	simtenant.Demo(tenant)
	tenant.RequireToken("test-token")
	tenant.Start()
	t.Cleanup(tenant.Close)
	gc, err := graph.New(graph.Config{BaseURL: tenant.URL(), Credential: graph.StaticCredential("test-token")}, log)
	if err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(t.TempDir(), "tapbot.db")
	st, err := sqlite.Open(ctx, dbPath, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })

	pcfg := policy.Default()
	pcfg.ApproverGroups = []string{simtenant.DemoApproversGroupID}
	pcfg.TwoApprovers = policy.TwoApprovers{}
	for _, m := range policyMut {
		m(&pcfg)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	h := &harness{t: t, ctx: ctx, tenant: tenant, store: st, dbPath: dbPath, msgr: chattest.New(), logs: logs,
		gc: gc, pcfg: pcfg, acfg: approvals.Config{IssueOn: approvals.IssueOn(issueOn), SealKey: key}, log: log}
	h.build(nil)
	return h
}

// build wires the core (again: a restarted process) over h's store,
// tenant and chat platform; notices, when set, wraps the notifier.
func (h *harness) build(notices func(approvals.Notifier) approvals.Notifier) {
	h.t.Helper()
	wired, err := app.Build(app.Config{Policy: h.pcfg, Approvals: h.acfg, Router: h.rcfg},
		app.Deps{Store: h.store, Graph: h.gc, AuditKey: auditKey, Platforms: []app.Platform{fixed(h.msgr, approversChannel)},
			Notices: notices, Log: h.log})
	if err != nil {
		h.t.Fatal(err)
	}
	h.router, h.svc, h.trail = wired.Router, wired.Service, wired.Audit
}

// fixed plugs in a messenger built by the test; the test delivers events
// to the router itself.
func fixed(m chat.Messenger, approvers string) app.Platform {
	return app.Platform{Approvers: approvers, New: func(chat.Handler) (chat.Messenger, error) { return m, nil }}
}

// say sends free text from u in their 1:1 conversation.
func (h *harness) say(u chat.User, text string) *chattest.Replies {
	ev, r := chattest.Event(chat.Event{Kind: chat.KindMessage, User: u, Direct: true, Text: text,
		Conversation: tap.Ref{Conversation: "dm-" + u.ID}})
	h.router.Handle(h.ctx, ev)
	h.router.Wait()
	return r
}

// click presses a button.
func (h *harness) click(u chat.User, action, value string) *chattest.Replies {
	ev, r := chattest.Event(chat.Event{Kind: chat.KindAction, User: u, Action: action, Value: value,
		Conversation: tap.Ref{Conversation: "dm-" + u.ID}})
	h.router.Handle(h.ctx, ev)
	h.router.Wait()
	return r
}

// submitForm submits a form.
func (h *harness) submitForm(u chat.User, form, state string, fields map[string]string) *chattest.Replies {
	ev, r := chattest.Event(chat.Event{Kind: chat.KindForm, User: u, Form: form, State: state, Fields: fields,
		Conversation: tap.Ref{Conversation: "dm-" + u.ID}})
	h.router.Handle(h.ctx, ev)
	return r
}

// request has Megan ask for a pass for Sarah and confirm it; it returns
// the request id from the approval card.
func (h *harness) request(text string) tap.RequestID {
	h.t.Helper()
	r := h.say(megan, text)
	if !bytes.Contains([]byte(r.Text()), []byte("Confirm and send")) {
		h.t.Fatalf("no summary to confirm; bot said:\n%s", r.Text())
	}
	r = h.say(megan, "yes")
	card, ok := h.msgr.Last(approversChannel)
	if !ok {
		h.t.Fatalf("no approval card posted; bot said:\n%s", r.Text())
	}
	id := chattest.ButtonValue(card.Message, chat.ActionApprove)
	if id == "" {
		h.t.Fatalf("approval card has no Approve button:\n%s", chattest.Text(card.Message))
	}
	return tap.RequestID(id)
}

func (h *harness) state(id tap.RequestID) tap.State {
	h.t.Helper()
	r, err := h.store.GetRequest(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return r.State
}

// auditKey keys the harnesses' audit chains, as production's audit_key does.
var auditKey = []byte("tapbot-test-audit-key-32-bytes!!")
