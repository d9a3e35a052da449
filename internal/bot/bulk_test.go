package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/policy"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

// runIssuer runs svc's issuer (as cmd/bot does on every replica) until
// the test ends: Approve all queues the passes, the issuer creates them.
func runIssuer(t *testing.T, svc *approvals.Service) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.RunIssuer(ctx, "test-issuer", 4) }()
	t.Cleanup(func() { stop(); <-done })
}

// bulkPolicy lets one hiring manager have a whole batch open.
func bulkPolicy(c *policy.Config) {
	c.Quotas = policy.Quotas{OpenPerRequester: 1000, PerRequesterPerDay: 1000}
	c.Requesters.Groups = []string{simtenant.DemoRequestersGroupID}
}

// hiresCSV adds n new hires managed by Megan and returns their CSV, with
// the rows refused by the checks after them: Adele (a Global
// Administrator) and a guest.
func hiresCSV(t *simtenant.Tenant, n int, day string) string {
	var b strings.Builder
	b.WriteString("upn,start,lifetime,reason,manager,note\n")
	for i := range n {
		upn := fmt.Sprintf("hire%03d@contoso.com", i)
		id := t.AddUser(simtenant.User{UPN: upn, DisplayName: fmt.Sprintf("Hire %03d", i), Mail: upn, Department: "Sales"})
		_ = t.SetManager(id, simtenant.DemoMeganID)
		fmt.Fprintf(&b, "%s,%s,8h,onboarding,%s,desk %d\n", upn, day, simtenant.DemoMeganUPN, i)
	}
	fmt.Fprintf(&b, "%s,%s,8h,onboarding,%s,\n", simtenant.DemoAdeleUPN, day, simtenant.DemoMeganUPN)
	fmt.Fprintf(&b, "%s,%s,8h,onboarding,%s,\n", simtenant.DemoLeeUPN, day, simtenant.DemoMeganUPN)
	return b.String()
}

// TestBulkPasteToIssued: Alex (an approver) pastes a batch; the summary
// lists the refusals in the checks' own words and offers one Send button;
// the click opens one request per ready row (a second click opens none),
// posts one bulk card instead of a card per request and tells the hiring
// manager; Alex may not approve his own batch; Irvin's Approve all issues
// every pass, the card and Alex's message end on "N issued, 0 failed",
// and Megan reveals her hires' passes.
func TestBulkPasteToIssued(t *testing.T) {
	h := newHarness(t, "approval", bulkPolicy)
	h.rcfg.BulkRedraw = 50 * time.Millisecond
	h.build(nil)
	runIssuer(t, h.svc)
	const n = 12
	day := time.Now().AddDate(0, 0, 3).Format("2006-01-02")
	csv := hiresCSV(h.tenant, n, day)

	if r := h.say(megan, "bulk Sales onboarding\n```\n"+csv+"```"); !strings.Contains(r.Text(), "approver or a member of a requester group") {
		t.Fatalf("a manager outside the requester groups sent a batch:\n%s", r.Text())
	}
	r := h.say(alex, "bulk Sales onboarding\n```\n"+csv+"```")
	sum := r.Last()
	sumText := chattest.Text(sum)
	want := fmt.Sprintf("%d rows: %d ready, 2 refused", n+2, n)
	if !strings.Contains(sumText, want) || !strings.Contains(sumText, fmt.Sprintf("row %d (%s): Adele Vance", n+2, simtenant.DemoAdeleUPN)) ||
		!strings.Contains(sumText, fmt.Sprintf("row %d (%s):", n+3, simtenant.DemoLeeUPN)) {
		t.Fatalf("summary:\n%s", chattest.Text(sum))
	}
	batch := chattest.ButtonValue(sum, chat.ActionBulkSend)
	if batch == "" || sum.Buttons[0].Label != fmt.Sprintf("Send %d for approval", n) {
		t.Fatalf("summary has no Send button: %+v", sum.Buttons)
	}
	if reqs, _ := h.store.ListRequests(h.ctx, tap.RequestFilter{}); len(reqs) != 0 {
		t.Fatalf("checking opened %d requests", len(reqs))
	}
	if r := h.click(megan, chat.ActionBulkSend, batch); !strings.Contains(r.Text(), "Only the person who uploaded") {
		t.Fatalf("someone else sent the batch:\n%s", r.Text())
	}
	h.click(alex, chat.ActionBulkSend, batch)
	h.click(alex, chat.ActionBulkSend, batch) // a double click
	reqs, err := h.store.ListRequests(h.ctx, tap.RequestFilter{Batch: batch})
	if err != nil || len(reqs) != n {
		t.Fatalf("%d requests in the batch, want %d (%v)", len(reqs), n, err)
	}
	cards := h.msgr.To(approversChannel)
	if len(cards) != 1 {
		t.Fatalf("%d messages to the approvers, want the one bulk card", len(cards))
	}
	card := cards[0].Message
	if !strings.Contains(chattest.Text(card), fmt.Sprintf("%d passes for Sales onboarding", n)) || chattest.ButtonValue(card, chat.ActionBulkApprove) != batch ||
		chattest.ButtonValue(card, chat.ActionBulkReview) != batch {
		t.Fatalf("bulk card:\n%s", chattest.Text(card))
	}
	told := 0
	for _, p := range h.msgr.To(string(simtenant.DemoMeganID)) {
		if strings.Contains(chattest.Text(p.Message), fmt.Sprintf("Alex Wilber asked for passes for %d of your new hires (Sales onboarding", n)) {
			told++
		}
	}
	if told != 1 {
		t.Errorf("Megan was told of her hires %d times, want once", told)
	}

	// The insider: Alex sent it; neither Approve all nor one request.
	if r := h.click(alex, chat.ActionBulkApprove, batch); !strings.Contains(r.Text(), "You sent this batch") {
		t.Fatalf("the sender approved his own batch:\n%s", r.Text())
	}
	if r := h.click(alex, chat.ActionApprove, string(reqs[0].ID)); !strings.Contains(r.Text(), "You sent this batch") {
		t.Fatalf("the sender approved a request of his batch:\n%s", r.Text())
	}
	start := time.Now()
	h.click(irvin, chat.ActionBulkApprove, batch)
	h.router.WaitBatches()
	// Redraws are bounded by time, not by the number of passes.
	bound := int(time.Since(start)/h.rcfg.BulkRedraw) + 3
	reqs, _ = h.store.ListRequests(h.ctx, tap.RequestFilter{Batch: batch})
	for _, q := range reqs {
		if q.State != tap.StateIssued {
			t.Errorf("%s: %s", q.Target.UPN, q.State)
		}
	}
	card = h.msgr.To(approversChannel)[0].Message
	if !strings.Contains(chattest.Text(card), fmt.Sprintf("%d issued, 0 failed", n)) || len(card.Buttons) != 0 {
		t.Errorf("bulk card after Approve all:\n%s", chattest.Text(card))
	}
	var progress chattest.Posted
	for _, p := range h.msgr.To(alex.ID) {
		if strings.Contains(chattest.Text(p.Sent), "went to the approvers as one batch") {
			progress = p
		}
	}
	if !strings.Contains(chattest.Text(progress.Message), fmt.Sprintf("%d issued, 0 failed", n)) || progress.Updates == 0 || progress.Updates > bound {
		t.Errorf("Alex's progress message (%d updates, at most %d):\n%s", progress.Updates, bound, chattest.Text(progress.Message))
	}
	if r := h.click(irvin, chat.ActionBulkApprove, batch); !strings.Contains(r.Text(), "already approved by Irvin Sayers") {
		t.Errorf("stale Approve all:\n%s", r.Text())
	}
	for _, q := range reqs[:3] {
		r := h.click(megan, chat.ActionReveal, string(q.ID))
		if !r.Last().HasSecret() {
			t.Fatalf("Megan cannot reveal %s:\n%s", q.Target.UPN, r.Text())
		}
		if got := h.state(q.ID); got != tap.StateDelivered {
			t.Errorf("%s after reveal: %s", q.Target.UPN, got)
		}
	}
	if r := h.click(alex, chat.ActionReveal, string(reqs[4].ID)); r.Last().HasSecret() {
		t.Fatal("the batch's sender revealed a hiring manager's pass")
	}
}

