package intake_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/intake"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/teams/botauth/authtest"
)

// An HR system opens a request with a real Entra-style token; the hiring
// manager (Sarah's manager in Entra) is told in chat, an approver approves
// on the card, the manager reveals the pass in chat, and the API shows the
// state and timeline throughout — never the pass.
func TestEndToEnd_HRRequestApprovedInChatRevealedByManager(t *testing.T) {
	h := newHarness(t)
	auth := h.token()
	resp := h.post(auth, "hire-4711-a", sarah("HIRE-4711"))
	if resp.status != http.StatusCreated {
		t.Fatalf("POST = %d %s", resp.status, resp.body)
	}
	v := resp.view(t)
	if v.State != "pending" || v.Requester.ID != simtenant.DemoMeganID || v.Target.ID != simtenant.DemoSarahID ||
		v.ExternalRef != "HIRE-4711" || v.LifetimeMinutes != 480 || v.TimeZone != "America/Los_Angeles" {
		t.Fatalf("created view = %+v", v)
	}
	if loc := resp.header.Get("Location"); loc != "/api/v1/requests/"+v.ID {
		t.Fatalf("Location %q", loc)
	}
	// The pass starts at 07:00 on the hire date in the hire's zone.
	la, _ := time.LoadLocation("America/Los_Angeles")
	if st := v.Start.In(la); st.Hour() != 7 || st.Minute() != 0 {
		t.Fatalf("start %v, want 07:00 Los Angeles", st)
	}

	dm, ok := h.dm(simtenant.DemoMeganID)
	if !ok || !strings.Contains(chattest.Text(dm.Message), "HR asked for a pass for Sarah Johnson starting ") ||
		!strings.Contains(chattest.Text(dm.Message), "it is waiting for approval") {
		t.Fatalf("hiring manager was not told; got %+v", dm)
	}
	card, ok := h.msgr.Last(approvers)
	if !ok || chattest.ButtonValue(card.Message, chat.ActionApprove) != v.ID {
		t.Fatal("no approval card for the HR request")
	}
	for _, want := range []string{"HR system (" + hrApp + ")", "HIRE-4711", "Starts in Sales, desk 4B"} {
		if !strings.Contains(chattest.Text(card.Message), want) {
			t.Errorf("approval card lacks %q:\n%s", want, chattest.Text(card.Message))
		}
	}

	h.click(alex, chat.ActionApprove, v.ID)
	got := h.get(auth, "/api/v1/requests/"+v.ID).view(t)
	if got.State != "issued" || len(got.Timeline) < 3 || got.Timeline[1].Event != "approved" || got.Timeline[1].By != "Alex Wilber" {
		t.Fatalf("after approval: %+v", got)
	}
	dm, _ = h.dm(simtenant.DemoMeganID)
	if chattest.ButtonValue(dm.Message, chat.ActionReveal) != v.ID {
		t.Fatalf("hiring manager has no Reveal button:\n%s", chattest.Text(dm.Message))
	}
	r := h.click(megan, chat.ActionReveal, v.ID)
	if !r.Last().HasSecret() {
		t.Fatalf("reveal showed no pass:\n%s", r.Text())
	}
	pass := r.Last().Secret.Reveal()

	final := h.get(auth, "/api/v1/requests/"+v.ID)
	if fv := final.view(t); fv.State != "delivered" || fv.Timeline[len(fv.Timeline)-1].Event != "revealed" {
		t.Fatalf("after reveal: %s", final.body)
	}
	list := h.get(auth, "/api/v1/requests?external_ref=HIRE-4711")
	var l intake.List
	if err := json.Unmarshal(list.body, &l); err != nil || len(l.Requests) != 1 || l.Requests[0].ID != v.ID {
		t.Fatalf("list = %s (%v)", list.body, err)
	}
	for _, b := range [][]byte{resp.body, final.body, list.body, []byte(h.logs.String())} {
		if strings.Contains(string(b), pass) {
			t.Fatal("the pass value appeared in an API response or the log")
		}
	}
}

