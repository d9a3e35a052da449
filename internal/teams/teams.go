// Package teams is tapbot's Microsoft Teams adapter: it receives Bot
// Framework activities at POST /api/messages, authenticates them (botauth),
// pins the tenant and the serviceUrl hosts, de-duplicates them, keeps
// conversation references in the store, maps them to chat.Events, and draws
// chat.Messages as Adaptive Cards 1.5 sent through the Bot Connector
// (connector). Card clicks use Action.Execute; the invoke is answered in the
// HTTP response, the only place a pass value is ever drawn.
//
// It also builds the Teams app package (manifest and icons).
package teams

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/loopback"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/teams/botauth"
	"github.com/tapbot/tapbot/internal/teams/connector"
	"github.com/tapbot/tapbot/internal/workq"
)

// Platform is the adapter's platform name.
const Platform tap.Platform = "teams"

// DefaultServiceURL is the global Teams Bot Connector endpoint used for
// proactive sends when no serviceUrl was captured yet.
const DefaultServiceURL = "https://smba.trafficmanager.net/teams/"

// Local mode defaults: the Microsoft 365 Agents Playground's port and its
// connector there, and the General channel of the team in the repo's
// .m365agentsplayground.yml, used as the approvers channel.
const (
	DefaultPlaygroundPort      = 56150
	LocalServiceURL            = "http://localhost:56150/_connector"
	LocalApproversConversation = "tapbot-approvers"
)

// playgroundServiceURL is the playground's connector on port.
func playgroundServiceURL(port int) string {
	return fmt.Sprintf("http://localhost:%d/_connector", port)
}

// playgroundHosts are the loopback names of the playground on port: the
// only loopback serviceUrl hosts local mode accepts and calls.
func playgroundHosts(port int) []string {
	p := strconv.Itoa(port)
	return []string{net.JoinHostPort("localhost", p), net.JoinHostPort("127.0.0.1", p), net.JoinHostPort("::1", p)}
}

// playgroundOrigins are the playground web UI's origins: the only browser
// origins local mode's endpoint accepts.
func playgroundOrigins(port int) []string {
	var out []string
	for _, h := range playgroundHosts(port) {
		out = append(out, "http://"+h)
	}
	return out
}

// Limits and timings.
const (
	maxBody = 256 << 10
	// invokeDeadline bounds an Action.Execute answer (Teams waits 5 s).
	invokeDeadline = 4500 * time.Millisecond
	// seenTTL is how long an activity id is remembered.
	seenTTL = 24 * time.Hour
	// installTTL is how long an install of the bot in a conversation is
	// remembered, so its two announcements give one KindInstall.
	installTTL = 10 * time.Minute
	// eventTimeout bounds the background handling of an acknowledged activity.
	eventTimeout = 2 * time.Minute
	// retryAfterBusy is the Retry-After (seconds) of a 503 when the work
	// pool is full.
	retryAfterBusy = 1
)

// Config configures the adapter (env TAPBOT_TEAMS_*).
type Config struct {
	AppID, TenantID               string
	ClientSecret, CertificatePath string
	ManagedIdentity               bool
	// OpenIDMetadataURL is TAPBOT_TEAMS_OPENID_METADATA_URL (default: the Bot Framework's).
	OpenIDMetadataURL string
	// TokenAuthorityHost (e.g. https://login.microsoftonline.us/ for GCC
	// High and DoD), TokenScope (default connector.DefaultScope) and
	// TokenIssuer (default botauth.DefaultIssuer) configure sovereign
	// clouds; a benchmark points the authority at a local fake.
	TokenAuthorityHost, TokenScope, TokenIssuer string
	// ApproversConversation is the conversation id of the approvers channel
	// (local mode: the playground team's General channel, "tapbot-approvers").
	ApproversConversation string
	// ServiceURL is the service URL for proactive sends when none was
	// captured (default DefaultServiceURL; in LocalMode LocalServiceURL).
	ServiceURL string
	// AllowedServiceURLHosts are the only serviceUrl hosts accepted inbound
	// and called outbound: host names, or host:port for that port only
	// (default connector.DefaultAllowedServiceURLHosts; LocalMode adds the
	// loopback names on PlaygroundPort).
	AllowedServiceURLHosts []string
	// LocalMode (no AppID) accepts unauthenticated activities only from
	// programs on this machine (loopback peer, loopback Host, no proxy
	// headers, no browser Origin but the playground's), with a JSON body.
	LocalMode bool
	// PlaygroundPort is the Microsoft 365 Agents Playground's port in
	// LocalMode (default DefaultPlaygroundPort): loopback serviceUrls are
	// accepted and called on this port only, and the playground web UI's
	// origin there is the only browser origin accepted.
	PlaygroundPort int
}

// Validator authenticates an inbound activity's bearer token
// (*botauth.Validator).
type Validator interface {
	Validate(ctx context.Context, authHeader, serviceURL, channelID string) (*botauth.Claims, error)
}

// Connector is the outbound Bot Connector subset the adapter uses
// (*connector.Client).
type Connector interface {
	Send(ctx context.Context, serviceURL, conversationID string, a *connector.Activity) (string, error)
	Update(ctx context.Context, serviceURL, conversationID, activityID string, a *connector.Activity) error
	CreateConversation(ctx context.Context, serviceURL string, p connector.ConversationParameters) (string, error)
}

// Option customises New (tests inject authtest / connectortest).
type Option func(*Adapter)

// WithValidator replaces the validator built from Config.
func WithValidator(v Validator) Option { return func(a *Adapter) { a.validator = v } }

// WithConnector replaces the connector client built from Config.
func WithConnector(c Connector) Option { return func(a *Adapter) { a.conn = c } }

