package intake

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// Defaults for Config.
const (
	DefaultRole           = "TAP.Request"
	DefaultIdempotencyTTL = 24 * time.Hour
	DefaultMaxBody        = 64 << 10
	DefaultStartOfDay     = "07:00"
	// HMACWindow is how far X-Timestamp may be from now.
	HMACWindow = 5 * time.Minute
	// DefaultEntraAuthority is where the tenant's OpenID metadata lives.
	DefaultEntraAuthority = "https://login.microsoftonline.com"
)

// Config is the api: section of the configuration file. The API is off
// unless Enabled.
type Config struct {
	Enabled bool `yaml:"enabled"`
	// TenantID is the Entra tenant whose tokens are accepted (issuers
	// https://sts.windows.net/<tenant>/ and
	// https://login.microsoftonline.com/<tenant>/v2.0).
	TenantID string `yaml:"tenant_id"`
	// Audiences are the accepted aud values: the API's app id URI
	// (api://tapbot-intake, v1 tokens) and its client id (v2 tokens).
	Audiences []string `yaml:"audiences"`
	// Role is the app role the caller must hold. Default TAP.Request.
	Role string `yaml:"role"`
	// AllowedApps are the client ids (azp / appid) that may call.
	AllowedApps []string `yaml:"allowed_apps"`
	// MetadataURL overrides the tenant's OpenID metadata URL (tests).
	MetadataURL string `yaml:"openid_metadata_url"`
	// HMACSecret turns on the signed-webhook mode; HMACCaller names that
	// caller in the audit trail and on cards (default "hmac").
	HMACSecret string `yaml:"hmac_secret" secret:"true"`
	HMACCaller string `yaml:"hmac_caller"`
	// NotifyPlatform is where hiring managers are told and reveal
	// ("slack" or "teams"); default: the one platform configured.
	NotifyPlatform tap.Platform `yaml:"notify_platform"`
	// Requesters is whom a caller may name as the hiring manager (who
	// reveals the pass): "any" person the policy lets request (default),
	// or "manager": only the new hire's manager in Entra, so a caller that
	// is compromised or misconfigured cannot route a pass to someone else.
	Requesters string `yaml:"requesters"`
	// DefaultZone is the IANA zone of a hire_date given without one.
	DefaultZone string `yaml:"default_zone"`
	// StartOfDay is the local time a pass for a hire_date starts ("07:00").
	StartOfDay string `yaml:"start_of_day"`
	// IdempotencyTTL is how long an Idempotency-Key is remembered (24h).
	IdempotencyTTL time.Duration `yaml:"-"`
	// MaxBody caps a request body in bytes (64 KiB).
	MaxBody int64 `yaml:"-"`
}

// EntraOn reports whether Entra token authentication is configured.
func (c Config) EntraOn() bool {
	return c.TenantID != "" || len(c.Audiences) > 0 || len(c.AllowedApps) > 0
}

// Requesters values.
const (
	RequestersAny     = "any"
	RequestersManager = "manager"
)

// withDefaults fills the zero values.
func (c Config) withDefaults() Config {
	if c.Role == "" {
		c.Role = DefaultRole
	}
	if c.HMACCaller == "" {
		c.HMACCaller = "hmac"
	}
	if c.Requesters == "" {
		c.Requesters = RequestersAny
	}
	if c.StartOfDay == "" {
		c.StartOfDay = DefaultStartOfDay
	}
	if c.DefaultZone == "" {
		c.DefaultZone = "UTC"
	}
	if c.IdempotencyTTL <= 0 {
		c.IdempotencyTTL = DefaultIdempotencyTTL
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.MetadataURL == "" && c.TenantID != "" {
		c.MetadataURL = DefaultEntraAuthority + "/" + c.TenantID + "/v2.0/.well-known/openid-configuration"
	}
	return c
}

// Validate reports every problem at once. A disabled API is always valid.
func (c Config) Validate() error {
	if !c.Enabled {
		return nil
	}
	c = c.withDefaults()
	var errs []error
	if !c.EntraOn() && c.HMACSecret == "" {
		errs = append(errs, errors.New("api: enabled but neither Entra tokens (tenant_id, audiences, allowed_apps) nor hmac_secret is configured"))
	}
	if c.EntraOn() {
		if c.TenantID == "" {
			errs = append(errs, errors.New("api.tenant_id is required for Entra tokens"))
		}
		if len(c.Audiences) == 0 || slices.Contains(c.Audiences, "") {
			errs = append(errs, errors.New("api.audiences must name the API's app id URI and/or client id"))
		}
		if len(c.AllowedApps) == 0 || slices.Contains(c.AllowedApps, "") {
			errs = append(errs, errors.New("api.allowed_apps must list the client ids allowed to call"))
		}
	}
	if c.HMACSecret != "" && len(c.HMACSecret) < 32 {
		errs = append(errs, errors.New("api.hmac_secret must be at least 32 characters"))
	}
	if strings.ContainsAny(c.HMACCaller, " \t\n") {
		errs = append(errs, errors.New("api.hmac_caller must not contain spaces"))
	}
	if _, err := time.LoadLocation(c.DefaultZone); err != nil {
		errs = append(errs, fmt.Errorf("api.default_zone: %w", err))
	}
	if c.Requesters != RequestersAny && c.Requesters != RequestersManager {
		errs = append(errs, fmt.Errorf("api.requesters %q must be any or manager", c.Requesters))
	}
	if _, err := time.Parse("15:04", c.StartOfDay); err != nil {
		errs = append(errs, fmt.Errorf("api.start_of_day %q is not a time like 07:00", c.StartOfDay))
	}
	return errors.Join(errs...)
}