// A retry with the same key and body gets the same request; the same key
// with another body is 409; a POST without a key is refused.
func TestIdempotencyKey(t *testing.T) {
	h := newHarness(t)
	auth := h.token()
	first := h.post(auth, "key-1", sarah("HIRE-1"))
	if first.status != http.StatusCreated {
		t.Fatalf("first = %d %s", first.status, first.body)
	}
	again := h.post(auth, "key-1", sarah("HIRE-1"))
	if again.status != http.StatusCreated || again.header.Get(intake.HeaderReplayed) != "true" || again.view(t).ID != first.view(t).ID {
		t.Fatalf("retry = %d %s", again.status, again.body)
	}
	other := sarah("HIRE-1")
	other["lifetime_minutes"] = 240
	if p := h.post(auth, "key-1", other); p.status != http.StatusConflict || !strings.Contains(p.problem(t).Type, "idempotency-key-reused") {
		t.Fatalf("same key, other body = %d %s", p.status, p.body)
	}
	if p := h.post(auth, "", sarah("HIRE-1")); p.status != http.StatusBadRequest || !strings.Contains(p.problem(t).Detail, "Idempotency-Key") {
		t.Fatalf("no key = %d %s", p.status, p.body)
	}
	// A new key for the same new hire meets the one-open-request rule.
	if p := h.post(auth, "key-2", sarah("HIRE-1")); p.status != http.StatusConflict || !strings.Contains(p.problem(t).Detail, "Only one request per person can be open at once") {
		t.Fatalf("second open request = %d %s", p.status, p.body)
	}
	// Another allowed app's key of the same name is its own, and it cannot see the first app's request.
	otherApp := h.token(func(c jwt.MapClaims) { c["azp"] = otherApp })
	theirs := h.get(otherApp, "/api/v1/requests/"+first.view(t).ID)
	if theirs.status != http.StatusNotFound {
		t.Fatalf("other app GET = %d %s", theirs.status, theirs.body)
	}
	// A request that does not exist reads the same: no oracle for ids.
	if none := h.get(otherApp, "/api/v1/requests/no-such-request"); none.status != http.StatusNotFound ||
		none.problem(t).Detail != theirs.problem(t).Detail {
		t.Fatalf("missing id = %d %q, another caller's = %q", none.status, none.problem(t).Detail, theirs.problem(t).Detail)
	}
	if p := h.get(otherApp, "/api/v1/requests?external_ref=HIRE-1"); p.status != http.StatusOK || strings.Contains(string(p.body), first.view(t).ID) {
		t.Fatalf("other app list = %d %s", p.status, p.body)
	}
}

// The negative matrix of Entra tokens.
func TestEntraTokenMatrix(t *testing.T) {
	h := newHarness(t)
	stranger := h.idp.NewKey("stranger", nil) // not in the JWKS
	cases := []struct {
		name   string
		auth   string
		status int
	}{
		{"v2 token", h.token(), http.StatusCreated},
		{"v1 token (sts.windows.net, appid)", h.token(func(c jwt.MapClaims) {
			c["iss"] = "https://sts.windows.net/" + tenantID + "/"
			delete(c, "azp")
			c["appid"] = hrApp
			c["ver"] = "1.0"
		}), http.StatusCreated},
		{"wrong audience", h.token(func(c jwt.MapClaims) { c["aud"] = "api://someone-else" }), http.StatusUnauthorized},
		{"audience array", h.token(func(c jwt.MapClaims) { c["aud"] = []string{audience} }), http.StatusUnauthorized},
		{"wrong tenant issuer", h.token(func(c jwt.MapClaims) {
			c["iss"] = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000bad/v2.0"
		}), http.StatusUnauthorized},
		{"wrong tid", h.token(func(c jwt.MapClaims) { c["tid"] = "00000000-0000-0000-0000-000000000bad" }), http.StatusUnauthorized},
		{"missing role", h.token(func(c jwt.MapClaims) { c["roles"] = []string{"TAP.Read"} }), http.StatusForbidden},
		{"no roles", h.token(func(c jwt.MapClaims) { delete(c, "roles") }), http.StatusForbidden},
		{"unknown azp", h.token(func(c jwt.MapClaims) { c["azp"] = "11111111-2222-3333-4444-555555555555" }), http.StatusForbidden},
		{"delegated user token", h.token(func(c jwt.MapClaims) { c["scp"] = "TAP.Request" }), http.StatusForbidden},
		{"expired", h.token(func(c jwt.MapClaims) {
			c["exp"] = time.Now().Add(-10 * time.Minute).Unix()
			c["iat"] = time.Now().Add(-70 * time.Minute).Unix()
			c["nbf"] = c["iat"]
		}), http.StatusUnauthorized},
		{"no exp", h.token(func(c jwt.MapClaims) { delete(c, "exp") }), http.StatusUnauthorized},
		{"not yet valid", h.token(func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(time.Hour).Unix() }), http.StatusUnauthorized},
		{"signed by an unknown key", "Bearer " + authtest.MintWith(stranger, jwt.SigningMethodRS256, h.claims()), http.StatusUnauthorized},
		{"alg none", "Bearer " + authtest.MintNone("key-1", h.claims()), http.StatusUnauthorized},
		{"HS256 with the public key", "Bearer " + h.idp.MintHS256WithPublicKey(h.claims()), http.StatusUnauthorized},
		{"not Bearer", strings.Replace(h.token(), "Bearer ", "Basic ", 1), http.StatusUnauthorized},
		{"no credentials", "", http.StatusUnauthorized},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := sarah("MATRIX")
			body["target"] = []string{simtenant.DemoSarahUPN, simtenant.DemoDiegoUPN}[i%2]
			resp := h.post(tc.auth, fmt.Sprintf("matrix-%d", i), body)
			if resp.status != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.status, tc.status, resp.body)
			}
			if tc.status == http.StatusCreated {
				// Free the new hire for the next accepted case.
				if d := h.call(http.MethodDelete, "/api/v1/requests/"+resp.view(t).ID, map[string]string{"Authorization": tc.auth}, nil); d.status != http.StatusOK {
					t.Fatalf("withdraw = %d %s", d.status, d.body)
				}
				return
			}
			p := resp.problem(t)
			if tc.status == http.StatusUnauthorized && resp.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if strings.Contains(p.Detail, "eyJ") {
				t.Error("token echoed in the problem")
			}
		})
	}
}
