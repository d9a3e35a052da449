package intake_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat/chattest"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

// HMAC-signed webhooks: a valid signature creates; forged, stale and
// replayed ones are refused.
func TestHMACWebhook(t *testing.T) {
	h := newHarness(t)
	body, _ := json.Marshal(sarah("WD-1"))
	post := func(hd map[string]string, b []byte, key string) response {
		hd[intakeKeyHeader] = key
		return h.call(http.MethodPost, "/api/v1/requests", hd, b)
	}
	good := signed(time.Now(), http.MethodPost, "/api/v1/requests", body)
	resp := post(good, body, "wd-1")
	if resp.status != http.StatusCreated {
		t.Fatalf("signed call = %d %s", resp.status, resp.body)
	}
	id := resp.view(t).ID
	if r, _ := h.app.Service.Get(h.ctx, tap.RequestID(id)); r == nil || r.Intake == nil || r.Intake.Caller != "workday" {
		t.Fatalf("caller not recorded as workday: %+v", r)
	}
	// The audit trail names the application, not only the manager it named.
	recs, err := h.st.ListAudit(h.ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	via := ""
	for _, rec := range recs {
		if rec.Action == "submit" && string(rec.Request) == id {
			via = rec.Detail["via"]
		}
	}
	if via != "api:workday" {
		t.Fatalf("submit audit via = %q, want api:workday", via)
	}
	// A retry signed afresh (a new timestamp) is answered by the
	// idempotency key; the very same signature again is a replay.
	if r := post(signed(time.Now().Add(time.Second), http.MethodPost, "/api/v1/requests", body), body, "wd-1"); r.status != http.StatusCreated {
		t.Fatalf("a fresh signature with the same key = %d %s", r.status, r.body)
	}
	replay := map[string]string{}
	for k, v := range good {
		replay[k] = v
	}
	if r := post(replay, body, "wd-1"); r.status != http.StatusUnauthorized {
		t.Fatalf("replayed signature = %d %s", r.status, r.body)
	}
	forged := signed(time.Now(), http.MethodPost, "/api/v1/requests", body)
	forged["X-Signature"] = "v1=" + strings.Repeat("0", 64)
	if r := post(forged, body, "wd-2"); r.status != http.StatusUnauthorized {
		t.Fatalf("forged = %d", r.status)
	}
	tampered := signed(time.Now(), http.MethodPost, "/api/v1/requests", body)
	if r := post(tampered, bytes.Replace(body, []byte("WD-1"), []byte("WD-9"), 1), "wd-3"); r.status != http.StatusUnauthorized {
		t.Fatalf("body changed after signing = %d", r.status)
	}
	stale := signed(time.Now().Add(-6*time.Minute), http.MethodPost, "/api/v1/requests", body)
	if r := post(stale, body, "wd-4"); r.status != http.StatusUnauthorized {
		t.Fatalf("stale = %d", r.status)
	}
	future := signed(time.Now().Add(6*time.Minute), http.MethodPost, "/api/v1/requests", body)
	if r := post(future, body, "wd-5"); r.status != http.StatusUnauthorized {
		t.Fatalf("future = %d", r.status)
	}
	// Signed reads work too.
	read := signed(time.Now(), http.MethodGet, "/api/v1/requests/"+id, nil)
	// The same headers moved to another call (a withdraw) are refused:
	// method and path are signed.
	if r := h.call(http.MethodDelete, "/api/v1/requests/"+id, read, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("a GET's signature used for DELETE = %d %s", r.status, r.body)
	}
	if r := h.call(http.MethodGet, "/api/v1/requests/"+id, read, nil); r.status != http.StatusOK {
		t.Fatalf("signed GET = %d %s", r.status, r.body)
	}
}

const intakeKeyHeader = "Idempotency-Key"

// Bad input gets a clear, specific answer; a policy refusal is the
// sentence the chat would give.
func TestInputAndRefusals(t *testing.T) {
	h := newHarness(t)
	auth := h.token()
	hd := func(ct string) map[string]string {
		return map[string]string{"Content-Type": ct, "Authorization": auth, intakeKeyHeader: "in-" + ct}
	}
	if r := h.call(http.MethodPost, "/api/v1/requests", hd("text/plain"), []byte(`{}`)); r.status != http.StatusUnsupportedMediaType {
		t.Fatalf("text/plain = %d", r.status)
	}
	big := append([]byte(`{"notes":"`), bytes.Repeat([]byte("x"), 70<<10)...)
	if r := h.call(http.MethodPost, "/api/v1/requests", hd("application/json"), big); r.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("70 KiB body = %d", r.status)
	}
	for _, tc := range []struct {
		name   string
		body   string
		status int
		detail string
	}{
		{"not json", `{"target":`, 400, "not valid JSON"},
		{"unknown field", `{"target":"a@b","requester":"manager","hire_date":"2030-01-01","password":"x"}`, 400, `unknown field "password"`},
		{"wrong type", `{"target":"a@b","requester":"manager","lifetime_minutes":"8h"}`, 400, "lifetime_minutes must be a int"},
		{"two values", `{"target":"a@b"} {}`, 400, "more than one JSON value"},
		{"nothing", `{}`, 422, "Give target"},
		{"no start", `{"target":"` + simtenant.DemoSarahUPN + `","requester":"manager"}`, 422, "Give start"},
		{"both starts", `{"target":"x@y","requester":"manager","start":"2030-01-01T07:00:00Z","hire_date":"2030-01-01"}`, 422, "not both"},
		{"bad zone", `{"target":"x@y","requester":"manager","hire_date":"2030-01-01","time_zone":"Mars/Olympus"}`, 422, "IANA"},
		{"bad lifetime and reason", `{"target":"x@y","requester":"manager","hire_date":"2030-01-01","lifetime_minutes":5,"reason":"party"}`, 422, "lifetime_minutes must be between 10 and 43200 (30 days). reason \"party\""},
		{"unknown person", `{"target":"nobody@contoso.com","requester":"manager","hire_date":"2030-01-01"}`, 422, ""},
	} {
		r := h.call(http.MethodPost, "/api/v1/requests", map[string]string{"Content-Type": "application/json", "Authorization": auth,
			intakeKeyHeader: "in-" + strings.ReplaceAll(tc.name, " ", "-")}, []byte(tc.body))
		if r.status != tc.status || !strings.Contains(r.problem(t).Detail, tc.detail) {
			t.Errorf("%s: %d %s; want %d with %q", tc.name, r.status, r.body, tc.status, tc.detail)
		}
	}

	// Adele is a Global Administrator: the API says what the chat says.
	adele := sarah("ADELE")
	adele["target"] = simtenant.DemoAdeleUPN
	r := h.post(auth, "adele", adele)
	_, chatErr := h.app.Service.Submit(context.Background(), &tap.Request{
		Requester: tap.Actor{Platform: chattest.Platform, EntraID: simtenant.DemoMeganID, Name: "Megan Bowen"},
		Target:    tap.User{UPN: simtenant.DemoAdeleUPN}, Reason: tap.ReasonOnboarding,
		Start: time.Now().Add(72 * time.Hour), Lifetime: 8 * time.Hour})
	var ref *tap.Refusal
	if !errors.As(chatErr, &ref) {
		t.Fatalf("chat submit for Adele: %v, want a refusal", chatErr)
	}
	if r.status != http.StatusUnprocessableEntity || r.problem(t).Detail != ref.Msg {
		t.Fatalf("Adele = %d %s; want 422 with %q", r.status, r.body, ref.Msg)
	}
	// A refused call releases its key: the key works for a corrected body.
	if r := h.post(auth, "adele", sarah("ADELE")); r.status != http.StatusCreated {
		t.Fatalf("key reused after a refusal = %d %s", r.status, r.body)
	}
}

