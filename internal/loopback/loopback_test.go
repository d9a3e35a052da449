package loopback_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tapbot/tapbot/internal/loopback"
)

func TestGuard(t *testing.T) {
	g := loopback.Guard{Origins: []string{"http://localhost:56150"}}
	cases := []struct {
		name, remote, host string
		header             map[string]string
		want               string
	}{
		{"curl on this machine", "127.0.0.1:5000", "127.0.0.1:3978", nil, ""},
		{"localhost name", "127.0.0.1:5000", "localhost:3978", nil, ""},
		{"localhost without port", "127.0.0.1:5000", "localhost", nil, ""},
		{"IPv6 loopback", "[::1]:5000", "[::1]:3978", nil, ""},
		{"IPv6 loopback without port", "[::1]:5000", "[::1]", nil, ""},
		{"the playground's web UI", "127.0.0.1:5000", "localhost:3978", map[string]string{"Origin": "http://localhost:56150"}, ""},
		{"another machine", "10.0.0.7:5000", "127.0.0.1:3978", nil, loopback.RefusedPeer},
		{"DNS rebinding", "127.0.0.1:5000", "rebind.attacker.example:3978", nil, loopback.RefusedHost},
		{"other loopback address", "127.0.0.1:5000", "127.0.0.2:3978", nil, loopback.RefusedHost},
		{"localhost with a trailing dot", "127.0.0.1:5000", "localhost.:3978", nil, loopback.RefusedHost},
		{"unbracketed IPv6", "[::1]:5000", "::1", nil, loopback.RefusedHost},
		{"non-numeric port", "127.0.0.1:5000", "localhost:http", nil, loopback.RefusedHost},
		{"empty port", "127.0.0.1:5000", "localhost:", nil, loopback.RefusedHost},
		{"no Host", "127.0.0.1:5000", "", nil, loopback.RefusedHost},
		{"a web page", "127.0.0.1:5000", "127.0.0.1:3978", map[string]string{"Origin": "https://attacker.example"}, loopback.RefusedOrigin},
		{"null origin", "127.0.0.1:5000", "127.0.0.1:3978", map[string]string{"Origin": "null"}, loopback.RefusedOrigin},
		{"playground origin on another port", "127.0.0.1:5000", "127.0.0.1:3978", map[string]string{"Origin": "http://localhost:8080"}, loopback.RefusedOrigin},
		{"tunnel X-Forwarded-For", "127.0.0.1:5000", "127.0.0.1:3978", map[string]string{"X-Forwarded-For": "203.0.113.9"}, loopback.RefusedForwarded},
		{"proxy Forwarded", "127.0.0.1:5000", "127.0.0.1:3978", map[string]string{"Forwarded": "for=203.0.113.9"}, loopback.RefusedForwarded},
		{"empty X-Forwarded-For", "127.0.0.1:5000", "127.0.0.1:3978", map[string]string{"X-Forwarded-For": ""}, loopback.RefusedForwarded},
		{"X-Forwarded-Host", "127.0.0.1:5000", "127.0.0.1:3978", map[string]string{"X-Forwarded-Host": "bot.example"}, loopback.RefusedForwarded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/api/messages", nil)
			r.RemoteAddr, r.Host = tc.remote, tc.host
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			if got := g.Check(r); got != tc.want {
				t.Errorf("Check = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestGuardTwoOrigins(t *testing.T) {
	g := loopback.Guard{Origins: []string{"http://localhost:56150"}}
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	r.RemoteAddr, r.Host = "127.0.0.1:1", "localhost:3978"
	r.Header.Add("Origin", "http://localhost:56150")
	r.Header.Add("Origin", "https://attacker.example")
	if got := g.Check(r); got != loopback.RefusedOrigin {
		t.Fatalf("two Origin headers: Check = %q, want a refusal", got)
	}
}
