package teams_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/tapbot/tapbot/internal/check"
	"github.com/tapbot/tapbot/internal/teams"
	"github.com/tapbot/tapbot/internal/teams/connector"
	"github.com/tapbot/tapbot/internal/teams/connector/connectortest"
)

type deniedCred struct{}

func (deniedCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, errors.New("AADSTS700016: Application not found in the directory.")
}

func checkConn(t *testing.T, cred azcore.TokenCredential) (*connectortest.Server, *connector.Client) {
	t.Helper()
	srv := connectortest.Start(t)
	srv.AddConversation(connectortest.Conversation{ID: approvers, TenantID: tenantID, IsGroup: true, ChannelID: approvers,
		Members: []connector.ChannelAccount{{ID: "29:alex"}, {ID: "29:irvin"}}})
	cc, err := connector.New(connector.Config{AppID: appID, TenantID: tenantID, Credential: cred,
		AllowedServiceURLHosts: []string{"127.0.0.1"}, MaxAttempts: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return srv, cc
}

func TestCheckTeams(t *testing.T) {
	srv, cc := checkConn(t, staticCred{})
	cfg := teams.Config{AppID: appID, TenantID: tenantID, ApproversConversation: approvers, ServiceURL: srv.URL,
		AllowedServiceURLHosts: []string{"127.0.0.1"}}
	rs := teams.Check(context.Background(), cfg, cc)
	if len(rs) != 2 || rs[0].Status != check.OK || rs[1].Status != check.OK || !strings.Contains(rs[1].Detail, "(2 members)") {
		t.Fatalf("all good: %+v", rs)
	}

	cfg.ApproversConversation = "19:gone@thread.tacv2"
	rs = teams.Check(context.Background(), cfg, cc)
	if rs[1].Status != check.Fail || !strings.Contains(rs[1].Detail, "cannot reach 19:gone@thread.tacv2 (404") || !strings.Contains(rs[1].Fix, "install the app") {
		t.Errorf("unknown conversation: %+v", rs[1])
	}

	srv.Block(approvers, "BotNotInConversationRoster")
	cfg.ApproversConversation = approvers
	rs = teams.Check(context.Background(), cfg, cc)
	if rs[1].Status != check.Fail || !strings.Contains(rs[1].Detail, "(403") {
		t.Errorf("blocked conversation: %+v", rs[1])
	}
}

func TestCheckTeamsNoToken(t *testing.T) {
	srv, cc := checkConn(t, deniedCred{})
	cfg := teams.Config{AppID: appID, TenantID: tenantID, ApproversConversation: approvers, ServiceURL: srv.URL}
	rs := teams.Check(context.Background(), cfg, cc)
	if len(rs) != 1 || rs[0].Status != check.Fail || !strings.Contains(rs[0].Detail, "AADSTS700016") {
		t.Fatalf("no token: %+v", rs)
	}
	if n := len(srv.Calls()); n != 0 {
		t.Errorf("%d calls without a token", n)
	}
}

func TestCheckTeamsLocalModeWithoutPlayground(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now
	rs := teams.Check(context.Background(), teams.Config{LocalMode: true, PlaygroundPort: port, ApproversConversation: teams.LocalApproversConversation}, nil)
	if len(rs) != 2 || rs[1].Status != check.Warn || !strings.Contains(rs[1].Fix, "m365agentsplayground") {
		t.Fatalf("local mode: %+v", rs)
	}
}
