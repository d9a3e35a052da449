package policy

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// refusedWith asserts err is a refusal wrapping sentinel and returns its sentence.
func refusedWith(t *testing.T, err, sentinel error) string {
	t.Helper()
	var ref *tap.Refusal
	if !errors.As(err, &ref) || !errors.Is(err, sentinel) {
		t.Fatalf("err = %v, want a refusal wrapping %v", err, sentinel)
	}
	return ref.Msg
}

// Issue 10 row 1: a manager asks for a pass for someone who can approve
// (or request); with it they would approve as that person from then on.
func TestAttack_ApprovalBootstrap(t *testing.T) {
	ctx := context.Background()
	for _, target := range []string{"ann", "rita", "hal"} { // approver, recovery approver, requester group
		t.Run("refused/"+target, func(t *testing.T) {
			e := newEnv(t)
			e.must(e.tenant.SetManager(string(e.ids[target]), string(e.ids["mia"])))
			_, err := e.checker().CheckSubmit(ctx, e.draft(target))
			msg := refusedWith(t, err, tap.ErrPrivileged)
			if !strings.Contains(msg, "can approve or request passes") {
				t.Fatalf("sentence = %q", msg)
			}
			if err := e.checker().CheckTarget(ctx, e.ids["mia"], tap.User{ID: e.ids[target], DisplayName: people[target], Enabled: true}); !errors.Is(err, tap.ErrPrivileged) {
				t.Fatalf("dialog's early check = %v, want privileged", err)
			}
		})
	}
	t.Run("two_approvers option", func(t *testing.T) {
		e := newEnv(t)
		e.cfg.ApproverTargets = ApproverTargetsTwoApprovers
		r := e.draft("ann")
		if _, err := e.checker().CheckSubmit(ctx, r); err != nil {
			t.Fatal(err)
		}
		if r.ApprovalsNeeded != 2 {
			t.Fatalf("approvals needed = %d, want 2", r.ApprovalsNeeded)
		}
		// Ann cannot approve her own; Bob's approval alone does not issue
		// (the approvals service counts two distinct approvers).
		if err := e.checker().CheckApprove(ctx, r, e.actor("ann")); !errors.Is(err, tap.ErrSelfApproval) {
			t.Fatalf("target approving = %v", err)
		}
	})
	t.Run("target became an approver while the request waited", func(t *testing.T) {
		e := newEnv(t)
		c := e.checker()
		r := e.draft("sarah")
		if _, err := c.CheckSubmit(ctx, r); err != nil {
			t.Fatal(err)
		}
		e.must(e.tenant.AddMember(e.groups["TAP Approvers"], string(e.ids["sarah"])))
		refusedWith(t, c.CheckApprove(ctx, r, e.actor("bob")), tap.ErrPrivileged)
		r.Approvals = []tap.Decision{{Approver: e.actor("bob")}}
		refusedWith(t, c.CheckIssue(ctx, r), tap.ErrPrivileged)
		// A denial is never blocked by it.
		if err := c.CheckDecision(ctx, r, e.actor("ann")); err != nil {
			t.Fatalf("deny check = %v", err)
		}
	})
}

// Issue 10 row 3: someone not allowed to request learns nothing about a
// target: not its roles, not that it is disabled or excluded.
func TestAttack_AdminOracle(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	c := e.checker()
	want := ""
	for _, target := range []string{"ada", "eli", "gus", "dan", "xena", "sarah"} {
		r := e.draft(target)
		r.Requester = e.actor("sam") // manages nobody, in no requester group
		_, err := c.CheckSubmit(ctx, r)
		msg := refusedWith(t, err, tap.ErrForbidden)
		if want == "" {
			want = msg
		}
		if msg != want {
			t.Errorf("%s: %q differs from %q: the answer depends on the target", target, msg, want)
		}
		for _, leak := range []string{"Administrator", "admin", "disabled", "Eligible", "privileged", people[target]} {
			if strings.Contains(msg, leak) {
				t.Errorf("%s: sentence %q reveals %q", target, msg, leak)
			}
		}
		if err := c.CheckTarget(ctx, e.ids["sam"], tap.User{ID: e.ids[target], DisplayName: people[target], Enabled: true}); !errors.Is(err, tap.ErrForbidden) {
			t.Errorf("%s: dialog's early check = %v, want the same forbidden", target, err)
		}
	}
	// Mia may ask for her report Ada, but is not an approver: she hears
	// "privileged", not which role.
	_, err := c.CheckSubmit(ctx, e.draft("ada"))
	if msg := refusedWith(t, err, tap.ErrPrivileged); strings.Contains(msg, "Global") {
		t.Fatalf("role named to a non-approver: %q", msg)
	}
	// An approver who may request (in the requester group) is told the role.
	e.must(e.tenant.AddMember(e.groups["TAP Requesters"], string(e.ids["bob"])))
	r := e.draft("ada")
	r.Requester = e.actor("bob")
	_, err = c.CheckSubmit(ctx, r)
	if msg := refusedWith(t, err, tap.ErrPrivileged); !strings.Contains(msg, "Global Administrator") {
		t.Fatalf("approver not told the role: %q", msg)
	}
}

