package graph_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

func TestSignInsReadsBetaAuthenticationDetails(t *testing.T) {
	f := setup(t)
	sarah := simtenant.DemoSarahID
	at := f.now.Add(-10 * time.Minute)
	if _, err := f.tn.RecordSignIn(simtenant.SignIn{UserID: sarah, At: at, IP: "203.0.113.7", City: "Seattle", Country: "US", OS: "Windows"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.tn.RecordSignIn(simtenant.SignIn{UserID: sarah, At: at.Add(-2 * time.Hour), IP: "198.51.100.1"}); err != nil {
		t.Fatal(err)
	}
	got, err := f.c.SignIns(context.Background(), tap.UserID(sarah), f.now.Add(-time.Hour))
	if err != nil {
		t.Fatalf("SignIns: %v", err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d sign-ins, want 1 (the older one is before since): %+v", len(got), got)
	}
	s := got[0]
	if !s.TAP || !s.TAPSucceeded || s.IP != "203.0.113.7" || s.Where() != "203.0.113.7, Seattle, Windows" || !s.At.Equal(at) {
		t.Errorf("sign-in = %+v", s)
	}
	var beta bool
	for _, r := range f.tn.Requests() {
		if r.Path == "/beta/auditLogs/signIns" && strings.Contains(r.RawQuery, "userId+eq") {
			beta = true
		}
	}
	if !beta {
		t.Error("no request to /beta/auditLogs/signIns filtered by userId")
	}
}

func TestSignInsForbiddenNamesPermission(t *testing.T) {
	f := setup(t)
	f.tn.FailWith(http.MethodGet, "/auditLogs/signIns", 1, http.StatusForbidden)
	_, err := f.c.SignIns(context.Background(), tap.UserID(simtenant.DemoSarahID), f.now)
	if !errors.Is(err, tap.ErrPermission) || !strings.Contains(err.Error(), "AuditLog.Read.All") {
		t.Fatalf("err = %v, want ErrPermission naming AuditLog.Read.All", err)
	}
}

func TestSignInsThrottledCarriesRetryAfter(t *testing.T) {
	f := setup(t, func(c *graph.Config) { c.MaxRetries = 1 })
	f.tn.Inject(http.MethodGet, "/auditLogs/signIns", 5, simtenant.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1"})
	_, err := f.c.SignIns(context.Background(), tap.UserID(simtenant.DemoSarahID), f.now)
	var th *graph.Throttled
	if !errors.As(err, &th) || th.RetryAfter() != time.Second || !errors.Is(err, tap.ErrThrottled) {
		t.Fatalf("err = %v, want Throttled after 1s", err)
	}
}
