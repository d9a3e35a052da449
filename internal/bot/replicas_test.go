package bot_test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/testutil"
)

// The multi-replica suite: three bot instances, each with its own
// PostgreSQL pool and its own checker, audit trail, approvals service and
// router, on one schema, one Entra tenant, one chat platform and one seal
// key. It needs TAPBOT_TEST_POSTGRES_DSN (see pgDSN).

// TestReplicasApproveOnce: 50 Approve clicks spread over three replicas
// create one pass, post one requester message, and leave one approval
// card; then every replica stops, a fresh one on the same schema carries
// the request through reveal and "done" to confirmed.
func TestReplicasApproveOnce(t *testing.T) {
	began := time.Now()
	c := newCluster(t, 3, approvals.Config{IssueOn: approvals.IssueOnApproval})
	r0, r1, r2 := c.replicas[0], c.replicas[1], c.replicas[2]
	id := c.request(r0, r1, simtenant.DemoSarahUPN)
	if got := c.get(id).State; got != tap.StatePending {
		t.Fatalf("state after submit = %s", got)
	}

	const clicks = 50
	replies := make([]*chattest.Replies, clicks)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range clicks {
		u := alex
		if i%2 == 1 {
			u = irvin
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			replies[i] = c.click(c.replicas[i%3], u, chat.ActionApprove, string(id))
		}()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	clickTime := time.Since(t0)

	creates := c.tenant.Creates(simtenant.DemoSarahID)
	if creates != 1 {
		t.Fatalf("graph creates = %d, want exactly 1", creates)
	}
	req := c.get(id)
	if req.State != tap.StateIssued {
		t.Fatalf("state = %s, want issued", req.State)
	}
	// The winner is answered by the card; every loser is told who won.
	winners := 0
	for i, r := range replies {
		switch txt := r.Text(); {
		case txt == "":
			winners++
		case !strings.Contains(txt, "already approved"):
			t.Errorf("click %d on %s: %q", i, c.replicas[i%3].name, txt)
		}
	}
	if winners != 1 {
		t.Errorf("%d clicks went unanswered (won), want 1", winners)
	}
	if v, n := c.auditCount(id, "issue"); v != 1 || n != 1 {
		t.Errorf("%d issue records on %d versions, want 1", n, v)
	}
	// The outcome is audited after the commit: one "approve ok" record,
	// whatever the storm (the losers have an intent and a refusal).
	approveVersions, approveRecords := c.auditCount(id, "approve")
	if approveVersions != 1 || approveRecords != 1 {
		t.Errorf("%d approve ok records on %d versions, want 1 on 1", approveRecords, approveVersions)
	}
	// One approval card (no replica posted a second), shown decided.
	card := c.card(id)
	if len(card.Message.Buttons) != 0 || !strings.Contains(chattest.Text(card.Message), "Approved by "+req.DecidedBy.Name) {
		t.Errorf("approval card not decided:\n%s", chattest.Text(card.Message))
	}
	// Not asserted: that the card says "Pass issued". A losing click's
	// refresh that read the request while it was issuing can land after
	// the winner's update and leave "Creating the pass…" (reported on
	// issue 7); it has not shown up in these runs.
	if !strings.Contains(chattest.Text(card.Message), "Pass issued") {
		t.Logf("approval card shows an older state than issued:\n%s", chattest.Text(card.Message))
	}
	// Every update is either the decision or a loser's refresh; at most
	// one per click, plus the winner's.
	if card.Updates < 1 || card.Updates > clicks {
		t.Errorf("approval card updated %d times, want 1..%d", card.Updates, clicks)
	}
	if n := c.count(approversChannel, func(chat.Message) bool { return true }); n != 1 {
		t.Errorf("%d messages in the approvers channel, want the one card", n)
	}
	// Exactly one requester message with the Reveal button.
	if n := c.count(megan.ID, withButton(id, chat.ActionReveal)); n != 1 {
		t.Errorf("%d Reveal messages to the requester, want 1", n)
	}
	if n := c.count(megan.ID, func(m chat.Message) bool { return strings.Contains(chattest.Text(m), "Approved by") }); n != 1 {
		t.Errorf("%d \"Approved\" messages to the requester, want 1", n)
	}
	// No version of the card ever named another approver.
	for _, m := range c.msgr.All() {
		txt := chattest.Text(m)
		if m.Note == "Request "+string(id) && strings.Contains(txt, "Approved by") && !strings.Contains(txt, "Approved by "+req.DecidedBy.Name) {
			t.Errorf("a card version names another decider than %s:\n%s", req.DecidedBy.Name, txt)
		}
	}
	var allApprove int
	c.sql(fmt.Sprintf(`SELECT count(*) FROM audit WHERE request_id = '%s' AND action = 'approve'`, id), &allApprove)
	t.Logf("replicas: %d clicks in %v → %d Graph create, approval card updated %d times, %d approve ok record, %d approve records in all, %d audit append retries",
		clicks, clickTime.Round(time.Millisecond), creates, card.Updates, approveRecords, allApprove, len(c.loggedAny("audit append lost a race")))

	// Every replica stops; nothing is kept but the database.
	for _, r := range []*replica{r0, r1, r2} {
		c.kill(r)
	}
	r3, r4 := c.start(), c.start()
	if got := c.get(id).State; got != tap.StateIssued {
		t.Fatalf("state after restart = %s", got)
	}
	// The requester double-clicks Reveal on two fresh replicas: shown once.
	var shown atomic.Int32
	var pass string
	var mu sync.Mutex
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep := c.click([]*replica{r3, r4}[i%2], megan, chat.ActionReveal, string(id))
			if m := rep.Last(); m.HasSecret() {
				shown.Add(1)
				mu.Lock()
				pass = m.Secret.Reveal()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if shown.Load() != 1 || len(pass) < 8 {
		t.Fatalf("pass shown %d times (len %d), want once", shown.Load(), len(pass))
	}
	if live := c.tenant.Passes(simtenant.DemoSarahID); len(live) != 1 || live[0].Value != pass {
		t.Fatal("the revealed pass is not the one in Entra")
	}
	if got := c.get(id).State; got != tap.StateDelivered {
		t.Fatalf("state after reveal = %s", got)
	}
	if _, err := c.tenant.RegisterMethod(simtenant.DemoSarahUPN, tap.MethodAuthenticator); err != nil {
		t.Fatal(err)
	}
	c.say(r4, sarah, "done")
	if got := c.get(id).State; got != tap.StateConfirmed {
		t.Fatalf("state after done = %s", got)
	}
	if live := c.tenant.Passes(simtenant.DemoSarahID); len(live) != 0 {
		t.Error("pass still in Entra after confirmation")
	}
	if n := c.count(megan.ID, func(m chat.Message) bool { return strings.Contains(chattest.Text(m), "finished setting up") }); n != 1 {
		t.Errorf("requester told of confirmation %d times, want 1", n)
	}
	if c.tenant.TotalCreates() != 1 {
		t.Errorf("total creates %d, want 1", c.tenant.TotalCreates())
	}
	c.assertPassNowhere(pass)
	t.Logf("replicas: whole test %v", time.Since(began).Round(time.Millisecond))
}

// TestReplicasManyRequests: five requests approved at once, ten clicks
// each spread over three replicas: one create per request.
func TestReplicasManyRequests(t *testing.T) {
	c := newCluster(t, 3, approvals.Config{})
	hire := time.Now().UTC().AddDate(0, 0, 3).Truncate(24 * time.Hour)
	var ids []tap.RequestID
	var targets []string
	for i := range 5 {
		upn := fmt.Sprintf("hire%d@contoso.com", i+1)
		uid := c.tenant.AddUser(simtenant.User{UPN: upn, DisplayName: fmt.Sprintf("Hire %d", i+1), Mail: upn,
			Department: "Sales", JobTitle: "Account Executive", HireDate: hire})
		if err := c.tenant.SetManager(uid, simtenant.DemoMeganID); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.request(c.replicas[i%3], c.replicas[(i+1)%3], upn))
		targets = append(targets, uid)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 50 {
		u := alex
		if i%2 == 1 {
			u = irvin
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			c.click(c.replicas[i%3], u, chat.ActionApprove, string(ids[(i/2)%5]))
		}()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	took := time.Since(t0)
	updates := 0
	for i, id := range ids {
		if n := c.tenant.Creates(targets[i]); n != 1 {
			t.Errorf("request %d: %d creates, want 1", i, n)
		}
		if got := c.get(id).State; got != tap.StateIssued {
			t.Errorf("request %d: state %s, want issued", i, got)
		}
		if n := c.count(megan.ID, withButton(id, chat.ActionReveal)); n != 1 {
			t.Errorf("request %d: %d Reveal messages, want 1", i, n)
		}
		updates += c.card(id).Updates
	}
	if n := c.tenant.TotalCreates(); n != 5 {
		t.Errorf("total creates %d, want 5", n)
	}
	t.Logf("replicas: 5 requests × 10 clicks in %v → %d creates, %d card updates", took.Round(time.Millisecond), c.tenant.TotalCreates(), updates)
}

// TestReplicasTimersUnderLease: every replica runs the timers; only the
// lease holder sweeps. The reminder goes out once; the holder is then
// killed mid-flow and another replica takes the lease once it expires and
// fires the remaining timers (an expiry and a lapsed pass deleted in
// Entra), each once.
func TestReplicasTimersUnderLease(t *testing.T) {
	const every = 200 * time.Millisecond
	const ttl = 3 * every // approvals.Run's lease TTL
	c := newCluster(t, 3, approvals.Config{ApprovalWindow: 4 * time.Second, RevealWindow: 6 * time.Second})
	pending := c.request(c.replicas[0], c.replicas[1], simtenant.DemoSarahUPN)
	issued := c.request(c.replicas[1], c.replicas[2], simtenant.DemoDiegoUPN)
	if r := c.click(c.replicas[2], alex, chat.ActionApprove, string(issued)); c.get(issued).State != tap.StateIssued {
		t.Fatalf("approve: %s", r.Text())
	}
	for _, r := range c.replicas {
		c.run(r, every)
	}
	reminded := func() int { return c.count(approversChannel, about(pending, "Still waiting")) }
	testutil.Eventually(t, 5*time.Second, "a reminder", func() bool { return reminded() > 0 })

	if c.get(pending).State != tap.StatePending || c.get(issued).State != tap.StateIssued {
		t.Fatal("the timers ran out before the lease holder could be killed mid-flow (machine too slow?)")
	}
	var holder string
	c.sql(`SELECT holder FROM leases WHERE name = '`+approvals.SweeperLease+`'`, &holder)
	var victim *replica
	for _, r := range c.replicas {
		if r.name == holder {
			victim = r
		}
	}
	if victim == nil {
		t.Fatalf("lease holder %q is no replica", holder)
	}
	c.kill(victim)
	killed := time.Now()
	var still string
	var oldExpires time.Time
	c.sql(`SELECT holder, expires FROM leases WHERE name = '`+approvals.SweeperLease+`'`, &still, &oldExpires)
	if still != holder {
		// Under heavy load a renewal can come late and the lease move on
		// before the kill; then there is no dead holder's lease to wait out.
		t.Logf("lease moved from %s to %s before the kill", holder, still)
		oldExpires = time.Time{}
	}

	// Until the dead holder's lease expires (by the database clock) nobody
	// else may hold it; then another replica must take it.
	var next string
	testutil.Eventually(t, 5*time.Second, "a replica to take the lease over", func() bool {
		var dbNow time.Time
		c.sql(`SELECT holder, clock_timestamp() FROM leases WHERE name = '`+approvals.SweeperLease+`'`, &next, &dbNow)
		if next != holder && dbNow.Before(oldExpires) {
			t.Fatalf("%s holds the lease at %v, before %s's expired at %v", next, dbNow, holder, oldExpires)
		}
		return next != holder
	})
	takeover := time.Since(killed)

	testutil.Eventually(t, 10*time.Second, "the timers to finish", func() bool {
		return c.get(pending).State == tap.StateExpired && c.get(issued).State == tap.StateExpired
	})
	time.Sleep(3 * every) // a few more sweeps: nothing fires twice
	if n := reminded(); n != 1 {
		t.Errorf("%d reminders, want 1", n)
	}
	if n := c.count(megan.ID, about(pending, "expired")); n != 1 {
		t.Errorf("requester told of expiry %d times, want 1", n)
	}
	if n := c.count(megan.ID, func(m chat.Message) bool {
		return strings.Contains(chattest.Text(m), "was not revealed in time")
	}); n != 1 {
		t.Errorf("requester told of the lapsed pass %d times, want 1", n)
	}
	if n := c.tenant.Deletes(simtenant.DemoDiegoID); n != 1 {
		t.Errorf("%d deletes of the unrevealed pass in Entra, want 1", n)
	}
	if live := c.tenant.Passes(simtenant.DemoDiegoID); len(live) != 0 {
		t.Error("unrevealed pass still in Entra")
	}
	for _, id := range []tap.RequestID{pending, issued} {
		if v, _ := c.auditCount(id, "expire"); v != 1 {
			t.Errorf("%s: expiry audited on %d versions, want 1", id, v)
		}
		by := c.logged("request transition", id, map[string]string{"event": string(tap.EventExpire)})
		if len(by) != 1 || by[0] == holder {
			t.Errorf("%s expired by %v; want once, not by the killed %s", id, by, holder)
		}
	}
	if v, _ := c.auditCount(pending, "remind"); v != 1 {
		t.Errorf("reminder audited on %d versions, want 1", v)
	}
	t.Logf("replicas: lease holder %s killed; %s took over after %v (lease TTL %v); reminder by %v, expiries by %v",
		holder, next, takeover.Round(time.Millisecond), ttl,
		c.logged("approvers reminded", pending, nil),
		append(c.logged("request transition", pending, map[string]string{"event": "expire"}),
			c.logged("request transition", issued, map[string]string{"event": "expire"})...))
}

// TestReplicasSweepWithoutLease: even with no lease, three replicas
// sweeping the same due request at once act on it once (every change is
// a compare-and-swap). The replicas share a test clock.
func TestReplicasSweepWithoutLease(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	const window = time.Hour
	c := newCluster(t, 3, approvals.Config{ApprovalWindow: window, Now: func() time.Time { return time.Unix(0, clock.Load()) }})
	id := c.request(c.replicas[0], c.replicas[2], simtenant.DemoSarahUPN)
	created := c.get(id).CreatedAt
	sweepAll := func(at time.Time) {
		clock.Store(at.UnixNano())
		var wg sync.WaitGroup
		for i := range 9 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := c.replicas[i%3].svc.Sweep(c.ctx); err != nil {
					t.Errorf("sweep: %v", err)
				}
			}()
		}
		wg.Wait()
	}
	sweepAll(created.Add(window/2 + time.Second))
	if got := c.get(id).State; got != tap.StatePending {
		t.Fatalf("state after the reminder = %s, want pending", got)
	}
	sweepAll(created.Add(window + time.Second))
	if got := c.get(id).State; got != tap.StateExpired {
		t.Fatalf("state = %s, want expired", got)
	}
	if n := c.count(approversChannel, about(id, "Still waiting")); n != 1 {
		t.Errorf("%d reminders, want 1", n)
	}
	if n := c.count(megan.ID, about(id, "expired")); n != 1 {
		t.Errorf("%d expiry notices, want 1", n)
	}
	rv, rn := c.auditCount(id, "remind")
	ev, en := c.auditCount(id, "expire")
	if rv != 1 || ev != 1 {
		t.Errorf("audit: reminder on %d versions, expiry on %d; want 1 each", rv, ev)
	}
	t.Logf("replicas: 9 concurrent sweeps ×2 → 1 reminder, 1 expiry (audit rows written before the compare-and-swap: %d remind, %d expire)", rn, en)
}

// TestReplicasInboundDedup: the same delivery key marked from every
// replica at once is first exactly once (Slack retries and Teams
// redeliveries may land on any replica).
func TestReplicasInboundDedup(t *testing.T) {
	c := newCluster(t, 3, approvals.Config{})
	const keys = 100
	var firsts [keys]atomic.Int32
	var wg sync.WaitGroup
	for k := range keys {
		for _, r := range c.replicas {
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					first, err := r.store.MarkSeen(c.ctx, fmt.Sprintf("slack:evt-%d", k), time.Minute)
					if err != nil {
						t.Error(err)
					}
					if first {
						firsts[k].Add(1)
					}
				}()
			}
		}
	}
	wg.Wait()
	for k := range keys {
		if n := firsts[k].Load(); n != 1 {
			t.Errorf("key %d first %d times across replicas, want 1", k, n)
		}
	}
	if first, err := c.replicas[2].store.MarkSeen(c.ctx, "slack:evt-0", time.Minute); err != nil || first {
		t.Errorf("a redelivery later was first=%v err=%v", first, err)
	}
}
