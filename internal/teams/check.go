package teams

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/tapbot/tapbot/internal/check"
	"github.com/tapbot/tapbot/internal/teams/connector"
)

const checkArea = "Teams"

// Check proves the bot can talk to Teams: a Bot Connector token can be
// had with its credential, and the approvers conversation answers (its
// member list is read). conn, when nil, is built from cfg as New builds it.
func Check(ctx context.Context, cfg Config, conn *connector.Client) []check.Result {
	cfg = cfg.withDefaults()
	if conn == nil {
		cc := cfg.connectorConfig()
		cc.MaxAttempts = 1 // a check reports what answers now
		c, err := connector.New(cc, nil)
		if err != nil {
			return []check.Result{check.Failure(checkArea, "bot credential", err.Error(), "set exactly one of teams.client_secret, teams.certificate_path or teams.managed_identity")}
		}
		conn = c
	}
	var out []check.Result
	if cfg.LocalMode {
		out = append(out, check.Pass(checkArea, "bot token", "local mode: the Agents Playground takes no token"))
	} else if err := conn.Token(ctx); err != nil {
		return []check.Result{check.Failure(checkArea, "bot token", "no Bot Connector token: "+firstLine(err.Error()),
			"check teams.app_id, teams.tenant_id and the bot's secret or certificate (Azure Bot → Configuration → Manage Password)")}
	} else {
		out = append(out, check.Pass(checkArea, "bot token", "acquired for app "+cfg.AppID))
	}
	return append(out, approversLine(ctx, cfg, conn))
}

func approversLine(ctx context.Context, cfg Config, conn *connector.Client) check.Result {
	const name = "approvers conversation"
	if cfg.ApproversConversation == "" {
		return check.Failure(checkArea, name, "teams.approvers_conversation is not set",
			"add the app to the approvers' team and copy the channel's id (19:…@thread.tacv2)")
	}
	members, err := conn.Members(ctx, cfg.ServiceURL, cfg.ApproversConversation)
	var api *connector.APIError
	var op *net.OpError
	switch {
	case cfg.LocalMode && errors.As(err, &op):
		return check.Warning(checkArea, name, "the Agents Playground is not running on "+cfg.ServiceURL,
			"start it: npx @microsoft/m365agentsplayground")
	case errors.As(err, &api) && (api.Status == 403 || api.Status == 404):
		return check.Failure(checkArea, name, fmt.Sprintf("the bot cannot reach %s (%d %s)", cfg.ApproversConversation, api.Status, api.Code),
			"install the app in the approvers' team, and check teams.approvers_conversation and teams.service_url")
	case err != nil:
		return check.Failure(checkArea, name, firstLine(err.Error()), "check teams.service_url and the network path to it")
	}
	return check.Pass(checkArea, name, fmt.Sprintf("%s answers (%d members)", cfg.ApproversConversation, len(members)))
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}
