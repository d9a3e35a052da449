package bot_test

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/app"
	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/bot"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/policy"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/stats"
	"github.com/tapbot/tapbot/internal/store/sqlite"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/testutil"
	"github.com/tapbot/tapbot/internal/watch"
)

// monday is the first day of the scripted week (Mon 7 – Fri 11 Dec 2026).
var monday = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

// weekClock is the one clock every layer of the week reads.
type weekClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *weekClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *weekClock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// week is the core wired as in newHarness, plus the sign-in watcher,
// with one controlled clock, and new hires managed by Megan.
type week struct {
	*harness
	clock   *weekClock
	watcher *watch.Watcher
	ids     map[tap.RequestID]string // request → new hire's name
	passes  []string                 // every pass revealed
}

// hires are the week's new hires (in London, so the business hours are
// UTC's in December); Pradeep is the demo tenant's existing employee.
var hires = []string{"ana", "ben", "cara", "dan", "eve", "finn", "gia", "hugo", "ivy", "lea", "kai"}

func newWeek(t *testing.T) *week {
	t.Helper()
	clock := &weekClock{t: monday.Add(8 * time.Hour)}
	logs := &testutil.SyncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tenant := simtenant.New()
	tenant.SetNow(clock.Now)
	simtenant.Demo(tenant)
	for _, n := range hires {
		id := tenant.AddUser(simtenant.User{UPN: n + "@contoso.com", DisplayName: strings.ToUpper(n[:1]) + n[1:],
			Mail: n + "@contoso.com", Department: "Sales", JobTitle: "Account Executive", MailboxZone: "GMT Standard Time"})
		if err := tenant.SetManager(id, simtenant.DemoMeganID); err != nil {
			t.Fatal(err)
		}
	}
	tenant.RequireToken("test-token")
	tenant.Start()
	t.Cleanup(tenant.Close)
	gc, err := graph.New(graph.Config{BaseURL: tenant.URL(), Credential: graph.StaticCredential("test-token")}, log)
	if err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(t.TempDir(), "tapbot.db")
	st, err := sqlite.Open(t.Context(), dbPath, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	pcfg := policy.Default()
	pcfg.ApproverGroups = []string{simtenant.DemoApproversGroupID}
	pcfg.TwoApprovers = policy.TwoApprovers{}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	msgr := chattest.New()
	wired, err := app.Build(app.Config{Policy: pcfg, Router: bot.Config{Now: clock.Now},
		Approvals: approvals.Config{SealKey: key, Now: clock.Now},
	}, app.Deps{Store: st, Graph: gc, AuditKey: auditKey, Platforms: []app.Platform{fixed(msgr, approversChannel)}, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	w, err := watch.New(watch.Config{}, watch.Deps{Store: st, SignIns: gc, Passes: gc, Audit: wired.Audit,
		Notifier: wired.Router, Log: log, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, ctx: t.Context(), tenant: tenant, store: st, dbPath: dbPath, msgr: msgr,
		router: wired.Router, svc: wired.Service, trail: wired.Audit, logs: logs}
	return &week{harness: h, clock: clock, watcher: w, ids: map[tap.RequestID]string{}}
}

// at moves the clock to day (0 = Monday) hh:mm UTC and runs the timers
// once, as the sweeper and the watcher would on their lease.
func (w *week) at(day, hh, mm int) *week {
	w.t.Helper()
	w.clock.set(monday.Add(time.Duration(day)*24*time.Hour + time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute))
	if err := w.svc.Sweep(w.ctx); err != nil {
		w.t.Fatalf("sweep at %s: %v", w.clock.Now(), err)
	}
	if _, err := w.watcher.Tick(w.ctx); err != nil {
		w.t.Fatalf("watch at %s: %v", w.clock.Now(), err)
	}
	w.router.Wait()
	return w
}

func upn(who string) string {
	if who == "pradeep" {
		return simtenant.DemoPradeepUPN
	}
	return who + "@contoso.com"
}

func hire(who string) chat.User {
	id := simtenant.StableID(upn(who))
	if who == "pradeep" {
		id = simtenant.DemoPradeepID
	}
	return chat.User{Platform: chattest.Platform, ID: "U-" + who, EntraID: tap.UserID(id), Name: who}
}

// ask has Megan request a pass starting now for who.
func (w *week) ask(who, reason, lifetime, use string) tap.RequestID {
	w.t.Helper()
	id := w.request(fmt.Sprintf("pass for %s now London time, %s, %s, %s because the week needs it", upn(who), lifetime, reason, use))
	w.ids[id] = who
	return id
}

func (w *week) approve(id tap.RequestID) {
	w.t.Helper()
	w.click(alex, chat.ActionApprove, string(id))
	if s := w.state(id); s != tap.StateIssued {
		w.t.Fatalf("%s after approve: %s", w.ids[id], s)
	}
}

func (w *week) deny(id tap.RequestID) {
	w.t.Helper()
	form := w.click(alex, chat.ActionDeny, string(id)).Last().Form
	if form == nil {
		w.t.Fatalf("deny asked for no reason")
	}
	w.submitForm(alex, chat.FormDeny, form.State, map[string]string{"reason": "The start date moved to January"})
	w.router.Wait()
}

func (w *week) reveal(id tap.RequestID) {
	w.t.Helper()
	r := w.click(megan, chat.ActionReveal, string(id))
	if !r.Last().HasSecret() {
		w.t.Fatalf("%s: no pass revealed:\n%s", w.ids[id], r.Text())
	}
	w.passes = append(w.passes, r.Last().Secret.Reveal())
}

// signIn records a sign-in with who's pass now, from London.
func (w *week) signIn(who, ip string) {
	w.t.Helper()
	if _, err := w.tenant.RecordSignIn(simtenant.SignIn{UserID: upn(who), At: w.clock.Now(), IP: ip,
		City: "London", Country: "GB", OS: "Windows", Browser: "Edge"}); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.watcher.Tick(w.ctx); err != nil {
		w.t.Fatal(err)
	}
}

// done has the new hire register method (none: already has one), say
// "done", and answer the rating question with score.
func (w *week) done(id tap.RequestID, method tap.MethodKind, score int) {
	w.t.Helper()
	who := w.ids[id]
	if method != "" {
		if _, err := w.tenant.RegisterMethod(upn(who), method); err != nil {
			w.t.Fatal(err)
		}
	}
	q := w.say(hire(who), "done").Last()
	if s := w.state(id); s != tap.StateConfirmed || len(q.Buttons) != 5 {
		w.t.Fatalf("%s after done: %s, question %s", who, s, chattest.Text(q))
	}
	b := q.Buttons[score-1]
	if b.Action != chat.ActionFeedback || b.Value != fmt.Sprintf("%s %d", id, score) {
		w.t.Fatalf("rating button %d = %+v", score, b)
	}
	w.click(hire(who), b.Action, b.Value)
}

// TestScriptedWeek runs a working week of requests through the chat
// router, the approvals service, the policy, Graph (simtenant) and the
// sign-in watcher, then checks `stats` and the per-reason numbers that
// /metrics exports (stats.ByReason, what cmd/bot's collector renders)
// against numbers worked out by hand from the script.
func TestScriptedWeek(t *testing.T) {
	w := newWeek(t)
	const ob, con, rec, eight, multi = "onboarding", "contractor", "recovery", "8 hours", "multi-use"

	// Monday: Ana is approved in 10m, revealed after 20m, signs in 15m
	// later and sets up Windows Hello 45m after the reveal (rating 5);
	// Ben's request is denied, Cara's cancelled.
	ana := w.at(0, 9, 0).ask("ana", ob, eight, multi)
	w.at(0, 9, 10).approve(ana)
	w.at(0, 9, 30).reveal(ana)
	w.at(0, 9, 45).signIn("ana", "203.0.113.10")
	w.at(0, 10, 15).done(ana, tap.MethodWindowsHello, 5)
	ben := w.at(0, 10, 30).ask("ben", ob, eight, multi)
	w.at(0, 11, 0).deny(ben)
	cara := w.ask("cara", ob, eight, multi)
	w.at(0, 11, 5).click(megan, chat.ActionCancel, string(cara))

	// Tuesday: nobody approves Dan (expires Wednesday 09:00); Eve's pass
	// (approved in 20m) is never revealed; Finn's (approved in 5m,
	// revealed after 30m) is never used: never_used for Finn only (Eve's
	// lapsed unseen; the lapse notice said so).
	dan := w.at(1, 9, 0).ask("dan", ob, eight, multi)
	eve := w.ask("eve", ob, eight, multi)
	w.at(1, 9, 20).approve(eve)
	finn := w.at(1, 10, 0).ask("finn", ob, eight, multi)
	w.at(1, 10, 5).approve(finn)
	w.at(1, 10, 35).reveal(finn)
	w.at(1, 19, 0)

	// Wednesday: Hugo (contractor) approved in 30m, revealed after 60m,
	// signs in 10m later, Windows Hello 75m after the reveal (rating 4).
	// Gia approved in 15m, revealed after 10m, signs in at 20:30 (after
	// hours) and sets up Authenticator at 21:25, 7h after the reveal
	// (rating 3).
	hugo := w.at(2, 9, 0).ask("hugo", con, eight, multi)
	w.at(2, 9, 30).approve(hugo)
	w.at(2, 10, 30).reveal(hugo)
	w.at(2, 10, 40).signIn("hugo", "198.51.100.20")
	w.at(2, 11, 45).done(hugo, tap.MethodWindowsHello, 4)
	gia := w.at(2, 14, 0).ask("gia", ob, eight, multi)
	w.at(2, 14, 15).approve(gia)
	w.at(2, 14, 25).reveal(gia)
	w.at(2, 20, 30).signIn("gia", "192.0.2.30")
	w.at(2, 21, 25).done(gia, tap.MethodAuthenticator, 3)

	// Thursday: Ivy (contractor) approved in 40m, revealed after 10m,
	// signs in 30m later, never sets up: her pass ends unconfirmed.
	ivy := w.at(3, 9, 0).ask("ivy", con, eight, multi)
	w.at(3, 9, 40).approve(ivy)
	w.at(3, 9, 50).reveal(ivy)
	w.at(3, 10, 20).signIn("ivy", "203.0.113.40")
	w.at(3, 18, 0)

	// Friday: Lea's pass (contractor, approved in 15m) is revoked;
	// Pradeep's recovery pass is approved in 10m, revealed after 10m,
	// used 5m later, and his Authenticator confirms it 10m after the
	// reveal (rating 4); Kai's request is still waiting at 17:00.
	lea := w.at(4, 9, 0).ask("lea", con, eight, multi)
	w.at(4, 9, 15).approve(lea)
	w.at(4, 9, 30).click(alex, chat.ActionRevoke, string(lea))
	pradeep := w.at(4, 10, 0).ask("pradeep", rec, "2 hours", "one-time")
	w.at(4, 10, 10).approve(pradeep)
	w.at(4, 10, 20).reveal(pradeep)
	w.at(4, 10, 25).signIn("pradeep", "203.0.113.50")
	w.at(4, 10, 30).done(pradeep, "", 4)
	kai := w.at(4, 16, 0).ask("kai", ob, eight, multi)
	w.at(4, 17, 0)

	wantStates := map[tap.RequestID]tap.State{ana: tap.StateConfirmed, ben: tap.StateDenied, cara: tap.StateCancelled,
		dan: tap.StateExpired, eve: tap.StateExpired, finn: tap.StateExpired, hugo: tap.StateConfirmed,
		gia: tap.StateConfirmed, ivy: tap.StateExpired, lea: tap.StateRevoked, pradeep: tap.StateConfirmed, kai: tap.StatePending}
	for id, want := range wantStates {
		if got := w.state(id); got != want {
			t.Errorf("%s: %s, want %s", w.ids[id], got, want)
		}
	}
	w.checkWatch()

	r := w.say(alex, "stats 7 days")
	got := chattest.Text(r.Last())
	t.Logf("the scripted week's stats:\n%s", got)
	want := `Temporary Access Pass numbers, last 7 days
Period: 4 Dec 2026 to 11 Dec 2026
Requests: 12 made, 8 approved, 1 denied, 1 cancelled
Passes created vs used: 8 created, 4 used for setup (50%)
Revealed: 6
Signed in with: 5 (the first sign-in with the pass, from the sign-in logs)
Expired: 3 unused after issue, 1 waiting for approval
Revoked / failed: 1 / 0
Still open: 1
Median time to approve: 15m (over 8)
Median time to reveal: 15m (over 6)
Median time to first sign-in: 15m (over 5)
Median time to set up: 1h (over 4)
Passwordless adoption: 67% (4 of 6 revealed passes led to a strong method); 80% of the 5 signed in with
New-hire rating: 4.0 of 5 (4 answers)`
	if got != want {
		t.Errorf("stats:\n%q\nwant:\n%q", got, want)
	}
	w.checkByReason()
	for _, p := range w.passes {
		w.assertPassNowhere(p)
	}
}

// checkWatch: five first uses; after_hours for Gia, never_used for the
// two passes nobody signed in with (Eve's unrevealed, Finn's); nothing else.
func (w *week) checkWatch() {
	w.t.Helper()
	recs, err := w.store.ListAudit(w.ctx, 0, 10000)
	if err != nil {
		w.t.Fatal(err)
	}
	var used, alerts []string
	for _, rec := range recs {
		switch rec.Action {
		case watch.ActionFirstUse:
			used = append(used, w.ids[rec.Request]+" "+rec.Detail["at"][11:16])
		case watch.ActionAlert:
			alerts = append(alerts, w.ids[rec.Request]+":"+rec.Detail["rule"])
		}
	}
	sort.Strings(used)
	sort.Strings(alerts)
	w.t.Logf("first uses: %v; alerts: %v", used, alerts)
	if got, want := strings.Join(used, ", "), "ana 09:45, gia 20:30, hugo 10:40, ivy 10:20, pradeep 10:25"; got != want {
		w.t.Errorf("first uses: %s, want %s", got, want)
	}
	if got, want := strings.Join(alerts, ", "), "finn:never_used, gia:after_hours"; got != want {
		w.t.Errorf("alerts: %s, want %s", got, want)
	}
}

// checkByReason checks the per-reason reports cmd/bot's collector
// renders on /metrics (it lives in package main, out of this test's
// reach): tapbot_onboarding_requests{reason,outcome} from the counts,
// tapbot_onboarding_seconds{step,quantile} from the medians (p50, p90),
// the adoption ratio (Confirmed/Revealed) and the setup rating
// (RatingSum/Ratings).
func (w *week) checkByReason() {
	w.t.Helper()
	reqs, err := w.store.ListRequests(w.ctx, tap.RequestFilter{Since: monday})
	if err != nil {
		w.t.Fatal(err)
	}
	const m, h = time.Minute, time.Hour
	md := func(p50, p90 time.Duration, n int) stats.Median { return stats.Median{D: p50, P90: p90, N: n} }
	want := map[tap.Reason]stats.Report{
		// Approve 10m (Ana), 20m (Eve), 5m (Finn), 15m (Gia); reveal 20m,
		// 30m, 10m; first use 15m, 6h05m; set up 45m, 7h.
		tap.ReasonOnboarding: {Created: 8, Approved: 4, Denied: 1, Cancelled: 1, Issued: 4, Revealed: 3, Used: 2,
			Confirmed: 2, ExpiredPending: 1, ExpiredUnused: 2, Open: 1, Ratings: 2, RatingSum: 8,
			TimeToApprove: md(12*m+30*time.Second, 20*m, 4), TimeToReveal: md(20*m, 30*m, 3),
			TimeToUse: md(3*h+10*m, 6*h+5*m, 2), TimeToConfirm: md(3*h+52*m+30*time.Second, 7*h, 2)},
		// Approve 30m (Hugo), 40m (Ivy), 15m (Lea); reveal 60m, 10m; first
		// use 10m, 30m; set up 75m.
		tap.ReasonContractor: {Created: 3, Approved: 3, Issued: 3, Revealed: 2, Used: 2, Confirmed: 1,
			ExpiredUnused: 1, Revoked: 1, Ratings: 1, RatingSum: 4,
			TimeToApprove: md(30*m, 40*m, 3), TimeToReveal: md(35*m, 60*m, 2),
			TimeToUse: md(20*m, 30*m, 2), TimeToConfirm: md(75*m, 75*m, 1)},
		tap.ReasonRecovery: {Created: 1, Approved: 1, Issued: 1, Revealed: 1, Used: 1, Confirmed: 1, Ratings: 1, RatingSum: 4,
			TimeToApprove: md(10*m, 10*m, 1), TimeToReveal: md(10*m, 10*m, 1),
			TimeToUse: md(5*m, 5*m, 1), TimeToConfirm: md(10*m, 10*m, 1)},
	}
	got := stats.ByReason(reqs, monday, monday.Add(5*24*time.Hour))
	if len(got) != len(want) {
		w.t.Errorf("%d reasons in the report, want %d", len(got), len(want))
	}
	for reason, rep := range got {
		w.t.Logf("%s: %+v", reason, rep)
		rep.From, rep.To = time.Time{}, time.Time{}
		if rep != want[reason] {
			w.t.Errorf("%s:\n got %+v\nwant %+v", reason, rep, want[reason])
		}
	}
}
