package connector_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/teams/connector"
	"github.com/tapbot/tapbot/internal/teams/connector/connectortest"
)

// Tests that the bot's outbound token only ever goes to an allowed
// Bot Connector host, and that failures are bounded and classified.

func TestServiceURLAllowlist(t *testing.T) {
	fake := connectortest.Start(t)
	c, cred := newClient(t, nil)
	ctx := context.Background()
	port := fake.URL[strings.LastIndex(fake.URL, ":"):]
	bad := []string{
		"https://evil.example.com/",
		"https://smba.trafficmanager.net.evil.com/",
		"http://localhost" + port + "/", // loopback but not listed
		"https://user:pw@127.0.0.1" + port + "/",
		"https://127.0.0.1" + port + "/?x=1",
		"ftp://127.0.0.1/",
		"//127.0.0.1/",
		"",
		"not a url",
	}
	for _, u := range bad {
		_, err := c.Send(ctx, u, "conv", &connector.Activity{Text: "x"})
		if !errors.Is(err, connector.ErrServiceURL) {
			t.Errorf("send to %q: %v; want ErrServiceURL", u, err)
		}
		if err := c.Delete(ctx, u, "conv", "1"); !errors.Is(err, connector.ErrServiceURL) {
			t.Errorf("delete to %q: %v", u, err)
		}
	}
	if n := cred.calls.Load(); n != 0 {
		t.Fatalf("a token was fetched %d times for refused urls", n)
	}
	if n := len(fake.Calls()); n != 0 {
		t.Fatalf("fake got %d calls", n)
	}
	// Plain http is only for loopback hosts, even when listed.
	c2, _ := newClient(t, func(cfg *connector.Config) { cfg.AllowedServiceURLHosts = []string{"smba.trafficmanager.net"} })
	if _, err := c2.Send(ctx, "http://smba.trafficmanager.net/amer/", "c", &connector.Activity{Text: "x"}); !errors.Is(err, connector.ErrServiceURL) {
		t.Errorf("plain http to a public host: %v", err)
	}
	// The defaults do not include loopback.
	c3, _ := newClient(t, func(cfg *connector.Config) { cfg.AllowedServiceURLHosts = nil })
	if _, err := c3.Send(ctx, fake.URL, "c", &connector.Activity{Text: "x"}); !errors.Is(err, connector.ErrServiceURL) {
		t.Errorf("default allowlist accepted %s: %v", fake.URL, err)
	}
}

func TestRedirectsNotFollowed(t *testing.T) {
	var stolen atomic.Int64
	thief := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stolen.Add(1)
	}))
	defer thief.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, thief.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()
	c, _ := newClient(t, nil)
	_, err := c.Send(context.Background(), redirector.URL+"/", "c", &connector.Activity{Text: "x"})
	var ae *connector.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusTemporaryRedirect {
		t.Fatalf("err = %v; want the 307 as an error", err)
	}
	if stolen.Load() != 0 {
		t.Fatal("redirect followed: the bot token went to another host")
	}
}

func TestAttemptTimeout(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	c, _ := newClient(t, func(cfg *connector.Config) {
		cfg.Timeout = 100 * time.Millisecond
		cfg.MaxElapsed = 5 * time.Second
	})
	start := time.Now()
	_, err := c.Send(context.Background(), hang.URL+"/", "c", &connector.Activity{Text: "x"})
	if !errors.Is(err, tap.ErrUncertain) || time.Since(start) > 2*time.Second {
		t.Fatalf("send to a hung connector: %v after %s; want ErrUncertain after ~100ms", err, time.Since(start))
	}
}

func TestWrongTokenIsPermission(t *testing.T) {
	fake := connectortest.Start(t)
	fake.RequireToken("another-token")
	c, _ := newClient(t, nil)
	_, err := c.Send(context.Background(), fake.URL, "c", &connector.Activity{Text: "x"})
	if !errors.Is(err, tap.ErrPermission) {
		t.Fatalf("err = %v; want ErrPermission", err)
	}
	if strings.Contains(err.Error(), token) {
		t.Fatal("error leaks the token")
	}
}

func TestTokenFailureSendsNothing(t *testing.T) {
	fake := connectortest.Start(t)
	c, cred := newClient(t, func(cfg *connector.Config) {
		cfg.Credential = &fakeCred{err: errors.New("AADSTS7000215: invalid client secret")}
		cfg.MaxAttempts = 1
	})
	_ = cred
	_, err := c.Send(context.Background(), fake.URL, "c", &connector.Activity{Text: "x"})
	if !errors.Is(err, tap.ErrUnavailable) {
		t.Fatalf("err = %v; want ErrUnavailable", err)
	}
	if len(fake.Calls()) != 0 {
		t.Fatal("request sent without a token")
	}
}
