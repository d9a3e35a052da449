package connector_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/teams/connector"
	"github.com/tapbot/tapbot/internal/teams/connector/connectortest"
)

const memURL = "https://127.0.0.1/amer/"

// memClient talks to fake through its in-memory transport (for synctest).
func memClient(t *testing.T, fake *connectortest.Server, mod func(*connector.Config)) *connector.Client {
	c, _ := newClient(t, func(cfg *connector.Config) {
		cfg.HTTPClient = &http.Client{Transport: fake.Transport()}
		if mod != nil {
			mod(cfg)
		}
	})
	return c
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	cases := []struct {
		name       string
		fault      connectortest.Fault
		wantWait   time.Duration
		exactDelay bool
	}{
		{"429 seconds", connectortest.Fault{Status: 429, RetryAfter: "3"}, 3 * time.Second, true},
		{"429 http date", connectortest.Fault{Status: 429, RetryAfter: "HTTP-DATE"}, 5 * time.Second, false},
		{"412 backoff", connectortest.Fault{Status: 412}, time.Second, false},
		{"502 backoff", connectortest.Fault{Status: 502}, time.Second, false},
		{"504 twice", connectortest.Fault{Status: 504, Count: 2}, 3 * time.Second, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fake := connectortest.New()
				f := tc.fault
				if f.RetryAfter == "HTTP-DATE" {
					f.RetryAfter = time.Now().Add(5 * time.Second).UTC().Format(http.TimeFormat)
				}
				fake.Inject(f)
				c := memClient(t, fake, nil)
				start := time.Now()
				id, err := c.Send(context.Background(), memURL, "conv-1", msg("hello"))
				if err != nil || id == "" {
					t.Fatalf("send: %q %v", id, err)
				}
				waited := time.Since(start)
				calls := fake.Calls()
				want := 2
				if f.Count == 2 {
					want = 3
				}
				if len(calls) != want {
					t.Fatalf("calls = %d; want %d", len(calls), want)
				}
				// The body is rebuilt for every attempt.
				for _, call := range calls[1:] {
					if !bytes.Equal(call.Body, calls[0].Body) || len(call.Body) == 0 {
						t.Fatalf("retried body differs: %q vs %q", call.Body, calls[0].Body)
					}
				}
				switch {
				case tc.exactDelay && waited != tc.wantWait:
					t.Errorf("waited %s; want exactly %s", waited, tc.wantWait)
				case !tc.exactDelay && (waited < tc.wantWait*8/10 || waited > tc.wantWait*13/10):
					t.Errorf("waited %s; want about %s", waited, tc.wantWait)
				}
			})
		})
	}
}

func TestRetriesAreBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := connectortest.New()
		fake.Inject(connectortest.Fault{Status: 429, RetryAfter: "1", Count: 100})
		c := memClient(t, fake, nil)
		_, err := c.Send(context.Background(), memURL, "conv-1", msg("x"))
		if !errors.Is(err, tap.ErrThrottled) {
			t.Fatalf("err = %v; want ErrThrottled", err)
		}
		if n := len(fake.Calls()); n != connector.DefaultMaxAttempts {
			t.Fatalf("calls = %d; want %d", n, connector.DefaultMaxAttempts)
		}
	})
}

func TestRetryAfterBeyondBudgetGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := connectortest.New()
		fake.Inject(connectortest.Fault{Status: 429, RetryAfter: "120"})
		c := memClient(t, fake, nil)
		start := time.Now()
		_, err := c.Send(context.Background(), memURL, "conv-1", msg("x"))
		if !errors.Is(err, tap.ErrThrottled) {
			t.Fatalf("err = %v", err)
		}
		if time.Since(start) != 0 || len(fake.Calls()) != 1 {
			t.Fatalf("waited %s with %d calls; want an immediate give-up", time.Since(start), len(fake.Calls()))
		}
	})
}

func TestNonRetryableStatusesFailAtOnce(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   error
	}{
		{500, tap.ErrUnavailable},
		{503, tap.ErrUnavailable},
		{400, tap.ErrInvalidInput},
		{403, tap.ErrForbidden},
	} {
		synctest.Test(t, func(t *testing.T) {
			fake := connectortest.New()
			fake.Inject(connectortest.Fault{Status: tc.status})
			c := memClient(t, fake, nil)
			_, err := c.Send(context.Background(), memURL, "conv-1", msg("x"))
			if !errors.Is(err, tc.want) || len(fake.Calls()) != 1 {
				t.Fatalf("%d: err %v after %d calls", tc.status, err, len(fake.Calls()))
			}
		})
	}
}

func TestContextCancelStopsRetrying(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := connectortest.New()
		fake.Inject(connectortest.Fault{Status: 429, RetryAfter: "10", Count: 10})
		c := memClient(t, fake, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err := c.Send(ctx, memURL, "conv-1", msg("x"))
		if err == nil || len(fake.Calls()) != 1 {
			t.Fatalf("err %v calls %d", err, len(fake.Calls()))
		}
	})
}