// WithWork runs acknowledged activities on pool (shared with the other
// adapters) and applies senders' per-person message rate. Without it the
// adapter keeps a pool and a rate of its own with workq's defaults.
func WithWork(pool *workq.Pool, senders *workq.Senders) Option {
	return func(a *Adapter) { a.work, a.senders = pool, senders }
}

// WithInvokeDeadline replaces how long a click's handler may run before
// the invoke is answered "working on it" (default 4.5 s: Teams waits 5 s);
// tests shorten it.
func WithInvokeDeadline(d time.Duration) Option { return func(a *Adapter) { a.invokeWait = d } }

// Adapter is the Teams adapter. It implements chat.Messenger.
type Adapter struct {
	cfg       Config
	store     tap.Store
	h         chat.Handler
	log       *slog.Logger
	validator Validator
	conn      Connector
	allowed   connector.AllowList
	local     loopback.Guard // LocalMode's caller check

	botID   atomic.Value // string: the bot's channel account id, as captured
	refSeen sync.Map     // store key -> string(ref JSON) last written
	bg      sync.WaitGroup

	work    *workq.Pool
	senders *workq.Senders
	// invokeWait bounds a click's answer (invokeDeadline).
	invokeWait time.Duration
	// busy counts activities refused with 503 (pool full); rateDropped
	// messages dropped over the per-person rate.
	busy, rateDropped atomic.Int64
}

var _ chat.Messenger = (*Adapter)(nil)

// New builds the adapter. Outside LocalMode an empty AppID is an error.
// Without options it builds a botauth.Validator and a connector.Client
// from cfg.
func New(cfg Config, store tap.Store, h chat.Handler, log *slog.Logger, opts ...Option) (*Adapter, error) {
	if store == nil || h == nil {
		return nil, errors.New("teams: store and handler are required")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.AppID == "" && !cfg.LocalMode {
		return nil, errors.New("teams: app id is required outside local mode (TAPBOT_TEAMS_APP_ID)")
	}
	cfg = cfg.withDefaults()
	a := &Adapter{cfg: cfg, store: store, h: h, log: log.With("component", "teams"),
		allowed: connector.NewAllowList(cfg.AllowedServiceURLHosts)}
	if cfg.LocalMode {
		a.local = loopback.Guard{Origins: playgroundOrigins(cfg.PlaygroundPort)}
	}
	a.botID.Store("")
	if cfg.AppID != "" {
		a.botID.Store("28:" + cfg.AppID)
	}
	a.invokeWait = invokeDeadline
	for _, o := range opts {
		o(a)
	}
	a.work, a.senders = workq.OrDefaults(a.work, a.senders)
	if a.validator == nil && cfg.AppID != "" {
		v, err := botauth.New(botauth.Config{AppID: cfg.AppID, TenantID: cfg.TenantID, MetadataURL: cfg.OpenIDMetadataURL, Issuer: cfg.TokenIssuer})
		if err != nil {
			return nil, fmt.Errorf("teams: validator: %w", err)
		}
		a.validator = v
	}
	if a.conn == nil {
		c, err := connector.New(cfg.connectorConfig(), log)
		if err != nil {
			return nil, fmt.Errorf("teams: connector: %w", err)
		}
		a.conn = c
	}
	return a, nil
}

// withDefaults fills what New and Check default: local mode off with an
// app id, the Bot Connector hosts, the playground's port and service URL.
func (cfg Config) withDefaults() Config {
	if cfg.LocalMode && cfg.AppID != "" {
		// An app id means real Bot Framework traffic: never unauthenticated.
		cfg.LocalMode = false
	}
	if len(cfg.AllowedServiceURLHosts) == 0 {
		cfg.AllowedServiceURLHosts = append([]string(nil), connector.DefaultAllowedServiceURLHosts...)
	}
	if cfg.LocalMode && cfg.PlaygroundPort == 0 {
		cfg.PlaygroundPort = DefaultPlaygroundPort
	}
	if cfg.LocalMode {
		cfg.AllowedServiceURLHosts = append(cfg.AllowedServiceURLHosts, playgroundHosts(cfg.PlaygroundPort)...)
	}
	if cfg.ServiceURL == "" {
		cfg.ServiceURL = DefaultServiceURL
		if cfg.LocalMode {
			cfg.ServiceURL = playgroundServiceURL(cfg.PlaygroundPort)
		}
	}
	return cfg
}

// connectorConfig is the outbound client's configuration for cfg.
func (cfg Config) connectorConfig() connector.Config {
	cc := connector.Config{
		AppID: cfg.AppID, TenantID: cfg.TenantID,
		ClientSecret: cfg.ClientSecret, CertificatePath: cfg.CertificatePath, ManagedIdentity: cfg.ManagedIdentity,
		AllowedServiceURLHosts: cfg.AllowedServiceURLHosts,
		AuthorityHost:          cfg.TokenAuthorityHost, Scope: cfg.TokenScope,
	}
	if cfg.LocalMode {
		cc.Credential = localCredential{}
	}
	return cc
}

// Platform returns "teams".
func (a *Adapter) Platform() tap.Platform { return Platform }

// Wait blocks until the background handling of acknowledged activities
// has finished (shutdown, tests).
func (a *Adapter) Wait() { a.bg.Wait() }

// Busy is the number of activities refused with 503 because the work pool
// was full.
func (a *Adapter) Busy() int64 { return a.busy.Load() }

// RateDropped is the number of messages dropped over the per-person rate.
func (a *Adapter) RateDropped() int64 { return a.rateDropped.Load() }

// localCredential is the bot's outbound credential in local mode: the
// Microsoft 365 Agents Playground accepts any bearer token on loopback.
type localCredential struct{}

func (localCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "tapbot-local-mode", ExpiresOn: time.Now().Add(time.Hour)}, nil
}
