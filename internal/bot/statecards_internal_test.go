package bot

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// StateCard is one card of the state × audience table, as written to
// testdata/state_cards.json: the neutral message the adapters' golden
// tests draw (Block Kit in internal/slack, Adaptive Cards in
// internal/teams). The cards carry no Secret, so the field is left out.
type StateCard struct {
	Name    string
	Title   string        `json:",omitempty"`
	Text    string        `json:",omitempty"`
	Facts   []chat.Fact   `json:",omitempty"`
	Buttons []chat.Button `json:",omitempty"`
	Note    string        `json:",omitempty"`
}

// stateRequests is one request in every state the cards show, on fixed
// times and zones.
func stateRequests() []*tap.Request {
	at := func(h, m int) time.Time { return time.Date(2026, 12, 5, h, m, 0, 0, time.UTC) }
	alex := tap.Actor{Platform: "slack", ChatID: "UALEX", Name: "Alex Wilber"}
	irvin := tap.Actor{Platform: "teams", ChatID: "29:irvin", Name: "Irvin Sayers"}
	base := func(s tap.State) *tap.Request {
		return &tap.Request{
			ID: "req-" + tap.RequestID(s), State: s, Version: 3,
			Requester: tap.Actor{Platform: "slack", ChatID: "UMEGAN", Name: "Megan Bowen"},
			Target: tap.User{ID: "sarah", UPN: "sarah.johnson@contoso.com", DisplayName: "Sarah Johnson", Department: "Sales",
				HireDate: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)},
			Start: time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC), Lifetime: 8 * time.Hour, Reason: "onboarding",
			Justification: "starts in Sales", RequesterZone: "America/Los_Angeles", HireZone: "America/New_York",
			ApprovalsNeeded: 1, CreatedAt: at(17, 0),
		}
	}
	decided := func(s tap.State) *tap.Request {
		r := base(s)
		r.DecidedBy, r.DecidedAt = &alex, at(17, 5)
		r.Approvals = []tap.Decision{{Approver: alex, At: at(17, 5)}}
		return r
	}
	second := base(tap.StatePending)
	second.ID, second.ApprovalsNeeded = "req-second", 2
	second.Approvals = []tap.Decision{{Approver: irvin, At: at(17, 3)}}
	delivered := decided(tap.StateDelivered)
	delivered.RevealedAt = at(17, 20)
	confirmed := decided(tap.StateConfirmed)
	confirmed.RevealedAt, confirmed.ClosedAt = at(17, 20), at(21, 0)
	denied := base(tap.StateDenied)
	denied.DecidedBy, denied.DecidedAt, denied.DecisionReason = &alex, at(17, 5), "start date not confirmed by HR"
	cancelled := base(tap.StateCancelled)
	cancelled.ClosedAt = at(17, 10)
	expired := base(tap.StateExpired)
	expired.ClosedAt = at(17, 0).Add(24 * time.Hour)
	revoked := decided(tap.StateRevoked)
	revoked.ClosedAt = at(18, 0)
	failed := decided(tap.StateFailed)
	failed.FailReason = "Entra refused the pass: the tenant's policy allows at most 2 hours."
	withdrawn := decided(tap.StateRevoked)
	withdrawn.ID, withdrawn.ClosedBy, withdrawn.ClosedReason, withdrawn.ClosedAt = "req-withdrawn", &alex, "offer rescinded", at(18, 0)
	replaced := decided(tap.StateRevoked)
	replaced.ID, replaced.ReplacedBy, replaced.ClosedAt = "req-replaced", "req-new", at(18, 0)
	return []*tap.Request{base(tap.StatePending), second, decided(tap.StateApproved), decided(tap.StateIssuing),
		decided(tap.StateIssued), delivered, confirmed, denied, cancelled, expired, revoked, failed, withdrawn, replaced}
}

// stateCards is the state × audience table: the approvers' card, the
// requester's newest message (the buttons that still apply) and, for the
// reveal prompt, an earlier requester message (the state only).
func stateCards() []StateCard {
	var out []StateCard
	add := func(name string, m chat.Message) {
		out = append(out, StateCard{Name: name, Title: m.Title, Text: m.Text, Facts: m.Facts, Buttons: m.Buttons, Note: m.Note})
	}
	for _, r := range stateRequests() {
		name := string(r.ID)[len("req-"):]
		add(name+"_approvers", ApprovalCard(r))
		add(name+"_requester", requesterView(r, r.RequesterZone, true))
		if r.State == tap.StateIssued {
			add(name+"_requester_earlier", requesterView(r, r.RequesterZone, false))
		}
	}
	for _, b := range bulkStates() {
		m := BulkCard("batch-1", b.reqs, "", b.left, 2, b.reviewing)
		add("bulk_"+b.name+"_approvers", m)
		add("bulk_"+b.name+"_sender", progressView(BulkCard("batch-1", b.reqs, "America/Los_Angeles", b.left, 2, b.reviewing)))
	}
	return out
}

