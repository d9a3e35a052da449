package graph_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

func TestUser(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.tn.AddUser(simtenant.User{UPN: "dup1@contoso.com", Mail: "shared@contoso.com"})
	f.tn.AddUser(simtenant.User{UPN: "dup2@contoso.com", Mail: "shared@contoso.com"})
	for _, tc := range []struct {
		name    string
		get     func() (tap.User, error)
		wantID  string
		check   func(u tap.User) bool
		wantErr error
	}{
		{name: "by id", get: func() (tap.User, error) { return f.c.User(ctx, simtenant.DemoSarahID) }, wantID: simtenant.DemoSarahID,
			check: func(u tap.User) bool {
				return u.UPN == simtenant.DemoSarahUPN && u.DisplayName == "Sarah Johnson" && u.Department == "Sales" &&
					u.Enabled && u.UserType == "Member" && !u.External && u.HireDate.Weekday() == 1 && u.HireDate.Hour() == 8
			}},
		{name: "by upn, disabled", get: func() (tap.User, error) { return f.c.User(ctx, simtenant.DemoJohannaUPN) },
			wantID: simtenant.DemoJohannaID, check: func(u tap.User) bool { return !u.Enabled && u.HireDate.IsZero() }},
		{name: "external guest by #EXT# upn", get: func() (tap.User, error) { return f.c.User(ctx, simtenant.DemoLeeUPN) },
			wantID: simtenant.DemoLeeID, check: func(u tap.User) bool { return u.External && u.UserType == "Guest" }},
		{name: "unknown", get: func() (tap.User, error) { return f.c.User(ctx, "ghost@contoso.com") }, wantErr: tap.ErrUserNotFound},
		{name: "empty key", get: func() (tap.User, error) { return f.c.User(ctx, " ") }, wantErr: tap.ErrInvalidInput},
		{name: "by mail", get: func() (tap.User, error) { return f.c.UserByEmail(ctx, "LEE.GU@fabrikam.com") }, wantID: simtenant.DemoLeeID},
		{name: "by upn as email", get: func() (tap.User, error) { return f.c.UserByEmail(ctx, simtenant.DemoAlexUPN) }, wantID: simtenant.DemoAlexID},
		{name: "email with quote", get: func() (tap.User, error) { return f.c.UserByEmail(ctx, "o'brien@contoso.com") }, wantErr: tap.ErrUserNotFound},
		{name: "email shared", get: func() (tap.User, error) { return f.c.UserByEmail(ctx, "shared@contoso.com") }, wantErr: tap.ErrConflict},
		{name: "manager", get: func() (tap.User, error) { return f.c.Manager(ctx, simtenant.DemoSarahID) }, wantID: simtenant.DemoMeganID,
			check: func(u tap.User) bool { return u.Enabled && u.UPN == simtenant.DemoMeganUPN }},
		{name: "no manager", get: func() (tap.User, error) { return f.c.Manager(ctx, simtenant.DemoMeganID) }, wantErr: tap.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := tc.get()
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(u.ID) != tc.wantID || (tc.check != nil && !tc.check(u)) {
				t.Errorf("got %+v", u)
			}
		})
	}
	var r *tap.Refusal
	if _, err := f.c.User(ctx, "ghost@contoso.com"); !errors.As(err, &r) || !strings.Contains(r.Msg, "ghost@contoso.com") {
		t.Errorf("unknown user is not a refusal naming the user: %v", err)
	}
}

