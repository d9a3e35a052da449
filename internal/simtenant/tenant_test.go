package simtenant_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

// call sends one request to tn and decodes the JSON answer (nil for 204).
func call(t *testing.T, tn *simtenant.Tenant, method, path string, body any, hdr map[string]string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, tn.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer test-token")
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if len(raw) == 0 {
		return resp.StatusCode, nil
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
	}
	return resp.StatusCode, out
}

func errMessage(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

func errCode(m map[string]any) string {
	e, _ := m["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// demo starts a demo tenant with a fixed clock.
func demo(t *testing.T) (*simtenant.Tenant, *time.Time) {
	t.Helper()
	now := time.Date(2026, 11, 27, 13, 0, 0, 0, time.UTC)
	tn := simtenant.New()
	tn.SetNow(func() time.Time { return now })
	simtenant.Demo(tn)
	tn.Start()
	t.Cleanup(tn.Close)
	return tn, &now
}

const tapPath = "/users/" + simtenant.DemoSarahID + "/authentication/temporaryAccessPassMethods"

func TestAuthorizationRequired(t *testing.T) {
	tn, _ := demo(t)
	for _, tc := range []struct {
		name, auth string
		want       int
	}{
		{"missing", "", http.StatusUnauthorized},
		{"not bearer", "Basic dXNlcjpwdw==", http.StatusUnauthorized},
		{"empty bearer", "Bearer ", http.StatusUnauthorized},
		{"bearer", "Bearer anything", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, body := call(t, tn, "GET", "/users/"+simtenant.DemoMeganID, nil, map[string]string{"Authorization": tc.auth})
			if st != tc.want {
				t.Fatalf("status %d, want %d (%v)", st, tc.want, body)
			}
			if st == http.StatusUnauthorized && errCode(body) != "InvalidAuthenticationToken" {
				t.Errorf("code %q", errCode(body))
			}
		})
	}
	tn.RequireToken("the-token")
	if st, _ := call(t, tn, "GET", "/users/"+simtenant.DemoMeganID, nil, nil); st != http.StatusUnauthorized {
		t.Errorf("wrong token: status %d, want 401", st)
	}
	if st, _ := call(t, tn, "GET", "/users/"+simtenant.DemoMeganID, nil, map[string]string{"Authorization": "Bearer the-token"}); st != http.StatusOK {
		t.Errorf("right token: status %d, want 200", st)
	}
}

func TestCreateReplacesAndHidesValue(t *testing.T) {
	tn, _ := demo(t)
	st, first := call(t, tn, "POST", tapPath, map[string]any{"lifetimeInMinutes": 120, "isUsableOnce": false}, nil)
	if st != http.StatusCreated {
		t.Fatalf("create: %d %v", st, first)
	}
	v1, _ := first["temporaryAccessPass"].(string)
	if len(v1) != 8 || !strings.ContainsAny(v1, "!#$%&*+-=?@^_~") {
		t.Errorf("value %q: want 8 chars with punctuation", v1)
	}
	if first["@odata.type"] != "#microsoft.graph.temporaryAccessPassAuthenticationMethod" || first["lifetimeInMinutes"] != 120.0 {
		t.Errorf("create body %v", first)
	}
	_, second := call(t, tn, "POST", tapPath, map[string]any{"lifetimeInMinutes": 60}, nil)
	if second["id"] == first["id"] || second["temporaryAccessPass"] == v1 {
		t.Errorf("second create reused id or value")
	}
	st, list := call(t, tn, "GET", tapPath, nil, nil)
	items, _ := list["value"].([]any)
	if st != http.StatusOK || len(items) != 1 {
		t.Fatalf("list: %d %v", st, list)
	}
	item := items[0].(map[string]any)
	if item["id"] != second["id"] || item["temporaryAccessPass"] != nil {
		t.Errorf("list item %v: want the second pass with a null value", item)
	}
	st, one := call(t, tn, "GET", tapPath+"/"+second["id"].(string), nil, nil)
	if st != http.StatusOK || one["temporaryAccessPass"] != nil {
		t.Errorf("get one: %d %v", st, one)
	}
	if st, _ := call(t, tn, "GET", tapPath+"/"+first["id"].(string), nil, nil); st != http.StatusNotFound {
		t.Errorf("replaced pass: status %d, want 404", st)
	}
	if got := tn.Creates(simtenant.DemoSarahUPN); got != 2 {
		t.Errorf("Creates = %d, want 2", got)
	}
	if st, _ := call(t, tn, "DELETE", tapPath+"/"+second["id"].(string), nil, nil); st != http.StatusNoContent {
		t.Errorf("delete: %d", st)
	}
	if st, _ := call(t, tn, "DELETE", tapPath+"/"+second["id"].(string), nil, nil); st != http.StatusNotFound {
		t.Errorf("second delete: %d, want 404", st)
	}
	if tn.Deletes(simtenant.DemoSarahID) != 1 || len(tn.Passes(simtenant.DemoSarahID)) != 0 || tn.TotalCreates() != 2 {
		t.Errorf("deletes %d passes %v total %d", tn.Deletes(simtenant.DemoSarahID), tn.Passes(simtenant.DemoSarahID), tn.TotalCreates())
	}
}

func TestCreateValidation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(tn *simtenant.Tenant)
		user   string
		body   map[string]any
		status int
		msg    string
	}{
		{name: "defaults", body: map[string]any{}, status: 201},
		{name: "lifetime below policy", body: map[string]any{"lifetimeInMinutes": 30}, status: 400,
			msg: "Invalid LifetimeInMinutes specified. The valid range between 60 and 480."},
		{name: "lifetime above policy", body: map[string]any{"lifetimeInMinutes": 481}, status: 400,
			msg: "Invalid LifetimeInMinutes specified. The valid range between 60 and 480."},
		{name: "custom policy range echoed", body: map[string]any{"lifetimeInMinutes": 60}, status: 400,
			setup: func(tn *simtenant.Tenant) {
				p := simtenant.DefaultPolicy()
				p.MinLifetimeMinutes, p.MaxLifetimeMinutes, p.DefaultLifetimeMinutes = 120, 2880, 120
				tn.SetPolicy(p)
			},
			msg: "Invalid LifetimeInMinutes specified. The valid range between 120 and 2880."},
		{name: "start in the past", body: map[string]any{"startDateTime": "2026-11-27T12:00:00Z"}, status: 400,
			msg: "Invalid StartDateTime specified. It can not be a time in the past."},
		{name: "future start", body: map[string]any{"startDateTime": "2026-11-30T08:00:00Z"}, status: 201},
		{name: "external guest", user: simtenant.DemoLeeUPN, body: map[string]any{}, status: 400,
			msg: "Temporary Access Pass cannot be added to an external guest user."},
		{name: "unknown user", user: "nobody@contoso.com", body: map[string]any{}, status: 404},
		{name: "policy disabled", body: map[string]any{}, status: 400,
			setup: func(tn *simtenant.Tenant) {
				p := simtenant.DefaultPolicy()
				p.Enabled = false
				tn.SetPolicy(p)
			},
			msg: "Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass]."},
		{name: "user excluded through nested group", body: map[string]any{}, status: 400,
			setup: func(tn *simtenant.Tenant) {
				outer := tn.AddGroup(simtenant.Group{DisplayName: "No TAP"})
				inner := tn.AddGroup(simtenant.Group{DisplayName: "Sales interns"})
				_ = tn.AddMember(inner, simtenant.DemoSarahID)
				_ = tn.AddMember(outer, inner)
				p := simtenant.DefaultPolicy()
				p.Exclude = []string{outer}
				tn.SetPolicy(p)
			},
			msg: "Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass]."},
		{name: "multi-use refused by one-time policy", body: map[string]any{"isUsableOnce": false}, status: 400,
			setup: func(tn *simtenant.Tenant) {
				p := simtenant.DefaultPolicy()
				p.IsUsableOnce = true
				tn.SetPolicy(p)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tn, _ := demo(t)
			if tc.setup != nil {
				tc.setup(tn)
			}
			user := tc.user
			if user == "" {
				user = simtenant.DemoSarahID
			}
			st, body := call(t, tn, "POST", "/users/"+url.PathEscape(user)+"/authentication/temporaryAccessPassMethods", tc.body, nil)
			if st != tc.status {
				t.Fatalf("status %d, want %d: %v", st, tc.status, body)
			}
			if tc.msg != "" && errMessage(body) != tc.msg {
				t.Errorf("message %q, want %q", errMessage(body), tc.msg)
			}
			wantCreates := 0
			if st == http.StatusCreated {
				wantCreates = 1
			}
			if tn.TotalCreates() != wantCreates {
				t.Errorf("TotalCreates = %d, want %d", tn.TotalCreates(), wantCreates)
			}
		})
	}
}

