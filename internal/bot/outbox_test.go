package bot_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/tap"
)

// stepClock is a clock the test moves.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *stepClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// killed stands for a process killed between each commit and its notice:
// no notice reaches the router.
func killed(approvals.Notifier) approvals.Notifier { return deadNotifier{} }

type deadNotifier struct{}

func (deadNotifier) Notify(context.Context, approvals.Notice) error {
	return errors.New("process killed after the commit")
}

// clockedHarness is newHarness with approvals on a clock the test moves.
func clockedHarness(t *testing.T) (*harness, *stepClock) {
	h := newHarness(t, "approval")
	clk := &stepClock{now: time.Now()}
	h.acfg.Now = clk.Now
	h.build(nil)
	return h, clk
}

// sweepAfter moves the clock on by d and runs one sweep, as the replica
// holding the sweeper lease does.
func (h *harness) sweepAfter(clk *stepClock, d time.Duration) {
	h.t.Helper()
	clk.add(d)
	if err := h.svc.Sweep(h.ctx); err != nil {
		h.t.Fatalf("sweep: %v", err)
	}
	h.router.Wait()
}

// messages counts the messages posted to id whose text, as sent, contains
// text.
func (h *harness) messages(id, text string) int {
	n := 0
	for _, p := range h.msgr.To(id) {
		if strings.Contains(chattest.Text(p.Sent), text) {
			n++
		}
	}
	return n
}

// TestNoticesSurviveACrashAfterEachCommit kills the process between each
// commit of a request's life and its notice (submit, approve and issue,
// reveal), restarts it over the same store and lets the sweeper run:
// every person is told once and the approval card is posted once and
// shows the latest state.
func TestNoticesSurviveACrashAfterEachCommit(t *testing.T) {
	h, clk := clockedHarness(t)
	crash := func(act func()) {
		h.build(killed)
		act()
		h.router.Wait()
		h.build(nil) // the restart
		h.sweepAfter(clk, time.Minute)
	}
	crash(func() {
		h.say(megan, oneShot)
		h.say(megan, "yes")
	})
	cards := h.msgr.To(approversChannel)
	if len(cards) != 1 {
		t.Fatalf("%d approval cards after the restart, want 1", len(cards))
	}
	id := tap.RequestID(chattest.ButtonValue(cards[0].Message, chat.ActionApprove))
	if id == "" || h.messages(megan.ID, "went to the approvers") != 1 {
		t.Fatalf("card %q; megan got %d 'went to the approvers'", chattest.Text(cards[0].Message), h.messages(megan.ID, "went to the approvers"))
	}

	crash(func() { h.click(alex, chat.ActionApprove, string(id)) })
	if h.state(id) != tap.StateIssued {
		t.Fatalf("state %s", h.state(id))
	}
	reveal := 0
	for _, p := range h.msgr.To(megan.ID) {
		if chattest.ButtonValue(p.Message, chat.ActionReveal) == string(id) {
			reveal++
		}
	}
	card, _ := h.msgr.Last(approversChannel)
	if reveal != 1 || len(h.msgr.To(approversChannel)) != 1 || chattest.ButtonValue(card.Message, chat.ActionApprove) != "" {
		t.Fatalf("%d reveal cards; approval card (of %d) now: %s", reveal, len(h.msgr.To(approversChannel)), chattest.Text(card.Message))
	}

	crash(func() {
		if r := h.click(megan, chat.ActionReveal, string(id)); !r.Last().HasSecret() {
			t.Fatalf("no pass shown: %s", r.Text())
		}
	})
	if n := h.messages(megan.ID, "Onboarding guide for"); n != 1 {
		t.Fatalf("%d guides after the restart, want 1", n)
	}

	// Nothing is sent twice by later sweeps.
	before, beforeCards := len(h.msgr.To(megan.ID)), len(h.msgr.To(approversChannel))
	h.sweepAfter(clk, time.Hour)
	if len(h.msgr.To(megan.ID)) != before || len(h.msgr.To(approversChannel)) != beforeCards {
		t.Fatal("a later sweep sent a notice again")
	}
	if r, err := h.store.GetRequest(h.ctx, id); err != nil || len(r.Outbox) != 0 {
		t.Fatalf("outbox %+v, %v", r.Outbox, err)
	}
}

