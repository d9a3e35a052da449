package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/audit"
	"github.com/tapbot/tapbot/internal/check"
)

// Local mode passes check against the simulated tenant: nothing fails, and
// every line that is not ✓ says why (keys not created yet, no playground,
// the demo tenant's 8h maximum below tapbot's default caps).
func TestCheckLocalMode(t *testing.T) {
	dir := t.TempDir()
	code, out := auditRun(t, map[string]string{"TAPBOT_DATA_DIR": dir, "TAPBOT_AUDIT_KEY": testAuditKey}, "check")
	if code != 0 || !strings.Contains(out, "0 failed") {
		t.Fatalf("check = %d:\n%s", code, out)
	}
	for _, want := range []string{"✓ permissions: all 6 granted", "✓ TAP policy: enabled", "✓ audit key: configured, 32 bytes",
		"✓ audit trail: intact, 0 records", "✓ approver group b2e5d3f4-0000-4000-8000-0000000000a1", "! approvers conversation"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

func TestCheckJSON(t *testing.T) {
	dir := t.TempDir()
	code, out := auditRun(t, map[string]string{"TAPBOT_DATA_DIR": dir}, "check", "--json")
	var rep struct {
		OK     bool
		Checks []check.Result
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 0 || !rep.OK || len(rep.Checks) < 10 {
		t.Fatalf("check --json = %d %v:\n%s", code, err, out)
	}
}

// A database migrated by a newer tapbot, and an audit trail rewritten in
// the database, each fail check with the fix.
func TestCheckStoreFailures(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"TAPBOT_DATA_DIR": dir, "TAPBOT_AUDIT_KEY": testAuditKey}
	seedTrail(t, dir, 3, audit.WithKey(decodeKey(t, testAuditKey)))
	execSQL(t, dir, `UPDATE audit SET actor = 'entra:mallory' WHERE seq = 2`)
	execSQL(t, dir, `UPDATE schema_version SET version = 99`)
	code, out := auditRun(t, env, "check")
	if code != 1 {
		t.Fatalf("check = %d, want 1:\n%s", code, out)
	}
	for _, want := range []string{
		"✗ schema: the database is at version 99; this tapbot knows up to",
		"fix: run the tapbot version that last migrated it",
		"✗ audit trail: damaged: 1 problem(s); first at seq 2",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}
