package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/tapbot/tapbot/internal/audit"
	"github.com/tapbot/tapbot/internal/store"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/testutil"

	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/teams/connector/connectortest"
)

// startLocal runs the real program in local mode on a free loopback port
// and returns its base URL and a stop function that returns the exit code.
func startLocal(t *testing.T, extraEnv map[string]string) (string, func() int) {
	t.Helper()
	b := startBot(t, extraEnv)
	return b.base, b.stop
}

// running is a started program: its public and metrics base URLs.
type running struct {
	base, metrics string
	stop          func() int
	logs          *testutil.SyncBuffer // the program's log (stderr), readable while it runs
}

// startBot runs the real program (local mode unless extraEnv configures
// Graph) with both listeners on free loopback ports.
func startBot(t *testing.T, extraEnv map[string]string) running {
	t.Helper()
	// Proactive Teams posts (the approvers channel) go to a fake connector
	// on the playground port, never to a playground that may be running on
	// this machine.
	conn := connectortest.Start(t)
	env := map[string]string{"TAPBOT_DATA_DIR": t.TempDir(), "TAPBOT_LISTEN": "127.0.0.1:0",
		"TAPBOT_METRICS_LISTEN":    "127.0.0.1:0",
		"TAPBOT_TEAMS_SERVICE_URL": conn.URL, "TAPBOT_TEAMS_PLAYGROUND_PORT": portOf(t, conn.URL)}
	for k, v := range extraEnv {
		env[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &testutil.SyncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, nil, envMap(env), pw, stderr)
		pw.Close()
	}()
	sc := bufio.NewScanner(pr)
	b := running{logs: stderr}
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "listening on "); i >= 0 {
			b.base = strings.TrimSpace(line[i+len("listening on "):])
		}
		if i := strings.Index(line, "metrics on "); i >= 0 {
			b.metrics = strings.TrimSuffix(strings.TrimSpace(line[i+len("metrics on "):]), "/metrics")
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if b.base == "" || b.metrics == "" {
		cancel()
		t.Fatalf("no listen lines; exit %d; stderr:\n%s", <-done, stderr.String())
	}
	stopped := false
	b.stop = func() int {
		if stopped {
			return 0
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(15 * time.Second):
			t.Fatal("run did not return after cancel")
			return -1
		}
	}
	t.Cleanup(func() {
		b.stop()
		if t.Failed() {
			t.Logf("bot log:\n%s", stderr.String())
		}
	})
	return b
}

// portOf returns the port of a URL like http://127.0.0.1:1234.
func portOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Port() == "" {
		t.Fatalf("no port in %q", raw)
	}
	return u.Port()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestLocalModeServesHealthAndStopsCleanly(t *testing.T) {
	b := startBot(t, nil)
	for _, base := range []string{b.base, b.metrics} {
		if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
			t.Errorf("%s/healthz = %d %q", base, code, body)
		}
		if code, _ := get(t, base+"/readyz"); code != 200 {
			t.Errorf("%s/readyz = %d", base, code)
		}
	}
	if code, body := get(t, b.metrics+"/metrics"); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics = %d", code)
	}
	if code := b.stop(); code != 0 {
		t.Fatalf("exit code after cancel = %d, want 0", code)
	}
}

// TestLocalModeTeamsActivity posts an unauthenticated Teams activity from
// loopback (as the Agents Playground does) and sees the bot's answer at
// the activity's serviceUrl.
func TestLocalModeTeamsActivity(t *testing.T) {
	conn := connectortest.Start(t)
	base, _ := startLocal(t, map[string]string{"TAPBOT_TEAMS_SERVICE_URL": conn.URL, "TAPBOT_TEAMS_PLAYGROUND_PORT": portOf(t, conn.URL)})
	act := fmt.Sprintf(`{"type":"message","id":"act-1","channelId":"msteams","serviceUrl":%q,
	  "from":{"id":"29:megan","name":"Megan Bowen","aadObjectId":%q},
	  "recipient":{"id":"28:tapbot","name":"tapbot"},
	  "conversation":{"id":"conv-megan","conversationType":"personal","tenantId":%q},
	  "text":"help"}`, conn.URL, simtenant.DemoMeganID, simtenant.DemoTenantID)
	resp, err := http.Post(base+"/api/messages", "application/json", strings.NewReader(act))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST /api/messages = %d", resp.StatusCode)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if shown := conn.Shown("conv-megan"); len(shown) > 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no reply reached the connector; calls: %+v", conn.Calls())
}

func TestLocalModeRefusesForgedNonLoopbackHeaders(t *testing.T) {
	base, _ := startLocal(t, nil)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/messages", strings.NewReader(strings.Repeat("x", 300<<10)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 400 {
		t.Fatalf("oversized body accepted: %d", resp.StatusCode)
	}
}

// TestAuditVerifyFindsTampering runs the real commands: export, then a
// tampered row makes verify exit 1 naming the record.
func TestAuditVerifyFindsTampering(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"TAPBOT_DATA_DIR": dir, "TAPBOT_AUDIT_KEY": testAuditKey}
	ctx := context.Background()
	st, err := openStoreForTest(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	trail := audit.New(st, nil, nil, audit.WithKey(decodeKey(t, testAuditKey)))
	for i := 0; i < 3; i++ {
		if err := trail.Record(ctx, tap.AuditRecord{Actor: "system", Action: "test", Outcome: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	var out, errb bytes.Buffer
	if code := run(ctx, []string{"audit", "verify"}, envMap(env), &out, &errb); code != 0 {
		t.Fatalf("verify of a sound trail = %d: %s %s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run(ctx, []string{"audit", "export"}, envMap(env), &out, &errb); code != 0 || strings.Count(out.String(), "\n") != 3 {
		t.Fatalf("export = %d, %q", code, out.String())
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "tapbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE audit SET action = 'forged' WHERE seq = 2`); err != nil {
		t.Fatalf("tamper: %v", err)
	}
	db.Close()
	out.Reset()
	errb.Reset()
	if code := run(ctx, []string{"audit", "verify"}, envMap(env), &out, &errb); code != 1 || !strings.Contains(out.String()+errb.String(), "2") {
		t.Fatalf("verify of a tampered trail = %d: %s %s", code, out.String(), errb.String())
	}
}

func openStoreForTest(ctx context.Context, dir string) (tap.Store, error) {
	return store.Open(ctx, "", dir, nil)
}
