package main

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/audit"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/testutil"
)

func key(b byte) string {
	k := make([]byte, 32)
	for i := range k {
		k[i] = b
	}
	return base64.StdEncoding.EncodeToString(k)
}

// An operator rotates both keys while a pass waits to be revealed: the
// pass sealed under the old seal key is still revealed, the audit chain
// keyed under the old audit key still verifies and is sealed under the new
// one at start (audit_key_rotated).
func TestKeyRotationKeepsWaitingPasses(t *testing.T) {
	dir := t.TempDir()
	fake := slackfake.New()
	env := map[string]string{"TAPBOT_DATA_DIR": dir, "TAPBOT_SEAL_KEY": key(1), "TAPBOT_AUDIT_KEY": key(2)}
	w, stop := newSlackWorldWith(t, fake, env)
	dm, revealTS := w.approvedForMegan(simtenant.DemoSarahUPN)
	if code := stop(); code != 0 {
		t.Fatalf("first run exit %d", code)
	}

	rotated := map[string]string{"TAPBOT_DATA_DIR": dir,
		"TAPBOT_SEAL_KEY": key(3), "TAPBOT_PREVIOUS_SEAL_KEYS": key(1),
		"TAPBOT_AUDIT_KEY": key(4), "TAPBOT_PREVIOUS_AUDIT_KEYS": key(2)}
	w, stop = newSlackWorldWith(t, fake, rotated)
	b, err := fake.Click("UMEGAN", dm, revealTS, "Reveal pass")
	if err != nil {
		t.Fatal(err)
	}
	w.send(b)
	testutil.Eventually(t, 30*time.Second, "the pass in the modal", func() bool {
		for _, v := range fake.ViewsOf("UMEGAN") {
			if preformatted(string(v.Raw)) != "" {
				return true
			}
		}
		return false
	})
	if code := stop(); code != 0 {
		t.Fatalf("second run exit %d", code)
	}

	code, out := auditRun(t, rotated, "audit", "verify")
	if code != 0 || !strings.Contains(out, "audit trail intact") {
		t.Fatalf("verify after rotation = %d:\n%s", code, out)
	}
	_, exported := auditRun(t, rotated, "audit", "export")
	if !strings.Contains(exported, `"action":"`+audit.RotateAction+`"`) {
		t.Fatalf("no rotation record in:\n%s", exported)
	}
	delete(rotated, "TAPBOT_PREVIOUS_AUDIT_KEYS")
	if code, out := auditRun(t, rotated, "audit", "verify"); code == 0 {
		t.Fatalf("without the previous audit key the old records must not verify:\n%s", out)
	}
}
