// Package diagnose answers "my pass doesn't work" from Entra: it reads the
// user's Temporary Access Pass (isUsable, methodUsabilityReason), the
// account, the tenant's TAP policy and the registered methods, and names
// the cause and the fix the way the onboarding article does ("Issue 1: TAP
// not working at login", "Issue 3: can't find TAP").
//
// Run reads; Evaluate is the pure decision on what was read, so every
// cause is tested without a tenant. The words are in
// internal/text/diagnose.go.
package diagnose

import (
	"context"
	"fmt"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// Reader is the slice of Entra a diagnosis reads (graph.Client).
type Reader interface {
	User(ctx context.Context, idOrUPN string) (tap.User, error)
	MemberOf(ctx context.Context, id tap.UserID, groupIDs []string) ([]string, error)
	TenantPolicy(ctx context.Context) (tap.TenantPolicy, error)
	Methods(ctx context.Context, id tap.UserID) ([]tap.Method, error)
	ListPasses(ctx context.Context, user tap.UserID) ([]tap.Pass, error)
}

// Cause is why a pass does or does not work, most basic first.
type Cause string

// Causes, in the order Evaluate looks for them.
const (
	CauseAccountDisabled Cause = "AccountDisabled"  // the account cannot sign in at all
	CausePolicyOff       Cause = "PolicyOff"        // the tenant's TAP method is disabled
	CauseNotInPolicy     Cause = "NotInPolicy"      // the user is outside the policy's targets, or excluded
	CauseNoPass          Cause = "NoPass"           // no pass in Entra (deleted, revoked, never created)
	CauseNotYetValid     Cause = "NotYetValid"      // before the pass's start
	CauseExpired         Cause = "Expired"          // past the pass's end
	CauseOneTimeUsed     Cause = "OneTimeUsed"      // a one-time pass already used
	CauseDisabledPolicy  Cause = "DisabledByPolicy" // Graph says the policy blocks it
	CauseUsable          Cause = "Usable"           // Entra accepts the pass: typing is the likely fault
)

// Facts are what was read from Entra for one user.
type Facts struct {
	User    tap.User
	Policy  tap.TenantPolicy
	Groups  []string // which of the policy's include and exclude groups the user is in
	Passes  []tap.Pass
	Methods []tap.Method
}

// Check is one line of the diagnosis, as the admin center would show it.
type Check struct {
	Name   string
	OK     bool
	Detail string
}

// Report is the diagnosis.
type Report struct {
	User   tap.User
	Pass   *tap.Pass // nil when the user has none
	Cause  Cause
	Checks []Check
	// Strong lists the registered methods that replace the pass
	// (Windows Hello, Authenticator, passkey...).
	Strong []tap.MethodKind
}

// NeedsRequester reports whether the person who asked for the pass must
// act (a new pass, an account or policy fix): the new hire cannot. A pass
// gone after the new hire set up a passwordless method needs nothing.
func (r Report) NeedsRequester() bool {
	switch r.Cause {
	case CauseUsable, CauseNotYetValid:
		return false
	case CauseNoPass, CauseExpired, CauseOneTimeUsed:
		return len(r.Strong) == 0
	}
	return true
}

// Run reads the user's facts from Entra (the five reads at once) and
// evaluates them at now.
func Run(ctx context.Context, rd Reader, user tap.UserID, now time.Time) (Report, error) {
	var f Facts
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		if f.User, err = rd.User(gctx, string(user)); err != nil {
			return fmt.Errorf("diagnose: read user: %w", err)
		}
		return nil
	})
	g.Go(func() (err error) {
		if f.Policy, err = rd.TenantPolicy(gctx); err != nil {
			return fmt.Errorf("diagnose: read TAP policy: %w", err)
		}
		groups := append(slices.Clone(f.Policy.IncludeGroups), f.Policy.ExcludeGroups...)
		if len(groups) == 0 {
			return nil
		}
		if f.Groups, err = rd.MemberOf(gctx, user, groups); err != nil {
			return fmt.Errorf("diagnose: read group membership: %w", err)
		}
		return nil
	})
	g.Go(func() (err error) {
		if f.Passes, err = rd.ListPasses(gctx, user); err != nil {
			return fmt.Errorf("diagnose: read pass: %w", err)
		}
		return nil
	})
	g.Go(func() (err error) {
		if f.Methods, err = rd.Methods(gctx, user); err != nil {
			return fmt.Errorf("diagnose: read methods: %w", err)
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return Report{}, err
	}
	return Evaluate(f, now), nil
}

// Evaluate names the cause from facts read at now.
func Evaluate(f Facts, now time.Time) Report {
	rep := Report{User: f.User}
	if len(f.Passes) > 0 {
		p := f.Passes[0]
		rep.Pass = &p
	}
	for _, m := range f.Methods {
		if strongMethod(m.Kind) {
			rep.Strong = append(rep.Strong, m.Kind)
		}
	}
	included := f.Policy.IncludeAll || anyIn(f.Groups, f.Policy.IncludeGroups)
	excluded := anyIn(f.Groups, f.Policy.ExcludeGroups)
	rep.Checks = []Check{
		{Name: text.DiagCheckAccount, OK: f.User.Enabled, Detail: yesNo(f.User.Enabled, text.DiagDetailEnabled, text.DiagDetailDisabled)},
		{Name: text.DiagCheckPolicy, OK: f.Policy.Enabled, Detail: yesNo(f.Policy.Enabled, text.DiagDetailPolicyOn, text.DiagDetailPolicyOff)},
		{Name: text.DiagCheckTargets, OK: included && !excluded, Detail: targetDetail(included, excluded)},
		passCheck(rep.Pass, now),
		{Name: text.DiagCheckMethods, OK: true, Detail: methodsDetail(rep.Strong)},
	}
	rep.Cause = cause(f.User.Enabled, f.Policy.Enabled, included && !excluded, rep.Pass, now)
	return rep
}

func cause(enabled, policyOn, inPolicy bool, p *tap.Pass, now time.Time) Cause {
	switch {
	case !enabled:
		return CauseAccountDisabled
	case !policyOn:
		return CausePolicyOff
	case !inPolicy:
		return CauseNotInPolicy
	case p == nil:
		return CauseNoPass
	case p.Usable:
		return CauseUsable
	}
	switch Cause(p.UsabilityReason) {
	case CauseNotYetValid, CauseExpired, CauseOneTimeUsed, CauseDisabledPolicy:
		return Cause(p.UsabilityReason)
	}
	// Graph gave no reason: decide from the pass's own window.
	switch {
	case now.Before(p.Start):
		return CauseNotYetValid
	case !now.Before(p.Expires()):
		return CauseExpired
	case p.OneTime:
		return CauseOneTimeUsed
	}
	return CauseDisabledPolicy
}

func strongMethod(k tap.MethodKind) bool {
	switch k {
	case tap.MethodWindowsHello, tap.MethodAuthenticator, tap.MethodFIDO2, tap.MethodPlatformCred:
		return true
	}
	return false
}

func anyIn(have, want []string) bool {
	for _, g := range have {
		if slices.Contains(want, g) {
			return true
		}
	}
	return false
}

func yesNo(ok bool, yes, no string) string {
	if ok {
		return yes
	}
	return no
}
