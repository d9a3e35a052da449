package graph_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/testutil"
)

// The client implements the approvals ports.
var (
	_ approvals.Directory  = (*graph.Client)(nil)
	_ approvals.PassIssuer = (*graph.Client)(nil)
)

const token = "graph-test-token"

type fixture struct {
	tn   *simtenant.Tenant
	c    *graph.Client
	logs *testutil.SyncBuffer
	now  time.Time
}

// setup starts a demo tenant (clock fixed at a Friday, 13:00 UTC, unless
// realClock) and a client for it that logs JSON into a buffer.
func setup(t *testing.T, mutate ...func(*graph.Config)) *fixture {
	t.Helper()
	f := &fixture{tn: simtenant.New(), logs: &testutil.SyncBuffer{}, now: time.Now().UTC().Truncate(time.Second)}
	f.tn.SetNow(func() time.Time { return f.now })
	f.tn.RequireToken(token)
	simtenant.Demo(f.tn)
	f.tn.Start()
	t.Cleanup(f.tn.Close)
	cfg := graph.Config{BaseURL: f.tn.URL(), Credential: graph.StaticCredential(token), Timeout: 10 * time.Second}
	for _, m := range mutate {
		m(&cfg)
	}
	log := slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := graph.New(cfg, log)
	if err != nil {
		t.Fatalf("graph.New: %v", err)
	}
	f.c = c
	return f
}

// assertNoSecret fails if any pass value the tenant ever held appears in s.
func assertNoSecret(t *testing.T, what, s string, values ...string) {
	t.Helper()
	for _, v := range values {
		if v != "" && strings.Contains(s, v) {
			t.Errorf("%s contains a pass value", what)
		}
	}
}

// assertNoGzip fails if any request the tenant saw was gzip-encoded.
func assertNoGzip(t *testing.T, tn *simtenant.Tenant) {
	t.Helper()
	for _, r := range tn.Requests() {
		if r.Header.Get("Content-Encoding") != "" {
			t.Errorf("%s %s sent with Content-Encoding %q", r.Method, r.Path, r.Header.Get("Content-Encoding"))
		}
	}
}
