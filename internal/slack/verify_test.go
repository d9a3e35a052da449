package slack

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/slack/slackfake"
)

func TestSignatureMatrix(t *testing.T) {
	e := newEnv(t)
	body := e.fake.DM(alice, "hello")
	reencoded := strings.Replace(body, `"text":"hello"`, `"text": "hello"`, 1)
	now := time.Now()
	big := `{"type":"event_callback","pad":"` + strings.Repeat("a", maxBody) + `"}`
	cases := []struct {
		name string
		req  func() *http.Request
	}{
		{"forged signature", func() *http.Request {
			return slackfake.SignedRequest("not-the-secret", body, now)
		}},
		{"stale timestamp 301s", func() *http.Request {
			return slackfake.SignedRequest(testSecret, body, now.Add(-301*time.Second))
		}},
		{"future timestamp 301s", func() *http.Request {
			return slackfake.SignedRequest(testSecret, body, now.Add(301*time.Second))
		}},
		{"body re-encoded", func() *http.Request {
			r := slackfake.SignedRequest(testSecret, body, now)
			r2 := httptest.NewRequest(http.MethodPost, "/slack/events", strings.NewReader(reencoded))
			r2.Header = r.Header
			return r2
		}},
		{"timestamp header swapped", func() *http.Request {
			r := slackfake.SignedRequest(testSecret, body, now)
			r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now.Unix()-1, 10))
			return r
		}},
		{"missing signature", func() *http.Request {
			r := slackfake.SignedRequest(testSecret, body, now)
			r.Header.Del("X-Slack-Signature")
			return r
		}},
		{"missing timestamp", func() *http.Request {
			r := slackfake.SignedRequest(testSecret, body, now)
			r.Header.Del("X-Slack-Request-Timestamp")
			return r
		}},
		{"malformed signature", func() *http.Request {
			r := slackfake.SignedRequest(testSecret, body, now)
			r.Header.Set("X-Slack-Signature", "v1="+strings.Repeat("0", 64))
			return r
		}},
		{"oversized body", func() *http.Request {
			return slackfake.SignedRequest(testSecret, big, now)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, tc.req())
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", w.Code)
			}
			if w.Body.Len() != 0 {
				t.Fatalf("401 body %q, want empty", w.Body.String())
			}
		})
	}
	e.a.Wait()
	if n := e.rec.count(); n != 0 {
		t.Fatalf("handler called %d times for rejected requests", n)
	}
	if calls := e.fake.Calls(""); len(calls) != 0 {
		t.Fatalf("rejected requests caused %d Slack calls (first %s)", len(calls), calls[0].Method)
	}
	// The same body, correctly signed, is accepted: the rejections above
	// were for the reasons named.
	e.deliver(t, body, http.StatusOK)
	if ev := e.rec.next(t); ev.Text != "hello" {
		t.Fatalf("text %q", ev.Text)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	e := newEnv(t)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/slack/events", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("status %d", w.Code)
	}
}

func TestURLVerification(t *testing.T) {
	e := newEnv(t)
	got := e.deliver(t, `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`, http.StatusOK)
	if want := `{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestSSLCheck(t *testing.T) {
	e := newEnv(t)
	e.deliver(t, "ssl_check=1&token=unused", http.StatusOK)
	e.deliver(t, "command=%2Fother&user_id=U1&trigger_id=t", http.StatusBadRequest)
}
