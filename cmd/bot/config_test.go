package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/slack"
)

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigReportsEveryProblemAndExits2(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tapbot.yaml")
	yml := `
listen: "not-an-address"
issue_on: sometimes
log_level: loud
default_zone: Mars/Olympus
database_url: "mysql://tapbot@db/tapbot"
graph:
  tenant_id: "6f0e3c4a-7b1d-4c2e-9a8f-3d5b7e9c1a20"
  client_id: "11111111-2222-3333-4444-555555555555"
  client_secret: "s"
  managed_identity: true
  certificate_path: "/nonexistent/tapbot-graph.pem"
  write_limit: -5
slack:
  bot_token: "xoxp-user-token"
  identity: mail
`
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--config", path, "check-config"}, envMap(nil), &stdout, &stderr)
	if code != 2 {
		t.Fatalf("exit code = %d, want 2; stderr:\n%s", code, stderr.String())
	}
	want := []string{
		"listen:", "issue_on:", "log_level:", "default_zone:",
		"graph: graph credential ambiguous", "graph certificate: stat /nonexistent/tapbot-graph.pem",
		"database_url: unsupported database (mysql)", "seal_key: required", "audit_key: required",
		"slack.bot_token: must be a bot token", "slack: set app_token", "slack.approvers_channel",
		`slack.identity: "mail" must be email or map`, "contact: required outside local mode",
		"graph.write_limit, graph.write_window:",
	}
	for _, w := range want {
		if !strings.Contains(stderr.String(), w) {
			t.Errorf("stderr misses %q:\n%s", w, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "xoxp-user-token") {
		t.Error("a secret was echoed in the configuration report")
	}
}

// TestConfigContact: outside local mode the guide's contact must be
// something a new hire can reach.
func TestConfigContact(t *testing.T) {
	for contact, ok := range map[string]bool{
		"": false, "your IT helpdesk": false, "ask Bob": false, "call 911": false,
		"it-help@contoso.com": true, "https://help.contoso.com": true, "+1 (425) 555-0100": true, "Helpdesk, ext 4400 / 0800 123 456": true,
	} {
		c := defaults()
		c.Contact = contact
		var p problems
		c.productionProblems(&p)
		got := strings.Contains(errors.Join(p...).Error(), "contact:")
		if got == ok {
			t.Errorf("contact %q: reported = %v, want %v", contact, got, !ok)
		}
	}
}

func TestConfigEnvOverridesAndFiles(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "signing")
	if err := os.WriteFile(secretFile, []byte("sekrit\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"TAPBOT_LISTEN":                    "127.0.0.1:4000",
		"TAPBOT_SLACK_BOT_TOKEN":           "xoxb-1",
		"TAPBOT_SLACK_SIGNING_SECRET_FILE": secretFile,
		"TAPBOT_SLACK_APPROVERS_CHANNEL":   "C123",
		"TAPBOT_SLACK_ALLOWED_TEAMS":       "T1, T2",
		"TAPBOT_APPROVAL_WINDOW":           "12h",
	}
	cfg, err := loadConfig("", envMap(env))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:4000" || cfg.Slack.SigningSecret != "sekrit" || cfg.Slack.ApproversChannel != "C123" {
		t.Errorf("env not applied: %+v", cfg.Slack)
	}
	if got := cfg.Slack.AllowedTeams; len(got) != 2 || got[1] != "T2" {
		t.Errorf("allowed teams = %q", got)
	}
	if cfg.ApprovalWindow.String() != "12h0m0s" {
		t.Errorf("approval window = %v", cfg.ApprovalWindow)
	}
	if !cfg.Local() {
		t.Error("no graph settings should mean local mode")
	}
}

func TestConfigSlackIdentity(t *testing.T) {
	env := map[string]string{"TAPBOT_SLACK_IDENTITY": "map"}
	if _, err := loadConfig("", envMap(env)); err == nil || !strings.Contains(err.Error(), "slack.identity: map needs user_map_file") {
		t.Errorf("map mode without a map file: %v", err)
	}
	env["TAPBOT_SLACK_USER_MAP_FILE"] = "/etc/tapbot/slack-users.yaml"
	cfg, err := loadConfig("", envMap(env))
	if err != nil || cfg.Slack.Identity != slack.IdentityMap {
		t.Fatalf("map mode with a map file: %v, %+v", err, cfg)
	}
}

func TestConfigLocalModeMustBindLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:3978", ":3978", "[::]:3978", "10.1.2.3:3978"} {
		_, err := loadConfig("", envMap(map[string]string{"TAPBOT_LISTEN": addr}))
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("%s: err = %v, want a loopback refusal", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:3978", "localhost:0", "[::1]:3978"} {
		if _, err := loadConfig("", envMap(map[string]string{"TAPBOT_LISTEN": addr})); err != nil {
			t.Errorf("%s refused: %v", addr, err)
		}
	}
}

func TestConfigUnknownKeyRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("slack:\n  bot_tokn: xoxb-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadConfig(path, envMap(nil)); err == nil || !strings.Contains(err.Error(), "bot_tokn") {
		t.Fatalf("err = %v, want the misspelt key named", err)
	}
}

// TestConfigMetricsAndPlayground: metrics_listen and metrics_token, and
// the local-mode playground port, are validated by check-config (exit 2).
func TestConfigMetricsAndPlayground(t *testing.T) {
	cfg, err := loadConfig("", envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MetricsListen != "127.0.0.1:9464" || cfg.MetricsToken != "" || cfg.Teams.PlaygroundPort != 56150 || cfg.metricsOnPublic() {
		t.Errorf("defaults: metrics_listen %q, playground_port %d", cfg.MetricsListen, cfg.Teams.PlaygroundPort)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"not host:port", map[string]string{"TAPBOT_METRICS_LISTEN": "9464"}, "metrics_listen:"},
		{"bad port", map[string]string{"TAPBOT_METRICS_LISTEN": "127.0.0.1:notaport"}, "metrics_listen:"},
		{"public without a token", map[string]string{"TAPBOT_LISTEN": "127.0.0.1:3978", "TAPBOT_METRICS_LISTEN": "127.0.0.1:3978"}, "metrics_token: required"},
		{"short token", map[string]string{"TAPBOT_METRICS_TOKEN": "abc"}, "metrics_token: use at least"},
		{"playground port out of range", map[string]string{"TAPBOT_TEAMS_PLAYGROUND_PORT": "70000"}, "teams.playground_port:"},
		{"loopback service_url off the playground port", map[string]string{"TAPBOT_TEAMS_SERVICE_URL": "http://localhost:56190/_connector"}, "teams.service_url: local mode calls loopback only on teams.playground_port"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"check-config"}, envMap(tc.env), &stdout, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, want 2 naming %q; stderr:\n%s", code, tc.want, stderr.String())
			}
		})
	}
	ok := map[string]string{"TAPBOT_LISTEN": "127.0.0.1:3978", "TAPBOT_METRICS_LISTEN": "127.0.0.1:3978",
		"TAPBOT_METRICS_TOKEN": "4f6c1b7e9a2d3c5e8f0a1b2c", "TAPBOT_TEAMS_PLAYGROUND_PORT": "56190",
		"TAPBOT_TEAMS_SERVICE_URL": "http://localhost:56190/_connector"}
	cfg, err = loadConfig("", envMap(ok))
	if err != nil {
		t.Fatalf("valid settings refused: %v", err)
	}
	if !cfg.metricsOnPublic() {
		t.Error("metrics_listen equal to listen is not the public listener")
	}
}

func TestConfigPreviousKeys(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"TAPBOT_SEAL_KEY": key(1), "TAPBOT_PREVIOUS_SEAL_KEYS": key(2) + ",c2hvcnQ="}, "previous_seal_keys[1]: must be 32 bytes, base64"},
		{map[string]string{"TAPBOT_SEAL_KEY": key(1), "TAPBOT_PREVIOUS_SEAL_KEYS": key(1)}, "previous_seal_keys[0]: is the current key"},
		{map[string]string{"TAPBOT_PREVIOUS_AUDIT_KEYS": key(2)}, "previous_audit_keys: set audit_key to the new key as well"},
	} {
		var stdout, stderr bytes.Buffer
		env := map[string]string{"TAPBOT_DATA_DIR": t.TempDir()}
		for k, v := range tc.env {
			env[k] = v
		}
		if code := run(context.Background(), []string{"check-config"}, envMap(env), &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, want 2 with %q:\n%s", tc.env, code, tc.want, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	env := map[string]string{"TAPBOT_DATA_DIR": t.TempDir(), "TAPBOT_SEAL_KEY": key(1), "TAPBOT_PREVIOUS_SEAL_KEYS": key(2) + "," + key(3),
		"TAPBOT_AUDIT_KEY": key(4), "TAPBOT_PREVIOUS_AUDIT_KEYS": key(5)}
	if code := run(context.Background(), []string{"check-config"}, envMap(env), &stdout, &stderr); code != 0 {
		t.Fatalf("valid previous keys refused: %s", stderr.String())
	}
}
