package simtenant_test

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/simtenant"
)

func TestUsers(t *testing.T) {
	tn, _ := demo(t)
	sel := "?$select=id,displayName,userPrincipalName,mail,department,employeeHireDate,accountEnabled,userType,externalUserState"
	for _, tc := range []struct {
		name, path string
		status     int
		check      func(t *testing.T, m map[string]any)
	}{
		{"by id with select", "/users/" + simtenant.DemoSarahID + sel, 200, func(t *testing.T, m map[string]any) {
			if m["userPrincipalName"] != simtenant.DemoSarahUPN || m["accountEnabled"] != true || m["userType"] != "Member" ||
				m["department"] != "Sales" || m["employeeHireDate"] != "2026-11-30T08:00:00Z" {
				t.Errorf("sarah %v", m)
			}
		}},
		{"by upn, default fields omit accountEnabled", "/users/" + simtenant.DemoJohannaUPN, 200, func(t *testing.T, m map[string]any) {
			if _, ok := m["accountEnabled"]; ok || m["id"] != simtenant.DemoJohannaID {
				t.Errorf("default select %v", m)
			}
		}},
		{"disabled", "/users/" + simtenant.DemoJohannaUPN + sel, 200, func(t *testing.T, m map[string]any) {
			if m["accountEnabled"] != false {
				t.Errorf("johanna %v", m)
			}
		}},
		{"guest by escaped upn", "/users/" + url.PathEscape(simtenant.DemoLeeUPN) + sel, 200, func(t *testing.T, m map[string]any) {
			if m["userType"] != "Guest" || m["externalUserState"] != "Accepted" || m["id"] != simtenant.DemoLeeID {
				t.Errorf("lee %v", m)
			}
		}},
		{"parenthesised upn", "/users('" + simtenant.DemoAlexUPN + "')", 200, func(t *testing.T, m map[string]any) {
			if m["id"] != simtenant.DemoAlexID {
				t.Errorf("alex %v", m)
			}
		}},
		{"unknown", "/users/nobody@contoso.com", 404, func(t *testing.T, m map[string]any) {
			if errCode(m) != "Request_ResourceNotFound" {
				t.Errorf("code %q", errCode(m))
			}
		}},
		{"filter by mail or upn", "/users?$filter=" + url.QueryEscape("mail eq 'LEE.GU@fabrikam.com' or userPrincipalName eq 'lee.gu@fabrikam.com'"), 200,
			func(t *testing.T, m map[string]any) {
				v := m["value"].([]any)
				if len(v) != 1 || v[0].(map[string]any)["id"] != simtenant.DemoLeeID {
					t.Errorf("filter %v", v)
				}
			}},
		{"filter no match", "/users?$filter=" + url.QueryEscape("mail eq 'o''brien@contoso.com'"), 200, func(t *testing.T, m map[string]any) {
			if v := m["value"].([]any); len(v) != 0 {
				t.Errorf("filter %v", v)
			}
		}},
		{"bad filter", "/users?$filter=" + url.QueryEscape("mail gt 'x'"), 400, func(t *testing.T, m map[string]any) {}},
		{"manager", "/users/" + simtenant.DemoSarahID + "/manager", 200, func(t *testing.T, m map[string]any) {
			if m["id"] != simtenant.DemoMeganID || m["@odata.type"] != "#microsoft.graph.user" {
				t.Errorf("manager %v", m)
			}
		}},
		{"no manager", "/users/" + simtenant.DemoMeganID + "/manager", 404, func(t *testing.T, m map[string]any) {}},
		{"policy", "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass", 200, func(t *testing.T, m map[string]any) {
			inc := m["includeTargets"].([]any)
			if m["state"] != "enabled" || m["minimumLifetimeInMinutes"] != 60.0 || m["maximumLifetimeInMinutes"] != 480.0 ||
				m["defaultLength"] != 8.0 || len(inc) != 1 || inc[0].(map[string]any)["id"] != "all_users" {
				t.Errorf("policy %v", m)
			}
		}},
		{"unknown segment", "/users/" + simtenant.DemoSarahID + "/photos", 400, func(t *testing.T, m map[string]any) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, body := call(t, tn, "GET", tc.path, nil, nil)
			if st != tc.status {
				t.Fatalf("status %d, want %d: %v", st, tc.status, body)
			}
			tc.check(t, body)
		})
	}
}

