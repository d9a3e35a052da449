package policy

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

type submitCase struct {
	name    string
	target  string                       // short name in the seeded tenant
	setup   func(e *env)                 // changes tenant, store or config
	edit    func(e *env, r *tap.Request) // changes the draft
	wantErr error                        // sentinel; nil: allowed
	check   func(t *testing.T, e *env, r *tap.Request, warnings []string)
}

func hours(n float64) time.Duration { return time.Duration(n * float64(time.Hour)) }

func wantWarning(sub string) func(*testing.T, *env, *tap.Request, []string) {
	return func(t *testing.T, _ *env, _ *tap.Request, ws []string) {
		t.Helper()
		for _, w := range ws {
			if strings.Contains(w, sub) {
				return
			}
		}
		t.Errorf("warnings %q lack %q", ws, sub)
	}
}

func setPolicy(edit func(p *simtenant.Policy)) func(e *env) {
	return func(e *env) {
		p := e.tenant.Policy()
		edit(&p)
		e.tenant.SetPolicy(p)
	}
}

var submitCases = []submitCase{
	// Allowed.
	{name: "manager asks for onboarding with defaults", target: "sarah",
		check: func(t *testing.T, e *env, r *tap.Request, ws []string) {
			if r.Lifetime != hours(8) || r.OneTime || !r.Start.IsZero() || r.ApprovalsNeeded != 1 || len(ws) != 0 {
				t.Errorf("got lifetime %v one-time %v start %v approvals %d warnings %q; want 8h, false, now, 1, none",
					r.Lifetime, r.OneTime, r.Start, r.ApprovalsNeeded, ws)
			}
			if r.Target.ID != e.ids["sarah"] || r.Target.DisplayName != "Sarah Johnson" || !r.Target.Enabled {
				t.Errorf("target not refreshed from the directory: %+v", r.Target)
			}
		}},
	{name: "requester group member asks for anyone", target: "sarah",
		edit: func(e *env, r *tap.Request) { r.Requester = e.actor("hal") }},
	{name: "internal guest may hold a pass", target: "ian"},
	{name: "requester group member for a target with no manager", target: "sarah",
		setup: func(e *env) { e.must(e.tenant.SetManager(string(e.ids["sarah"]), "")) },
		edit:  func(e *env, r *tap.Request) { r.Requester = e.actor("hal") }},
	{name: "empty reason means onboarding", target: "sarah",
		edit: func(_ *env, r *tap.Request) { r.Reason = "" },
		check: func(t *testing.T, _ *env, r *tap.Request, _ []string) {
			if r.Reason != tap.ReasonOnboarding {
				t.Errorf("reason = %q", r.Reason)
			}
		}},
	{name: "recovery needs two approvers", target: "sarah",
		edit: func(_ *env, r *tap.Request) { r.Reason = tap.ReasonRecovery },
		check: func(t *testing.T, _ *env, r *tap.Request, _ []string) {
			if r.ApprovalsNeeded != 2 || r.Lifetime != hours(2) {
				t.Errorf("approvals %d lifetime %v; want 2, 2h", r.ApprovalsNeeded, r.Lifetime)
			}
		}},
	{name: "target in a two-approver group needs two approvers", target: "vic",
		check: func(t *testing.T, _ *env, r *tap.Request, _ []string) {
			if r.ApprovalsNeeded != 2 {
				t.Errorf("approvals %d, want 2", r.ApprovalsNeeded)
			}
		}},
	{name: "default lifetime clipped to the tenant max with a warning", target: "sarah",
		setup: setPolicy(func(p *simtenant.Policy) { p.MaxLifetimeMinutes = 240 }),
		check: func(t *testing.T, e *env, r *tap.Request, ws []string) {
			if r.Lifetime != hours(4) {
				t.Errorf("lifetime %v, want 4h", r.Lifetime)
			}
			wantWarning("so the pass will last 4 hours")(t, e, r, ws)
		}},
	{name: "default lifetime raised to the tenant min with a warning", target: "sarah",
		edit:  func(_ *env, r *tap.Request) { r.Reason = tap.ReasonDemo },
		setup: setPolicy(func(p *simtenant.Policy) { p.MinLifetimeMinutes = 120 }),
		check: func(t *testing.T, e *env, r *tap.Request, ws []string) {
			if r.Lifetime != hours(2) {
				t.Errorf("lifetime %v, want 2h", r.Lifetime)
			}
			wantWarning("The usual length for demo passes is 1 hour")(t, e, r, ws)
		}},
	{name: "explicit lifetime within range is kept", target: "sarah",
		edit: func(_ *env, r *tap.Request) { r.Lifetime = 90 * time.Minute },
		check: func(t *testing.T, _ *env, r *tap.Request, ws []string) {
			if r.Lifetime != 90*time.Minute || len(ws) != 0 {
				t.Errorf("lifetime %v warnings %q", r.Lifetime, ws)
			}
		}},
	{name: "tenant one-time-only policy forces one-time use", target: "sarah",
		setup: setPolicy(func(p *simtenant.Policy) { p.IsUsableOnce = true }),
		check: func(t *testing.T, e *env, r *tap.Request, ws []string) {
			if !r.OneTime {
				t.Error("one-time not forced")
			}
			wantWarning("single sign-in")(t, e, r, ws)
		}},
	{name: "start a minute ago counts as now", target: "sarah",
		edit: func(e *env, r *tap.Request) { r.Start = e.clock().Add(-time.Minute) },
		check: func(t *testing.T, _ *env, r *tap.Request, _ []string) {
			if !r.Start.IsZero() {
				t.Errorf("start %v, want zero (now)", r.Start)
			}
		}},
	{name: "start 29 days ahead is allowed", target: "sarah",
		edit: func(e *env, r *tap.Request) { r.Start = e.clock().Add(29 * 24 * time.Hour) }},
	{name: "target in the policy's include group", target: "sarah",
		setup: func(e *env) {
			setPolicy(func(p *simtenant.Policy) { p.Include = []string{e.groups["New Hires"]} })(e)
		}},
	{name: "a live pass is a warning, not a refusal", target: "sarah",
		setup: func(e *env) { e.createPass("sarah", 120) },
		check: wantWarning("Approving replaces the pass Sarah Johnson already has (valid until Mon 30 Nov 2026 09:00 UTC), which then stops working.")},
	{name: "an expired pass is no warning", target: "sarah",
		setup: func(e *env) { e.createPass("sarah", 60); e.advance(2 * time.Hour) },
		check: func(t *testing.T, _ *env, _ *tap.Request, ws []string) {
			if len(ws) != 0 {
				t.Errorf("warnings %q, want none", ws)
			}
		}},
	{name: "finished requests do not count as open", target: "sarah",
		setup: func(e *env) {
			e.seed("old-1", tap.StateConfirmed, "mia", "sarah", 48*time.Hour)
			e.seed("old-2", tap.StateDenied, "hal", "sarah", 30*time.Hour)
		}},

	// Refused: the target.
	{name: "unknown target", target: "nobody", wantErr: tap.ErrUserNotFound},
	{name: "disabled account", target: "dan", wantErr: tap.ErrDisabled},
	{name: "external guest", target: "lee", wantErr: tap.ErrGuest},
	{name: "active admin role", target: "ada", wantErr: tap.ErrPrivileged},
	{name: "PIM-eligible admin role", target: "eli", wantErr: tap.ErrPrivileged},
	{name: "admin role through a role-assignable group", target: "gus", wantErr: tap.ErrPrivileged},
	{name: "roles cannot be read: fail closed", target: "sarah", wantErr: tap.ErrPermission,
		setup: func(e *env) {
			e.tenant.FailWith(http.MethodGet, "/roleManagement/directory/roleAssignments", 5, http.StatusForbidden)
		}},
	{name: "TAP method disabled in the tenant", target: "sarah", wantErr: tap.ErrMethodDisabled,
		setup: setPolicy(func(p *simtenant.Policy) { p.Enabled = false })},
	{name: "target excluded from the TAP policy", target: "xena", wantErr: tap.ErrMethodDisabled},
	{name: "target outside the policy's include groups", target: "vic", wantErr: tap.ErrMethodDisabled,
		setup: func(e *env) {
			setPolicy(func(p *simtenant.Policy) { p.Include = []string{e.groups["New Hires"]} })(e)
		}},

	// Refused: the requester.
	{name: "request for yourself", target: "mia", wantErr: tap.ErrForbidden,
		edit: func(e *env, r *tap.Request) { r.Target = tap.User{ID: e.ids["mia"]} }},
	{name: "requester without a directory id", target: "sarah", wantErr: tap.ErrForbidden,
		edit: func(_ *env, r *tap.Request) { r.Requester.EntraID = "" }},
	{name: "requester unknown to the directory", target: "sarah", wantErr: tap.ErrForbidden,
		edit: func(_ *env, r *tap.Request) { r.Requester.EntraID = "00000000-0000-0000-0000-000000000000" }},
	{name: "requester whose account was disabled", target: "sarah", wantErr: tap.ErrForbidden,
		setup: func(e *env) {
			u, _ := e.tenant.Lookup(string(e.ids["hal"]))
			u.Disabled = true
			e.tenant.AddUser(u)
		},
		edit: func(e *env, r *tap.Request) { r.Requester = e.actor("hal") }},
	{name: "external guest as requester", target: "sarah", wantErr: tap.ErrGuest,
		setup: func(e *env) { e.must(e.tenant.AddMember(e.groups["TAP Requesters"], string(e.ids["lee"]))) },
		edit:  func(e *env, r *tap.Request) { r.Requester = e.actor("lee") }},
	{name: "neither manager nor in a requester group", target: "sarah", wantErr: tap.ErrForbidden,
		edit: func(e *env, r *tap.Request) { r.Requester = e.actor("sam") }},
	{name: "target has no manager and requester is in no group", target: "sarah", wantErr: tap.ErrForbidden,
		setup: func(e *env) { e.must(e.tenant.SetManager(string(e.ids["sarah"]), "")) }},
	{name: "manager rule off and not in a requester group", target: "sarah", wantErr: tap.ErrForbidden,
		setup: func(e *env) { e.cfg.Requesters.Manager = false }},
	{name: "only managers may request", target: "sarah", wantErr: tap.ErrForbidden,
		setup: func(e *env) { e.cfg.Requesters.Groups = nil },
		edit:  func(e *env, r *tap.Request) { r.Requester = e.actor("hal") }},

	// Refused: the pass's shape.
	{name: "unknown reason", target: "sarah", wantErr: tap.ErrInvalidInput,
		edit: func(_ *env, r *tap.Request) { r.Reason = "party" }},
	{name: "lifetime below the tenant minimum", target: "sarah", wantErr: tap.ErrLifetimeRange,
		edit: func(_ *env, r *tap.Request) { r.Lifetime = 30 * time.Minute }},
	{name: "lifetime above the tenant maximum", target: "sarah", wantErr: tap.ErrLifetimeRange,
		edit: func(_ *env, r *tap.Request) { r.Lifetime = hours(10) }},
	{name: "lifetime above the reason's maximum", target: "sarah", wantErr: tap.ErrLifetimeRange,
		edit: func(_ *env, r *tap.Request) { r.Reason = tap.ReasonRecovery; r.Lifetime = hours(3) }},
	{name: "lifetime above the organisation's maximum", target: "sarah", wantErr: tap.ErrLifetimeRange,
		setup: func(e *env) { e.cfg.MaxLifetime = Duration(hours(6)) },
		edit:  func(_ *env, r *tap.Request) { r.Lifetime = hours(7) }},
	{name: "no lifetime fits tenant minimum and reason maximum", target: "sarah", wantErr: tap.ErrLifetimeRange,
		setup: setPolicy(func(p *simtenant.Policy) { p.MinLifetimeMinutes = 180 }),
		edit:  func(_ *env, r *tap.Request) { r.Reason = tap.ReasonRecovery }},
	{name: "start in the past", target: "sarah", wantErr: tap.ErrStartInPast,
		edit: func(e *env, r *tap.Request) {
			r.Start = e.clock().Add(-time.Hour)
			r.RequesterZone = "America/Los_Angeles"
		}},
	{name: "start beyond how far ahead is allowed", target: "sarah", wantErr: tap.ErrPolicy,
		edit: func(e *env, r *tap.Request) { r.Start = e.clock().Add(31 * 24 * time.Hour) }},

	// Refused: open requests and quotas.
	{name: "target already has an open request", target: "sarah", wantErr: tap.ErrQuota,
		setup: func(e *env) { e.seed("open-1", tap.StatePending, "hal", "sarah", time.Hour) }},
	{name: "requester at the open-request quota", target: "sarah", wantErr: tap.ErrQuota,
		setup: func(e *env) {
			for i, who := range []string{"ann", "vic", "ian", "gus", "eli"} {
				e.seed("open-"+who, []tap.State{tap.StatePending, tap.StateIssued, tap.StateDelivered, tap.StateApproved, tap.StateIssuing}[i], "mia", who, time.Hour)
			}
		}},
	{name: "requester at the daily quota", target: "sarah", wantErr: tap.ErrQuota,
		setup: func(e *env) {
			e.cfg.Quotas.PerRequesterPerDay = 3
			e.seed("d1", tap.StateConfirmed, "mia", "ann", 23*time.Hour)
			e.seed("d2", tap.StateDenied, "mia", "vic", 2*time.Hour)
			e.seed("d3", tap.StateCancelled, "mia", "ian", time.Minute)
			e.seed("d0", tap.StateConfirmed, "mia", "gus", 25*time.Hour) // outside the day
		}},
}