func TestUsabilityFollowsClock(t *testing.T) {
	tn, now := demo(t)
	start := now.Add(2 * time.Hour)
	st, body := call(t, tn, "POST", tapPath, map[string]any{
		"startDateTime": start.Format(time.RFC3339), "lifetimeInMinutes": 60, "isUsableOnce": true}, nil)
	if st != http.StatusCreated {
		t.Fatalf("create: %d %v", st, body)
	}
	steps := []struct {
		name   string
		act    func()
		usable bool
		reason string
	}{
		{"before start", func() {}, false, "NotYetValid"},
		{"after start", func() { *now = start.Add(time.Minute) }, true, "EnabledByPolicy"},
		{"after one use", func() {
			if err := tn.UseOnce(simtenant.DemoSarahUPN); err != nil {
				t.Fatal(err)
			}
		}, false, "OneTimeUsed"},
		{"after expiry", func() { *now = start.Add(61 * time.Minute) }, false, "Expired"},
	}
	for _, s := range steps {
		s.act()
		_, list := call(t, tn, "GET", tapPath, nil, nil)
		item := list["value"].([]any)[0].(map[string]any)
		if item["isUsable"] != s.usable || item["methodUsabilityReason"] != s.reason {
			t.Errorf("%s: isUsable=%v reason=%v, want %v %s", s.name, item["isUsable"], item["methodUsabilityReason"], s.usable, s.reason)
		}
	}
	// A user outside includeTargets gets a pass that the policy disables.
	p := simtenant.DefaultPolicy()
	p.Include = []string{simtenant.DemoApproversGroupID}
	tn.SetPolicy(p)
	_, body = call(t, tn, "POST", "/users/"+simtenant.DemoDiegoID+"/authentication/temporaryAccessPassMethods", map[string]any{}, nil)
	if body["isUsable"] != false || body["methodUsabilityReason"] != "DisabledByPolicy" {
		t.Errorf("not included: %v", body)
	}
	if err := tn.UseOnce(simtenant.DemoDiegoID); err == nil {
		t.Error("UseOnce on a disabled pass succeeded")
	}
}