// TestBulkDateReadInTheHiringManagersZone: HR's uploader is in UTC, the
// hiring manager in Los Angeles. A start given as a date is 07:00 where
// the new hire works (the hiring manager's zone, as a single request's
// new hire defaults to the requester's), not 07:00 UTC, which is 23:00
// the evening before in Los Angeles; a row's time_zone wins.
func TestBulkDateReadInTheHiringManagersZone(t *testing.T) {
	h := newHarness(t, "approval", bulkPolicy)
	h.build(nil)
	la := megan
	la.Zone = "America/Los_Angeles"
	h.say(la, "status") // her client reports her zone, as Slack's users.info and Teams' localTimezone do
	day := time.Now().AddDate(0, 0, 5).Format("2006-01-02")
	for i, upn := range []string{"la.hire@contoso.com", "berlin.hire@contoso.com"} {
		id := h.tenant.AddUser(simtenant.User{UPN: upn, DisplayName: fmt.Sprintf("Hire %d", i), Mail: upn, Department: "Sales"})
		_ = h.tenant.SetManager(id, simtenant.DemoMeganID)
	}
	csv := "upn,start,lifetime,reason,manager,time_zone\n" +
		"la.hire@contoso.com," + day + ",8h,onboarding," + simtenant.DemoMeganUPN + ",\n" +
		"berlin.hire@contoso.com," + day + ",8h,onboarding," + simtenant.DemoMeganUPN + ",Europe/Berlin\n"
	sum := h.say(alex, "bulk Zones\n```\n"+csv+"```").Last()
	batch := chattest.ButtonValue(sum, chat.ActionBulkSend)
	if batch == "" {
		t.Fatalf("no Send button:\n%s", chattest.Text(sum))
	}
	h.click(alex, chat.ActionBulkSend, batch)
	reqs, err := h.store.ListRequests(h.ctx, tap.RequestFilter{Batch: batch})
	if err != nil || len(reqs) != 2 {
		t.Fatalf("%d requests (%v)", len(reqs), err)
	}
	want := map[string]string{"la.hire@contoso.com": "America/Los_Angeles", "berlin.hire@contoso.com": "Europe/Berlin"}
	for _, q := range reqs {
		loc, _ := time.LoadLocation(want[q.Target.UPN])
		if got := q.Start.In(loc); got.Format("2006-01-02 15:04") != day+" 07:00" || q.HireZone != want[q.Target.UPN] {
			t.Errorf("%s starts %s (%s, zone %q), want %s 07:00 in %s", q.Target.UPN, got, q.Start.UTC(), q.HireZone, day, want[q.Target.UPN])
		}
	}
}
