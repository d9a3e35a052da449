package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	core "github.com/tapbot/tapbot/internal/app"
	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/audit"
	"github.com/tapbot/tapbot/internal/bot"
	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/policy"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/slack"
	"github.com/tapbot/tapbot/internal/store"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/teams"
	"github.com/tapbot/tapbot/internal/watch"
	"github.com/tapbot/tapbot/internal/workq"
)

// app is the wired program.
type app struct {
	cfg     *Config
	log     *slog.Logger
	store   tap.Store
	tenant  *simtenant.Tenant // local mode only
	svc     *approvals.Service
	watcher *watch.Watcher
	router  *bot.Router
	checker *policy.Checker
	slack   *slack.Adapter
	teams   *teams.Adapter
	mux     *http.ServeMux
	metrics http.Handler // mounted by mountMetrics
	ready   atomic.Bool
	wg      sync.WaitGroup
	closers []func()
	// work bounds inbound chat work for both platforms; senders is the
	// per-person message rate.
	work    *workq.Pool
	senders *workq.Senders
}

// build wires every part from the configuration. Wiring only: no logic.
func build(ctx context.Context, cfg *Config, log *slog.Logger) (*app, error) {
	a := &app{cfg: cfg, log: log, mux: http.NewServeMux(),
		work: workq.New(workq.Config{}), senders: workq.NewSenders(0, 0)}
	workStats.Store(a.work)
	ok := false
	defer func() {
		if !ok {
			a.close()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil && cfg.DatabaseURL == "" {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, log)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	a.store = st
	a.closers = append(a.closers, func() { _ = st.Close() })

	key, err := sealKey(cfg)
	if err != nil {
		return nil, err
	}
	gc, err := a.graphClient(cfg, log)
	if err != nil {
		return nil, err
	}
	guide, err := readGuide(cfg.GuideFile)
	if err != nil {
		return nil, err
	}
	wired, err := core.Build(core.Config{
		Policy: cfg.Policy,
		Approvals: approvals.Config{
			IssueOn:          cfg.IssueOn,
			ApprovalWindow:   time.Duration(cfg.ApprovalWindow),
			RevealWindow:     time.Duration(cfg.RevealWindow),
			SealKey:          key,
			PreviousSealKeys: cfg.prevSealKeys,
			WriteLimit:       cfg.Graph.WriteLimit,
			WriteWindow:      cfg.Graph.WriteWindow,
		},
		Router: bot.Config{
			SessionIdle: time.Duration(cfg.SessionIdle),
			DefaultZone: cfg.DefaultZone,
			Guide:       guide, Contact: cfg.Contact, Org: cfg.Org,
		},
	}, core.Deps{
		Store: st, Graph: gc, AuditKey: cfg.auditKey, PreviousAuditKeys: cfg.prevAuditKeys, Platforms: a.platforms(cfg, log),
		Notices: func(n approvals.Notifier) approvals.Notifier { return countingNotifier{n} },
		Log:     log,
	})
	if err != nil {
		return nil, err
	}
	a.svc, a.router, a.checker = wired.Service, wired.Router, wired.Checker
	outStats.Store(wired.Outbound)
	wcfg := cfg.Watch
	wcfg.Lookback = watch.LookbackFor(cfg.Policy.MaxAhead.D())
	if a.watcher, err = watch.New(wcfg, watch.Deps{Store: st, SignIns: gc, Passes: gc, Audit: wired.Audit,
		Notifier: wired.Router, Log: log}); err != nil {
		return nil, fmt.Errorf("watch: %w", err)
	}
	a.routes()
	if err := a.mountAPI(cfg, gc, wired.Service); err != nil {
		return nil, err
	}
	a.localRoutes()
	ok = true
	return a, nil
}

// readGuide reads the onboarding guide template ("" means the default).
func readGuide(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("guide_file: %w", err)
	}
	return string(b), nil
}

// graphClient returns the real Graph client, or in local mode one pointed
// at the simulated tenant on loopback.
func (a *app) graphClient(cfg *Config, log *slog.Logger) (*graph.Client, error) {
	if !cfg.Local() {
		return graph.New(cfg.Graph, log)
	}
	t := simtenant.New()
	simtenant.Demo(t)
	if cfg.DemoTenantFile != "" {
		b, err := os.ReadFile(cfg.DemoTenantFile)
		if err != nil {
			return nil, fmt.Errorf("demo_tenant_file: %w", err)
		}
		if err := t.LoadExtra(b); err != nil {
			return nil, fmt.Errorf("demo_tenant_file: %w", err)
		}
	}
	// The tenant's passes and methods live next to the store that refers
	// to them, so a restart does not lose them.
	if err := t.PersistTo(filepath.Join(cfg.DataDir, "simtenant.json")); err != nil {
		return nil, err
	}
	// Shaped like Entra's app token, with every permission granted, so
	// `bot check` reads them as it would from a real one.
	token := simtenant.AppToken("tapbot-local", simtenant.DemoTenantID, graph.AllPermissionNames()...)
	t.RequireToken(token)
	if err := t.StartOn("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start simulated tenant: %w", err)
	}
	a.tenant = t
	a.closers = append(a.closers, t.Close)
	return graph.New(graph.Config{BaseURL: t.URL(), Credential: graph.StaticCredential(token)}, log)
}

