package slack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/internal/check"
)

const checkArea = "Slack"

// Check proves the live Slack app is set up for cfg: the bot token works
// in an allowed workspace, it has exactly the manifest's scopes, the bot is
// in the approvers channel, and Socket Mode can connect when configured.
func Check(ctx context.Context, cfg Config) []check.Result {
	api := cfg.client()
	auth, err := api.AuthTestContext(ctx)
	if err != nil {
		return []check.Result{check.Failure(checkArea, "bot token", "auth.test refused it: "+err.Error(),
			"copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page; reinstall the app if it was revoked")}
	}
	out := []check.Result{check.Pass(checkArea, "bot token", fmt.Sprintf("works as @%s in %s (%s)", auth.User, auth.Team, auth.TeamID))}
	if len(cfg.AllowedTeams) > 0 && !slices.Contains(cfg.AllowedTeams, auth.TeamID) && !slices.Contains(cfg.AllowedTeams, auth.EnterpriseID) {
		out = append(out, check.Failure(checkArea, "workspace", fmt.Sprintf("%s is not in slack.allowed_teams", auth.TeamID),
			"add it to slack.allowed_teams, or install the app in the workspace you listed"))
	}
	out = append(out, scopeLines(auth.Header.Get("X-OAuth-Scopes"))...)
	out = append(out, channelLine(ctx, api, cfg.ApproversChannel))
	if cfg.AppToken != "" {
		if _, _, err := api.StartSocketModeContext(ctx); err != nil {
			out = append(out, check.Failure(checkArea, "Socket Mode", "apps.connections.open refused the app token: "+err.Error(),
				"enable Socket Mode in the app's settings and use an app-level token (xapp-…) with connections:write"))
		} else {
			out = append(out, check.Pass(checkArea, "Socket Mode", "the app token opens a connection"))
		}
	}
	return out
}

// scopeLines compares the token's scopes with the manifest's.
func scopeLines(header string) []check.Result {
	if strings.TrimSpace(header) == "" {
		return []check.Result{check.Warning(checkArea, "scopes", "Slack did not say which scopes the token has", "")}
	}
	var have []string
	for _, s := range strings.Split(header, ",") {
		have = append(have, strings.TrimSpace(s))
	}
	return check.Grants{Area: checkArea, Name: "scopes", Want: botScopes, Have: have,
		All:        fmt.Sprintf("all %d of the manifest's", len(botScopes)),
		FixMissing: "add them under OAuth & Permissions → Bot Token Scopes (or recreate the app from manifests/slack/manifest.yaml) and reinstall",
		FixExtra:   "remove the scopes tapbot does not use",
	}.Lines()
}

// channelLine checks the approvers channel: it exists, is not archived
// and the bot is in it.
func channelLine(ctx context.Context, api *slack.Client, id string) check.Result {
	const name = "approvers channel"
	if id == "" {
		return check.Failure(checkArea, name, "slack.approvers_channel is not set", "set it to the channel id (C… or G…)")
	}
	ch, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: id})
	var se slack.SlackErrorResponse
	switch {
	case errors.As(err, &se) && se.Err == "missing_scope":
		return check.Warning(checkArea, name, "cannot look at "+id+" without channels:read/groups:read, which tapbot does not need",
			"make sure the bot was invited: /invite @tapbot in the channel")
	case err != nil && strings.Contains(err.Error(), "channel_not_found"):
		return check.Failure(checkArea, name, id+" does not exist, or is private and the bot is not in it",
			"invite the bot: /invite @tapbot in the channel, and check the id (channel details → About)")
	case err != nil:
		return check.Failure(checkArea, name, "conversations.info: "+err.Error(), "")
	case ch.IsArchived:
		return check.Failure(checkArea, name, "#"+ch.Name+" is archived", "unarchive it or configure another channel")
	case !ch.IsMember:
		return check.Failure(checkArea, name, "the bot is not in #"+ch.Name, "invite it: /invite @tapbot in #"+ch.Name)
	}
	return check.Pass(checkArea, name, "the bot is in #"+ch.Name)
}
