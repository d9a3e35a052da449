// Package botauth validates the JWT bearer tokens the Microsoft Bot Connector
// puts on every activity it POSTs to the bot (Teams inbound authentication).
//
// It implements the seven checks of "Authentication with the Bot Connector
// API" plus the extra rules the SDKs apply: the "Bearer" scheme (exactly),
// RS256 only, issuer, audience equal to the app id (a JSON string; an array
// audience is rejected even if it contains the app id, because the Bot
// Connector always sends a string), exp required, exp/nbf/iat with a 5 min
// leeway, a signature from a key in the OpenID JWKS with a kid, the key's
// channel endorsements, the serviceurl claim equal to the activity's
// serviceUrl and, when configured, the tid claim pinned to a tenant.
//
// Keys are cached (24 h, refreshed in the background while still usable); an
// unknown kid triggers at most one JWKS fetch per 5 minutes, so forged
// tokens cannot make the bot fetch per request; a fetch failure fails closed.
// Verified tokens are cached by a hash of their exact bytes until they
// expire; the per-activity checks (serviceurl, endorsement) run on every call.
package botauth

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Defaults for Config.
const (
	DefaultMetadataURL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
	DefaultIssuer      = "https://api.botframework.com"
	DefaultLeeway      = 5 * time.Minute
	// DefaultKeyTTL is how long a fetched JWKS is used before a background refresh.
	DefaultKeyTTL = 24 * time.Hour
	// DefaultKeyMaxAge is how long a JWKS stays usable when refreshes fail
	// (the Bot Framework SDKs cache keys for 5 days).
	DefaultKeyMaxAge = 5 * 24 * time.Hour
	// DefaultUnknownKidRefresh is the minimum time between two JWKS fetches
	// caused by tokens with an unknown kid.
	DefaultUnknownKidRefresh = 5 * time.Minute
	// DefaultFailBackoff is the minimum time between a failed fetch and the next.
	DefaultFailBackoff = 30 * time.Second
	// DefaultTokenCacheSize bounds the verified-token cache.
	DefaultTokenCacheSize = 4096
	// MaxHeaderBytes is the longest Authorization header accepted.
	MaxHeaderBytes = 8 << 10
	// EnvMetadataURL names the environment variable cmd/bot reads into MetadataURL.
	EnvMetadataURL = "TAPBOT_TEAMS_OPENID_METADATA_URL"
)

// Config configures a Validator. Zero durations take the defaults.
type Config struct {
	// AppID is the bot's Microsoft App ID, the required audience.
	AppID string
	// TenantID, when set, pins the token's tid claim (when the token has
	// one). The adapter checks the conversation tenant itself.
	TenantID string
	// MetadataURL is the OpenID configuration document naming the JWKS.
	MetadataURL string
	// Issuer is the only accepted iss value.
	Issuer string
	// Leeway is the clock skew allowed on exp, nbf and iat.
	Leeway time.Duration
	// HTTPClient fetches metadata and keys; default has a 10 s timeout.
	HTTPClient *http.Client
	// Now is the clock; default time.Now.
	Now func() time.Time

	// KeyTTL, KeyMaxAge, UnknownKidRefresh and FailBackoff tune the key cache.
	KeyTTL            time.Duration
	KeyMaxAge         time.Duration
	UnknownKidRefresh time.Duration
	FailBackoff       time.Duration
	// TokenCacheSize bounds the verified-token cache; 0 means the default,
	// negative disables the cache.
	TokenCacheSize int
}

// ErrUnauthorized classifies a request that is not authenticated: no token,
// or a token that is malformed, expired, unsigned, wrongly signed or not
// issued for this bot and activity. Answer it 401. The error strings of the
// errors Validate returns are just "unauthorized" or "forbidden"; use
// Reason for logs.
var ErrUnauthorized = errors.New("unauthorized")

// ErrForbidden classifies a valid token that speaks for a tenant or channel
// that is not allowed: the tid claim is not the pinned tenant, or the
// signing key is not endorsed for the activity's channel. Answer it 403.
var ErrForbidden = errors.New("forbidden")

// ErrKeysUnavailable is also matched (errors.Is) when the signing keys could
// not be fetched; the request is still refused (fail closed).
var ErrKeysUnavailable = errors.New("signing keys unavailable")

var errUnknownKid = errors.New("unknown kid")

// AuthError is the error Validate returns. Its message is generic; Reason
// says why, for logs, and never contains token contents.
type AuthError struct {
	Reason    string
	forbidden bool
	cause     error
}

// Error returns "unauthorized" or "forbidden".
func (e *AuthError) Error() string { return e.class().Error() }

// Unwrap returns ErrUnauthorized or ErrForbidden, and the cause.
func (e *AuthError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.class()}
	}
	return []error{e.class(), e.cause}
}

func (e *AuthError) class() error {
	if e.forbidden {
		return ErrForbidden
	}
	return ErrUnauthorized
}

// Reason returns the loggable reason behind a Validate error, or "" if err
// did not come from Validate.
func Reason(err error) string {
	var ae *AuthError
	if errors.As(err, &ae) {
		return ae.Reason
	}
	return ""
}

func deny(reason string) error { return &AuthError{Reason: reason} }

// forbid refuses a valid token for its tenant or channel.
func forbid(reason string) error { return &AuthError{Reason: reason, forbidden: true} }

func denyErr(reason string, cause error) error {
	return &AuthError{Reason: fmt.Sprintf("%s: %v", reason, cause), cause: cause}
}

// Claims is what a valid token says about the caller.
type Claims struct {
	// AppID is the audience (our app id).
	AppID string
	// Issuer is the token issuer.
	Issuer string
	// ServiceURL is the serviceurl claim, as sent.
	ServiceURL string
	// TenantID is the tid claim, empty when absent.
	TenantID string
	// KeyID is the kid that signed the token.
	KeyID string
	// ExpiresAt is the exp claim.
	ExpiresAt time.Time
}

func (c *Config) withDefaults() (Config, error) {
	out := *c
	if out.AppID == "" {
		return out, errors.New("botauth: app id is required")
	}
	if out.MetadataURL == "" {
		out.MetadataURL = DefaultMetadataURL
	}
	u, err := url.Parse(out.MetadataURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return out, fmt.Errorf("botauth: metadata url %q is not an http(s) url", out.MetadataURL)
	}
	if out.Issuer == "" {
		out.Issuer = DefaultIssuer
	}
	if out.Leeway == 0 {
		out.Leeway = DefaultLeeway
	}
	if out.Leeway < 0 {
		return out, errors.New("botauth: negative leeway")
	}
	if out.HTTPClient == nil {
		out.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if out.Now == nil {
		out.Now = time.Now
	}
	// Key cache durations take their defaults in newKeyCache.
	if out.TokenCacheSize == 0 {
		out.TokenCacheSize = DefaultTokenCacheSize
	}
	return out, nil
}
