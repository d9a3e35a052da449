package main

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/audit"
	"github.com/tapbot/tapbot/internal/check"
	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/slack"
	"github.com/tapbot/tapbot/internal/store"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/teams"
)

// checkCmd runs 'check [--json] [--timeout D]': it connects to everything
// configured and prints one line per check. Exit 0 when nothing failed,
// 1 otherwise, 2 for bad usage.
func checkCmd(ctx context.Context, cfg *Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	timeout := fs.Duration("timeout", 20*time.Second, "how long each service may take to answer")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	// The services' own logs would drown the report: it says what they said.
	quiet := slog.New(slog.DiscardHandler)
	areas := []check.Area{
		{Name: "Store", Run: func(ctx context.Context) []check.Result { return checkStore(ctx, cfg, quiet) }},
		{Name: graph.CheckArea, Run: func(ctx context.Context) []check.Result { return checkGraph(ctx, cfg, quiet) }},
	}
	if cfg.Slack.BotToken != "" {
		areas = append(areas, check.Area{Name: "Slack", Run: func(ctx context.Context) []check.Result {
			return slack.Check(ctx, cfg.Slack.adapterConfig())
		}})
	}
	if cfg.Local() || cfg.Teams.AppID != "" {
		areas = append(areas, check.Area{Name: "Teams", Run: func(ctx context.Context) []check.Result {
			return teams.Check(ctx, cfg.teamsConfig(), nil)
		}})
	}
	report := check.Run(ctx, *timeout, areas...)
	write := report.WriteText
	if *asJSON {
		write = report.WriteJSON
	}
	if err := write(stdout); err != nil {
		fmt.Fprintln(stderr, "tapbot:", err)
		return 1
	}
	if report.Failed() {
		return 1
	}
	return 0
}

// checkGraph checks the tenant tapbot would talk to (in local mode, the
// simulated one, started for the check).
func checkGraph(ctx context.Context, cfg *Config, log *slog.Logger) []check.Result {
	a := &app{cfg: cfg, log: log}
	defer a.close()
	gc, err := a.graphClient(cfg, log)
	if err != nil {
		return []check.Result{check.Failure(graph.CheckArea, "client", err.Error(), "fix the graph: settings (bot check-config)")}
	}
	return gc.Check(ctx, graphExpect(cfg))
}

// graphExpect is what the policy will ask of the tenant.
func graphExpect(cfg *Config) graph.Expect {
	p := cfg.Policy
	want := graph.Expect{
		Lifetimes: map[string]time.Duration{},
		Caps:      map[string]time.Duration{"policy.max_lifetime": p.MaxLifetime.D()},
		Groups:    map[string]string{},
	}
	reasons := make([]string, 0, len(p.Reasons))
	for r := range p.Reasons {
		reasons = append(reasons, string(r))
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		rp := p.Reasons[tap.Reason(r)]
		want.Lifetimes["policy.reasons."+r+".lifetime"] = rp.Lifetime.D()
		want.Caps["policy.reasons."+r+".max_lifetime"] = rp.MaxLifetime.D()
		if !rp.OneTime {
			want.MultiUse = append(want.MultiUse, "policy.reasons."+r)
		}
	}
	for _, g := range p.ApproverGroups {
		want.Groups[g] = "approver group"
	}
	for r, gs := range p.ReasonApproverGroups {
		for _, g := range gs {
			want.Groups[g] = string(r) + " approver group"
		}
	}
	for _, g := range p.Requesters.Groups {
		want.Groups[g] = "requester group"
	}
	return want
}

// checkStore opens the store as the bot does (migrations included) and
// checks the schema, both keys and the audit chain.
func checkStore(ctx context.Context, cfg *Config, log *slog.Logger) []check.Result {
	const area = "Store"
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, log)
	if err != nil {
		return []check.Result{check.Failure(area, "database", "cannot open it: "+err.Error(),
			"check database_url (host, credentials, sslmode) or that data_dir is writable")}
	}
	defer st.Close()
	out := []check.Result{check.Pass(area, "database", storeKind(cfg))}
	if s, ok := st.(interface {
		Schema(context.Context) (int, int, error)
	}); ok {
		cur, latest, err := s.Schema(ctx)
		switch {
		case err != nil:
			out = append(out, check.Failure(area, "schema", err.Error(), ""))
		case cur > latest:
			out = append(out, check.Failure(area, "schema", fmt.Sprintf("the database is at version %d; this tapbot knows up to %d", cur, latest),
				"run the tapbot version that last migrated it (a newer one); never downgrade over a migrated database"))
		default:
			out = append(out, check.Pass(area, "schema", fmt.Sprintf("version %d, current", cur)))
		}
	}
	out = append(out, keyLine("seal key", cfg.SealKey, filepath.Join(cfg.DataDir, "seal.key"), cfg.Local()))
	keyed := cfg.resolveAuditKey(false)
	out = append(out, keyLine("audit key", cfg.AuditKey, filepath.Join(cfg.DataDir, auditKeyFile), cfg.Local()))
	if keyed != nil {
		return out
	}
	rep, err := audit.New(st, nil, log, audit.WithKey(cfg.auditKey), audit.WithPreviousKeys(cfg.prevAuditKeys...)).Verify(ctx)
	switch {
	case errors.Is(err, audit.ErrDamaged):
		p := rep.Problems[0]
		out = append(out, check.Failure(area, "audit trail", fmt.Sprintf("damaged: %d problem(s); first at seq %d: %s: %s", len(rep.Problems), p.Seq, p.Kind, p.Detail),
			"run bot audit verify for every problem; restore the database from a backup taken before that record, or keep it as evidence"))
	case err != nil:
		out = append(out, check.Failure(area, "audit trail", "cannot read it: "+err.Error(), ""))
	default:
		out = append(out, check.Pass(area, "audit trail", fmt.Sprintf("intact, %d records", rep.Records)))
	}
	return out
}

func storeKind(cfg *Config) string {
	if strings.HasPrefix(cfg.DatabaseURL, "postgres") {
		return "PostgreSQL reachable"
	}
	return "SQLite opened"
}

// keyLine checks a 32-byte base64 key: configured, or in local mode the
// data dir's file (created at first start when absent).
func keyLine(name, configured, file string, local bool) check.Result {
	const area = "Store"
	if configured != "" {
		if k, err := base64.StdEncoding.DecodeString(configured); err != nil || len(k) != 32 {
			return check.Failure(area, name, "not 32 bytes of base64", "generate one: openssl rand -base64 32")
		}
		return check.Pass(area, name, "configured, 32 bytes")
	}
	if !local {
		return check.Failure(area, name, "not configured", "set it from a secret (openssl rand -base64 32) and keep it out of the database backup")
	}
	_, err := readKeyFile(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return check.Warning(area, name, file+" does not exist yet", "start the bot once: it creates it (mode 0600)")
	case err != nil:
		return check.Failure(area, name, err.Error(), "delete the file only if no pass is waiting to be revealed and nothing is audited yet")
	}
	return check.Pass(area, name, file+", 32 bytes")
}
