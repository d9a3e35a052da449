package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/teams/connector/connectortest"
)

// Issue 10, row 6, as wired: local mode's unauthenticated endpoints (the
// Teams endpoint and the /_local helpers) refuse what a web page, a
// DNS-rebinding page or a tunnel sends, and still serve curl and the
// playground.
func TestAttack_LocalModeFromABrowser(t *testing.T) {
	conn := connectortest.Start(t)
	base, _ := startLocal(t, map[string]string{"TAPBOT_TEAMS_SERVICE_URL": conn.URL, "TAPBOT_TEAMS_PLAYGROUND_PORT": portOf(t, conn.URL)})
	host := strings.TrimPrefix(base, "http://")
	form := url.Values{"user": {simtenant.DemoSarahUPN}, "kind": {"windows_hello"}}.Encode()
	signIn := url.Values{"user": {simtenant.DemoSarahUPN}, "ip": {"203.0.113.7"}, "at": {"2026-12-07T21:30:00-08:00"}}.Encode()
	// What the playground posts for Megan: accepted when it comes the
	// playground's way (the last row).
	activity := fmt.Sprintf(`{"type":"message","id":"csrf-1","channelId":"msteams","serviceUrl":%q,
	  "from":{"id":"29:megan","name":"Megan Bowen","aadObjectId":%q},"recipient":{"id":"28:tapbot","name":"tapbot"},
	  "conversation":{"id":"conv-megan","conversationType":"personal","tenantId":%q},"text":"help"}`,
		conn.URL, simtenant.DemoMeganID, simtenant.DemoTenantID)
	for _, tc := range []struct {
		name, path, body, contentType string
		header                        map[string]string
		hostHeader                    string
		want                          int
	}{
		{"helper from a web page", "/_local/methods", form, "application/x-www-form-urlencoded", map[string]string{"Origin": "https://attacker.example"}, "", http.StatusForbidden},
		{"helper from the playground's web UI", "/_local/methods", form, "application/x-www-form-urlencoded", map[string]string{"Origin": "http://localhost:56150"}, "", http.StatusForbidden},
		{"helper through DNS rebinding", "/_local/methods", form, "application/x-www-form-urlencoded", nil, "rebind.attacker.example:3978", http.StatusForbidden},
		{"helper through a tunnel", "/_local/methods", form, "application/x-www-form-urlencoded", map[string]string{"X-Forwarded-For": "203.0.113.7"}, "", http.StatusForbidden},
		{"helper with a text/plain body", "/_local/methods", form, "text/plain", nil, "", http.StatusUnsupportedMediaType},
		{"Teams endpoint, text/plain from a web page", "/api/messages", activity, "text/plain", map[string]string{"Origin": "https://attacker.example"}, "", http.StatusForbidden},
		{"Teams endpoint, text/plain", "/api/messages", activity, "text/plain", nil, "", http.StatusUnsupportedMediaType},
		{"Teams endpoint through DNS rebinding", "/api/messages", activity, "application/json", nil, "rebind.attacker.example:3978", http.StatusForbidden},
		{"Teams endpoint through a tunnel", "/api/messages", activity, "application/json", map[string]string{"Forwarded": "for=203.0.113.7"}, "", http.StatusForbidden},
		{"pass helper from a web page", "/_local/pass", "user=sarah.johnson%40contoso.com&do=use", "application/x-www-form-urlencoded", map[string]string{"Origin": "https://attacker.example"}, "", http.StatusForbidden},
		{"pass helper through a tunnel", "/_local/pass", "user=sarah.johnson%40contoso.com&do=expire", "application/x-www-form-urlencoded", map[string]string{"X-Forwarded-For": "203.0.113.7"}, "", http.StatusForbidden},
		{"pass helper, unknown action", "/_local/pass", "user=sarah.johnson%40contoso.com&do=delete", "application/x-www-form-urlencoded", nil, host, http.StatusBadRequest},
		{"helper from curl", "/_local/methods", form, "application/x-www-form-urlencoded", nil, host, http.StatusOK},
		{"sign-in helper from a web page", "/_local/signins", signIn, "application/x-www-form-urlencoded", map[string]string{"Origin": "https://attacker.example"}, "", http.StatusForbidden},
		{"sign-in helper through a tunnel", "/_local/signins", signIn, "application/x-www-form-urlencoded", map[string]string{"X-Forwarded-For": "203.0.113.7"}, "", http.StatusForbidden},
		{"sign-in helper with a bad IP", "/_local/signins", strings.Replace(signIn, "203.0.113.7", "not-an-ip", 1), "application/x-www-form-urlencoded", nil, host, http.StatusBadRequest},
		{"sign-in helper from curl", "/_local/signins", signIn, "application/x-www-form-urlencoded", nil, host, http.StatusOK},
		{"Teams endpoint from the playground", "/api/messages", activity, "application/json", nil, host, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, base+tc.path, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", tc.contentType)
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			if tc.hostHeader != "" {
				req.Host = tc.hostHeader
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("status %d %q, want %d", resp.StatusCode, b, tc.want)
			}
		})
	}
}

// Issue 10, row 10: /metrics (process, Go runtime and flow counters) was
// served on the public listener to anyone. It is on its own listener
// (metrics_listen, loopback by default), with /healthz and /readyz also on
// the public one for probes.
func TestAttack_MetricsOnPublicListener(t *testing.T) {
	b := startBot(t, nil)
	if code, _ := get(t, b.base+"/metrics"); code != http.StatusNotFound {
		t.Errorf("public /metrics = %d, want 404", code)
	}
	if code, body := get(t, b.metrics+"/metrics"); code != http.StatusOK || !strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics listener /metrics = %d", code)
	}
	if b.metrics == b.base {
		t.Fatalf("metrics share the public listener %s", b.base)
	}
}

// TestMetricsOnPublicListenerNeedToken: when the operator puts metrics on
// the public listener, they need metrics_token.
func TestMetricsOnPublicListenerNeedToken(t *testing.T) {
	const token = "4f6c1b7e9a2d3c5e8f0a1b2c"
	addr := freeAddr(t)
	b := startBot(t, map[string]string{"TAPBOT_LISTEN": addr, "TAPBOT_METRICS_LISTEN": addr, "TAPBOT_METRICS_TOKEN": token})
	if b.metrics != b.base {
		t.Fatalf("metrics on %s, want the public listener %s", b.metrics, b.base)
	}
	for auth, want := range map[string]int{"": 401, "Bearer wrong-token-0000000000": 401, "Bearer " + token + "x": 401, "Bearer " + token: 200} {
		req, _ := http.NewRequest(http.MethodGet, b.base+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Authorization %q: status %d, want %d", auth, resp.StatusCode, want)
		}
		if want == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("401 without a Bearer challenge")
		}
	}
	if code, _ := get(t, b.base+"/readyz"); code != 200 {
		t.Errorf("readyz = %d", code)
	}
}

// TestMetricsListenerBusyIsAnError: a taken metrics_listen port stops the
// bot with the key named, rather than running without metrics.
func TestMetricsListenerBusyIsAnError(t *testing.T) {
	b := startBot(t, nil)
	var stderr bytes.Buffer
	env := map[string]string{"TAPBOT_DATA_DIR": t.TempDir(), "TAPBOT_LISTEN": "127.0.0.1:0",
		"TAPBOT_METRICS_LISTEN": strings.TrimPrefix(b.metrics, "http://")}
	if code := run(context.Background(), nil, envMap(env), io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), "metrics_listen") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
