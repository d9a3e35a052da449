package botauth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Validator checks Bot Connector tokens. It is safe for concurrent use.
type Validator struct {
	cfg    Config
	parser *jwt.Parser
	keys   *keyCache

	mu     sync.RWMutex
	tokens map[[sha256.Size]byte]*verified
}

// verified is a token whose signature and token-level claims passed.
type verified struct {
	claims     Claims
	key        *signingKey
	serviceURL string // normalised serviceurl claim
	until      time.Time
	gen        uint64
}

// New returns a Validator. It does no I/O; keys load on first use (or Warm).
func New(cfg Config) (*Validator, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	v := &Validator{
		cfg: c,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{"RS256"}),
			jwt.WithIssuer(c.Issuer),
			jwt.WithLeeway(c.Leeway),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithTimeFunc(c.Now),
			jwt.WithStrictDecoding(),
		),
		keys: newKeyCache(KeysConfig{MetadataURL: c.MetadataURL, HTTPClient: c.HTTPClient, Now: c.Now,
			KeyTTL: c.KeyTTL, KeyMaxAge: c.KeyMaxAge, UnknownKidRefresh: c.UnknownKidRefresh, FailBackoff: c.FailBackoff}),
	}
	if c.TokenCacheSize > 0 {
		v.tokens = make(map[[sha256.Size]byte]*verified)
	}
	return v, nil
}

// Warm loads the signing keys if none are loaded yet, so a readiness check
// can fail early. Validate works without it.
func (v *Validator) Warm(ctx context.Context) error {
	if v.keys.cur.Load() != nil {
		return nil
	}
	return v.keys.refresh(ctx, false, true)
}

// KeyFetches reports how many metadata+JWKS downloads have started.
func (v *Validator) KeyFetches() int64 { return v.keys.fetches.Load() }

// Validate authenticates one inbound activity: authHeader is the raw
// Authorization header, serviceURL and channelID are the activity's
// serviceUrl and channelId. Every failure is an *AuthError matching either
// ErrUnauthorized (no valid token for this bot and activity; also
// ErrKeysUnavailable when keys could not be fetched) or ErrForbidden (a
// valid token for a tenant or channel that is not allowed).
func (v *Validator) Validate(ctx context.Context, authHeader, serviceURL, channelID string) (*Claims, error) {
	if len(authHeader) > MaxHeaderBytes {
		return nil, deny("authorization header too long")
	}
	if authHeader == "" {
		return nil, deny("no authorization header")
	}
	raw, ok := strings.CutPrefix(authHeader, "Bearer ")
	if !ok {
		return nil, deny("authorization scheme is not Bearer")
	}
	if !jwsChars(raw) {
		return nil, deny("malformed bearer token")
	}
	if serviceURL == "" {
		return nil, deny("activity has no serviceUrl")
	}
	if channelID == "" {
		return nil, deny("activity has no channelId")
	}

	sum := sha256.Sum256([]byte(raw))
	if t := v.lookupVerified(sum); t != nil {
		return t.checkActivity(serviceURL, channelID)
	}
	t, err := v.verify(ctx, raw)
	if err != nil {
		return nil, err
	}
	v.remember(sum, t)
	return t.checkActivity(serviceURL, channelID)
}

// checkActivity runs the checks that bind a valid token to one activity.
func (t *verified) checkActivity(serviceURL, channelID string) (*Claims, error) {
	if normURL(serviceURL) != t.serviceURL {
		return nil, deny("serviceurl claim does not match the activity serviceUrl")
	}
	if !t.key.endorses(channelID) {
		return nil, forbid("signing key is not endorsed for the channel")
	}
	c := t.claims
	return &c, nil
}

// tokenClaims is the claim set we decode. aud stays raw so an array can be
// told apart from a string.
type tokenClaims struct {
	Iss        string           `json:"iss"`
	Aud        json.RawMessage  `json:"aud"`
	Exp        *jwt.NumericDate `json:"exp"`
	Nbf        *jwt.NumericDate `json:"nbf"`
	Iat        *jwt.NumericDate `json:"iat"`
	ServiceURL *string          `json:"serviceurl"`
	Tid        string           `json:"tid"`
}

