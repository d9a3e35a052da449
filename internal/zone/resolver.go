package zone

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// Mailbox reads a person's mailbox time zone (Graph
// GET /users/{id}/mailboxSettings/timeZone). It returns the name as the
// mailbox holds it (Windows or IANA), "" when none is set,
// tap.ErrPermission when the app lacks MailboxSettings.Read, and
// tap.ErrUserNotFound for an unknown person (or one without a mailbox).
type Mailbox interface {
	MailboxZone(ctx context.Context, id tap.UserID) (string, error)
}

// Defaults of Config.
const (
	DefaultTTL  = 12 * time.Hour
	DefaultSize = 10000
)

// Config configures a Resolver.
type Config struct {
	// Mailbox, when set, is asked for people the platform gave no zone for.
	Mailbox Mailbox
	// Default is the zone when nothing else is known (IANA; "" is UTC).
	Default string
	// TTL is how long an answer is kept (DefaultTTL); Size bounds the
	// people kept (DefaultSize).
	TTL  time.Duration
	Size int
	Now  func() time.Time
	Log  *slog.Logger
}

// Resolver answers "which zone is this person in", caching per person.
// It is safe for concurrent use.
type Resolver struct {
	cfg    Config
	mu     sync.Mutex
	cache  map[tap.UserID]entry
	denied atomic.Bool // the mailbox permission is missing: not asked again
}

type entry struct {
	zone    string
	told    bool // the platform said so (wins over the mailbox)
	expires time.Time
}

// NewResolver returns a Resolver; an unloadable Default is UTC.
func NewResolver(cfg Config) *Resolver {
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Size <= 0 {
		cfg.Size = DefaultSize
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Default = Normalize(cfg.Default); cfg.Default == "" {
		cfg.Default = "UTC"
	}
	return &Resolver{cfg: cfg, cache: map[tap.UserID]entry{}}
}

// Default is the zone used when nothing else is known.
func (r *Resolver) Default() string { return r.cfg.Default }

// Learn records the zone a platform reported for id (ignored unless it is
// a loadable zone) and returns the zone to use for id now: the reported
// one, else whatever Zone finds.
func (r *Resolver) Learn(ctx context.Context, id tap.UserID, reported string) string {
	z := Normalize(reported)
	if z == "" || id == "" {
		if id == "" {
			return r.cfg.Default
		}
		return r.Zone(ctx, id)
	}
	r.put(id, entry{zone: z, told: true})
	return z
}

// Zone returns id's zone: one a platform reported (Learn), else the
// mailbox's, else the default.
func (r *Resolver) Zone(ctx context.Context, id tap.UserID) string {
	if z, ok := r.Find(ctx, id); ok {
		return z
	}
	return r.cfg.Default
}

// Find returns id's zone as a platform reported it (Learn) or the mailbox
// holds it, and false when neither knows (the caller picks a fallback).
// A failed mailbox read is not cached, so a transient error does not
// stick.
func (r *Resolver) Find(ctx context.Context, id tap.UserID) (string, bool) {
	if id == "" {
		return "", false
	}
	now := r.cfg.Now()
	r.mu.Lock()
	e, ok := r.cache[id]
	r.mu.Unlock()
	// An expired platform answer still beats the mailbox: the person's
	// next message refreshes it.
	if ok && (now.Before(e.expires) || e.told) {
		return e.zone, e.zone != ""
	}
	z, keep := r.mailbox(ctx, id)
	if keep {
		r.put(id, entry{zone: z})
	}
	return z, z != ""
}

// mailbox asks the mailbox for id's zone; keep reports whether the
// answer (even none) is worth caching.
func (r *Resolver) mailbox(ctx context.Context, id tap.UserID) (zone string, keep bool) {
	if r.cfg.Mailbox == nil || r.denied.Load() {
		return "", true
	}
	raw, err := r.cfg.Mailbox.MailboxZone(ctx, id)
	switch {
	case errors.Is(err, tap.ErrPermission):
		if r.denied.CompareAndSwap(false, true) {
			r.cfg.Log.Warn("mailbox time zones unavailable: the app lacks MailboxSettings.Read; people whose chat platform sends no zone get default_zone",
				"default_zone", r.cfg.Default)
		}
		return "", true
	case errors.Is(err, tap.ErrUserNotFound):
		return "", true
	case err != nil:
		r.cfg.Log.Warn("mailbox time zone", "user", string(id), "err", err)
		return "", false
	}
	z := Normalize(raw)
	if z == "" && raw != "" {
		r.cfg.Log.Info("mailbox time zone not recognised", "user", string(id), "zone", raw)
	}
	return z, true
}

func (r *Resolver) put(id tap.UserID, e entry) {
	now := r.cfg.Now()
	e.expires = now.Add(r.cfg.TTL)
	r.mu.Lock()
	defer r.mu.Unlock()
	if cur, ok := r.cache[id]; ok && cur.told && !e.told {
		// A platform reported the zone while the mailbox was being read:
		// what the person's client says wins.
		return
	}
	if _, ok := r.cache[id]; !ok && len(r.cache) >= r.cfg.Size {
		for k, old := range r.cache {
			if !now.Before(old.expires) {
				delete(r.cache, k)
			}
		}
		for k := range r.cache {
			if len(r.cache) < r.cfg.Size {
				break
			}
			delete(r.cache, k)
		}
	}
	r.cache[id] = e
}
