package main

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/slack"
	"github.com/tapbot/tapbot/internal/teams"
)

// localApproversConversation is the approvers channel of the Agents
// Playground team in .m365agentsplayground.yml.
const localApproversConversation = teams.LocalApproversConversation

// chat plugs in the chat platforms: Teams (always in local mode) and
// Slack (when its bot token is set).
func (a *app) chat(cfg *Config, log *slog.Logger) error {
	if cfg.Local() || cfg.Teams.AppID != "" {
		tc := cfg.Teams
		if cfg.Local() && tc.ApproversConversation == "" {
			tc.ApproversConversation = localApproversConversation
		}
		if cfg.Local() && tc.TenantID == "" {
			// Pin the playground's tenant (.m365agentsplayground.yml).
			tc.TenantID = simtenant.DemoTenantID
		}
		ad, err := teams.New(teams.Config{
			AppID: tc.AppID, TenantID: tc.TenantID, ClientSecret: tc.ClientSecret,
			CertificatePath: tc.CertificatePath, ManagedIdentity: tc.ManagedIdentity,
			OpenIDMetadataURL: tc.OpenIDMetadataURL, ApproversConversation: tc.ApproversConversation,
			ServiceURL: tc.ServiceURL, AllowedServiceURLHosts: tc.AllowedServiceHosts,
			LocalMode: cfg.Local() && tc.AppID == "",
		}, a.store, a.router, log)
		if err != nil {
			return fmt.Errorf("teams: %w", err)
		}
		a.teams = ad
		a.router.AddMessenger(ad)
		a.router.SetApproverChannel(ad.Platform(), tc.ApproversConversation)
		a.mux.Handle("POST /api/messages", counted("teams", ad.HTTPHandler()))
	}
	if cfg.Slack.BotToken != "" {
		sc := cfg.Slack
		ad, err := slack.New(slack.Config{
			BotToken: sc.BotToken, AppToken: sc.AppToken, SigningSecret: sc.SigningSecret, APIURL: sc.APIURL,
			ApproversChannel: sc.ApproversChannel, AllowedTeams: sc.AllowedTeams, UserMapFile: sc.UserMapFile, Identity: sc.Identity,
			OnConnections: func(n int) { slackConnections.Set(float64(n)) },
		}, a.store, a.router, log)
		if err != nil {
			return fmt.Errorf("slack: %w", err)
		}
		a.slack = ad
		a.router.AddMessenger(ad)
		if sc.SigningSecret != "" {
			a.mux.Handle("POST /slack/events", counted("slack", ad.HTTPHandler()))
		}
	}
	return nil
}

func buildTeamsPackage(w io.Writer, appID string) error { return teams.BuildPackage(w, appID) }
