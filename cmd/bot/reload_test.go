package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/testutil"
)

// SIGHUP reloads the policy and the onboarding guide: a file with a broken
// guide changes nothing (and says why), a good one applies at once.
func TestReloadOnHangup(t *testing.T) {
	dir := t.TempDir()
	cfgPath, guidePath := filepath.Join(dir, "tapbot.yaml"), filepath.Join(dir, "guide.txt")
	write := func(path, text string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(guidePath, "Welcome to Contoso. Sign in at https://aka.ms/mysecurityinfo.")
	write(cfgPath, "guide_file: "+guidePath+"\n")
	fake := slackfake.New()
	w, _ := newSlackWorldWith(t, fake, map[string]string{"TAPBOT_CONFIG": cfgPath, "TAPBOT_DATA_DIR": filepath.Join(dir, "data")})
	hangup := func() {
		t.Helper()
		if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}

	// A guide that does not parse: refused, nothing changes.
	write(guidePath, "Welcome {{.Nope")
	write(cfgPath, "guide_file: "+guidePath+"\npolicy:\n  reasons:\n    onboarding: {lifetime: 1h, max_lifetime: 2h}\n")
	hangup()
	testutil.Eventually(t, 10*time.Second, "the refusal in the log", func() bool {
		l := w.logs.String()
		return strings.Contains(l, "reload refused; the running configuration stays") && strings.Contains(l, "parse onboarding guide")
	})
	// ask requests an 8-hour pass for who, confirms it, and returns what
	// the bot answered to the confirmation.
	ask := func(who string) string {
		t.Helper()
		dm := fake.DMChannel("UMEGAN")
		w.send(fake.DM("UMEGAN", "pass for "+who+" tomorrow 9am, 8 hours, onboarding, multi-use because it is the first day"))
		testutil.Eventually(t, 30*time.Second, "the summary", func() bool {
			m, ok := fake.LastMessage(dm)
			return ok && strings.Contains(string(m.Blocks), "Confirm") && strings.Contains(string(m.Blocks), who)
		})
		before := len(fake.Messages(dm))
		w.send(fake.DM("UMEGAN", "yes"))
		var reply string
		testutil.Eventually(t, 30*time.Second, "an answer to yes", func() bool {
			for _, m := range fake.Messages(dm)[before:] {
				if m.User == fake.BotUser {
					reply = m.Text + string(m.Blocks)
					return true
				}
			}
			return false
		})
		return reply
	}
	if reply := ask(simtenant.DemoSarahUPN); strings.Contains(reply, "longer than allowed") || !strings.Contains(reply, "approvers") {
		t.Fatalf("the refused reload changed the policy: %s", reply)
	}

	// A good file: applied.
	write(guidePath, "Welcome to Contoso, reloaded.")
	hangup()
	testutil.Eventually(t, 10*time.Second, "the reload in the log", func() bool {
		return strings.Contains(w.logs.String(), "configuration reloaded")
	})
	if reply := ask(simtenant.DemoDiegoUPN); !strings.Contains(reply, "longer than allowed") || !strings.Contains(reply, "2 hours") {
		t.Fatalf("the reloaded policy is not applied: %s", reply)
	}
}