// bulkState is a batch of 45 in one state of its card.
type bulkState struct {
	name      string
	reqs      []*tap.Request
	left      string
	reviewing bool
}

// bulkStates are a batch's card states: waiting, reviewed one by one,
// being issued, finished (one failed, two waiting for a second approver,
// one denied).
func bulkStates() []bulkState {
	at := func(d, h int) time.Time { return time.Date(2026, 12, d, h, 0, 0, 0, time.UTC) }
	alex := tap.Actor{Platform: "slack", ChatID: "UALEX", Name: "Alex Wilber"}
	irvin := tap.Actor{Platform: "teams", ChatID: "29:irvin", Name: "Irvin Sayers"}
	batch := func(states func(i int) (tap.State, int)) []*tap.Request {
		var out []*tap.Request
		for i := range 45 {
			st, approvals := states(i)
			q := &tap.Request{ID: tap.RequestID(fmt.Sprintf("b-batch-1-%d", i+2)), State: st, Version: 2,
				Requester: tap.Actor{Platform: "slack", Name: "Megan Bowen"}, Target: tap.User{ID: tap.UserID(fmt.Sprint(i))},
				Start: at(7+i%5, 15), HireZone: "America/New_York", ApprovalsNeeded: 1, CreatedAt: at(5, 17),
				Batch: &tap.Batch{ID: "batch-1", Title: "Sales onboarding", Submitter: alex, Size: 45}}
			if approvals > 0 {
				q.ApprovalsNeeded = 2
				q.Approvals = []tap.Decision{{Approver: irvin, At: at(5, 18)}}
			}
			if st != tap.StatePending {
				q.DecidedBy, q.DecidedAt = &irvin, at(5, 18)
			}
			out = append(out, q)
		}
		return out
	}
	return []bulkState{
		{name: "waiting", reqs: batch(func(int) (tap.State, int) { return tap.StatePending, 0 })},
		{name: "reviewing", reviewing: true, reqs: batch(func(i int) (tap.State, int) {
			if i < 5 {
				return tap.StateIssued, 0
			}
			return tap.StatePending, 0
		})},
		{name: "issuing", left: "1 min", reqs: batch(func(i int) (tap.State, int) {
			if i < 30 {
				return tap.StateIssued, 0
			}
			return tap.StateIssuing, 0
		})},
		{name: "finished", reqs: batch(func(i int) (tap.State, int) {
			switch {
			case i == 0:
				return tap.StateFailed, 0
			case i == 1:
				return tap.StateDenied, 0
			case i < 4:
				return tap.StatePending, 1
			}
			return tap.StateIssued, 0
		})},
	}
}

// TestGoldenStateCards keeps testdata/state_cards.json, the cards of every
// state for every audience; the adapters draw the same file into their
// own golden files. Refresh with go test ./internal/bot -run TestGoldenStateCards -update.
func TestGoldenStateCards(t *testing.T) {
	cards := stateCards()
	for _, c := range cards {
		if c.Text == "" || len(c.Facts) == 0 {
			t.Errorf("%s: no status or facts", c.Name)
		}
		for _, b := range c.Buttons {
			if b.Value == "" {
				t.Errorf("%s: button %s carries no request", c.Name, b.Action)
			}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(cards); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "state_cards.json")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGoldenStateCards -update)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s differs (go test -update to accept); got:\n%s", path, buf.Bytes())
	}
}

// TestStateCardsOfferOnlyWhatStillApplies: the buttons each audience sees
// in each state.
func TestStateCardsOfferOnlyWhatStillApplies(t *testing.T) {
	want := map[string][]string{
		"pending_approvers": {chat.ActionApprove, chat.ActionDeny}, "pending_requester": {chat.ActionCancel},
		"second_approvers": {chat.ActionApprove, chat.ActionDeny}, "second_requester": {chat.ActionCancel},
		"approved_requester": {chat.ActionReveal, chat.ActionRevoke}, "issued_requester": {chat.ActionReveal, chat.ActionRevoke},
		"delivered_requester": {chat.ActionRevoke},
		"expired_requester":   {chat.ActionReissue}, "failed_requester": {chat.ActionReissue},
		"bulk_waiting_approvers":   {chat.ActionBulkApprove, chat.ActionBulkReview},
		"bulk_reviewing_approvers": {chat.ActionBulkApprove}, "bulk_finished_approvers": {chat.ActionBulkApprove, chat.ActionBulkReview},
	}
	for _, c := range stateCards() {
		var got []string
		for _, b := range c.Buttons {
			got = append(got, b.Action)
		}
		if !slices.Equal(got, want[c.Name]) {
			t.Errorf("%s offers %v, want %v", c.Name, got, want[c.Name])
		}
	}
}
