package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/workq"
)

// Platform is the platform name on refs, users and addresses.
const Platform tap.Platform = "slack"

// Command is the slash command tapbot answers (see manifests/slack).
const Command = "/tap"

// Config configures the adapter.
type Config struct {
	// BotToken (xoxb-) calls the Web API. AppToken (xapp-, connections:write)
	// enables Socket Mode. SigningSecret verifies HTTP requests.
	BotToken, AppToken, SigningSecret string
	// APIURL overrides https://slack.com/api/ (GovSlack, tests). It must
	// end with a slash.
	APIURL string
	// ApproversChannel is the channel id approval cards go to; a
	// chat.ToChannel address with an empty ID means this channel.
	ApproversChannel string
	// AllowedTeams lists the workspace (T…) and enterprise (E…) ids whose
	// users are members. Empty: the bot token's own team (auth.test).
	AllowedTeams []string
	// UserMapFile optionally maps Slack user ids to Entra object ids
	// (YAML mapping or two-column CSV), kept by an admin.
	UserMapFile string
	// Identity binds Slack users to Entra: IdentityEmail (default; the map,
	// else a confirmed e-mail) or IdentityMap (the map only).
	Identity Identity
	// EmailCacheTTL is how long users.info answers are cached (default 15 min).
	EmailCacheTTL time.Duration
	// PostInterval is the minimum gap between chat.postMessage calls to one
	// channel once PostBurst is spent (defaults 1 s and 3).
	PostInterval time.Duration
	PostBurst    int
	// HandlerTimeout bounds the handler's work for one event (default 2 min).
	HandlerTimeout time.Duration
	// OnConnections, when set, is told the num_connections of every Socket
	// Mode hello: more connections than replicas can mean a stolen xapp-
	// token (cmd/bot exports it as a metric to alert on).
	OnConnections func(n int)
}

// Adapter connects tapbot to one Slack workspace (or enterprise grid).
// It implements chat.Messenger.
type Adapter struct {
	cfg     Config
	api     *slack.Client
	store   tap.Store
	h       chat.Handler
	log     *slog.Logger
	verify  verifier
	ids     *identity
	pace    *pacer
	now     func() time.Time
	timeout time.Duration
	seenTTL time.Duration
	// submitWait is how long a view_submission waits for the handler's
	// answer before the modal is closed (Slack allows 3 s).
	submitWait time.Duration
	retries    int
	maxWait    time.Duration
	wg         sync.WaitGroup

	dmMu sync.Mutex
	dm   map[string]string // Slack user id → DM channel id
	// learned are the Entra ids whose Slack user is stored (Learned).
	learned sync.Map

	work    *workq.Pool
	senders *workq.Senders
	// dropped counts deliveries dropped with the pool full; rateDropped
	// messages dropped over the per-person rate.
	dropped, rateDropped atomic.Int64
}

// Option customises New.
type Option func(*Adapter)

// WithWork runs acknowledged deliveries on pool (shared with the other
// adapters) and applies senders' per-person message rate. Without it the
// adapter keeps a pool and a rate of its own with workq's defaults.
func WithWork(pool *workq.Pool, senders *workq.Senders) Option {
	return func(a *Adapter) { a.work, a.senders = pool, senders }
}

var _ chat.Messenger = (*Adapter)(nil)

// client is the Web API client for cfg's tokens (and test API URL).
func (c Config) client() *slack.Client {
	opts := []slack.Option{}
	if c.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(c.APIURL))
	}
	if c.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(c.AppToken))
	}
	return slack.New(c.BotToken, opts...)
}

// Validate reports every problem in c at once. Messages name the
// configuration keys (bot_token, app_token, …) without the "slack."
// prefix the caller's file puts them under.
func (c Config) Validate() error {
	var errs []error
	if !strings.HasPrefix(c.BotToken, "xoxb-") {
		errs = append(errs, errors.New("bot_token: must be a bot token (xoxb-…)"))
	}
	if c.AppToken != "" && !strings.HasPrefix(c.AppToken, "xapp-") {
		errs = append(errs, errors.New("app_token: must be an app-level token (xapp-…)"))
	}
	if c.AppToken == "" && c.SigningSecret == "" {
		errs = append(errs, errors.New("set app_token (Socket Mode) or signing_secret (HTTP mode)"))
	}
	return errors.Join(append(errs, c.ValidateIdentity())...)
}

