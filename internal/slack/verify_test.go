package slack

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/testutil"
)

func TestSignatureMatrix(t *testing.T) {
	e := newEnv(t)
	body := e.fake.DM(alice, "hello")
	reencoded := strings.Replace(body, `"text":"hello"`, `"text": "hello"`, 1)
	now := time.Now()
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

// TestAttack_SlackOversizedBodyLoggedAsBadSignature: a signed request
// whose body is over the limit was answered 401 and logged as a bad
// signature, hiding a size problem (or a flood) behind an auth alarm. It is
// 413, not retried by Slack, and logged as too large; without signature
// headers the same body is still 401.
func TestAttack_SlackOversizedBodyLoggedAsBadSignature(t *testing.T) {
	e := newEnv(t)
	logs := &testutil.SyncBuffer{}
	a, err := New(e.a.cfg, e.store, e.rec, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	e.a, e.h = a, a.HTTPHandler()
	big := `{"type":"event_callback","pad":"` + strings.Repeat("a", maxBody) + `"}`
	now := time.Now()
	chunked := func() *http.Request {
		r := slackfake.SignedRequest(testSecret, big, now)
		r.ContentLength = -1 // no declared length: the cap is hit while reading
		return r
	}
	unsigned := func() *http.Request {
		r := slackfake.SignedRequest(testSecret, big, now)
		r.Header.Del("X-Slack-Signature")
		return r
	}
	for name, tc := range map[string]struct {
		req  func() *http.Request
		want int
	}{
		"signed, declared length": {func() *http.Request { return slackfake.SignedRequest(testSecret, big, now) }, http.StatusRequestEntityTooLarge},
		"signed, chunked":         {chunked, http.StatusRequestEntityTooLarge},
		"unsigned":                {unsigned, http.StatusUnauthorized},
	} {
		t.Run(name, func(t *testing.T) {
			w := httptest.NewRecorder()
			e.h.ServeHTTP(w, tc.req())
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d", w.Code, tc.want)
			}
			if tc.want == http.StatusRequestEntityTooLarge && w.Header().Get("X-Slack-No-Retry") != "1" {
				t.Error("413 without X-Slack-No-Retry: Slack would send it again")
			}
		})
	}
	if got := logs.String(); strings.Count(got, `"reason":"body too large"`) != 2 || strings.Count(got, `"reason":"signature"`) != 1 {
		t.Errorf("log reasons:\n%s", got)
	}
	e.a.Wait()
	if n := e.rec.count(); n != 0 {
		t.Fatalf("handler called %d times for refused requests", n)
	}
}

// TestUnsupportedContentType: a signed body that is neither JSON nor a
// form is 415, not a generic 400.
func TestUnsupportedContentType(t *testing.T) {
	e := newEnv(t)
	body := `{"type":"event_callback"}`
	r := slackfake.SignedRequest(testSecret, body, time.Now())
	r.Header.Set("Content-Type", "text/plain")
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	if w.Code != http.StatusUnsupportedMediaType || w.Header().Get("X-Slack-No-Retry") != "1" {
		t.Fatalf("status %d (no-retry %q), want 415 not retried", w.Code, w.Header().Get("X-Slack-No-Retry"))
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
