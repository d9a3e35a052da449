package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/teams/connector/connectortest"
	"github.com/tapbot/tapbot/internal/testutil"
)

// TestTeamsWhyChecksAndRefusal: "why <user>" through the Teams adapter in
// local mode: an approver sees each check with ✓/✗ read from the simulated
// tenant; someone who neither approves nor asked for the person is told
// nothing about them.
func TestTeamsWhyChecksAndRefusal(t *testing.T) {
	conn := connectortest.Start(t)
	base, _ := startLocal(t, map[string]string{"TAPBOT_TEAMS_SERVICE_URL": conn.URL, "TAPBOT_TEAMS_PLAYGROUND_PORT": portOf(t, conn.URL)})
	post := func(n int, who, id, text string) {
		t.Helper()
		act := fmt.Sprintf(`{"type":"message","id":"why-%d","channelId":"msteams","serviceUrl":%q,
		  "from":{"id":"29:%s","name":%q,"aadObjectId":%q},"recipient":{"id":"28:tapbot","name":"tapbot"},
		  "conversation":{"id":"conv-%s","conversationType":"personal","tenantId":%q},"text":%q}`,
			n, conn.URL, who, who, id, who, simtenant.DemoTenantID, text)
		resp, err := http.Post(base+"/api/messages", "application/json", strings.NewReader(act))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("POST /api/messages = %d", resp.StatusCode)
		}
	}
	shows := func(conv, want string) bool {
		for _, p := range conn.Shown(conv) {
			if strings.Contains(string(p.Raw), want) {
				return true
			}
		}
		return false
	}
	post(1, "alex", simtenant.DemoAlexID, "why "+simtenant.DemoSarahUPN)
	for _, want := range []string{"✓ Account enabled", "✓ User in the Temporary Access Pass policy", "✗ Pass usable now", "no Temporary Access Pass in Entra"} {
		testutil.Eventually(t, 10*time.Second, "approver sees "+want, func() bool { return shows("conv-alex", want) })
	}
	post(2, "diego", simtenant.DemoDiegoID, "diagnose "+simtenant.DemoSarahUPN)
	testutil.Eventually(t, 10*time.Second, "outsider refused", func() bool {
		return shows("conv-diego", "only explain the pass of someone you asked a pass for")
	})
	for _, leak := range []string{"✓", "✗", "Sarah Johnson"} {
		if shows("conv-diego", leak) {
			t.Errorf("outsider was shown %q", leak)
		}
	}
}
