package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tapbot/tapbot/internal/teams/botauth"
	"github.com/tapbot/tapbot/internal/text"
)

// Caller is an authenticated calling application.
type Caller struct {
	// ID is the app's client id (azp or appid), or the HMAC caller name.
	ID string
	// Via is "entra" or "hmac".
	Via string
}

// authError is an authentication or authorisation failure. reason is for
// logs (never token contents); status is 401 or 403 (503 when keys could
// not be fetched).
type authError struct {
	status int
	reason string
	detail string
}

func (e *authError) Error() string { return e.reason }

func unauthorized(reason string) error {
	return &authError{status: http.StatusUnauthorized, reason: reason, detail: text.APIUnauthorized}
}

func forbidden(reason, role string) error {
	return &authError{status: http.StatusForbidden, reason: reason, detail: fmt.Sprintf(text.APIForbiddenApp, role)}
}

// entraAuth validates Entra access tokens issued to a daemon app by the
// client-credentials flow.
type entraAuth struct {
	cfg     Config
	keys    *botauth.Keys
	parser  *jwt.Parser
	issuers []string
}

const leeway = 5 * time.Minute

func newEntraAuth(cfg Config, client *http.Client, now func() time.Time) (*entraAuth, error) {
	keys, err := botauth.NewKeys(botauth.KeysConfig{MetadataURL: cfg.MetadataURL, HTTPClient: client, Now: now})
	if err != nil {
		return nil, err
	}
	return &entraAuth{
		cfg:  cfg,
		keys: keys,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{"RS256"}),
			jwt.WithLeeway(leeway),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithTimeFunc(now),
		),
		issuers: []string{
			"https://sts.windows.net/" + cfg.TenantID + "/",
			DefaultEntraAuthority + "/" + cfg.TenantID + "/v2.0",
		},
	}, nil
}

// accessClaims are the claims of an Entra access token that we read.
type accessClaims struct {
	Iss   string           `json:"iss"`
	Aud   json.RawMessage  `json:"aud"`
	Exp   *jwt.NumericDate `json:"exp"`
	Nbf   *jwt.NumericDate `json:"nbf"`
	Iat   *jwt.NumericDate `json:"iat"`
	Tid   string           `json:"tid"`
	Azp   string           `json:"azp"`   // v2
	AppID string           `json:"appid"` // v1
	Roles []string         `json:"roles"`
	Scp   string           `json:"scp"` // delegated tokens only
	Ver   string           `json:"ver"`
}

func (c *accessClaims) GetExpirationTime() (*jwt.NumericDate, error) { return c.Exp, nil }
func (c *accessClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return c.Iat, nil }
func (c *accessClaims) GetNotBefore() (*jwt.NumericDate, error)      { return c.Nbf, nil }
func (c *accessClaims) GetIssuer() (string, error)                   { return c.Iss, nil }
func (c *accessClaims) GetSubject() (string, error)                  { return "", nil }
func (c *accessClaims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

var (
	errIssuer   = errors.New("issuer is not the tenant")
	errAudience = errors.New("audience is not this API")
	errNoKid    = errors.New("token has no kid")
)

// authenticate checks the bearer token of r. Issuer and audience are
// checked before any key lookup, so a token for another tenant or API
// never causes a key fetch.
func (a *entraAuth) authenticate(ctx context.Context, header string) (Caller, error) {
	raw, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || raw == "" || len(raw) > botauth.MaxHeaderBytes {
		return Caller{}, unauthorized("no bearer token")
	}
	var c accessClaims
	_, err := a.parser.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		if !slices.Contains(a.issuers, c.Iss) {
			return nil, errIssuer
		}
		if !a.audience(c.Aud) {
			return nil, errAudience
		}
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errNoKid
		}
		return a.keys.Key(ctx, kid)
	})
	if err != nil {
		if errors.Is(err, botauth.ErrKeysUnavailable) {
			return Caller{}, &authError{status: http.StatusServiceUnavailable, reason: "signing keys unavailable", detail: text.APIKeysUnavailable}
		}
		return Caller{}, unauthorized(tokenReason(err))
	}
	return a.authorise(&c)
}

// authorise applies the rules on a valid token: the tenant, an app-only
// token, the role and the allowlist.
func (a *entraAuth) authorise(c *accessClaims) (Caller, error) {
	if c.Tid != a.cfg.TenantID {
		return Caller{}, unauthorized("tid is not the tenant")
	}
	app := c.Azp
	if app == "" {
		app = c.AppID
	}
	switch {
	case c.Scp != "":
		return Caller{}, forbidden("delegated (user) token, not an application token", a.cfg.Role)
	case !slices.Contains(c.Roles, a.cfg.Role):
		return Caller{}, forbidden("app role missing", a.cfg.Role)
	case app == "" || !slices.Contains(a.cfg.AllowedApps, app):
		return Caller{}, forbidden("application not in allowed_apps", a.cfg.Role)
	}
	return Caller{ID: app, Via: "entra"}, nil
}

// audience accepts a string aud (Entra's form) equal to a configured one.
func (a *entraAuth) audience(raw json.RawMessage) bool {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return false
	}
	return slices.Contains(a.cfg.Audiences, s)
}

// tokenReason names a parse failure for the log.
func tokenReason(err error) string {
	switch {
	case errors.Is(err, errIssuer):
		return "issuer is not the tenant"
	case errors.Is(err, errAudience):
		return "audience is not this API"
	case errors.Is(err, errNoKid):
		return "token has no kid"
	case errors.Is(err, botauth.ErrUnknownKey):
		return "unknown signing key"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "token expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "token not valid yet"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "exp missing"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "signature or algorithm invalid"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed token"
	}
	return "invalid token"
}
