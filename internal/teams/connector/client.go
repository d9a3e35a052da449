// Package connector is tapbot's outbound Bot Connector REST client for
// Microsoft Teams: send, reply, update and delete activities and create
// conversations (proactive 1:1 chats, new channel threads).
//
// It replaces msbotbuilder-go's client (hard-coded multi-tenant token
// authority, no ids returned, no context, data races). Tokens come from any
// azcore.TokenCredential (client secret, certificate or managed identity of a
// single-tenant bot, cached by azidentity). Every call checks the serviceUrl
// host against an allowlist first, so a forged activity can never make the
// bot send its token elsewhere. Calls are rate limited per conversation
// (Teams: 7 per second, 8 per 2 s, 60 per 30 s, 1,800 per hour), retried on
// 429/412/502/504 honouring Retry-After, and bounded by context and timeouts.
package connector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Defaults for Config.
const (
	DefaultScope       = "https://api.botframework.com/.default"
	DefaultTimeout     = 10 * time.Second
	DefaultMaxAttempts = 4
	DefaultMaxElapsed  = 30 * time.Second
)

// DefaultAllowedServiceURLHosts are the Bot Connector hosts of the public
// cloud, GCC and GCC High.
var DefaultAllowedServiceURLHosts = []string{
	"smba.trafficmanager.net",
	"smba.infra.gcc.teams.microsoft.com",
	"smba.infra.gov.teams.microsoft.us",
}

// Window is a rate limit: at most N operations in any span of Per.
type Window struct {
	N   int
	Per time.Duration
}

// TeamsLimits are Teams' per-bot, per-conversation limits for sends and
// conversation creation.
var TeamsLimits = []Window{
	{N: 7, Per: time.Second},
	{N: 8, Per: 2 * time.Second},
	{N: 60, Per: 30 * time.Second},
	{N: 1800, Per: time.Hour},
}

// Config configures a Client.
type Config struct {
	// AppID and TenantID identify the single-tenant bot; the token
	// authority is login.microsoftonline.com/{TenantID}.
	AppID, TenantID string
	// ClientSecret or CertificatePath (PEM or PKCS#12 with the private key,
	// CertificatePassword if encrypted) or ManagedIdentity (with
	// ManagedIdentityClientID for a user-assigned identity): exactly one.
	ClientSecret, CertificatePath, CertificatePassword string
	ManagedIdentity                                    bool
	ManagedIdentityClientID                            string
	// Credential, when set, is used as is (tests, local mode).
	Credential azcore.TokenCredential
	// AuthorityHost is the Entra token authority (default the public
	// cloud's login.microsoftonline.com; https://login.microsoftonline.us/
	// for GCC High and DoD).
	AuthorityHost string
	// Scope is the token scope; default DefaultScope.
	Scope string
	// AllowedServiceURLHosts lists the only serviceUrl hosts the client
	// calls (exact host names, or host:port for that port only; default
	// DefaultAllowedServiceURLHosts). Plain http is allowed only for
	// loopback hosts listed here (tests, local mode).
	AllowedServiceURLHosts []string
	// HTTPClient sends requests; redirects are never followed.
	HTTPClient *http.Client
	// Timeout bounds each attempt; default DefaultTimeout.
	Timeout time.Duration
	// MaxAttempts and MaxElapsed bound retries of one operation (including
	// rate-limit waits); defaults 4 and 30 s.
	MaxAttempts int
	MaxElapsed  time.Duration
	// Limits are the per-conversation rate limits; default TeamsLimits.
	Limits []Window
}

// Client calls the Bot Connector. It is safe for concurrent use.
type Client struct {
	cred        azcore.TokenCredential
	scopes      []string
	allowed     AllowList
	http        *http.Client
	timeout     time.Duration
	maxAttempts int
	maxElapsed  time.Duration
	limit       *limiter
	log         *slog.Logger
}