// TestRequesterToldQueuedUntilApproversReached: with the approvers'
// channel not answering, the requester is told once that the request is
// queued, not that it went to the approvers; when the channel answers
// again the sweeper posts the card once and only then says it went.
func TestRequesterToldQueuedUntilApproversReached(t *testing.T) {
	h, clk := clockedHarness(t)
	h.msgr.SetUnreachable(approversChannel)
	h.say(megan, oneShot)
	h.say(megan, "yes")
	queued := "couldn't reach the approvers yet"
	if h.messages(megan.ID, queued) != 1 || h.messages(megan.ID, "went to the approvers") != 0 {
		t.Fatalf("megan was told: %v", h.msgr.To(megan.ID))
	}
	h.sweepAfter(clk, time.Minute) // still down: retried, not told again
	if h.messages(megan.ID, queued) != 1 || len(h.msgr.To(approversChannel)) != 0 {
		t.Fatalf("after a failed retry: %d queued notes, %d cards", h.messages(megan.ID, queued), len(h.msgr.To(approversChannel)))
	}
	h.msgr.SetReachable(approversChannel)
	h.sweepAfter(clk, 10*time.Minute)
	h.sweepAfter(clk, 10*time.Minute)
	if len(h.msgr.To(approversChannel)) != 1 || h.messages(megan.ID, "went to the approvers") != 1 || h.messages(megan.ID, queued) != 1 {
		t.Fatalf("after recovery: %d cards, megan told %v", len(h.msgr.To(approversChannel)), h.msgr.To(megan.ID))
	}
}

// TestRetryDoesNotPostTheCardTwice: the card went out but the requester's
// message did not; the retry tells the requester and leaves the card
// where it is.
func TestRetryDoesNotPostTheCardTwice(t *testing.T) {
	h, clk := clockedHarness(t)
	h.msgr.SetUnreachable(megan.ID)
	h.say(megan, oneShot)
	h.say(megan, "yes")
	if len(h.msgr.To(approversChannel)) != 1 || len(h.msgr.To(megan.ID)) != 0 {
		t.Fatalf("%d cards, %d messages to megan", len(h.msgr.To(approversChannel)), len(h.msgr.To(megan.ID)))
	}
	h.msgr.SetReachable(megan.ID)
	h.sweepAfter(clk, time.Minute)
	h.sweepAfter(clk, time.Minute)
	if len(h.msgr.To(approversChannel)) != 1 || h.messages(megan.ID, "went to the approvers") != 1 {
		t.Fatalf("after the retry: %d cards, megan told %v", len(h.msgr.To(approversChannel)), h.msgr.To(megan.ID))
	}
}

// TestLateNoticeLeavesTheLatestStateOnTheCard: a notice delivered after
// the request moved on (a retry, a slow replica) does not put the older
// state back on the approval card.
func TestLateNoticeLeavesTheLatestStateOnTheCard(t *testing.T) {
	h, _ := clockedHarness(t)
	id := h.request(oneShot)
	old, err := h.svc.Get(h.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	h.click(alex, chat.ActionApprove, string(id))
	card, _ := h.msgr.Last(approversChannel)
	want := chattest.Text(card.Message)
	h.build(nil) // another replica, which never drew this card
	if err := h.router.Notify(h.ctx, approvals.Notice{Kind: approvals.NoticeApproval, Request: old}); err != nil {
		t.Fatal(err)
	}
	card, _ = h.msgr.Last(approversChannel)
	if got := chattest.Text(card.Message); got != want {
		t.Fatalf("card after the late notice:\n%s\nwant:\n%s", got, want)
	}
}

// TestReplicaKilledAfterCommitsOnPostgres: on PostgreSQL, a replica that
// commits a submit and an approval but dies before their notices is
// killed; another replica's sweeper delivers both: one approval card,
// showing the latest state, and the requester told each thing once.
func TestReplicaKilledAfterCommitsOnPostgres(t *testing.T) {
	clk := &stepClock{now: time.Now()}
	c := newCluster(t, 0, approvals.Config{Now: clk.Now})
	c.notices = killed
	dying := c.start()
	c.notices = nil
	survivor := c.start()
	c.say(dying, megan, oneShot)
	c.say(dying, megan, "yes")
	if n := len(c.msgr.To(approversChannel)); n != 0 {
		t.Fatalf("the dying replica posted %d cards", n)
	}
	var id tap.RequestID
	c.sql(`SELECT id FROM requests`, &id)
	if r := c.click(dying, alex, chat.ActionApprove, string(id)); c.get(id).State != tap.StateIssued {
		t.Fatalf("approve: %s", r.Text())
	}
	c.kill(dying)
	clk.add(time.Minute)
	if err := survivor.svc.Sweep(c.ctx); err != nil {
		t.Fatal(err)
	}
	survivor.router.Wait()
	card := c.card(id)
	if chattest.ButtonValue(card.Message, chat.ActionApprove) != "" {
		t.Errorf("the card still offers Approve: %s", chattest.Text(card.Message))
	}
	// Both late messages are drawn from the request as it is now, so
	// both carry its Reveal button; the "ready" message is sent once.
	if n := c.count(megan.ID, func(m chat.Message) bool { return strings.Contains(chattest.Text(m), "is ready and sealed") }); n != 1 {
		t.Errorf("megan told %d times that the pass is ready", n)
	}
	if n := c.count(megan.ID, func(m chat.Message) bool { return strings.Contains(chattest.Text(m), "went to the approvers") }); n != 1 {
		t.Errorf("megan told %d times that it went to the approvers", n)
	}
	if r := c.get(id); len(r.Outbox) != 0 {
		t.Errorf("outbox %+v", r.Outbox)
	}
}