func TestMembershipRolesPolicyMethods(t *testing.T) {
	f := setup(t)
	ctx := context.Background()

	groups := []string{simtenant.DemoApproversGroupID, simtenant.DemoRequestersGroupID}
	for i := 0; i < 25; i++ { // more than one checkMemberGroups call
		groups = append(groups, simtenant.StableID("filler"+string(rune('a'+i))))
	}
	nested := f.tn.AddGroup(simtenant.Group{DisplayName: "All IT"})
	_ = f.tn.AddMember(nested, simtenant.DemoApproversGroupID)
	groups = append(groups, nested)
	got, err := f.c.MemberOf(ctx, simtenant.DemoIrvinID, groups)
	if err != nil || !slices.Equal(got, []string{simtenant.DemoApproversGroupID, nested}) {
		t.Errorf("MemberOf irvin = %v, %v", got, err)
	}
	if got, err := f.c.MemberOf(ctx, simtenant.DemoMeganID, groups); err != nil || len(got) != 0 {
		t.Errorf("MemberOf megan = %v, %v", got, err)
	}

	helpdesk := f.tn.AddGroup(simtenant.Group{DisplayName: "Helpdesk admins", RoleAssignable: true})
	_ = f.tn.AddMember(helpdesk, simtenant.DemoDiegoID)
	_ = f.tn.AssignRole(helpdesk, "Helpdesk Administrator", false)
	for _, tc := range []struct {
		user string
		want []string
	}{
		{simtenant.DemoAdeleID, []string{"Global Administrator"}},
		{simtenant.DemoGradyID, []string{"Privileged Role Administrator (eligible)"}},
		{simtenant.DemoDiegoID, []string{"Helpdesk Administrator"}},
		{simtenant.DemoSarahID, nil},
	} {
		roles, err := f.c.Roles(ctx, tap.UserID(tc.user))
		if err != nil {
			t.Fatalf("Roles %s: %v", tc.user, err)
		}
		var names []string
		for _, r := range roles {
			n := r.RoleName
			if r.Eligible {
				n += " (eligible)"
			}
			if r.RoleID == "" {
				t.Errorf("role without id: %+v", r)
			}
			names = append(names, n)
		}
		sort.Strings(names)
		if !slices.Equal(names, tc.want) {
			t.Errorf("Roles %s = %v, want %v", tc.user, names, tc.want)
		}
	}
	// Without PIM read rights the role check fails closed by default.
	f.tn.Inject("GET", "/roleManagement/directory/roleEligibilitySchedules", 1, simtenant.Fault{Status: http.StatusForbidden})
	if roles, err := f.c.Roles(ctx, simtenant.DemoAdeleID); err == nil || !errors.Is(err, tap.ErrPermission) {
		t.Errorf("Roles with eligibility forbidden = %v, %v; want ErrPermission", roles, err)
	}
	// SkipEligibleRoles accepts the gap: active roles only, with a warning.
	g := setup(t, func(c *graph.Config) { c.SkipEligibleRoles = true })
	g.tn.Inject("GET", "/roleManagement/directory/roleEligibilitySchedules", 1, simtenant.Fault{Status: http.StatusForbidden})
	if roles, err := g.c.Roles(ctx, simtenant.DemoAdeleID); err != nil || len(roles) != 1 {
		t.Errorf("Roles with eligibility forbidden and skipped = %v, %v", roles, err)
	}
	if !strings.Contains(g.logs.String(), "PIM-eligible roles are not checked") {
		t.Error("no warning logged for unreadable eligible roles")
	}

	p, err := f.c.TenantPolicy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Enabled || !p.IncludeAll || p.MinLifetime.Minutes() != 60 || p.MaxLifetime.Minutes() != 480 ||
		p.DefaultLifetime.Minutes() != 60 || p.DefaultLength != 8 || p.OneTimeDefault {
		t.Errorf("policy %+v", p)
	}
	pol := simtenant.DefaultPolicy()
	pol.Enabled, pol.Include, pol.Exclude, pol.IsUsableOnce = false, []string{simtenant.DemoApproversGroupID}, []string{nested}, true
	f.tn.SetPolicy(pol)
	p, _ = f.c.TenantPolicy(ctx)
	if p.Enabled || p.IncludeAll || !slices.Equal(p.IncludeGroups, pol.Include) || !slices.Equal(p.ExcludeGroups, pol.Exclude) || !p.OneTimeDefault {
		t.Errorf("custom policy %+v", p)
	}

	for _, k := range []tap.MethodKind{tap.MethodWindowsHello, tap.MethodAuthenticator, tap.MethodFIDO2, tap.MethodPhone, tap.MethodOther} {
		if _, err := f.tn.RegisterMethod(simtenant.DemoSarahID, k); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := f.c.Methods(ctx, simtenant.DemoSarahID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, m := range ms {
		kinds = append(kinds, string(m.Kind))
		if m.ID == "" || m.ODataType == "" {
			t.Errorf("method %+v", m)
		}
	}
	want := []string{"password", "windows_hello", "authenticator", "fido2", "phone", "other"}
	if !slices.Equal(kinds, want) {
		t.Errorf("kinds %v, want %v", kinds, want)
	}
	if ms[1].DisplayName == "" || ms[1].Created.IsZero() {
		t.Errorf("windows hello method %+v lacks display name or created time", ms[1])
	}
	assertNoGzip(t, f.tn)
}

// TestConcurrentLookups runs every directory read at once under -race:
// kiota request builders must not be shared between calls.
func TestConcurrentLookups(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.c.UserByEmail(ctx, simtenant.DemoMeganUPN); err != nil {
				t.Error(err)
			}
			if _, err := f.c.User(ctx, simtenant.DemoSarahUPN); err != nil {
				t.Error(err)
			}
			if _, err := f.c.Roles(ctx, simtenant.DemoAdeleID); err != nil {
				t.Error(err)
			}
			if _, err := f.c.TenantPolicy(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
}
