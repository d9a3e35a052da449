package main

import (
	"fmt"
	"io"
	"log/slog"

	core "github.com/tapbot/tapbot/internal/app"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/slack"
	"github.com/tapbot/tapbot/internal/teams"
)

// localApproversConversation is the approvers channel of the Agents
// Playground team in .m365agentsplayground.yml.
const localApproversConversation = teams.LocalApproversConversation

// platforms lists the chat platforms to plug in: Teams (always in local
// mode) and Slack (when its bot token is set). Each adapter mounts its
// webhook on a.mux when built.
func (a *app) platforms(cfg *Config, log *slog.Logger) []core.Platform {
	var ps []core.Platform
	if cfg.Local() || cfg.Teams.AppID != "" {
		tc := cfg.teamsConfig()
		ps = append(ps, core.Platform{Approvers: tc.ApproversConversation, New: func(h chat.Handler) (chat.Messenger, error) {
			ad, err := teams.New(tc, a.store, h, log, teams.WithWork(a.work, a.senders))
			if err != nil {
				return nil, fmt.Errorf("teams: %w", err)
			}
			a.teams = ad
			a.mux.Handle("POST /api/messages", counted("teams", ad.HTTPHandler()))
			return ad, nil
		}})
	}
	if cfg.Slack.BotToken != "" {
		sc := cfg.Slack
		ps = append(ps, core.Platform{Approvers: sc.ApproversChannel, New: func(h chat.Handler) (chat.Messenger, error) {
			scfg := sc.adapterConfig()
			scfg.OnConnections = func(n int) { slackConnections.Set(float64(n)) }
			ad, err := slack.New(scfg, a.store, h, log, slack.WithWork(a.work, a.senders))
			if err != nil {
				return nil, fmt.Errorf("slack: %w", err)
			}
			a.slack = ad
			if sc.SigningSecret != "" {
				a.mux.Handle("POST /slack/events", counted("slack", ad.HTTPHandler()))
			}
			return ad, nil
		}})
	}
	return ps
}

// teamsConfig is the Teams adapter's configuration; local mode talks to
// the playground's approvers channel in the playground's tenant.
func (cfg *Config) teamsConfig() teams.Config {
	tc := cfg.Teams
	if cfg.Local() && tc.ApproversConversation == "" {
		tc.ApproversConversation = localApproversConversation
	}
	if cfg.Local() && tc.TenantID == "" {
		// Pin the playground's tenant (.m365agentsplayground.yml).
		tc.TenantID = simtenant.DemoTenantID
	}
	return teams.Config{
		AppID: tc.AppID, TenantID: tc.TenantID, ClientSecret: tc.ClientSecret,
		CertificatePath: tc.CertificatePath, ManagedIdentity: tc.ManagedIdentity,
		OpenIDMetadataURL: tc.OpenIDMetadataURL, ApproversConversation: tc.ApproversConversation,
		TokenAuthorityHost: tc.TokenAuthorityHost, TokenScope: tc.TokenScope, TokenIssuer: tc.TokenIssuer,
		ServiceURL: tc.ServiceURL, AllowedServiceURLHosts: tc.AllowedServiceHosts,
		LocalMode: cfg.Local() && tc.AppID == "", PlaygroundPort: tc.PlaygroundPort,
	}
}

func buildTeamsPackage(w io.Writer, appID string) error { return teams.BuildPackage(w, appID) }
