package botauth

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// ErrUnknownKey is matched (errors.Is) by Keys.Key when no key in the
// JWKS, even after the rate-limited refresh, has the kid.
var ErrUnknownKey = errUnknownKid

// KeysConfig configures Keys. Zero durations take the Validator's defaults.
type KeysConfig struct {
	// MetadataURL is the OpenID configuration document naming the JWKS
	// (for Entra: https://login.microsoftonline.com/<tenant>/v2.0/.well-known/openid-configuration).
	MetadataURL string
	// HTTPClient fetches metadata and keys; default has a 10 s timeout.
	HTTPClient *http.Client
	// Now is the clock; default time.Now.
	Now func() time.Time

	KeyTTL            time.Duration
	KeyMaxAge         time.Duration
	UnknownKidRefresh time.Duration
	FailBackoff       time.Duration
}

// Keys is an OpenID provider's RSA signing keys, fetched and cached by the
// same rules as the Validator's (refreshed in the background after
// KeyTTL, an unknown kid refetches at most once per UnknownKidRefresh, a
// failed fetch fails closed), for validators of other tokens such as the
// Entra access tokens of the intake API. It is safe for concurrent use.
type Keys struct{ cache *keyCache }

// NewKeys returns Keys. It does no I/O; keys load on first use (or Warm).
func NewKeys(cfg KeysConfig) (*Keys, error) {
	u, err := url.Parse(cfg.MetadataURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("openid keys: metadata url %q is not an http(s) url", cfg.MetadataURL)
	}
	return &Keys{cache: newKeyCache(cfg)}, nil
}

// newKeyCache builds the key cache cfg describes, zero values taking the
// defaults. The Validator and Keys share it.
func newKeyCache(cfg KeysConfig) *keyCache {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.KeyTTL, DefaultKeyTTL)
	def(&cfg.KeyMaxAge, DefaultKeyMaxAge)
	def(&cfg.UnknownKidRefresh, DefaultUnknownKidRefresh)
	def(&cfg.FailBackoff, DefaultFailBackoff)
	return &keyCache{
		metadataURL: cfg.MetadataURL,
		client:      cfg.HTTPClient,
		now:         cfg.Now,
		ttl:         cfg.KeyTTL,
		maxAge:      max(cfg.KeyMaxAge, cfg.KeyTTL),
		forcedEvery: cfg.UnknownKidRefresh,
		failBackoff: cfg.FailBackoff,
		timeout:     15 * time.Second,
	}
}

// Key returns the public key with kid. Errors match ErrUnknownKey or
// ErrKeysUnavailable.
func (k *Keys) Key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	if kid == "" {
		return nil, fmt.Errorf("%w: empty kid", ErrUnknownKey)
	}
	sk, _, err := k.cache.lookup(ctx, kid)
	if err != nil {
		if !errors.Is(err, ErrUnknownKey) && !errors.Is(err, ErrKeysUnavailable) {
			err = fmt.Errorf("%w: %w", ErrKeysUnavailable, err)
		}
		return nil, err
	}
	return sk.pub, nil
}

// Warm loads the keys if none are loaded yet, so a readiness check can
// fail early.
func (k *Keys) Warm(ctx context.Context) error {
	if k.cache.cur.Load() != nil {
		return nil
	}
	return k.cache.refresh(ctx, false, true)
}

// Fetches reports how many metadata+JWKS downloads have started.
func (k *Keys) Fetches() int64 { return k.cache.fetches.Load() }