func TestGroupsAndRoles(t *testing.T) {
	tn, _ := demo(t)
	// Nested: Alex is in "TAP Approvers"; "IT" contains "TAP Approvers".
	it := tn.AddGroup(simtenant.Group{DisplayName: "IT"})
	if err := tn.AddMember(it, simtenant.DemoApproversGroup); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		user   string
		groups []string
		want   []string
	}{
		{simtenant.DemoAlexID, []string{simtenant.DemoApproversGroupID, simtenant.DemoRequestersGroupID, it}, []string{simtenant.DemoApproversGroupID, it}},
		{simtenant.DemoMeganID, []string{simtenant.DemoApproversGroupID, it}, []string{}},
	} {
		st, body := call(t, tn, "POST", "/users/"+tc.user+"/checkMemberGroups", map[string]any{"groupIds": tc.groups}, nil)
		got := []string{}
		for _, v := range body["value"].([]any) {
			got = append(got, v.(string))
		}
		if st != http.StatusOK || strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("checkMemberGroups %s: %d %v, want %v", tc.user, st, got, tc.want)
		}
	}
	st, _ := call(t, tn, "POST", "/users/"+simtenant.DemoAlexID+"/checkMemberGroups", map[string]any{"groupIds": make([]string, 21)}, nil)
	if st != http.StatusBadRequest {
		t.Errorf("21 groups: %d, want 400", st)
	}

	// A role held through a role-assignable group.
	admins := tn.AddGroup(simtenant.Group{DisplayName: "Helpdesk admins", RoleAssignable: true})
	_ = tn.AddMember(admins, simtenant.DemoDiegoID)
	if err := tn.AssignRole(admins, "Helpdesk Administrator", false); err != nil {
		t.Fatal(err)
	}
	roles := func(kind, principal string) []string {
		q := url.Values{"$filter": {"principalId eq '" + principal + "'"}, "$expand": {"roleDefinition"}}
		st, body := call(t, tn, "GET", "/roleManagement/directory/"+kind+"?"+q.Encode(), nil, nil)
		if st != http.StatusOK {
			t.Fatalf("%s: %d %v", kind, st, body)
		}
		var names []string
		for _, v := range body["value"].([]any) {
			names = append(names, v.(map[string]any)["roleDefinition"].(map[string]any)["displayName"].(string))
		}
		sort.Strings(names)
		return names
	}
	for _, tc := range []struct {
		kind, principal, want string
	}{
		{"roleAssignments", simtenant.DemoAdeleID, "Global Administrator"},
		{"roleEligibilitySchedules", simtenant.DemoAdeleID, ""},
		{"roleAssignments", simtenant.DemoGradyID, ""},
		{"roleEligibilitySchedules", simtenant.DemoGradyID, "Privileged Role Administrator"},
		{"roleAssignments", simtenant.DemoSarahID, ""},
		{"roleAssignments", simtenant.DemoDiegoID, ""}, // v1.0 lists direct assignments only
		{"roleAssignments", admins, "Helpdesk Administrator"},
	} {
		if got := strings.Join(roles(tc.kind, tc.principal), ","); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.kind, tc.principal, got, tc.want)
		}
	}
	_, body := call(t, tn, "GET", "/users/"+simtenant.DemoDiegoID+"/memberOf/microsoft.graph.group?$select=id,isAssignableToRole", nil, nil)
	v := body["value"].([]any)
	if len(v) != 1 || v[0].(map[string]any)["id"] != admins || v[0].(map[string]any)["isAssignableToRole"] != true {
		t.Errorf("memberOf %v", v)
	}
	_, body = call(t, tn, "GET", "/users/"+simtenant.DemoAlexID+"/transitiveMemberOf", nil, nil)
	if v := body["value"].([]any); len(v) != 2 {
		t.Errorf("transitiveMemberOf %v, want 2 groups", v)
	}
}