// ValidateIdentity checks the identity binding settings alone.
func (c Config) ValidateIdentity() error {
	if err := c.Identity.Validate(); err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	if c.Identity == IdentityMap && c.UserMapFile == "" {
		return errors.New("identity: map needs user_map_file (the Slack user id → Entra object id map)")
	}
	return nil
}

// New builds an adapter. It does no network I/O: the workspace allowlist
// (auth.test) is read on the first delivery.
func New(cfg Config, store tap.Store, h chat.Handler, log *slog.Logger, opts ...Option) (*Adapter, error) {
	var errs []error
	if err := cfg.Validate(); err != nil {
		errs = append(errs, err)
	}
	if store == nil || h == nil {
		errs = append(errs, errors.New("slack adapter needs a store and a handler"))
	}
	if cfg.APIURL != "" && !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	if cfg.Identity == "" {
		cfg.Identity = IdentityEmail
	}
	var userMap map[string]tap.UserID
	if cfg.UserMapFile != "" {
		m, err := loadUserMap(cfg.UserMapFile)
		if err != nil {
			errs = append(errs, err)
		}
		userMap = m
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("slack config: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("platform", "slack")
	if cfg.EmailCacheTTL <= 0 {
		cfg.EmailCacheTTL = 15 * time.Minute
	}
	if cfg.PostInterval <= 0 {
		cfg.PostInterval = time.Second
	}
	if cfg.PostBurst <= 0 {
		cfg.PostBurst = 3
	}
	if cfg.HandlerTimeout <= 0 {
		cfg.HandlerTimeout = 2 * time.Minute
	}
	api := cfg.client()
	a := &Adapter{
		cfg:        cfg,
		api:        api,
		store:      store,
		h:          h,
		log:        log,
		verify:     newVerifier(cfg.SigningSecret),
		pace:       newPacer(cfg.PostInterval, cfg.PostBurst),
		now:        time.Now,
		timeout:    cfg.HandlerTimeout,
		seenTTL:    24 * time.Hour,
		submitWait: 2500 * time.Millisecond,
		retries:    3,
		maxWait:    30 * time.Second,
		dm:         map[string]string{},
	}
	for _, o := range opts {
		o(a)
	}
	a.work, a.senders = workq.OrDefaults(a.work, a.senders)
	a.ids = &identity{api: api, mode: cfg.Identity, ttl: cfg.EmailCacheTTL, now: time.Now, entra: userMap, cache: map[string]profile{}}
	if len(userMap) > 0 {
		a.ids.slack = make(map[tap.UserID]string, len(userMap))
		for s, e := range userMap {
			a.ids.slack[e] = s
		}
	}
	if len(cfg.AllowedTeams) > 0 {
		a.ids.allowed = map[string]bool{}
		for _, t := range cfg.AllowedTeams {
			a.ids.allowed[strings.TrimSpace(t)] = true
		}
	}
	return a, nil
}

// Platform returns "slack".
func (a *Adapter) Platform() tap.Platform { return Platform }

// Wait blocks until every handler started for an inbound delivery has
// returned (graceful shutdown, tests).
func (a *Adapter) Wait() { a.wg.Wait() }

// admit checks a delivery's workspace. It returns ackOK to drop a foreign
// delivery, ackRetry when the allowlist is unknown (auth.test failed: Slack
// retries events), or nil to go on.
func (a *Adapter) admit(ctx context.Context, team, enterprise string) *ack {
	ok, err := a.ids.teamAllowed(ctx, team, enterprise)
	switch {
	case err != nil:
		a.log.Error("slack workspace allowlist unknown", "err", err)
		return &ackRetry
	case !ok:
		a.log.Warn("slack delivery from a workspace not allowed", "team", team, "enterprise", enterprise)
		return &ackOK
	}
	return nil
}

// seen records a delivery key; first is true the first time.
func (a *Adapter) seen(ctx context.Context, key string) (bool, error) {
	first, err := a.store.MarkSeen(ctx, "slack:"+key, a.seenTTL)
	if err != nil {
		return false, fmt.Errorf("mark delivery seen: %w", err)
	}
	return first, nil
}

// spawn runs the handler for ev after the acknowledgement on the work
// pool, in the lane of that person in that conversation (their order kept,
// a shared channel's click storm not capped as one lane), with a fresh
// bounded context (parent's values, such as its trace, but not its
// cancellation), then the optional after steps. When the pool is full
// the delivery is dropped and counted: Slack gets its fast ack (a 5xx
// would only bring the same delivery back into the same overload).
func (a *Adapter) spawn(parent context.Context, ev chat.Event, after ...func(context.Context)) {
	if slot, ok := a.reserve(ev.Conversation.Conversation, ev.User.ID); ok {
		a.spawnIn(parent, slot, ev, after...)
	}
}

// spawnIn is spawn on a slot reserved earlier (before a loading modal
// was opened, so a full pool never leaves one open).
func (a *Adapter) spawnIn(parent context.Context, slot *workq.Slot, ev chat.Event, after ...func(context.Context)) {
	a.run(parent, slot, func(ctx context.Context) {
		if a.fillUser(ctx, &ev.User) {
			a.handle(ctx, ev)
		}
		for _, f := range after {
			f(ctx)
		}
	})
}

// reserve takes a place for one person's delivery in a conversation, or
// counts it dropped when the pool is full.
func (a *Adapter) reserve(channel, user string) (*workq.Slot, bool) {
	slot, ok := a.work.Reserve(channel + "|" + user)
	if !ok {
		a.dropped.Add(1)
		a.log.Warn("slack delivery dropped: work pool full")
	}
	return slot, ok
}

// submit runs fn on the work pool in key's lane, or drops it (counted)
// when the pool is full.
func (a *Adapter) submit(parent context.Context, channel, user string, fn func(ctx context.Context)) bool {
	slot, ok := a.reserve(channel, user)
	if ok {
		a.run(parent, slot, fn)
	}
	return ok
}

// run runs fn on slot with a bounded context.
func (a *Adapter) run(parent context.Context, slot *workq.Slot, fn func(ctx context.Context)) {
	a.wg.Add(1)
	slot.Run(func() {
		defer a.wg.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), a.timeout)
		defer cancel()
		fn(ctx)
	})
}

