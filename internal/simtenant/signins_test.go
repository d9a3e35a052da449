package simtenant_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/simtenant"
)

// signIns GETs the beta sign-in log with filter (already URL-encoded).
func signIns(t *testing.T, tn *simtenant.Tenant, filter string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, strings.TrimSuffix(tn.URL(), "/v1.0")+"/beta/auditLogs/signIns?$filter="+filter, nil)
	req.Header.Set("Authorization", "Bearer x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestSignInLog(t *testing.T) {
	tn, now := demo(t)
	if _, err := tn.RecordSignIn(simtenant.SignIn{UserID: simtenant.DemoSarahUPN, IP: "203.0.113.7", City: "Seattle", Country: "US"}); err != nil {
		t.Fatal(err)
	}
	if _, err := tn.RecordSignIn(simtenant.SignIn{UserID: simtenant.DemoDiegoID, IP: "198.51.100.9", ErrorCode: 50126}); err != nil {
		t.Fatal(err)
	}
	if _, err := tn.RecordSignIn(simtenant.SignIn{UserID: "nobody@contoso.com", IP: "198.51.100.9"}); err == nil {
		t.Error("a sign-in for an unknown user was recorded")
	}
	if _, err := tn.RecordSignIn(simtenant.SignIn{UserID: simtenant.DemoSarahID}); err == nil {
		t.Error("a sign-in without an IP was recorded")
	}
	since := now.Add(-time.Hour).Format(time.RFC3339)
	st, body := signIns(t, tn, "userId+eq+'"+simtenant.DemoSarahID+"'+and+createdDateTime+ge+"+since)
	if st != http.StatusOK || !strings.Contains(body, `"authenticationMethod":"Temporary Access Pass"`) ||
		!strings.Contains(body, "203.0.113.7") || strings.Contains(body, "198.51.100.9") {
		t.Errorf("sarah's sign-ins: %d %s", st, body)
	}
	if st, body := signIns(t, tn, "userId+eq+'"+simtenant.DemoSarahID+"'+and+createdDateTime+ge+"+now.Add(time.Hour).Format(time.RFC3339)); st != http.StatusOK || strings.Contains(body, "203.0.113.7") {
		t.Errorf("sign-ins after now: %d %s", st, body)
	}
	if st, _ := signIns(t, tn, "createdDateTime+ge+yesterday"); st != http.StatusBadRequest {
		t.Errorf("bad time in filter: status %d, want 400", st)
	}
}