// TestPerConversationRateLimit sends 40 activities at once to one
// conversation and checks Teams' windows held, while another conversation
// is not slowed down.
func TestPerConversationRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := connectortest.New()
		c := memClient(t, fake, func(cfg *connector.Config) { cfg.MaxElapsed = time.Minute })
		ctx := context.Background()
		start := time.Now()
		var wg sync.WaitGroup
		for range 40 {
			wg.Go(func() {
				if _, err := c.Send(ctx, memURL, "busy", msg("x")); err != nil {
					t.Errorf("send: %v", err)
				}
			})
		}
		synctest.Wait()
		if _, err := c.Send(ctx, memURL, "quiet", msg("x")); err != nil || time.Since(start) != 0 {
			t.Fatalf("other conversation delayed %s (%v)", time.Since(start), err)
		}
		wg.Wait()
		var at []time.Time
		for _, call := range fake.Calls() {
			if call.ConversationID == "busy" {
				at = append(at, call.At)
			}
		}
		if len(at) != 40 {
			t.Fatalf("busy calls = %d", len(at))
		}
		for _, w := range connector.TeamsLimits[:3] {
			for i := range at {
				n := 0
				for j := i; j < len(at) && at[j].Sub(at[i]) < w.Per; j++ {
					n++
				}
				if n > w.N {
					t.Fatalf("%d sends within %s starting at %s; limit %d", n, w.Per, at[i].Sub(start), w.N)
				}
			}
		}
		// 40 sends under 8 per 2 s need at least 8 s.
		if d := at[len(at)-1].Sub(start); d < 8*time.Second {
			t.Fatalf("40 sends finished in %s", d)
		}
	})
}

func TestRateLimitWaitBeyondDeadlineFailsFast(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := connectortest.New()
		c := memClient(t, fake, func(cfg *connector.Config) {
			cfg.Limits = []connector.Window{{N: 1, Per: time.Minute}}
		})
		ctx := context.Background()
		if _, err := c.Send(ctx, memURL, "c", msg("x")); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err := c.Send(ctx, memURL, "c", msg("x"))
		if !errors.Is(err, tap.ErrThrottled) || !errors.Is(err, connector.ErrRateLimited) || time.Since(start) != 0 {
			t.Fatalf("err %v after %s", err, time.Since(start))
		}
	})
}

func TestUpdateRetriesAfterTransportError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := connectortest.New()
		var failed sync.Once
		flaky := func(r *http.Request) (*http.Response, error) {
			var err error
			failed.Do(func() { err = errors.New("connection reset by peer") })
			if err != nil {
				return nil, err
			}
			return fake.Transport().RoundTrip(r)
		}
		c, _ := newClient(t, func(cfg *connector.Config) {
			cfg.HTTPClient = &http.Client{Transport: rtFunc(flaky)}
		})
		ctx := context.Background()
		id, err := c.Send(ctx, memURL, "c", msg("v1"))
		if !errors.Is(err, tap.ErrUncertain) || id != "" {
			t.Fatalf("post after reset: %q %v; want ErrUncertain (no blind retry)", id, err)
		}
		id, err = c.Send(ctx, memURL, "c", msg("v1"))
		if err != nil {
			t.Fatal(err)
		}
		failed = sync.Once{}
		if err := c.Update(ctx, memURL, "c", id, msg("v2")); err != nil {
			t.Fatalf("update not retried: %v", err)
		}
	})
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// noToken is a token endpoint that cannot be reached (an Entra outage).
type noToken struct{}

func (noToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, errors.New("dial tcp 127.0.0.1:443: connect: connection refused")
}

// TestNoRetryWhileTheTokenEndpointIsInBackoff: in an outage the first
// send retries as usual; a send during the backoff that follows fails at
// once, so queued replies do not each wait seconds for a token that
// cannot come. Nothing reaches the connector.
func TestNoRetryWhileTheTokenEndpointIsInBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fake := connectortest.New()
		c := memClient(t, fake, func(cfg *connector.Config) { cfg.Credential = noToken{} })
		start := time.Now()
		if _, err := c.Send(context.Background(), memURL, "conv-1", msg("first")); !errors.Is(err, tap.ErrUnavailable) {
			t.Fatalf("first send: %v, want ErrUnavailable", err)
		}
		if time.Since(start) == 0 {
			t.Fatal("the first send was not retried")
		}
		start = time.Now()
		if _, err := c.Send(context.Background(), memURL, "conv-2", msg("second")); !errors.Is(err, tap.ErrUnavailable) {
			t.Fatalf("second send: %v, want ErrUnavailable", err)
		}
		if waited := time.Since(start); waited != 0 {
			t.Fatalf("a send during the token backoff waited %s, want none", waited)
		}
		if n := len(fake.Calls()); n != 0 {
			t.Fatalf("%d calls reached the connector without a token", n)
		}
	})
}
