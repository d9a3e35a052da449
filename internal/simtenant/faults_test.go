package simtenant_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/simtenant"
)

func TestFaults(t *testing.T) {
	const pattern = "/users/*/authentication/temporaryAccessPassMethods"
	tn, _ := demo(t)

	tn.Throttle("POST", pattern, 1, "1")
	req, _ := http.NewRequest("POST", tn.URL()+tapPath, strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" || tn.TotalCreates() != 0 {
		t.Fatalf("throttle: %d Retry-After=%q creates=%d", resp.StatusCode, resp.Header.Get("Retry-After"), tn.TotalCreates())
	}
	if st, _ := call(t, tn, "POST", tapPath, map[string]any{}, nil); st != http.StatusCreated {
		t.Fatalf("after throttle: %d", st)
	}

	// Method and path must both match; GETs are untouched by a POST fault.
	tn.FailWith("POST", pattern, 2, http.StatusServiceUnavailable)
	if st, _ := call(t, tn, "GET", tapPath, nil, nil); st != http.StatusOK {
		t.Errorf("GET under a POST fault: %d", st)
	}
	for i := 0; i < 2; i++ {
		if st, body := call(t, tn, "POST", tapPath, map[string]any{}, nil); st != http.StatusServiceUnavailable || errCode(body) != "serviceNotAvailable" {
			t.Errorf("5xx %d: %d %v", i, st, body)
		}
	}

	tn.Inject("GET", "/users/*", 1, simtenant.Fault{Status: http.StatusBadRequest, Code: "BadRequest", OmitMessage: true})
	st, body := call(t, tn, "GET", "/users/"+simtenant.DemoSarahID, nil, nil)
	if e := body["error"].(map[string]any); st != 400 || e["code"] != "BadRequest" || e["message"] != nil {
		t.Errorf("omit message: %d %v", st, body)
	}
	tn.Inject("GET", "", 1, simtenant.Fault{Status: http.StatusInternalServerError, EmptyBody: true})
	if st, body := call(t, tn, "GET", "/users/"+simtenant.DemoSarahID, nil, nil); st != 500 || body != nil {
		t.Errorf("empty body: %d %v", st, body)
	}

	tn.DelayBy("GET", "/users/*", 1, 200*time.Millisecond)
	t0 := time.Now()
	if st, _ := call(t, tn, "GET", "/users/"+simtenant.DemoSarahID, nil, nil); st != http.StatusOK || time.Since(t0) < 200*time.Millisecond {
		t.Errorf("delay: %d after %v", st, time.Since(t0))
	}

	before := tn.Creates(simtenant.DemoSarahID)
	tn.DropResponse("POST", pattern, 1)
	req, _ = http.NewRequest("POST", tn.URL()+tapPath, strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer x")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("dropped response arrived: %d", resp.StatusCode)
	}
	if got := tn.Creates(simtenant.DemoSarahID); got != before+1 {
		t.Errorf("creates after drop = %d, want %d (performed, then dropped)", got, before+1)
	}
	if p := tn.Passes(simtenant.DemoSarahID); len(p) != 1 || p[0].Value == "" {
		t.Errorf("passes after drop %v", len(p))
	}

	tn.FailWith("", "", 5, 500)
	tn.ClearFaults()
	if st, _ := call(t, tn, "GET", "/users/"+simtenant.DemoSarahID, nil, nil); st != http.StatusOK {
		t.Errorf("after ClearFaults: %d", st)
	}
}

func TestDemoAndExtra(t *testing.T) {
	tn, _ := demo(t)
	for _, id := range []string{simtenant.DemoMeganID, simtenant.DemoAlexID, simtenant.DemoIrvinID, simtenant.DemoSarahID,
		simtenant.DemoDiegoID, simtenant.DemoLeeID, simtenant.DemoAdeleID, simtenant.DemoJohannaID, simtenant.DemoGradyID} {
		if _, ok := tn.Lookup(id); !ok {
			t.Errorf("demo user %s missing", id)
		}
	}
	if u, _ := tn.Lookup(simtenant.DemoLeeUPN); !u.External() {
		t.Error("Lee Gu is not external")
	}
	if g, _ := tn.GroupID("tap approvers"); g != simtenant.DemoApproversGroupID {
		t.Errorf("approvers group %q", g)
	}

	good := []byte(`
groups:
  - name: Helpdesk
users:
  - upn: jane.doe@contoso.com
    displayName: Jane Doe
    department: Support
    manager: megan.bowen@contoso.com
    groups: [TAP Approvers, Helpdesk]
    roles: [Helpdesk Administrator]
  - upn: tom@contoso.com
    manager: jane.doe@contoso.com
    hireDate: 2026-12-07
    enabled: false
  - upn: ext_partner.com#EXT#@contoso.com
    guest: true
    eligibleRoles: [User Administrator]
`)
	if err := tn.LoadExtra(good); err != nil {
		t.Fatalf("LoadExtra: %v", err)
	}
	jane := simtenant.StableID("jane.doe@contoso.com")
	if u, ok := tn.Lookup("jane.doe@contoso.com"); !ok || u.ID != jane || u.Mail != "jane.doe@contoso.com" {
		t.Errorf("jane %+v", u)
	}
	_, body := call(t, tn, "POST", "/users/"+jane+"/checkMemberGroups", map[string]any{"groupIds": []string{simtenant.DemoApproversGroupID}}, nil)
	if v := body["value"].([]any); len(v) != 1 {
		t.Errorf("jane not an approver: %v", v)
	}
	_, body = call(t, tn, "GET", "/users/tom@contoso.com/manager", nil, nil)
	if body["id"] != jane {
		t.Errorf("tom's manager %v", body["id"])
	}
	if u, _ := tn.Lookup("tom@contoso.com"); !u.Disabled || u.HireDate.Format("2006-01-02") != "2026-12-07" {
		t.Errorf("tom %+v", u)
	}
	if u, _ := tn.Lookup("ext_partner.com#EXT#@contoso.com"); !u.External() || u.UserType != "Guest" {
		t.Errorf("guest %+v", u)
	}

	bad := []byte(`
users:
  - upn: no-at-sign
    manager: ghost@contoso.com
    groups: [Nope]
    hireDate: tomorrow
`)
	err := tn.LoadExtra(bad)
	if err == nil {
		t.Fatal("bad yaml accepted")
	}
	for _, want := range []string{"not a user principal name", "manager \"ghost@contoso.com\"", "group \"Nope\"", "hireDate"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, ok := tn.Lookup("no-at-sign"); ok {
		t.Error("bad yaml was partly applied")
	}
	if err := tn.LoadExtra([]byte("users:\n  - upn: a@b.c\n    shoeSize: 9\n")); err == nil {
		t.Error("unknown field accepted")
	}
}

func TestStartOnAndURL(t *testing.T) {
	tn := simtenant.New()
	if tn.URL() != "" {
		t.Error("URL before start")
	}
	if err := tn.StartOn("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer tn.Close()
	if !strings.HasPrefix(tn.URL(), "http://127.0.0.1:") || !strings.HasSuffix(tn.URL(), "/v1.0") {
		t.Errorf("URL %q", tn.URL())
	}
	if err := tn.StartOn("127.0.0.1:0"); err == nil {
		t.Error("second StartOn succeeded")
	}
}
