package bot_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/policy"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

const tapPath = "/users/*/authentication/temporaryAccessPassMethods"

// TestLostCreateResponseIsReconciled: Graph creates the pass but the
// answer is lost. The value is unknowable, so the live pass must be
// deleted, never re-created blindly, and the requester told.
func TestLostCreateResponseIsReconciled(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	h.tenant.DropResponse("POST", tapPath, 1)
	h.click(alex, chat.ActionApprove, string(id))
	if n := h.tenant.Creates(simtenant.DemoSarahID); n != 1 {
		t.Fatalf("creates = %d, want 1 (never blindly repeated)", n)
	}
	if live := h.tenant.Passes(simtenant.DemoSarahID); len(live) != 0 {
		t.Fatalf("orphan pass left live in Entra: %+v", live)
	}
	if got := h.state(id); got != tap.StateFailed {
		t.Fatalf("state = %s, want failed", got)
	}
	last, _ := h.msgr.Last(megan.ID)
	if !strings.Contains(chattest.Text(last.Message), "could not be issued") {
		t.Errorf("requester not told: %s", chattest.Text(last.Message))
	}
}

// TestThrottledCreateIsRetriedOnce: a 429 with Retry-After is honoured
// and the pass is created exactly once.
func TestThrottledCreateIsRetriedOnce(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	h.tenant.Throttle("POST", tapPath, 1, "1")
	h.click(alex, chat.ActionApprove, string(id))
	if got := h.state(id); got != tap.StateIssued {
		t.Fatalf("state = %s, want issued after one throttled attempt", got)
	}
	if n := h.tenant.Creates(simtenant.DemoSarahID); n != 1 {
		t.Fatalf("creates = %d, want 1", n)
	}
}

// TestGraphRefusalReachesRequesterPlainly: Graph's own refusal (the
// tenant narrowed the policy after submit) becomes a plain sentence.
func TestGraphRefusalReachesRequesterPlainly(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	p := h.tenant.Policy()
	p.MaxLifetimeMinutes = 120
	h.tenant.SetPolicy(p)
	h.click(alex, chat.ActionApprove, string(id))
	if got := h.state(id); got != tap.StateFailed {
		t.Fatalf("state = %s, want failed", got)
	}
	last, _ := h.msgr.Last(megan.ID)
	text := chattest.Text(last.Message)
	if !strings.Contains(text, "could not be issued") || strings.Contains(text, "reference") {
		t.Errorf("requester told: %s", text)
	}
}

// TestRevealWithoutPrivateSurfaceKeepsThePassSealed: a client that cannot
// answer privately (Action.Submit fallback) must not burn the pass.
func TestRevealWithoutPrivateSurfaceKeepsThePassSealed(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	h.click(alex, chat.ActionApprove, string(id))
	h.router.Handle(h.ctx, chat.Event{Kind: chat.KindAction, User: megan, Action: chat.ActionReveal, Value: string(id),
		Conversation: tap.Ref{Conversation: "dm-" + megan.ID}})
	if got := h.state(id); got != tap.StateIssued {
		t.Fatalf("state = %s; the sealed pass was used without a private surface", got)
	}
	last, _ := h.msgr.Last(megan.ID)
	if !strings.Contains(chattest.Text(last.Message), "privately") {
		t.Errorf("requester not told why: %s", chattest.Text(last.Message))
	}
	if r := h.click(megan, chat.ActionReveal, string(id)); !r.Last().HasSecret() {
		t.Fatal("the pass is gone after the refused reveal")
	}
}

// TestUnshownPassIsRevoked: the private reply carrying the pass fails
// (e.g. the Teams invoke deadline passed). The sealed copy is gone, so
// the live pass is deleted rather than left unseen in Entra.
func TestUnshownPassIsRevoked(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	h.click(alex, chat.ActionApprove, string(id))
	ev := chat.Event{Kind: chat.KindAction, User: megan, Action: chat.ActionReveal, Value: string(id),
		Conversation: tap.Ref{Conversation: "dm-" + megan.ID}}
	var shown []chat.Message
	ev.Reply = func(_ context.Context, m chat.Message) error {
		if m.HasSecret() {
			return errors.New("invoke response already written")
		}
		shown = append(shown, m)
		return nil
	}
	h.router.Handle(h.ctx, ev)
	h.router.Wait()
	if got := h.state(id); got != tap.StateRevoked {
		t.Fatalf("state = %s, want revoked", got)
	}
	if live := h.tenant.Passes(simtenant.DemoSarahID); len(live) != 0 {
		t.Fatalf("unshown pass still live: %+v", live)
	}
	// The private surface failed, so the requester is told by message
	// (in any order with the reveal's own notice, which runs apart).
	if h.messages(megan.ID, "deleted it in Entra") != 1 {
		last, _ := h.msgr.Last(megan.ID)
		t.Errorf("requester not told; last message: %s", chattest.Text(last.Message))
	}
	if len(shown) != 0 {
		t.Errorf("%d more replies went to the surface that had just failed", len(shown))
	}
}

// TestTargetBecameAdminBeforeApproval: roles are re-read just before the
// create; a new hire made Global Administrator meanwhile gets no pass.
func TestTargetBecameAdminBeforeApproval(t *testing.T) {
	h := newHarness(t, "approval")
	id := h.request(oneShot)
	if err := h.tenant.AssignRole(simtenant.DemoSarahID, "Global Administrator", false); err != nil {
		t.Fatal(err)
	}
	h.click(alex, chat.ActionApprove, string(id))
	if n := h.tenant.TotalCreates(); n != 0 {
		t.Fatalf("a pass was created for a new administrator (%d creates)", n)
	}
	if got := h.state(id); got != tap.StateFailed {
		t.Fatalf("state = %s, want failed", got)
	}
	last, _ := h.msgr.Last(megan.ID)
	if !strings.Contains(chattest.Text(last.Message), "Global Administrator") {
		t.Errorf("requester not told why: %s", chattest.Text(last.Message))
	}
}

// TestConcurrentSubmitsRespectQuota: a requester allowed one open request
// submits two (for two new hires) at the same moment: one gets through.
func TestConcurrentSubmitsRespectQuota(t *testing.T) {
	h := newHarness(t, "approval", func(c *policy.Config) { c.Quotas.OpenPerRequester = 1 })
	requester := tap.Actor{Platform: chattest.Platform, ChatID: megan.ID, EntraID: megan.EntraID, Name: "Megan Bowen"}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, target := range []tap.UserID{simtenant.DemoSarahID, simtenant.DemoDiegoID} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = h.svc.Submit(h.ctx, &tap.Request{Requester: requester, Target: tap.User{ID: target},
				Lifetime: 8 * time.Hour, Reason: tap.ReasonOnboarding, Justification: "first day"})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		var ref *tap.Refusal
		switch {
		case err == nil:
			ok++
		case !errors.As(err, &ref):
			t.Errorf("not a plain refusal: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d of 2 concurrent submits accepted with a quota of one open request: %v", ok, errs)
	}
}