func TestExpirePassOnCommand(t *testing.T) {
	tn, _ := demo(t)
	if err := tn.ExpirePass(simtenant.DemoSarahUPN); err == nil {
		t.Error("expired a pass that does not exist")
	}
	if st, body := call(t, tn, "POST", tapPath, map[string]any{"lifetimeInMinutes": 60}, nil); st != http.StatusCreated {
		t.Fatalf("create: %d %v", st, body)
	}
	if err := tn.ExpirePass(simtenant.DemoSarahUPN); err != nil {
		t.Fatal(err)
	}
	_, list := call(t, tn, "GET", tapPath, nil, nil)
	item := list["value"].([]any)[0].(map[string]any)
	if item["isUsable"] != false || item["methodUsabilityReason"] != "Expired" {
		t.Errorf("after ExpirePass: isUsable=%v reason=%v", item["isUsable"], item["methodUsabilityReason"])
	}
}

func TestGzipBodies(t *testing.T) {
	tn, _ := demo(t)
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	_, _ = zw.Write([]byte(`{"lifetimeInMinutes":90}`))
	_ = zw.Close()
	for _, tc := range []struct {
		name string
		body []byte
		want int
	}{
		{"real gzip", zb.Bytes(), http.StatusCreated},
		{"raw json labelled gzip", []byte(`{"lifetimeInMinutes":90}`), http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", tn.URL()+tapPath, bytes.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer x")
			req.Header.Set("Content-Encoding", "gzip")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	reqs := tn.Requests()
	if len(reqs) != 2 || reqs[1].Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("request log %+v", reqs)
	}
}

func TestMethodsList(t *testing.T) {
	tn, _ := demo(t)
	for _, k := range []tap.MethodKind{tap.MethodWindowsHello, tap.MethodAuthenticator, tap.MethodFIDO2} {
		if _, err := tn.RegisterMethod(simtenant.DemoSarahUPN, k); err != nil {
			t.Fatal(err)
		}
	}
	call(t, tn, "POST", tapPath, map[string]any{}, nil)
	_, body := call(t, tn, "GET", "/users/"+simtenant.DemoSarahID+"/authentication/methods", nil, nil)
	var types []string
	for _, v := range body["value"].([]any) {
		m := v.(map[string]any)
		types = append(types, m["@odata.type"].(string))
		if m["@odata.type"] == "#microsoft.graph.temporaryAccessPassAuthenticationMethod" && m["temporaryAccessPass"] != nil {
			t.Error("methods list shows the pass value")
		}
	}
	want := []string{"#microsoft.graph.passwordAuthenticationMethod",
		"#microsoft.graph.windowsHelloForBusinessAuthenticationMethod",
		"#microsoft.graph.microsoftAuthenticatorAuthenticationMethod",
		"#microsoft.graph.fido2AuthenticationMethod",
		"#microsoft.graph.temporaryAccessPassAuthenticationMethod"}
	if strings.Join(types, ",") != strings.Join(want, ",") {
		t.Errorf("types %v, want %v", types, want)
	}
	if _, err := tn.RegisterMethod("nobody@contoso.com", tap.MethodFIDO2); err == nil {
		t.Error("RegisterMethod for an unknown user succeeded")
	}
}
