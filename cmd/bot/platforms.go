package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/tapbot/tapbot/internal/audit"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/slack"
	"github.com/tapbot/tapbot/internal/store"
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
			ApproversChannel: sc.ApproversChannel, AllowedTeams: sc.AllowedTeams, UserMapFile: sc.UserMapFile,
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

// counted wraps h to count responses by status for /metrics.
func counted(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(sw, r)
		httpTotal.WithLabelValues(route, strconv.Itoa(sw.code)).Inc()
	})
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (s *statusWriter) WriteHeader(code int) { s.code = code; s.ResponseWriter.WriteHeader(code) }

// banner tells a person where the bot listens and how to start chatting.
func (a *app) banner(w io.Writer, addr string) {
	fmt.Fprintf(w, "tapbot is listening on http://%s\n", addr)
	if a.cfg.Local() {
		fmt.Fprintf(w, "Local mode: simulated Entra tenant at %s, data in %s.\n", a.tenant.URL(), a.cfg.DataDir)
		fmt.Fprintln(w, "Start chatting in Teams' local client from the repository root:")
		fmt.Fprintln(w, "  npx @microsoft/m365agentsplayground")
		fmt.Fprintf(w, "Then, as %s, type: pass for %s Monday 7:00, 8 hours, onboarding\n", "Megan Bowen", "sarah.johnson@contoso.com")
	}
	if a.slack != nil {
		fmt.Fprintln(w, "Slack is connected; type /tap in your workspace.")
	}
}

// auditCmd verifies or exports the audit trail.
func auditCmd(ctx context.Context, cfg *Config, log *slog.Logger, verb string, stdout, stderr io.Writer) int {
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, log)
	if err != nil {
		fmt.Fprintln(stderr, "tapbot: open store:", err)
		return 1
	}
	defer st.Close()
	trail := audit.New(st, nil, log)
	if verb == "export" {
		if err := trail.Export(ctx, stdout); err != nil {
			fmt.Fprintln(stderr, "tapbot: export:", err)
			return 1
		}
		return 0
	}
	rep, err := trail.Verify(ctx)
	fmt.Fprintln(stdout, rep)
	if err != nil {
		fmt.Fprintln(stderr, "tapbot: audit trail broken:", err)
		return 1
	}
	return 0
}

func buildTeamsPackage(w io.Writer, appID string) error { return teams.BuildPackage(w, appID) }