// sealKey returns the AES-256 key that seals issued passes. Local mode
// keeps one in the data dir (mode 0600); production must configure it.
func sealKey(cfg *Config) ([]byte, error) {
	if cfg.SealKey != "" {
		return base64.StdEncoding.DecodeString(cfg.SealKey)
	}
	path := filepath.Join(cfg.DataDir, "seal.key")
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(k) != 32 {
			return nil, fmt.Errorf("%s: not a base64 32-byte key", path)
		}
		return k, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read seal key: %w", err)
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(k)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write seal key: %w", err)
	}
	return k, nil
}

func (a *app) routes() {
	a.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	a.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !a.ready.Load() {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ready\n")
	})
	reg := prometheus.NewRegistry()
	reg.MustRegister(metricCollectors(a.store)...)
	a.metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// issuerWorkers is how many queued passes one replica creates at once:
// with the pacer spacing creates across replicas, a few are enough to
// keep every write slot used while one waits on Graph.
const issuerWorkers = 4

// runBackground starts the timers sweeper and the pass watch (each under
// its store lease), the issuer of queued passes (on every replica) and
// Slack Socket Mode.
func (a *app) runBackground(ctx context.Context) {
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s-%d", host, os.Getpid())
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		if err := a.svc.Run(ctx, 15*time.Second, holder); err != nil && ctx.Err() == nil {
			a.log.Error("timers stopped", "err", err)
		}
	}()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		if err := a.svc.RunIssuer(ctx, holder, issuerWorkers); err != nil && ctx.Err() == nil {
			a.log.Error("issuer stopped", "err", err)
		}
	}()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		if err := a.watcher.Run(ctx, holder); err != nil && ctx.Err() == nil {
			a.log.Error("pass watch stopped", "err", err)
		}
	}()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.router.RunWeeklyRatings(ctx, time.Hour)
	}()
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		t := time.NewTicker(settleEvery)
		defer t.Stop()
		q := quiet{last: a.work.Stats().Accepted}
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if q.look(a.work.Stats()) {
					settle()
				}
			}
		}
	}()
	if a.slack != nil && a.cfg.Slack.AppToken != "" {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			if err := a.slack.RunSocketMode(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("slack socket mode stopped", "err", err)
			}
		}()
	}
}

// wait lets background work and in-flight chat handlers finish.
func (a *app) wait() {
	a.wg.Wait()
	if a.slack != nil {
		a.slack.Wait()
	}
	if a.teams != nil {
		a.teams.Wait()
	}
	a.router.Wait()
}

func (a *app) close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

// The ports each core package declares, and what plugs into them.
var (
	_ approvals.Checker    = (*policy.Checker)(nil)
	_ core.Graph           = (*graph.Client)(nil)
	_ policy.RequestLister = tap.Store(nil)
	_ audit.Log            = tap.Store(nil)
)