// Withdraw, list and the errors of the read endpoints.
func TestWithdrawAndList(t *testing.T) {
	h := newHarness(t)
	auth := h.token()
	created := h.post(auth, "w-1", sarah("HIRE-W")).view(t)
	path := "/api/v1/requests/" + created.ID
	del := func(a string) response {
		return h.call(http.MethodDelete, path, map[string]string{"Authorization": a}, nil)
	}

	if r := del(""); r.status != http.StatusUnauthorized {
		t.Fatalf("DELETE without token = %d", r.status)
	}
	if r := h.call(http.MethodDelete, "/api/v1/requests/no-such-id", map[string]string{"Authorization": auth}, nil); r.status != http.StatusNotFound {
		t.Fatalf("DELETE unknown = %d", r.status)
	}
	r := del(auth)
	if r.status != http.StatusOK || r.view(t).State != "cancelled" {
		t.Fatalf("DELETE = %d %s", r.status, r.body)
	}
	if last := r.view(t).Timeline; last[len(last)-1].Event != "cancelled" {
		t.Fatalf("timeline %+v", last)
	}
	dm, _ := h.dm(simtenant.DemoMeganID)
	if !strings.Contains(chattest.Text(dm.Message), "was cancelled") {
		t.Fatalf("hiring manager not told of the withdrawal: %s", chattest.Text(dm.Message))
	}
	if r := del(auth); r.status != http.StatusConflict || !strings.Contains(r.problem(t).Detail, "cancelled") {
		t.Fatalf("second DELETE = %d %s", r.status, r.body)
	}
	// A request made in chat is not the API's to read or withdraw.
	chatReq, err := h.app.Service.Submit(h.ctx, &tap.Request{
		Requester: tap.Actor{Platform: chattest.Platform, ChatID: megan.ID, EntraID: simtenant.DemoMeganID, Name: "Megan Bowen"},
		Target:    tap.User{UPN: simtenant.DemoDiegoUPN}, Reason: tap.ReasonOnboarding,
		Start: time.Now().Add(48 * time.Hour), Lifetime: 8 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if r := h.get(auth, "/api/v1/requests/"+string(chatReq.ID)); r.status != http.StatusNotFound {
		t.Fatalf("GET of a chat request = %d", r.status)
	}
	if r := h.get("", path); r.status != http.StatusUnauthorized {
		t.Fatalf("GET without token = %d", r.status)
	}
	second := h.post(auth, "w-2", sarah("HIRE-W")).view(t)
	var l struct{ Requests []struct{ ID, State string } }
	r = h.get(auth, "/api/v1/requests?external_ref=HIRE-W")
	if err := json.Unmarshal(r.body, &l); err != nil || len(l.Requests) != 2 || l.Requests[0].ID != created.ID ||
		l.Requests[0].State != "cancelled" || l.Requests[1].ID != second.ID {
		t.Fatalf("list = %s", r.body)
	}
	if r := h.get(auth, "/api/v1/requests"); r.status != http.StatusBadRequest {
		t.Fatalf("list without external_ref = %d", r.status)
	}
	if r := h.get("", "/api/v1/requests?external_ref=HIRE-W"); r.status != http.StatusUnauthorized {
		t.Fatalf("list without token = %d", r.status)
	}
	if r := h.call(http.MethodPut, path, map[string]string{"Authorization": auth}, nil); r.status != http.StatusMethodNotAllowed {
		t.Fatalf("PUT = %d", r.status)
	} else {
		r.problem(t)
	}
}
