package teams_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tapbot/tapbot/internal/store/memstore"
	"github.com/tapbot/tapbot/internal/teams"
	"github.com/tapbot/tapbot/internal/teams/botauth/authtest"
)

// Issue 10, row 7: every refused Bot Framework request says what happened.

// TestAttack_ForgedTokensAnswered403: a missing, malformed, expired,
// unsigned or wrongly signed token is 401 with a Bearer challenge (it was
// 403, which tells a client its credentials were fine); 403 is kept for a
// valid token from a tenant or channel that is not allowed.
func TestAttack_ForgedTokensAnswered403(t *testing.T) {
	f := newFixture(t)
	other := f.idp.Claims("https://smba.trafficmanager.net/amer/")
	wrongAud := f.idp.Claims(f.conn.URL)
	wrongAud["aud"] = "some-other-bot"
	expired := f.idp.Claims(f.conn.URL)
	expired["exp"] = time.Now().Add(-10 * time.Minute).Unix()
	foreignTid := f.idp.Claims(f.conn.URL)
	foreignTid["tid"] = "00000000-0000-0000-0000-0000000000ff"
	webchat := f.idp.NewKey("key-webchat", []string{"msteams", "webchat"})
	f.idp.AddKey(webchat)
	onWebchat := f.personal("hello")
	onWebchat["channelId"] = "webchat"
	onSlack := f.personal("hello")
	onSlack["channelId"] = "slack"
	valid := func(serviceURL string) string { return f.idp.Header(serviceURL) }

	for _, tc := range []struct {
		name, header string
		act          map[string]any
		want         int
		challenge    string
	}{
		{"missing", "", nil, http.StatusUnauthorized, "Bearer"},
		{"malformed", "Bearer not.a.jwt", nil, http.StatusUnauthorized, `Bearer error="invalid_token"`},
		{"not Bearer", "Basic dXNlcjpwYXNz", nil, http.StatusUnauthorized, `Bearer error="invalid_token"`},
		{"lowercase scheme", "bearer " + f.idp.Mint(f.idp.Claims(f.conn.URL)), nil, http.StatusUnauthorized, `Bearer error="invalid_token"`},
		{"expired", "Bearer " + f.idp.Mint(expired), nil, http.StatusUnauthorized, `Bearer error="invalid_token"`},
		{"unsigned (alg none)", "Bearer " + authtest.MintNone("key-1", f.idp.Claims(f.conn.URL)), nil, http.StatusUnauthorized, `Bearer error="invalid_token"`},
		{"hs256 with public key", "Bearer " + f.idp.MintHS256WithPublicKey(f.idp.Claims(f.conn.URL)), nil, http.StatusUnauthorized, `Bearer error="invalid_token"`},
		{"signed by an unknown key", "Bearer " + authtest.MintWith(f.idp.NewKey("rogue", []string{"msteams"}), jwt.SigningMethodRS256, f.idp.Claims(f.conn.URL)), nil, http.StatusUnauthorized, `Bearer error="invalid_token"`},
		{"wrong audience", "Bearer " + f.idp.Mint(wrongAud), nil, http.StatusUnauthorized, `Bearer error="invalid_token"`},
		{"serviceurl of another activity", "Bearer " + f.idp.Mint(other), nil, http.StatusUnauthorized, `Bearer error="invalid_token"`},
		{"valid token, foreign tid", "Bearer " + f.idp.Mint(foreignTid), nil, http.StatusForbidden, ""},
		{"valid token, key not endorsed for the channel", valid(f.conn.URL), onSlack, http.StatusForbidden, ""},
		{"valid token, channel endorsed but not msteams", "Bearer " + authtest.MintWith(webchat, jwt.SigningMethodRS256, f.idp.Claims(f.conn.URL)), onWebchat, http.StatusForbidden, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			act := tc.act
			if act == nil {
				act = f.personal("hello")
			}
			resp := f.do(act, tc.header, "application/json")
			if resp.StatusCode != tc.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.want)
			}
			if got := resp.Header.Get("WWW-Authenticate"); got != tc.challenge {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tc.challenge)
			}
		})
	}
	f.a.Wait()
	if n := len(f.h.all()); n != 0 {
		t.Fatalf("%d refused activities reached the handler", n)
	}
}

