package bot_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

const oneShot = "pass for sarah.johnson@contoso.com tomorrow 9am, 8 hours, onboarding, multi-use because she starts in Sales"

// TestRequestApproveRevealConfirm walks the whole flow and then looks for
// the pass everywhere it must not be.
func TestRequestApproveRevealConfirm(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	if got := h.state(id); got != tap.StatePending {
		t.Fatalf("state after submit = %s", got)
	}
	if last, _ := h.msgr.Last(megan.ID); !strings.Contains(chattest.Text(last.Message), "went to the approvers") {
		t.Errorf("requester not told of submission: %s", chattest.Text(last.Message))
	}

	r := h.click(alex, chat.ActionApprove, string(id))
	if got := h.state(id); got != tap.StateIssued {
		t.Fatalf("state after approve = %s; alex was told:\n%s", got, r.Text())
	}
	if n := h.tenant.Creates(simtenant.DemoSarahID); n != 1 {
		t.Fatalf("graph creates = %d, want 1", n)
	}
	card, _ := h.msgr.Last(approversChannel)
	if len(card.Message.Buttons) != 0 || !strings.Contains(chattest.Text(card.Message), "Approved by Alex Wilber") {
		t.Errorf("approval card not updated in place for everyone:\n%s", chattest.Text(card.Message))
	}
	dm, _ := h.msgr.Last(megan.ID)
	if chattest.ButtonValue(dm.Message, chat.ActionReveal) != string(id) {
		t.Fatalf("requester has no Reveal button:\n%s", chattest.Text(dm.Message))
	}

	// Someone else clicking Reveal sees nothing and the approvers are told.
	r = h.click(diego, chat.ActionReveal, string(id))
	if r.Last().HasSecret() {
		t.Fatal("a non-requester saw the pass")
	}
	if got := h.state(id); got != tap.StateIssued {
		t.Fatalf("foreign reveal changed state to %s", got)
	}

	r = h.click(megan, chat.ActionReveal, string(id))
	reveal := r.Last()
	if !reveal.HasSecret() {
		t.Fatalf("reveal shows no pass:\n%s", r.Text())
	}
	pass := reveal.Secret.Reveal()
	if len(pass) < 8 {
		t.Fatalf("pass %d chars, want ≥ 8", len(pass))
	}
	if !strings.Contains(chattest.Text(reveal), "Windows Hello") {
		t.Errorf("reveal lacks the onboarding guide:\n%s", chattest.Text(reveal))
	}
	if again := h.click(megan, chat.ActionReveal, string(id)); again.Last().HasSecret() {
		t.Fatal("the pass was shown twice")
	}
	if got := h.state(id); got != tap.StateDelivered {
		t.Fatalf("state after reveal = %s", got)
	}

	// "done" before any strong method: told what is missing, nothing closes.
	r = h.say(sarah, "done")
	if got := h.state(id); got != tap.StateDelivered {
		t.Fatalf("done without methods moved the request to %s", got)
	}
	if !strings.Contains(r.Text(), "Authenticator") {
		t.Errorf("new hire not told what is missing:\n%s", r.Text())
	}
	if _, err := h.tenant.RegisterMethod(simtenant.DemoSarahUPN, tap.MethodWindowsHello); err != nil {
		t.Fatal(err)
	}
	h.say(sarah, "done")
	if got := h.state(id); got != tap.StateConfirmed {
		t.Fatalf("state after done = %s", got)
	}
	if live := h.tenant.Passes(simtenant.DemoSarahID); len(live) != 0 {
		t.Errorf("pass still in Entra after confirmation: %+v", live)
	}
	if last, _ := h.msgr.Last(megan.ID); !strings.Contains(chattest.Text(last.Message), "finished setting up") {
		t.Errorf("requester not told of confirmation: %s", chattest.Text(last.Message))
	}

	h.assertPassNowhere(pass)
}

// assertPassNowhere checks invariant 1: logs, database file bytes, audit
// export, every persisted chat message.
func (h *harness) assertPassNowhere(pass string) {
	h.t.Helper()
	if strings.Contains(h.logs.String(), pass) {
		h.t.Error("the pass appears in the logs")
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(h.dbPath + suffix)
		if err != nil {
			continue
		}
		if bytes.Contains(b, []byte(pass)) {
			h.t.Errorf("the pass appears in plaintext in %s", h.dbPath+suffix)
		}
	}
	var export bytes.Buffer
	if err := h.trail.Export(h.ctx, &export); err != nil {
		h.t.Fatal(err)
	}
	if export.Len() == 0 {
		h.t.Error("audit export is empty")
	}
	if strings.Contains(export.String(), pass) {
		h.t.Error("the pass appears in the audit export")
	}
	for _, m := range h.msgr.All() {
		b, _ := json.Marshal(m)
		if strings.Contains(chattest.Text(m), pass) || bytes.Contains(b, []byte(pass)) {
			h.t.Errorf("the pass appears in a persisted chat message: %s", chattest.Text(m))
		}
	}
	if rep, err := h.trail.Verify(h.ctx); err != nil || !rep.OK() {
		h.t.Errorf("audit verify: %v %+v", err, rep)
	}
}