func (c *tokenClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.Exp, nil }
func (c *tokenClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return c.Iat, nil }
func (c *tokenClaims) GetNotBefore() (*jwt.NumericDate, error)      { return c.Nbf, nil }
func (c *tokenClaims) GetIssuer() (string, error)                   { return c.Iss, nil }
func (c *tokenClaims) GetSubject() (string, error)                  { return "", nil }
func (c *tokenClaims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

var (
	errNoKid     = errors.New("token has no kid")
	errIssuer    = errors.New("issuer mismatch")
	errAudience  = errors.New("audience mismatch")
	errAudArray  = errors.New("audience is not a single string")
	errKeyReturn = errors.New("no key")
)

// audience checks aud is a JSON string equal to the app id.
func (v *Validator) audience(raw json.RawMessage) error {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return errAudArray
	}
	if s != v.cfg.AppID {
		return errAudience
	}
	return nil
}

// verify checks signature and token-level claims. Issuer and audience are
// checked before any key lookup so forged tokens never cause a key fetch.
func (v *Validator) verify(ctx context.Context, raw string) (*verified, error) {
	var (
		claims tokenClaims
		key    *signingKey
		gen    uint64
		kid    string
	)
	_, err := v.parser.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		kid, _ = t.Header["kid"].(string)
		if kid == "" {
			return nil, errNoKid
		}
		if claims.Iss != v.cfg.Issuer {
			return nil, errIssuer
		}
		if err := v.audience(claims.Aud); err != nil {
			return nil, err
		}
		k, g, err := v.keys.lookup(ctx, kid)
		if err != nil {
			return nil, err
		}
		key, gen = k, g
		return k.pub, nil
	})
	if err != nil {
		return nil, classify(err)
	}
	if key == nil {
		return nil, deny(errKeyReturn.Error())
	}
	if claims.ServiceURL == nil || *claims.ServiceURL == "" {
		return nil, deny("token has no serviceurl claim")
	}
	if v.cfg.TenantID != "" && claims.Tid != "" && claims.Tid != v.cfg.TenantID {
		return nil, forbid("tid claim is not the pinned tenant")
	}
	return &verified{
		claims: Claims{
			AppID:      v.cfg.AppID,
			Issuer:     claims.Iss,
			ServiceURL: *claims.ServiceURL,
			TenantID:   claims.Tid,
			KeyID:      kid,
			ExpiresAt:  claims.Exp.Time,
		},
		key:        key,
		serviceURL: normURL(*claims.ServiceURL),
		until:      claims.Exp.Add(v.cfg.Leeway),
		gen:        gen,
	}, nil
}

// classify turns a jwt parse error into an AuthError with a fixed reason.
func classify(err error) error {
	switch {
	case errors.Is(err, ErrKeysUnavailable):
		return denyErr("signing keys unavailable", err)
	case errors.Is(err, errUnknownKid):
		return deny("unknown signing key id")
	case errors.Is(err, errNoKid):
		return deny(errNoKid.Error())
	case errors.Is(err, errIssuer), errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return deny("issuer mismatch")
	case errors.Is(err, errAudArray):
		return deny("audience is not a single string")
	case errors.Is(err, errAudience):
		return deny("audience is not the app id")
	case errors.Is(err, jwt.ErrTokenMalformed):
		return deny("malformed token")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return deny("signature or algorithm invalid")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return deny("required claim missing (exp)")
	case errors.Is(err, jwt.ErrTokenExpired):
		return deny("token expired")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return deny("token not valid yet")
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return deny("token issued in the future")
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return deny("token unverifiable")
	default:
		return deny("invalid token")
	}
}

// lookupVerified returns a cached verification that is still in date and
// made with the current key set.
func (v *Validator) lookupVerified(sum [sha256.Size]byte) *verified {
	if v.tokens == nil {
		return nil
	}
	v.mu.RLock()
	t := v.tokens[sum]
	v.mu.RUnlock()
	if t == nil || !v.cfg.Now().Before(t.until) || t.gen != v.keys.generation() {
		return nil
	}
	return t
}

// remember caches a verification. When full, expired entries are swept; if
// it is still full the token is simply not cached.
func (v *Validator) remember(sum [sha256.Size]byte, t *verified) {
	if v.tokens == nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.tokens) >= v.cfg.TokenCacheSize {
		now := v.cfg.Now()
		gen := v.keys.generation()
		for k, e := range v.tokens {
			if !now.Before(e.until) || e.gen != gen {
				delete(v.tokens, k)
			}
		}
		if len(v.tokens) >= v.cfg.TokenCacheSize {
			return
		}
	}
	v.tokens[sum] = t
}

func normURL(s string) string { return strings.TrimRight(s, "/") }

// jwsChars reports whether s is non-empty and only has the characters of a
// compact JWS (base64url and dots). The base64 decoder would skip CR/LF, so
// without this one token could have many spellings.
func jwsChars(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !jwsAlphabet[s[i]] {
			return false
		}
	}
	return true
}

var jwsAlphabet = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") {
		t[c] = true
	}
	return t
}()