// TestSigningKeysDownIs503: when the keys cannot be fetched nothing is
// authenticated, and the answer says the bot, not the caller, is at fault.
func TestSigningKeysDownIs503(t *testing.T) {
	f := newFixture(t)
	f.idp.FailMetadata(true)
	resp := f.do(f.personal("hello"), f.idp.Header(f.conn.URL), "application/json")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("status %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	f.a.Wait()
	if n := len(f.h.all()); n != 0 {
		t.Fatalf("%d activities reached the handler without keys", n)
	}
}

// TestAttack_TeamsBodyNullAndContentType: a body of null was taken for an
// empty activity and refused 403; a wrong Content-Type was read anyway.
func TestAttack_TeamsBodyNullAndContentType(t *testing.T) {
	f := newFixture(t)
	hdr := f.idp.Header(f.conn.URL)
	for _, tc := range []struct {
		name, body, contentType string
		want                    int
	}{
		{"null", "null", "application/json", http.StatusBadRequest},
		{"empty object", "{}", "application/json", http.StatusBadRequest},
		{"an array", "[]", "application/json", http.StatusBadRequest},
		{"text/plain", mustJSON(t, f.personal("hi")), "text/plain", http.StatusUnsupportedMediaType},
		{"form", mustJSON(t, f.personal("hi")), "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"no content type", mustJSON(t, f.personal("hi")), "", http.StatusUnsupportedMediaType},
		{"json with charset", mustJSON(t, f.personal("hi")), "application/json; charset=utf-8", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := f.doRaw(tc.body, hdr, tc.contentType)
			if resp.StatusCode != tc.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	f.waitEvents(1) // only the well-formed one
}

// TestAttack_ChannelIDNotPinned: outside local mode only Teams' channel id
// is accepted, whatever channels the signing key is endorsed for.
func TestAttack_ChannelIDNotPinned(t *testing.T) {
	f := newFixture(t)
	k := f.idp.NewKey("key-many", []string{"msteams", "webchat", "directline", "emulator"})
	f.idp.AddKey(k)
	for _, ch := range []string{"webchat", "directline", "emulator", "MSTEAMS"} {
		act := f.personal("hi")
		act["channelId"] = ch
		tok := "Bearer " + authtest.MintWith(k, jwt.SigningMethodRS256, f.idp.Claims(f.conn.URL))
		if resp := f.do(act, tok, "application/json"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("channelId %q: status %d, want 403", ch, resp.StatusCode)
		}
	}
	f.a.Wait()
	if n := len(f.h.all()); n != 0 {
		t.Fatalf("%d activities from other channels reached the handler", n)
	}
}

// Issue 10, row 6: local mode's unauthenticated endpoint answers programs
// on this machine only.

func newLocal(t *testing.T, port int) (*teams.Adapter, *recorder) {
	t.Helper()
	h := &recorder{}
	a, err := teams.New(teams.Config{LocalMode: true, TenantID: tenantID, PlaygroundPort: port}, memstore.New(), h, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Wait)
	return a, h
}

// TestAttack_LocalModeCSRF_TextPlain: a web page the developer visits
// posted a JSON-looking text/plain body (a "simple" request, no preflight)
// to http://127.0.0.1:3978/api/messages and drove the bot as Megan.
func TestAttack_LocalModeCSRF_TextPlain(t *testing.T) {
	a, h := newLocal(t, 0)
	fromPage := localRequest(t, a, playgroundMessage("pass for sarah"), "127.0.0.1:4000", func(r *http.Request) {
		r.Header.Set("Content-Type", "text/plain")
		r.Header.Set("Origin", "https://attacker.example")
	})
	if fromPage.Code != http.StatusForbidden {
		t.Errorf("text/plain from a web page: status %d, want 403", fromPage.Code)
	}
	jsonFromPage := localRequest(t, a, playgroundMessage("pass for sarah"), "127.0.0.1:4000", func(r *http.Request) {
		r.Header.Set("Origin", "null")
	})
	if jsonFromPage.Code != http.StatusForbidden {
		t.Errorf("JSON from a sandboxed page: status %d, want 403", jsonFromPage.Code)
	}
	noOrigin := localRequest(t, a, playgroundMessage("pass for sarah"), "127.0.0.1:4000", func(r *http.Request) {
		r.Header.Set("Content-Type", "text/plain")
	})
	if noOrigin.Code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain without Origin: status %d, want 415", noOrigin.Code)
	}
	a.Wait()
	if evs := h.all(); len(evs) != 0 {
		t.Fatalf("forged requests reached the handler: %+v", evs)
	}
	// The playground itself (no Origin, or its web UI's) still gets in.
	if rec := localRequest(t, a, playgroundMessage("hi"), "127.0.0.1:4000"); rec.Code != http.StatusOK {
		t.Errorf("playground: status %d %s", rec.Code, rec.Body)
	}
	ui := playgroundMessage("hello")
	ui["id"] = "pg-2"
	if rec := localRequest(t, a, ui, "127.0.0.1:4000", func(r *http.Request) { r.Header.Set("Origin", "http://localhost:56150") }); rec.Code != http.StatusOK {
		t.Errorf("playground web UI origin: status %d %s", rec.Code, rec.Body)
	}
}

// TestAttack_LocalModeDNSRebinding: a page on attacker.example, its name
// rebound to 127.0.0.1, is same-origin with the bot as far as the browser
// knows (no Origin check can see it) and could read an invoke answer — a
// revealed pass. Its requests carry its own Host.
func TestAttack_LocalModeDNSRebinding(t *testing.T) {
	a, h := newLocal(t, 0)
	rec := localRequest(t, a, playgroundMessage("hi"), "127.0.0.1:4000", func(r *http.Request) { r.Host = "rebind.attacker.example:3978" })
	if rec.Code != http.StatusForbidden {
		t.Fatalf("rebound Host: status %d, want 403", rec.Code)
	}
	a.Wait()
	if evs := h.all(); len(evs) != 0 {
		t.Fatalf("rebound request reached the handler: %+v", evs)
	}
}

// TestAttack_LocalModeTunnel: a dev tunnel or ngrok connects from loopback
// and made local mode's unauthenticated endpoint public.
func TestAttack_LocalModeTunnel(t *testing.T) {
	a, h := newLocal(t, 0)
	for _, hdr := range []string{"X-Forwarded-For", "Forwarded", "X-Forwarded-Host"} {
		rec := localRequest(t, a, playgroundMessage("hi"), "127.0.0.1:4000", func(r *http.Request) { r.Header.Set(hdr, "203.0.113.7") })
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", hdr, rec.Code)
		}
	}
	a.Wait()
	if evs := h.all(); len(evs) != 0 {
		t.Fatalf("tunnelled requests reached the handler: %+v", evs)
	}
}

// TestAttack_LocalModeServiceURLAnyLoopbackPort: any loopback serviceUrl
// was accepted, so a local request could point the bot's posts at another
// service on this machine; only the playground's port is accepted now.
func TestAttack_LocalModeServiceURLAnyLoopbackPort(t *testing.T) {
	a, h := newLocal(t, 56190)
	for _, su := range []string{"http://127.0.0.1:6379/", "http://localhost:56150/_connector", "http://[::1]:8080/"} {
		act := playgroundMessage("hi")
		act["serviceUrl"] = su
		if rec := localRequest(t, a, act, "127.0.0.1:4000"); rec.Code != http.StatusForbidden {
			t.Errorf("serviceUrl %s: status %d, want 403", su, rec.Code)
		}
	}
	act := playgroundMessage("hi")
	act["serviceUrl"] = "http://localhost:56190/_connector"
	if rec := localRequest(t, a, act, "127.0.0.1:4000"); rec.Code != http.StatusOK {
		t.Errorf("the playground's port: status %d %s", rec.Code, rec.Body)
	}
	a.Wait()
	if evs := h.all(); len(evs) != 1 {
		t.Fatalf("events = %+v, want the playground's only", evs)
	}
}

// TestLocalModeChannels: the playground may run as another Bot Framework
// channel (-c); that is accepted in local mode only, and nothing else.
func TestLocalModeChannels(t *testing.T) {
	a, _ := newLocal(t, 0)
	for ch, want := range map[string]int{"msteams": 200, "webchat": 200, "emulator": 200, "directline": 200, "slack": 403} {
		act := playgroundMessage("hi")
		act["id"], act["channelId"] = "pg-"+ch, ch
		if rec := localRequest(t, a, act, "127.0.0.1:4000"); rec.Code != want {
			t.Errorf("channelId %s: status %d, want %d", ch, rec.Code, want)
		}
	}
}

func TestLocalServiceURLIsThePlaygroundDefault(t *testing.T) {
	if want := "http://localhost:56150/_connector"; teams.LocalServiceURL != want || teams.DefaultPlaygroundPort != 56150 {
		t.Fatalf("LocalServiceURL %s, DefaultPlaygroundPort %d", teams.LocalServiceURL, teams.DefaultPlaygroundPort)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// do posts act with the Authorization header auth and Content-Type ct.
func (f *fixture) do(act map[string]any, auth, ct string) *http.Response {
	f.t.Helper()
	b, err := json.Marshal(act)
	if err != nil {
		f.t.Fatal(err)
	}
	return f.doRaw(string(b), auth, ct)
}

// doRaw posts body as is; the response body is read and closed.
func (f *fixture) doRaw(body, auth, ct string) *http.Response {
	f.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/api/messages", strings.NewReader(body))
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}