// Issue 10 row 4: the label "onboarding" does not decide the controls
// when the facts say the target is an existing user.
func TestAttack_LabelDecidesControls(t *testing.T) {
	ctx := context.Background()
	t.Run("sign-in method registered", func(t *testing.T) {
		e := newEnv(t)
		if _, err := e.tenant.RegisterMethod(string(e.ids["sarah"]), tap.MethodAuthenticator); err != nil {
			t.Fatal(err)
		}
		r := e.draft("sarah")
		r.Lifetime = 2 * time.Hour
		ws, err := e.checker().CheckSubmit(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if r.Reason != tap.ReasonRecovery || r.ApprovalsNeeded != 2 {
			t.Fatalf("reason %s, approvals %d; want recovery, 2", r.Reason, r.ApprovalsNeeded)
		}
		if !strings.Contains(strings.Join(ws, "\n"), "Sarah Johnson has Microsoft Authenticator registered since 2026-11-30: treated as a recovery") {
			t.Fatalf("warnings = %q", ws)
		}
		// Recovery approvers, not the general group, decide it.
		refusedWith(t, e.checker().CheckDecision(ctx, r, e.actor("ann")), tap.ErrForbidden)
		// And the recovery cap applies to an onboarding-length pass.
		long := e.draft("sarah")
		long.Lifetime = 8 * time.Hour
		_, err = e.checker().CheckSubmit(ctx, long)
		refusedWith(t, err, tap.ErrLifetimeRange)
	})
	t.Run("account older than new_hire_days", func(t *testing.T) {
		e := newEnv(t)
		u, _ := e.tenant.Lookup(string(e.ids["sarah"]))
		u.Created = start.AddDate(0, -3, 0)
		e.tenant.AddUser(u)
		r := e.draft("sarah")
		ws, err := e.checker().CheckSubmit(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if r.Reason != tap.ReasonRecovery || !strings.Contains(strings.Join(ws, "\n"), "account was created on 2026-08-30, more than 30 days ago") {
			t.Fatalf("reason %s, warnings %q", r.Reason, ws)
		}
	})
	t.Run("a real new hire stays onboarding", func(t *testing.T) {
		e := newEnv(t)
		u, _ := e.tenant.Lookup(string(e.ids["sarah"]))
		u.Created = start.AddDate(0, 0, -3)
		e.tenant.AddUser(u)
		r := e.draft("sarah")
		if _, err := e.checker().CheckSubmit(ctx, r); err != nil || r.Reason != tap.ReasonOnboarding || r.ApprovalsNeeded != 1 {
			t.Fatalf("reason %s, approvals %d, err %v", r.Reason, r.ApprovalsNeeded, err)
		}
	})
}

// Issue 10 row 5: a requester disabled (or moved) after approval cannot
// collect the pass; an approver removed from the group no longer counts.
func TestAttack_NothingRecheckedAtReveal(t *testing.T) {
	ctx := context.Background()
	submittedFor := func(t *testing.T, e *env) (*Checker, *tap.Request) {
		c := e.checker()
		r := e.draft("sarah")
		if _, err := c.CheckSubmit(ctx, r); err != nil {
			t.Fatal(err)
		}
		return c, r
	}
	t.Run("requester disabled", func(t *testing.T) {
		e := newEnv(t)
		c, r := submittedFor(t, e)
		if err := c.CheckReveal(ctx, r, e.actor("mia")); err != nil {
			t.Fatalf("before: %v", err)
		}
		u, _ := e.tenant.Lookup(string(e.ids["mia"]))
		u.Disabled = true
		e.tenant.AddUser(u)
		if msg := refusedWith(t, c.CheckReveal(ctx, r, e.actor("mia")), tap.ErrForbidden); !strings.Contains(msg, "disabled") {
			t.Fatalf("sentence = %q", msg)
		}
	})
	t.Run("requester no longer the manager", func(t *testing.T) {
		e := newEnv(t)
		c, r := submittedFor(t, e)
		e.must(e.tenant.SetManager(string(e.ids["sarah"]), string(e.ids["vic"])))
		refusedWith(t, c.CheckReveal(ctx, r, e.actor("mia")), tap.ErrForbidden)
	})
	t.Run("another chat account of the requester", func(t *testing.T) {
		e := newEnv(t)
		c, r := submittedFor(t, e)
		other := e.actor("mia")
		other.ChatID = "U-mia-second-workspace"
		refusedWith(t, c.CheckReveal(ctx, r, other), tap.ErrForbidden)
	})
	t.Run("approver removed before the create", func(t *testing.T) {
		e := newEnv(t)
		c, r := submittedFor(t, e)
		r.Approvals = []tap.Decision{{Approver: e.actor("bob")}}
		if err := c.CheckIssue(ctx, r); err != nil {
			t.Fatalf("before: %v", err)
		}
		e.must(e.tenant.RemoveMember(e.groups["TAP Approvers"], string(e.ids["bob"])))
		if msg := refusedWith(t, c.CheckIssue(ctx, r), tap.ErrForbidden); !strings.Contains(msg, "Bob Approver, who approved this request, is no longer an approver") {
			t.Fatalf("sentence = %q", msg)
		}
	})
}
