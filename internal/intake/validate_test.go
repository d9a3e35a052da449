package intake_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

// POST /api/v1/requests/validate runs a create's checks and answers with
// the request as it would be opened, storing nothing and telling nobody;
// a refusal reads as the create's would and is audited.
func TestValidate(t *testing.T) {
	h := newHarness(t)
	auth := h.token()
	post := func(auth string, ct string, body []byte) response {
		return h.call(http.MethodPost, "/api/v1/requests/validate", map[string]string{"Content-Type": ct, "Authorization": auth}, body)
	}
	ok := post(auth, "application/json", mustJSON(t, sarah("HIRE-7")))
	if ok.status != http.StatusOK || !strings.Contains(string(ok.body), `"display_name":"Sarah Johnson"`) ||
		!strings.Contains(string(ok.body), `"lifetime_minutes":480`) {
		t.Fatalf("valid = %d %s", ok.status, ok.body)
	}
	if rs, err := h.st.ListRequests(h.ctx, tap.RequestFilter{}); err != nil || len(rs) != 0 {
		t.Fatalf("validate stored %d requests (%v)", len(rs), err)
	}
	if len(h.msgr.All()) != 0 {
		t.Fatalf("validate told someone: %+v", h.msgr.All())
	}

	admin := sarah("HIRE-8")
	admin["target"] = simtenant.DemoAdeleUPN
	refused := post(auth, "application/json", mustJSON(t, admin))
	if refused.status != http.StatusUnprocessableEntity || !strings.Contains(refused.problem(t).Detail, "privileged account") {
		t.Fatalf("admin = %d %s", refused.status, refused.body)
	}
	// A second open request is 409, as a create would be.
	if c := h.post(auth, "k-1", sarah("HIRE-7")); c.status != http.StatusCreated {
		t.Fatalf("create = %d %s", c.status, c.body)
	}
	if dup := post(auth, "application/json", mustJSON(t, sarah("HIRE-9"))); dup.status != http.StatusConflict {
		t.Fatalf("second open request = %d %s", dup.status, dup.body)
	}
	recs, err := h.st.ListAudit(h.ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	checks := 0
	for _, r := range recs {
		if r.Action == "check" && r.Outcome == "refused" {
			checks++
		}
	}
	if checks != 2 {
		t.Errorf("%d refused checks audited, want 2", checks)
	}
	for _, c := range []struct {
		auth, ct string
		body     string
		want     int
	}{
		{"Bearer nope", "application/json", "{}", http.StatusUnauthorized},
		{auth, "text/plain", "{}", http.StatusUnsupportedMediaType},
		{auth, "application/json", "{not json", http.StatusBadRequest},
	} {
		if r := post(c.auth, c.ct, []byte(c.body)); r.status != c.want {
			t.Errorf("%s %q = %d, want %d: %s", c.ct, c.body, r.status, c.want, r.body)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