// New builds a Client. It does no I/O (azidentity fetches tokens lazily).
func New(cfg Config, log *slog.Logger) (*Client, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cred, err := credential(cfg)
	if err != nil {
		return nil, err
	}
	c := &Client{
		cred:        newTokenGate(cred),
		scopes:      []string{cfg.Scope},
		timeout:     cfg.Timeout,
		maxAttempts: cfg.MaxAttempts,
		maxElapsed:  cfg.MaxElapsed,
		log:         log,
	}
	if cfg.Scope == "" {
		c.scopes[0] = DefaultScope
	}
	hosts := cfg.AllowedServiceURLHosts
	if len(hosts) == 0 {
		hosts = DefaultAllowedServiceURLHosts
	}
	c.allowed = NewAllowList(hosts)
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxAttempts <= 0 {
		c.maxAttempts = DefaultMaxAttempts
	}
	if c.maxElapsed <= 0 {
		c.maxElapsed = DefaultMaxElapsed
	}
	hc := http.Client{Timeout: 0}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.http = &hc
	limits := cfg.Limits
	if len(limits) == 0 {
		limits = TeamsLimits
	}
	if c.limit, err = newLimiter(limits); err != nil {
		return nil, err
	}
	return c, nil
}

// credential picks the token source; all configuration problems are joined.
func credential(cfg Config) (azcore.TokenCredential, error) {
	if cfg.Credential != nil {
		return cfg.Credential, nil
	}
	var errs []error
	kinds := 0
	for _, set := range []bool{cfg.ClientSecret != "", cfg.CertificatePath != "", cfg.ManagedIdentity} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		errs = append(errs, errors.New("connector: set exactly one of client secret, certificate path, managed identity"))
	}
	if cfg.AppID == "" && !cfg.ManagedIdentity {
		errs = append(errs, errors.New("connector: app id is required"))
	}
	if cfg.TenantID == "" && !cfg.ManagedIdentity {
		errs = append(errs, errors.New("connector: tenant id is required (single-tenant bot)"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	co := azcore.ClientOptions{}
	if cfg.AuthorityHost != "" {
		co.Cloud = cloud.Configuration{ActiveDirectoryAuthorityHost: cfg.AuthorityHost}
	}
	switch {
	case cfg.ManagedIdentity:
		opts := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: co}
		if cfg.ManagedIdentityClientID != "" {
			opts.ID = azidentity.ClientID(cfg.ManagedIdentityClientID)
		}
		cred, err := azidentity.NewManagedIdentityCredential(opts)
		if err != nil {
			return nil, fmt.Errorf("connector: managed identity: %w", err)
		}
		return cred, nil
	case cfg.CertificatePath != "":
		data, err := os.ReadFile(cfg.CertificatePath)
		if err != nil {
			return nil, fmt.Errorf("connector: read certificate: %w", err)
		}
		certs, key, err := azidentity.ParseCertificates(data, []byte(cfg.CertificatePassword))
		if err != nil {
			return nil, fmt.Errorf("connector: parse certificate: %w", err)
		}
		cred, err := azidentity.NewClientCertificateCredential(cfg.TenantID, cfg.AppID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: co})
		if err != nil {
			return nil, fmt.Errorf("connector: certificate credential: %w", err)
		}
		return cred, nil
	default:
		cred, err := azidentity.NewClientSecretCredential(cfg.TenantID, cfg.AppID, cfg.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: co})
		if err != nil {
			return nil, fmt.Errorf("connector: client secret credential: %w", err)
		}
		return cred, nil
	}
}

// ErrServiceURL is returned when a serviceUrl is malformed or its host is
// not on the allowlist; nothing is sent.
var ErrServiceURL = errors.New("service url not allowed")

// baseURL validates serviceURL and returns it without a trailing slash.
func (c *Client) baseURL(serviceURL string) (string, error) {
	u, err := url.Parse(serviceURL)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", ErrServiceURL
	}
	host := strings.ToLower(u.Hostname())
	if !c.allowed.Allows(u) {
		return "", fmt.Errorf("%w: host %q", ErrServiceURL, host)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", fmt.Errorf("%w: plain http to %q", ErrServiceURL, host)
		}
	default:
		return "", fmt.Errorf("%w: scheme %q", ErrServiceURL, u.Scheme)
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}

// CheckServiceURL reports whether serviceURL passes the allowlist (nil) or
// not (ErrServiceURL). The adapter can use it to refuse inbound activities
// whose serviceUrl the client would never call.
func (c *Client) CheckServiceURL(serviceURL string) error {
	_, err := c.baseURL(serviceURL)
	return err
}

// StaticCredential returns a credential that always yields token, for local
// mode (the Agents Playground ignores tokens) and tests.
func StaticCredential(token string) azcore.TokenCredential { return staticCred(token) }

type staticCred string

func (s staticCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(s), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func activitiesURL(base, conversationID string, activityID ...string) string {
	s := base + "/v3/conversations/" + url.PathEscape(conversationID) + "/activities"
	for _, id := range activityID {
		s += "/" + url.PathEscape(id)
	}
	return s
}
