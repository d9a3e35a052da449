package slack_test

import (
	"context"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/check"
	"github.com/tapbot/tapbot/internal/slack"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
)

func checkFake(t *testing.T) (*slackfake.Server, slack.Config) {
	t.Helper()
	s := slackfake.New()
	t.Cleanup(s.Close)
	s.AddChannel("GAPPROVERS")
	return s, slack.Config{BotToken: "xoxb-1", APIURL: s.URL(), ApproversChannel: "GAPPROVERS"}
}

func result(t *testing.T, rs []check.Result, name string) check.Result {
	t.Helper()
	r, ok := check.Find(rs, name)
	if !ok {
		t.Fatalf("no %q line in %+v", name, rs)
	}
	return r
}

func TestCheckSlackAllGood(t *testing.T) {
	_, cfg := checkFake(t)
	cfg.AppToken = "xapp-1"
	cfg.AllowedTeams = []string{slackfake.DefaultTeam}
	rs := slack.Check(context.Background(), cfg)
	if len(rs) != 4 {
		t.Fatalf("want 4 lines: %+v", rs)
	}
	for _, r := range rs {
		if r.Status != check.OK {
			t.Errorf("%s: %s %s", r.Name, r.Status, r.Detail)
		}
	}
}

func TestCheckSlackTokenWithoutUsersReadEmail(t *testing.T) {
	s, cfg := checkFake(t)
	s.Scopes = []string{"app_mentions:read", "chat:write", "commands", "files:read", "im:history", "im:write", "users:read", "channels:history"}
	rs := slack.Check(context.Background(), cfg)
	if r := result(t, rs, "scopes"); r.Status != check.Fail || !strings.Contains(r.Detail, "missing users:read.email") || !strings.Contains(r.Fix, "reinstall") {
		t.Errorf("scopes: %+v", r)
	}
	if r := result(t, rs, "least privilege"); r.Status != check.Warn || r.Detail != "also granted channels:history" {
		t.Errorf("least privilege: %+v", r)
	}
}

func TestCheckSlackBadToken(t *testing.T) {
	_, cfg := checkFake(t)
	cfg.BotToken = "xoxp-user-token"
	rs := slack.Check(context.Background(), cfg)
	if len(rs) != 1 || rs[0].Status != check.Fail || !strings.Contains(rs[0].Detail, "not_authed") {
		t.Errorf("bad token: %+v", rs)
	}
}

func TestCheckSlackApproversChannel(t *testing.T) {
	s, cfg := checkFake(t)
	s.AddChannel("CPUBLIC")
	s.RemoveFromChannel("CPUBLIC", slackfake.DefaultBotUser)
	for _, tc := range []struct {
		channel, fault, want string
		status               check.Status
	}{
		{"CPUBLIC", "", "the bot is not in #cpublic", check.Fail},
		{"GNOWHERE", "", "GNOWHERE does not exist, or is private and the bot is not in it", check.Fail},
		{"GAPPROVERS", "missing_scope", "cannot look at GAPPROVERS without channels:read/groups:read", check.Warn},
		{"", "", "slack.approvers_channel is not set", check.Fail},
	} {
		if tc.fault != "" {
			s.FailNext("conversations.info", tc.fault, 1)
		}
		cfg.ApproversChannel = tc.channel
		r := result(t, slack.Check(context.Background(), cfg), "approvers channel")
		if r.Status != tc.status || !strings.Contains(r.Detail, tc.want) {
			t.Errorf("%s: %+v, want %s %q", tc.channel, r, tc.status, tc.want)
		}
	}
}

func TestCheckSlackSocketModeAndWorkspace(t *testing.T) {
	s, cfg := checkFake(t)
	cfg.AppToken = "xapp-1"
	cfg.AllowedTeams = []string{"T0OTHER"}
	s.FailNext("apps.connections.open", "invalid_auth", 1)
	rs := slack.Check(context.Background(), cfg)
	if r := result(t, rs, "Socket Mode"); r.Status != check.Fail || !strings.Contains(r.Detail, "invalid_auth") {
		t.Errorf("socket mode: %+v", r)
	}
	if r := result(t, rs, "workspace"); r.Status != check.Fail || !strings.Contains(r.Detail, slackfake.DefaultTeam+" is not in slack.allowed_teams") {
		t.Errorf("workspace: %+v", r)
	}
}