func TestDenyWithReason(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	r := h.click(alex, chat.ActionDeny, string(id))
	form := r.Last().Form
	if form == nil || form.ID != chat.FormDeny {
		t.Fatalf("deny did not ask for a reason:\n%s", r.Text())
	}
	r = h.submitForm(alex, chat.FormDeny, form.State, map[string]string{"reason": " "})
	if f := r.Last().Form; f == nil || f.Fields[0].Error == "" {
		t.Fatalf("empty reason accepted:\n%s", r.Text())
	}
	r = h.submitForm(alex, chat.FormDeny, form.State, map[string]string{"reason": strings.Repeat("x", 600)})
	if f := r.Last().Form; f == nil || f.Fields[0].Error == "" {
		t.Fatalf("a 600-character reason accepted:\n%s", r.Text())
	}
	h.submitForm(alex, chat.FormDeny, form.State, map[string]string{"reason": "Start date\u202e moved\u200b <!channel>"})
	if got := h.state(id); got != tap.StateDenied {
		t.Fatalf("state = %s, want denied", got)
	}
	if req, _ := h.store.GetRequest(h.ctx, id); strings.ContainsAny(req.DecisionReason, "\u202e\u200b") {
		t.Errorf("bidi/zero-width characters kept in the reason: %q", req.DecisionReason)
	}
	card, _ := h.msgr.Last(approversChannel)
	if len(card.Message.Buttons) != 0 || !strings.Contains(chattest.Text(card.Message), "Denied by Alex Wilber") {
		t.Errorf("card not updated:\n%s", chattest.Text(card.Message))
	}
	last, _ := h.msgr.Last(megan.ID)
	if !strings.Contains(chattest.Text(last.Message), "Start date moved") {
		t.Errorf("requester not told the reason: %s", chattest.Text(last.Message))
	}
	if h.tenant.TotalCreates() != 0 {
		t.Error("a pass was created for a denied request")
	}
}

func TestCancelByRequester(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	h.click(alex, chat.ActionCancel, string(id)) // not the requester
	if got := h.state(id); got != tap.StatePending {
		t.Fatalf("an approver cancelled someone else's request: %s", got)
	}
	h.click(megan, chat.ActionCancel, string(id))
	if got := h.state(id); got != tap.StateCancelled {
		t.Fatalf("state = %s, want cancelled", got)
	}
	r := h.click(alex, chat.ActionApprove, string(id))
	if h.tenant.TotalCreates() != 0 || !strings.Contains(r.Text(), "cancelled") {
		t.Errorf("approve after cancel: creates=%d reply=%q", h.tenant.TotalCreates(), r.Text())
	}
}

func TestRefusedApprovers(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	for _, u := range []chat.User{megan, sarah, diego} {
		r := h.click(u, chat.ActionApprove, string(id))
		if r.Text() == "" {
			t.Errorf("%s got no answer", u.Name)
		}
	}
	guest := alex
	guest.Guest = true
	if r := h.click(guest, chat.ActionApprove, string(id)); !strings.Contains(r.Text(), "Guests") {
		t.Errorf("guest approver not refused plainly: %q", r.Text())
	}
	if h.tenant.TotalCreates() != 0 || h.state(id) != tap.StatePending {
		t.Fatalf("a refused click issued a pass")
	}
	var export bytes.Buffer
	_ = h.trail.Export(h.ctx, &export)
	if n := strings.Count(export.String(), `"refused"`); n < 4 {
		t.Errorf("refusals audited %d times, want ≥ 3:\n%s", n, export.String())
	}
}

// TestConcurrentApprovalsCreateOnce: ten clicks at once, one Graph create.
func TestConcurrentApprovalsCreateOnce(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		u := alex
		if i%2 == 1 {
			u = irvin
		}
		go func() {
			defer wg.Done()
			h.click(u, chat.ActionApprove, string(id))
		}()
	}
	wg.Wait()
	if n := h.tenant.Creates(simtenant.DemoSarahID); n != 1 {
		t.Fatalf("graph creates = %d, want exactly 1", n)
	}
	if got := h.state(id); got != tap.StateIssued {
		t.Fatalf("state = %s", got)
	}
}

func TestIssueOnReveal(t *testing.T) {
	h := newHarness(t, "reveal")
	id := h.request(oneShot)
	h.click(alex, chat.ActionApprove, string(id))
	if h.tenant.TotalCreates() != 0 || h.state(id) != tap.StateApproved {
		t.Fatalf("issue_on reveal minted at approval: creates=%d state=%s", h.tenant.TotalCreates(), h.state(id))
	}
	r := h.click(megan, chat.ActionReveal, string(id))
	if !r.Last().HasSecret() || h.tenant.TotalCreates() != 1 || h.state(id) != tap.StateDelivered {
		t.Fatalf("reveal did not mint once: creates=%d state=%s", h.tenant.TotalCreates(), h.state(id))
	}
	h.assertPassNowhere(r.Last().Secret.Reveal())
}
