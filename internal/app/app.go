// Package app is the one place that wires tapbot's core: the
// organisation's policy, the audit trail, the approvals service, the chat
// router and the chat platforms. cmd/bot and every end-to-end test
// harness build through it, so what the tests exercise is what runs.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/audit"
	"github.com/tapbot/tapbot/internal/bot"
	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/outq"
	"github.com/tapbot/tapbot/internal/policy"
	"github.com/tapbot/tapbot/internal/stats"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/zone"
)

// Graph is everything the core asks of Entra: the directory slices the
// policy and the approvals service read, pass issuance, and people's
// mailbox time zones. *graph.Client implements it; so does a client
// pointed at simtenant.
type Graph interface {
	policy.Directory
	policy.PassLister
	approvals.Directory
	approvals.PassIssuer
	zone.Mailbox
}

// Platform is one chat platform.
type Platform struct {
	// Approvers is the conversation approval cards are posted to.
	Approvers string
	// New builds the platform's adapter; h receives its events. It is
	// called once, inside Build, before anything runs.
	New func(h chat.Handler) (chat.Messenger, error)
}

// Config is the core's configuration, one section per package.
type Config struct {
	Policy    policy.Config
	Approvals approvals.Config
	// Router's ApproverChannels is filled from Deps.Platforms.
	Router bot.Config
}

// Deps are the core's collaborators: storage, Entra and the platforms.
type Deps struct {
	Store     tap.Store
	Graph     Graph
	Platforms []Platform
	// AuditKey keys the audit chain (HMAC-SHA256; kept outside the
	// database). Nil leaves the chain unkeyed (tests of older chains).
	AuditKey []byte
	// PreviousAuditKeys verify records keyed before a rotation.
	PreviousAuditKeys [][]byte
	// Notices, when set, wraps the notifier the approvals service calls
	// (cmd/bot counts notices for /metrics with it).
	Notices func(approvals.Notifier) approvals.Notifier
	Log     *slog.Logger
}

// App is the wired core.
type App struct {
	Checker    *policy.Checker
	Audit      *audit.Trail
	Service    *approvals.Service
	Router     *bot.Router
	Messengers []chat.Messenger
	// Outbound bounds what waits to be sent on every platform (its Stats
	// are the drop counters for /metrics).
	Outbound *outq.Gate
}

// Build wires the core. Every part gets its collaborators at
// construction. The two cycles (the router calls the service, which
// notifies through the router; adapters deliver events to the router,
// which replies through them) are closed by forwarders bound before Build
// returns, so no part is ever seen half-built.
func Build(cfg Config, d Deps) (*App, error) {
	if d.Store == nil || d.Graph == nil {
		return nil, errors.New("app: a store and a Graph client are required")
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	checker := policy.New(cfg.Policy, policy.Deps{Directory: d.Graph, Requests: d.Store, Passes: d.Graph, Now: cfg.Approvals.Now, Log: d.Log})
	var opts []audit.Option
	if d.AuditKey != nil {
		opts = append(opts, audit.WithKey(d.AuditKey), audit.WithPreviousKeys(d.PreviousAuditKeys...))
	}
	trail := audit.New(d.Store, cfg.Approvals.Now, d.Log, opts...)

	events := &forwardHandler{}
	msgrs, channels, err := buildPlatforms(d.Platforms, events)
	if err != nil {
		return nil, err
	}
	gate := outq.New(0)
	for i, m := range msgrs {
		msgrs[i] = gate.Wrap(m)
	}
	notices := &forwardNotifier{}
	var notify approvals.Notifier = notices
	if d.Notices != nil {
		notify = d.Notices(notices)
	}
	svc, err := approvals.New(cfg.Approvals, approvals.Deps{
		Store: d.Store, Directory: d.Graph, Issuer: d.Graph, Checker: checker, Audit: trail, Notify: notify, Log: d.Log,
	})
	if err != nil {
		return nil, err
	}
	rcfg := cfg.Router
	rcfg.ApproverChannels = channels
	if rcfg.DefaultZone == "" {
		rcfg.DefaultZone = bot.DefaultZone
	}
	zones := zone.NewResolver(zone.Config{Mailbox: d.Graph, Default: rcfg.DefaultZone, Now: rcfg.Now, Log: d.Log})
	router, err := bot.New(rcfg, bot.Deps{
		Store: d.Store, Directory: d.Graph, Service: svc, Messengers: msgrs, Zones: zones,
		DialogConfig: bot.PolicyDialogConfig(checker),
		CheckTarget:  checker.CheckTarget,
		Entra:        d.Graph,
		Stats:        statsFacts(d.Store),
		Audit:        trail,
		Log:          d.Log,
	})
	if err != nil {
		return nil, err
	}
	events.to, notices.to = router, router
	return &App{Checker: checker, Audit: trail, Service: svc, Router: router, Messengers: msgrs, Outbound: gate}, nil
}

// buildPlatforms builds each platform's adapter around h.
func buildPlatforms(ps []Platform, h chat.Handler) ([]chat.Messenger, map[tap.Platform]string, error) {
	var msgrs []chat.Messenger
	channels := map[tap.Platform]string{}
	for _, p := range ps {
		m, err := p.New(h)
		if err != nil {
			return nil, nil, err
		}
		if _, dup := channels[m.Platform()]; dup {
			return nil, nil, fmt.Errorf("app: platform %s configured twice", m.Platform())
		}
		msgrs = append(msgrs, m)
		channels[m.Platform()] = p.Approvers
	}
	return msgrs, channels, nil
}

// statsFacts reads the metrics `stats` shows.
func statsFacts(st tap.Store) func(ctx context.Context, from, to time.Time) ([]chat.Fact, error) {
	return func(ctx context.Context, from, to time.Time) ([]chat.Fact, error) {
		rep, err := stats.Load(ctx, st, from, to)
		if err != nil {
			return nil, err
		}
		return rep.Facts(), nil
	}
}

// forwardHandler hands platform events to the router. Bound in Build,
// before any adapter receives an event.
type forwardHandler struct{ to chat.Handler }

func (f *forwardHandler) Handle(ctx context.Context, ev chat.Event) { f.to.Handle(ctx, ev) }

// forwardNotifier hands the approvals service's notices to the router.
// Bound in Build, before the service runs.
type forwardNotifier struct{ to approvals.Notifier }

func (f *forwardNotifier) Notify(ctx context.Context, n approvals.Notice) error {
	return f.to.Notify(ctx, n)
}
