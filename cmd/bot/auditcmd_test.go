package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/audit"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/testutil"
)

// testAuditKey is a fixed audit_key for tests (32 bytes, base64).
var testAuditKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))

func decodeKey(t *testing.T, b64 string) []byte {
	t.Helper()
	k, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// auditRun runs 'bot <args>' and returns the exit code and what was
// printed: stdout, then the log and errors.
func auditRun(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, envMap(env), &out, &errb)
	return code, out.String() + errb.String()
}

// seedTrail writes n records to the local store in dir, keyed when key is set.
func seedTrail(t *testing.T, dir string, n int, opts ...audit.Option) {
	t.Helper()
	ctx := context.Background()
	st, err := openStoreForTest(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tr := audit.New(st, nil, nil, opts...)
	for range n {
		if err := tr.Record(ctx, tap.AuditRecord{Actor: "entra:alex", Action: "approve", Outcome: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
}

func execSQL(t *testing.T, dir, q string, args ...any) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, "tapbot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestAuditAnchorCommands drives the real commands: anchor, verify with
// and without it after the tail was cut, a recomputed unkeyed hash, the
// wrong key and a malformed anchor.
func TestAuditAnchorCommands(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"TAPBOT_DATA_DIR": dir, "TAPBOT_AUDIT_KEY": testAuditKey}
	seedTrail(t, dir, 4, audit.WithKey(decodeKey(t, testAuditKey)))

	code, out := auditRun(t, env, "audit", "anchor")
	anchor, _, _ := strings.Cut(out, "\n")
	if code != 0 || !strings.HasPrefix(anchor, "4:") || len(anchor) != 2+64 {
		t.Fatalf("audit anchor = %d %q", code, out)
	}
	if code, out := auditRun(t, env, "audit", "verify", "--anchor", anchor); code != 0 || !strings.Contains(out, "matches anchor "+anchor) {
		t.Fatalf("verify --anchor on the intact trail = %d:\n%s", code, out)
	}
	if code, out := auditRun(t, env, "audit", "verify", "--anchor", "4:nothex"); code != 2 || !strings.Contains(out, "64 hex digits") {
		t.Fatalf("malformed anchor = %d:\n%s", code, out)
	}
	wrong := map[string]string{"TAPBOT_DATA_DIR": dir, "TAPBOT_AUDIT_KEY": base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{8}, 32))}
	if code, out := auditRun(t, wrong, "audit", "verify"); code != 1 || !strings.Contains(out, "seq 1: wrong_key") {
		t.Fatalf("verify under the wrong key = %d:\n%s", code, out)
	}

	// Rewrite record 4 the only way an attacker without the key can.
	st, err := openStoreForTest(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := st.ListAudit(context.Background(), 0, 0)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	forged := recs[3]
	forged.Actor = "entra:eve"
	execSQL(t, dir, `UPDATE audit SET actor = ?, hash = ? WHERE seq = 4`, forged.Actor, audit.Hash(forged))
	if code, out := auditRun(t, env, "audit", "verify"); code != 1 || !strings.Contains(out, "first at seq 4: unkeyed") {
		t.Fatalf("verify of a rewritten record = %d:\n%s", code, out)
	}

	execSQL(t, dir, `DELETE FROM audit WHERE seq >= 3`)
	if code, out := auditRun(t, env, "audit", "verify"); code != 0 {
		t.Fatalf("a cut tail is consistent without the anchor, verify = %d:\n%s", code, out)
	}
	if code, out := auditRun(t, env, "audit", "verify", "--anchor", anchor); code != 1 || !strings.Contains(out, "first at seq 4: deleted") || !strings.Contains(out, "the trail ends at 2") {
		t.Fatalf("verify --anchor after the tail was cut = %d:\n%s", code, out)
	}
}

// TestServeAdoptsAuditKeyAndLogsAnchor: local mode creates audit.key
// (0600), seals a trail written before the key existed, and logs the
// anchor; verify then accepts the legacy records and names them.
func TestServeAdoptsAuditKeyAndLogsAnchor(t *testing.T) {
	dir := t.TempDir()
	seedTrail(t, dir, 3) // an older tapbot, unkeyed
	env := map[string]string{"TAPBOT_DATA_DIR": dir}
	if code, out := auditRun(t, env, "audit", "verify"); code != 1 || !strings.Contains(out, "audit.key does not exist") {
		t.Fatalf("verify before the bot made a key = %d:\n%s", code, out)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var log testutil.SyncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, nil, envMap(map[string]string{"TAPBOT_DATA_DIR": dir, "TAPBOT_LISTEN": "127.0.0.1:0"}), &bytes.Buffer{}, &log)
	}()
	testutil.Eventually(t, 15*time.Second, "an audit anchor in the log", func() bool {
		return strings.Contains(log.String(), `"msg":"audit anchor","anchor":"4:`)
	})
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exit = %d:\n%s", code, log.String())
	}
	fi, err := os.Stat(filepath.Join(dir, auditKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("audit.key: %v, mode %v", err, fi.Mode())
	}
	code, out := auditRun(t, env, "audit", "verify")
	if code != 0 || !strings.Contains(out, "3 legacy unkeyed records (written before audit_key) are covered by keyed record 4") {
		t.Fatalf("verify after adoption = %d:\n%s", code, out)
	}
}