func runSubmit(t *testing.T, c submitCase) (*env, *tap.Request, []string, error) {
	t.Helper()
	e := newEnv(t)
	if c.setup != nil {
		c.setup(e)
	}
	r := e.draft(c.target)
	if c.edit != nil {
		c.edit(e, r)
	}
	ws, err := e.checker().CheckSubmit(context.Background(), r)
	return e, r, ws, err
}

func TestCheckSubmit(t *testing.T) {
	for _, c := range submitCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e, r, ws, err := runSubmit(t, c)
			if c.wantErr == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
			} else {
				var ref *tap.Refusal
				if !errors.As(err, &ref) || !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v (%T), want a *tap.Refusal wrapping %v", err, err, c.wantErr)
				}
				if ref.Msg == "" || strings.Contains(ref.Msg, "%!") {
					t.Fatalf("bad sentence %q", ref.Msg)
				}
			}
			if c.check != nil {
				c.check(t, e, r, ws)
			}
		})
	}
}

// TestCheckSubmitGraphDown: a dependency failure is an error that says
// "could not check", never a refusal sentence and never an approval.
func TestCheckSubmitGraphDown(t *testing.T) {
	for _, c := range []struct {
		name, pattern string
		status        int
		want          error
	}{
		{"user read fails", "/users/*", http.StatusInternalServerError, tap.ErrUnavailable},
		{"policy read throttled", "/policies/*/*/TemporaryAccessPass", http.StatusTooManyRequests, tap.ErrThrottled},
		{"manager read fails", "/users/*/manager", http.StatusInternalServerError, tap.ErrUnavailable},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			// Retry-After: 0 keeps the client's retries of a 429 instant.
			e.tenant.Inject(http.MethodGet, c.pattern, 10, simtenant.Fault{Status: c.status, RetryAfter: "0"})
			_, err := e.checker().CheckSubmit(context.Background(), e.draft("sarah"))
			var ref *tap.Refusal
			if err == nil || errors.As(err, &ref) || !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want a plain error wrapping %v", err, c.want)
			}
		})
	}
}

