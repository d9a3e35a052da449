package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/logthrottle"
	"github.com/tapbot/tapbot/internal/tracing"
)

const usage = `tapbot — Temporary Access Passes, requested and approved in chat.

Usage:
  bot [--config FILE] [serve]        run the bot (default); no config = local mode
  bot [--config FILE] audit verify [--anchor SEQ:MAC]
                                     check the keyed audit trail (and that it still
                                     matches an anchor taken earlier)
  bot [--config FILE] audit anchor   print the audit trail's head as SEQ:MAC
  bot [--config FILE] audit export   print the audit trail as JSON lines (for a SIEM)
  bot [--config FILE] check [--json] connect to Graph, Slack, Teams and the store and
                                     prove each is set up (exit 1 if a check fails)
  bot [--config FILE] check-config   validate the configuration file and exit
  bot bulk [--url URL] [--send] FILE.csv
                                     validate a CSV of new hires (columns upn, start,
                                     lifetime, reason, manager, one_time, note) with a
                                     running tapbot's API; --send opens their requests
  bot teams-package [-o FILE]        build the Teams app package (zip)
  bot version                        print the version and revision

Configuration: a YAML file (--config or TAPBOT_CONFIG); every key can be
overridden by TAPBOT_<SECTION>_<KEY> (e.g. TAPBOT_SLACK_BOT_TOKEN), and
secrets read from a file with TAPBOT_<…>_FILE.
`

// run is the whole program: it returns the exit code (0 ok, 1 runtime
// failure, 2 bad usage or configuration).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	configPath := fs.String("config", getenv("TAPBOT_CONFIG"), "config file (YAML)")
	out := fs.String("o", "tapbot-teams.zip", "output file for teams-package")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	rest := fs.Args()
	cmd := "serve"
	if len(rest) > 0 {
		cmd = rest[0]
	}
	if cmd == "version" {
		v, rev := buildInfo()
		fmt.Fprintf(stdout, "tapbot %s (revision %s)\n", v, rev)
		return 0
	}
	if cmd == "teams-package" {
		sub := flag.NewFlagSet("teams-package", flag.ContinueOnError)
		sub.SetOutput(stderr)
		o := sub.String("o", *out, "output file")
		if err := sub.Parse(rest[1:]); err != nil {
			return 2
		}
		return teamsPackage(*o, getenv, stdout, stderr)
	}
	if cmd == "bulk" {
		return bulkCmd(ctx, rest[1:], getenv, stdout, stderr)
	}
	cfg, err := loadConfig(*configPath, getenv)
	if err != nil {
		fmt.Fprintln(stderr, "tapbot: configuration problems:")
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintln(stderr, "  - "+line)
		}
		return 2
	}
	log := newLogger(stderr, cfg.LogLevel)
	switch {
	case cmd == "serve":
		shutdown, err := tracing.Setup(ctx, getenv, moduleVersion())
		if err != nil {
			log.Error("tracing off", "err", err)
			shutdown = func(context.Context) error { return nil }
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := shutdown(sctx); err != nil {
				log.Warn("traces not flushed", "err", err)
			}
		}()
		reload := func() (*Config, error) { return loadConfig(*configPath, getenv) }
		if err := serve(ctx, cfg, log, stdout, reload); err != nil {
			log.Error("tapbot stopped", "err", err)
			return 1
		}
		return 0
	case cmd == "check":
		return checkCmd(ctx, cfg, rest[1:], stdout, stderr)
	case cmd == "check-config":
		fmt.Fprintln(stdout, "configuration ok")
		return 0
	case cmd == "audit" && len(rest) > 1 && (rest[1] == "verify" || rest[1] == "export" || rest[1] == "anchor"):
		return auditCmd(ctx, cfg, log, rest[1:], stdout, stderr)
	default:
		fmt.Fprint(stderr, usage)
		return 2
	}
}

// moduleVersion is the module version the binary was built from.
func moduleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	// Repeated identical warnings (a flood of rejected deliveries) are
	// logged once, then counted each minute.
	return slog.New(logthrottle.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}), logthrottle.DefaultWindow))
}

// serve runs the bot until ctx is cancelled.
// reload, on SIGHUP, reads the configuration again and applies what can
// change without a restart (reload.go).
func serve(ctx context.Context, cfg *Config, log *slog.Logger, stdout io.Writer, reload func() (*Config, error)) error {
	start := time.Now()
	if err := cfg.resolveAuditKey(true); err != nil {
		return err
	}
	app, err := build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer app.close()

	msrv := app.mountMetrics()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	}
	metricsAddr := ln.Addr().String()
	var mln net.Listener
	if msrv != nil {
		if mln, err = net.Listen("tcp", cfg.MetricsListen); err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s (metrics_listen): %w", cfg.MetricsListen, err)
		}
		metricsAddr = mln.Addr().String()
	}
	srv := newHTTPServer(app.mux)
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if msrv != nil {
		go func() { errc <- msrv.Serve(mln) }()
	}
	app.runBackground(ctx)
	app.startAnchorLog(ctx, time.Hour)
	app.reloadOnHangup(ctx, reload)
	app.ready.Store(true)
	// Start-up garbage (Graph SDK registries, migrations) is returned to
	// the OS so an idle bot stays small.
	debug.FreeOSMemory()
	trimStartupPages()
	v, rev := buildInfo()
	log.Info("tapbot ready", "version", v, "revision", rev, "listen", ln.Addr().String(),
		"metrics_listen", metricsAddr, "local_mode", cfg.Local(), "startup_ms", time.Since(start).Milliseconds())
	app.banner(stdout, ln.Addr().String(), metricsAddr)

	select {
	case <-ctx.Done():
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	}
	app.ready.Store(false)
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if msrv != nil {
		if err := msrv.Shutdown(sctx); err != nil {
			return fmt.Errorf("shutdown metrics listener: %w", err)
		}
	}
	app.wait()
	return nil
}

// newHTTPServer is an http.Server with tapbot's timeouts and limits.
func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

func teamsPackage(path string, getenv func(string) string, stdout, stderr io.Writer) int {
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(stderr, "tapbot:", err)
		return 1
	}
	appID := getenv("TAPBOT_TEAMS_APP_ID")
	if err := buildTeamsPackage(f, appID); err != nil {
		f.Close()
		_ = os.Remove(path)
		fmt.Fprintln(stderr, "tapbot:", err)
		return 1
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(stderr, "tapbot:", err)
		return 1
	}
	fmt.Fprintln(stdout, "wrote", path)
	return 0
}