// withinRate applies the per-person message rate; the first message over
// it in a flood is answered once, politely, through rp.
func (a *Adapter) withinRate(team, user string, rp *replier) bool {
	switch a.senders.Check("slack:" + team + ":" + user) {
	case workq.Allow:
		return true
	case workq.DropAndTell:
		a.rateDropped.Add(1)
		a.submit(context.Background(), rp.channel, user, func(ctx context.Context) {
			if err := rp.reply(ctx, chat.Message{Text: workq.TextTooFast}); err != nil {
				a.log.Warn("slack too-fast notice", "slack_user", user, "err", err)
			}
		})
		return false
	}
	a.rateDropped.Add(1)
	return false
}

// Dropped is the number of acknowledged deliveries dropped because the
// work pool was full.
func (a *Adapter) Dropped() int64 { return a.dropped.Load() }

// RateDropped is the number of messages dropped over the per-person rate.
func (a *Adapter) RateDropped() int64 { return a.rateDropped.Load() }

// handle calls the handler, containing a panic to this one event.
func (a *Adapter) handle(ctx context.Context, ev chat.Event) {
	defer func() {
		if p := recover(); p != nil {
			a.log.Error("handler panicked", "kind", string(ev.Kind), "delivery_id", ev.DeliveryID, "panic", fmt.Sprint(p))
		}
	}()
	a.h.Handle(ctx, ev)
}

// fillUser completes u from users.info and the admin map. It returns
// false for bots (their events are ignored). A user tapbot may not act for
// (guest, other organisation, unconfirmed e-mail, unmapped in map mode, or
// a failed lookup) gets a Refusal, which the core answers with.
func (a *Adapter) fillUser(ctx context.Context, u *chat.User) bool {
	u.Platform = Platform
	// Payloads carry the Slack profile's name, which its owner chose;
	// people are named from Entra.
	u.Name = ""
	p, err := a.ids.profile(ctx, u.ID)
	if err != nil {
		a.log.Warn("slack user lookup", "slack_user", u.ID, "err", err)
		refuse(u, refuseLookup)
		return true
	}
	if p.bot {
		return false
	}
	if p.team != "" {
		u.Team = p.team
	}
	entra, email, r := a.ids.bind(ctx, u.ID, p)
	if r != nil {
		a.log.Warn("slack user refused", "slack_user", u.ID, "team", p.team, "enterprise", p.enterprise, "reason", r.reason)
		refuse(u, *r)
		return true
	}
	u.EntraID, u.Email, u.Zone = entra, email, p.zone
	return true
}

// refuse marks u as nobody tapbot acts for (Guest too, so a consumer that
// reads only Guest still refuses).
func refuse(u *chat.User, r refusal) {
	u.EntraID, u.Email, u.Guest, u.Refusal = "", "", true, r.text
}
