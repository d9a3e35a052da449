package graph_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

const tapPattern = "/users/*/authentication/temporaryAccessPassMethods"

func TestErrorClasses(t *testing.T) {
	userPattern := "/users/*"
	for _, tc := range []struct {
		name  string
		fault simtenant.Fault
		n     int
		want  error
	}{
		{"throttled after retries", simtenant.Fault{Status: 429, RetryAfter: "0"}, 10, tap.ErrThrottled},
		{"503 after retries", simtenant.Fault{Status: 503, RetryAfter: "0"}, 10, tap.ErrUnavailable},
		{"500", simtenant.Fault{Status: 500}, 1, tap.ErrUnavailable},
		{"500 without body", simtenant.Fault{Status: 500, EmptyBody: true}, 1, tap.ErrUnavailable},
		{"400 without message (Error() would panic)", simtenant.Fault{Status: 400, Code: "BadRequest", OmitMessage: true}, 1, tap.ErrInvalidInput},
		{"403", simtenant.Fault{Status: 403}, 1, tap.ErrPermission},
		{"401", simtenant.Fault{Status: 401}, 1, tap.ErrPermission},
		{"timeout", simtenant.Fault{Delay: 3 * time.Second}, 1, tap.ErrUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t, func(c *graph.Config) { c.Timeout = time.Second })
			f.tn.Inject("GET", userPattern, tc.n, tc.fault)
			_, err := f.c.User(context.Background(), simtenant.DemoSarahID)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			_ = err.Error() // must not panic
		})
	}
	t.Run("403 names the permission", func(t *testing.T) {
		f := setup(t)
		f.tn.FailWith("GET", "/roleManagement/directory/roleAssignments", 1, 403)
		_, err := f.c.Roles(context.Background(), simtenant.DemoSarahID)
		var r *tap.Refusal
		if !errors.As(err, &r) || !errors.Is(err, tap.ErrPermission) || !strings.Contains(r.Msg, "RoleManagement.Read.Directory") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := l.Addr().String()
		l.Close()
		c, err := graph.New(graph.Config{BaseURL: "http://" + addr + "/v1.0", Credential: graph.StaticCredential(token)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.User(context.Background(), "x"); !errors.Is(err, tap.ErrUnavailable) {
			t.Errorf("read: %v", err)
		}
		// Never connected: the create was certainly not performed.
		if _, err := c.CreatePass(context.Background(), "x", tap.PassSpec{}); !errors.Is(err, tap.ErrUnavailable) {
			t.Errorf("create: %v, want ErrUnavailable (not uncertain)", err)
		}
	})
	t.Run("token failure sends nothing", func(t *testing.T) {
		f := setup(t, func(c *graph.Config) { c.Credential = failingCredential{} })
		_, err := f.c.CreatePass(context.Background(), simtenant.DemoSarahID, tap.PassSpec{})
		if !errors.Is(err, tap.ErrUnavailable) || errors.Is(err, tap.ErrUncertain) {
			t.Errorf("err %v", err)
		}
		if n := len(f.tn.Requests()); n != 0 {
			t.Errorf("%d requests sent without a token", n)
		}
	})
}

type failingCredential struct{}

func (failingCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, errors.New("AADSTS7000215: invalid client secret")
}

func TestCreateUncertain(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fault  simtenant.Fault
		posts  int // POSTs the tenant must see
		exists bool
	}{
		{"503 is not retried", simtenant.Fault{Status: 503, RetryAfter: "0"}, 1, false},
		{"504 is not retried", simtenant.Fault{Status: 504, RetryAfter: "0"}, 1, false},
		{"500", simtenant.Fault{Status: 500}, 1, false},
		{"response dropped after the create", simtenant.Fault{Drop: true}, 1, true},
		{"timeout after the create", simtenant.Fault{Delay: 3 * time.Second}, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t, func(c *graph.Config) { c.Timeout = time.Second })
			f.tn.Inject("POST", tapPattern, 1, tc.fault)
			_, createErr := f.c.CreatePass(context.Background(), simtenant.DemoSarahID, tap.PassSpec{Lifetime: time.Hour})
			if !errors.Is(createErr, tap.ErrUncertain) {
				t.Fatalf("err %v, want ErrUncertain", createErr)
			}
			posts := 0
			for _, r := range f.tn.Requests() {
				if r.Method == "POST" {
					posts++
				}
			}
			if posts != tc.posts {
				t.Errorf("%d POSTs, want %d", posts, tc.posts)
			}
			// The delayed create completes server-side after the client gave up.
			deadline := time.Now().Add(5 * time.Second)
			for tc.exists && f.tn.Creates(simtenant.DemoSarahID) == 0 && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			want := 0
			if tc.exists {
				want = 1
			}
			if got := f.tn.Creates(simtenant.DemoSarahID); got != want {
				t.Fatalf("tenant created %d passes, want %d", got, want)
			}
			// Reconcile: the caller lists and finds exactly what exists.
			list, err := f.c.ListPasses(context.Background(), simtenant.DemoSarahID)
			if err != nil || len(list) != want || (want == 1 && !list[0].Value.IsZero()) {
				t.Errorf("ListPasses = %+v, %v", list, err)
			}
			if !strings.Contains(f.logs.String(), "pass create outcome uncertain") {
				t.Error("uncertain create not logged")
			}
			for _, p := range f.tn.Passes(simtenant.DemoSarahID) {
				assertNoSecret(t, "error", createErr.Error(), p.Value)
				assertNoSecret(t, "logs", f.logs.String(), p.Value)
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	t.Run("read", func(t *testing.T) {
		f := setup(t)
		f.tn.Throttle("GET", "/users/*", 1, "1")
		t0 := time.Now()
		u, err := f.c.User(context.Background(), simtenant.DemoSarahID)
		elapsed := time.Since(t0)
		if err != nil || string(u.ID) != simtenant.DemoSarahID {
			t.Fatalf("User = %+v, %v", u, err)
		}
		reqs := f.tn.Requests()
		if len(reqs) != 2 || reqs[1].Header.Get("Retry-Attempt") != "1" {
			t.Fatalf("%d requests, Retry-Attempt %q; want 2 and 1", len(reqs), reqs[len(reqs)-1].Header.Get("Retry-Attempt"))
		}
		if gap := reqs[1].At.Sub(reqs[0].At); elapsed < time.Second {
			t.Errorf("retried after %v (gap %v), want >= 1 s", elapsed, gap)
		}
		t.Logf("429 + Retry-After: 1 → success after %v, 1 retry", elapsed.Round(time.Millisecond))
	})
	t.Run("create retried once on 429, never gzip", func(t *testing.T) {
		f := setup(t)
		f.tn.Throttle("POST", tapPattern, 1, "1")
		t0 := time.Now()
		p, err := f.c.CreatePass(context.Background(), simtenant.DemoSarahID, tap.PassSpec{Lifetime: 2 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		if time.Since(t0) < time.Second {
			t.Errorf("retried after %v, want >= 1 s", time.Since(t0))
		}
		reqs := f.tn.Requests()
		if len(reqs) != 2 || f.tn.Creates(simtenant.DemoSarahID) != 1 || string(reqs[0].Body) != string(reqs[1].Body) ||
			!strings.Contains(string(reqs[1].Body), `"lifetimeInMinutes":120`) {
			t.Fatalf("requests %d creates %d bodies %q / %q", len(reqs), f.tn.Creates(simtenant.DemoSarahID), reqs[0].Body, reqs[len(reqs)-1].Body)
		}
		assertNoGzip(t, f.tn)
		if !strings.Contains(f.logs.String(), `"msg":"graph retry"`) {
			t.Error("retry not logged")
		}
		assertNoSecret(t, "logs", f.logs.String(), p.Value.Reveal())
	})
}

// TestNoGzipAcrossClients: the SDK's default chain is ordered randomly per
// client, so check many fresh clients, each forced to retry a POST.
func TestNoGzipAcrossClients(t *testing.T) {
	tn := simtenant.New()
	simtenant.Demo(tn)
	tn.Start()
	defer tn.Close()
	var failed atomic.Int32
	for i := 0; i < 20; i++ {
		c, err := graph.New(graph.Config{BaseURL: tn.URL(), Credential: graph.StaticCredential(token)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tn.Throttle("POST", tapPattern, 1, "0")
		tn.Throttle("POST", "/users/*/checkMemberGroups", 1, "0")
		if _, err := c.CreatePass(context.Background(), simtenant.DemoDiegoID, tap.PassSpec{Lifetime: time.Hour}); err != nil {
			failed.Add(1)
			t.Errorf("client %d create: %v", i, err)
		}
		if _, err := c.MemberOf(context.Background(), simtenant.DemoAlexID, []string{simtenant.DemoApproversGroupID}); err != nil {
			t.Errorf("client %d checkMemberGroups: %v", i, err)
		}
	}
	assertNoGzip(t, tn)
	if got := tn.Creates(simtenant.DemoDiegoID); got != 20 {
		t.Errorf("%d creates, want 20", got)
	}
	if n := len(tn.Requests()); n != 80 {
		t.Errorf("%d requests, want 80 (every POST retried once)", n)
	}
}

func TestSecretNeverInErrorsOrLogs(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	var values []string
	var errs []string
	p, err := f.c.CreatePass(ctx, simtenant.DemoSarahID, tap.PassSpec{Lifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	values = append(values, p.Value.Reveal())
	f.tn.DropResponse("POST", tapPattern, 1)
	_, err = f.c.CreatePass(ctx, simtenant.DemoSarahID, tap.PassSpec{Lifetime: time.Hour})
	errs = append(errs, err.Error())
	f.tn.FailWith("POST", tapPattern, 1, http.StatusInternalServerError)
	_, err = f.c.CreatePass(ctx, simtenant.DemoSarahID, tap.PassSpec{Lifetime: time.Hour})
	errs = append(errs, err.Error())
	_, err = f.c.CreatePass(ctx, simtenant.DemoSarahID, tap.PassSpec{Lifetime: time.Minute})
	errs = append(errs, err.Error())
	for _, held := range f.tn.Passes(simtenant.DemoSarahID) {
		values = append(values, held.Value)
	}
	if len(values) < 2 || values[0] == "" {
		t.Fatalf("values %d", len(values))
	}
	for _, e := range errs {
		assertNoSecret(t, "error "+e, e, values...)
	}
	assertNoSecret(t, "logs", f.logs.String(), values...)
	if !strings.Contains(f.logs.String(), p.MethodID) {
		t.Error("logs do not name the method id (are logs captured?)")
	}
}

func TestRetryAfterBeyondDeadline(t *testing.T) {
	f := setup(t, func(c *graph.Config) { c.Timeout = 2 * time.Second })
	f.tn.Throttle("GET", "/users/*", 1, "120")
	t0 := time.Now()
	_, err := f.c.User(context.Background(), simtenant.DemoSarahID)
	if !errors.Is(err, tap.ErrThrottled) || !strings.Contains(err.Error(), "retry after 120 s") {
		t.Fatalf("err %v, want ErrThrottled naming the wait", err)
	}
	if time.Since(t0) > 1500*time.Millisecond || len(f.tn.Requests()) != 1 {
		t.Errorf("waited %v with %d requests; a wait past the deadline must not be attempted", time.Since(t0), len(f.tn.Requests()))
	}
}