// TestPolicyCached: the tenant policy is read once per five minutes.
func TestPolicyCached(t *testing.T) {
	e := newEnv(t)
	c := e.checker()
	ctx := context.Background()
	const path = "/authenticationMethodConfigurations/TemporaryAccessPass"
	for range 3 {
		if _, err := c.CheckSubmit(ctx, e.draft("sarah")); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := c.DialogLimits(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.countCalls(http.MethodGet, path); n != 1 {
		t.Fatalf("policy read %d times within the TTL, want 1", n)
	}
	// A tenant change shows after the TTL.
	setPolicy(func(p *simtenant.Policy) { p.Enabled = false })(e)
	e.advance(PolicyTTL - time.Second)
	if _, err := c.CheckSubmit(ctx, e.draft("sarah")); err != nil {
		t.Fatalf("within the TTL the cached policy applies: %v", err)
	}
	e.advance(time.Second)
	if _, err := c.CheckSubmit(ctx, e.draft("sarah")); !errors.Is(err, tap.ErrMethodDisabled) {
		t.Fatalf("after the TTL: err = %v, want ErrMethodDisabled", err)
	}
	if n := e.countCalls(http.MethodGet, path); n != 2 {
		t.Fatalf("policy read %d times, want 2", n)
	}
}

func TestDialogLimitsAndDefaults(t *testing.T) {
	e := newEnv(t)
	e.cfg.MaxLifetime = Duration(hours(6))
	setPolicy(func(p *simtenant.Policy) {
		p.MinLifetimeMinutes = 30
		p.MaxLifetimeMinutes = 720
		p.IsUsableOnce = true
	})(e)
	c := e.checker()
	ctx := context.Background()
	lo, hi, err := c.DialogLimits(ctx)
	if err != nil || lo != 30*time.Minute || hi != hours(6) {
		t.Fatalf("DialogLimits = %v, %v, %v; want 30m, 6h (org max binds)", lo, hi, err)
	}
	for _, tc := range []struct {
		reason tap.Reason
		want   ReasonDefaults
	}{
		{tap.ReasonOnboarding, ReasonDefaults{Lifetime: hours(6), MinLifetime: 30 * time.Minute, MaxLifetime: hours(6), OneTime: true, StartLead: time.Hour}},
		{tap.ReasonRecovery, ReasonDefaults{Lifetime: hours(2), MinLifetime: 30 * time.Minute, MaxLifetime: hours(2), OneTime: true}},
		{tap.ReasonDemo, ReasonDefaults{Lifetime: hours(1), MinLifetime: 30 * time.Minute, MaxLifetime: hours(6), OneTime: true}},
	} {
		got, err := c.Defaults(ctx, tc.reason)
		if err != nil || got != tc.want {
			t.Errorf("Defaults(%s) = %+v, %v; want %+v", tc.reason, got, err, tc.want)
		}
	}
}

// TestConcurrentSubmitsShareOnePolicyRead: one Checker serves many
// goroutines; the tenant policy is read once for all of them.
func TestConcurrentSubmitsShareOnePolicyRead(t *testing.T) {
	e := newEnv(t)
	c := e.checker()
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			r := e.draft([]string{"sarah", "ian", "vic", "sam"}[i%4])
			_, err := c.CheckSubmit(context.Background(), r)
			errs <- err
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := e.countCalls(http.MethodGet, "/authenticationMethodConfigurations/TemporaryAccessPass"); n != 1 {
		t.Fatalf("policy read %d times, want 1", n)
	}
}
