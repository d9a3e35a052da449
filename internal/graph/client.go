package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	kauth "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	kjson "github.com/microsoft/kiota-serialization-json-go"
	ktext "github.com/microsoft/kiota-serialization-text-go"
	msgraphcore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/policies"
	"github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// sdkVersion is the msgraph-sdk-go version reported in the telemetry header.
const sdkVersion = "1.89.0"

// Client talks to Microsoft Graph. It implements approvals.Directory and
// approvals.PassIssuer. It is safe for concurrent use.
type Client struct {
	log        *slog.Logger
	baseURL    string
	adapter    *msgraphcore.GraphRequestAdapterBase
	users      *users.UsersRequestBuilder
	roles      *rolemanagement.RoleManagementRequestBuilder
	policies   *policies.PoliciesRequestBuilder
	maxRetries int
	now        func() time.Time
	// cred and scope are what the auth provider uses; check reads the
	// token's claims with them.
	// writes paces writes after a 429 (gate.go).
	writes   writeGate
	cred     azcore.TokenCredential
	credKind string
	scope    string
	// skipEligible: see Config.SkipEligibleRoles.
	skipEligible bool
}

// New builds a client from cfg (validated first). log may be nil.
func New(cfg Config, log *slog.Logger) (*Client, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("graph config: %w", err)
	}
	base, u, err := cfg.endpoint()
	if err != nil {
		return nil, err
	}
	cred := cfg.Credential
	if cred == nil {
		if cred, err = newCredential(cfg, cfg.authority(u)); err != nil {
			return nil, err
		}
	}
	scope := u.Scheme + "://" + u.Host + "/.default"
	auth, err := kauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(
		markedCredential{cred}, []string{scope}, []string{u.Hostname()})
	if err != nil {
		return nil, fmt.Errorf("graph auth provider: %w", err)
	}
	c := &Client{log: log.With("component", "graph"), baseURL: base, maxRetries: cfg.MaxRetries, now: time.Now,
		skipEligible: cfg.SkipEligibleRoles, cred: cred, credKind: strings.Join(cfg.credentialSources(), ""), scope: scope}
	if c.maxRetries == 0 {
		c.maxRetries = 3
	}
	opts := msgraphcore.GraphClientOptions{GraphServiceLibraryVersion: sdkVersion}
	// The fixed chain, without CompressionHandler: kiota-http-go's default
	// chain is built from a map (random order), and in most orders a POST
	// retried after 429/503/504 goes out uncompressed but still labelled
	// Content-Encoding: gzip, a corrupt TAP create (kiota-http-go#183).
	httpClient := msgraphcore.GetDefaultClient(&opts,
		msgraphcore.NewGraphTelemetryHandler(&opts),
		khttp.NewUrlReplaceHandler(true, msgraphcore.ReplacementPairs),
		khttp.NewRetryHandlerWithOptions(khttp.RetryHandlerOptions{MaxRetries: c.maxRetries, ShouldRetry: c.shouldRetryRead}),
		khttp.NewRedirectHandler(),
		khttp.NewParametersNameDecodingHandler(),
		khttp.NewUserAgentHandler(),
		khttp.NewHeadersInspectionHandler(),
	)
	httpClient.Timeout = cfg.Timeout
	if httpClient.Timeout == 0 {
		httpClient.Timeout = DefaultTimeout
	}
	// Own serializer registries: no global registration needed.
	parsers := absser.NewParseNodeFactoryRegistry()
	parsers.ContentTypeAssociatedFactories["application/json"] = kjson.NewJsonParseNodeFactory()
	parsers.ContentTypeAssociatedFactories["text/plain"] = ktext.NewTextParseNodeFactory()
	writers := absser.NewSerializationWriterFactoryRegistry()
	writers.ContentTypeAssociatedFactories["application/json"] = kjson.NewJsonSerializationWriterFactory()
	writers.ContentTypeAssociatedFactories["text/plain"] = ktext.NewTextSerializationWriterFactory()
	adapter, err := msgraphcore.NewGraphRequestAdapterBaseWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(
		auth, opts, parsers, writers, httpClient)
	if err != nil {
		return nil, fmt.Errorf("graph request adapter: %w", err)
	}
	adapter.SetBaseUrl(base)
	c.adapter = adapter
	// Builders are created from path parameters, not raw URLs: a raw URL
	// would be inherited by child builders and override their ids.
	c.users = users.NewUsersRequestBuilderInternal(map[string]string{}, adapter)
	c.roles = rolemanagement.NewRoleManagementRequestBuilderInternal(map[string]string{}, adapter)
	c.policies = policies.NewPoliciesRequestBuilderInternal(map[string]string{}, adapter)
	c.log.Debug("graph client ready", "base_url", base, "scope", scope)
	return c, nil
}

// BaseURL is the Graph root the client calls.
func (c *Client) BaseURL() string { return c.baseURL }

// newCredential builds the azidentity credential cfg selects.
func newCredential(cfg Config, authority string) (azcore.TokenCredential, error) {
	co := azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: authority}}
	switch {
	case cfg.ClientSecret != "":
		cred, err := azidentity.NewClientSecretCredential(cfg.TenantID, cfg.ClientID, cfg.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: co})
		if err != nil {
			return nil, fmt.Errorf("graph client secret credential: %w", err)
		}
		return cred, nil
	case cfg.CertificatePath != "":
		data, err := os.ReadFile(cfg.CertificatePath)
		if err != nil {
			return nil, fmt.Errorf("graph certificate: %w", err)
		}
		var pw []byte
		if cfg.CertificatePassword != "" {
			pw = []byte(cfg.CertificatePassword)
		}
		certs, key, err := azidentity.ParseCertificates(data, pw)
		if err != nil {
			return nil, fmt.Errorf("graph certificate %s: %w", cfg.CertificatePath, err)
		}
		cred, err := azidentity.NewClientCertificateCredential(cfg.TenantID, cfg.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: co, SendCertificateChain: true})
		if err != nil {
			return nil, fmt.Errorf("graph certificate credential: %w", err)
		}
		return cred, nil
	case cfg.ManagedIdentity:
		o := &azidentity.ManagedIdentityCredentialOptions{}
		if cfg.ManagedIdentityClientID != "" {
			o.ID = azidentity.ClientID(cfg.ManagedIdentityClientID)
		}
		cred, err := azidentity.NewManagedIdentityCredential(o)
		if err != nil {
			return nil, fmt.Errorf("graph managed identity credential: %w", err)
		}
		return cred, nil
	case cfg.WorkloadIdentity:
		cred, err := azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions: co, TenantID: cfg.TenantID, ClientID: cfg.ClientID, TokenFilePath: cfg.TokenFilePath})
		if err != nil {
			return nil, fmt.Errorf("graph workload identity credential: %w", err)
		}
		return cred, nil
	}
	return nil, errors.New("graph credential missing")
}

// StaticCredential returns a credential that always yields token. Tests
// and local mode use it against simtenant.
func StaticCredential(token string) azcore.TokenCredential { return staticCredential(token) }

type staticCredential string

// GetToken returns the fixed token, valid for an hour.
func (s staticCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(s), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// tokenError marks a failure to obtain a token: the request was never sent.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "get graph token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// markedCredential wraps token failures in tokenError.
type markedCredential struct{ azcore.TokenCredential }

// GetToken delegates and marks errors.
func (m markedCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := m.TokenCredential.GetToken(ctx, o)
	if err != nil {
		return tok, &tokenError{err}
	}
	return tok, nil
}

// shouldRetryRead lets the retry handler retry 429, 503 and 504 (its own
// filter) and logs each retry.
func (c *Client) shouldRetryRead(delay time.Duration, attempt int, req *http.Request, resp *http.Response) bool {
	if req.Method != http.MethodGet && resp.StatusCode == http.StatusTooManyRequests {
		c.writes.hold(retryAfter(resp.Header.Get("Retry-After")))
	}
	if !worthWaiting(req, resp) {
		return false
	}
	c.logRetry(req, resp, attempt, delay)
	return true
}

// worthWaiting reports whether the Retry-After Graph asks for still fits
// in the request's deadline; if not, the 429/503 is returned at once (as
// ErrThrottled/ErrUnavailable naming the wait) instead of timing out.
func worthWaiting(req *http.Request, resp *http.Response) bool {
	ra := resp.Header.Get("Retry-After")
	return ra == "" || fits(req.Context(), retryAfter(ra))
}

// createRetry is the per-request retry option for a pass create: none.
// Only a 429 proves a create was not processed; CreatePass resends it
// itself, behind the write gate, for as long as its deadline allows.
func (c *Client) createRetry() *khttp.RetryHandlerOptions {
	return &khttp.RetryHandlerOptions{MaxRetries: 0,
		ShouldRetry: func(time.Duration, int, *http.Request, *http.Response) bool { return false }}
}

func (c *Client) logRetry(req *http.Request, resp *http.Response, attempt int, delay time.Duration) {
	c.log.Info("graph retry", "method", req.Method, "path", redactPath(req.URL.Path),
		"status", resp.StatusCode, "retry_after", resp.Header.Get("Retry-After"),
		"attempt", attempt+1, "waited_ms", delay.Milliseconds())
}

// redactPath keeps the shape of a Graph path for logs but drops UPNs.
func redactPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.Contains(s, "@") {
			parts[i] = "{upn}"
		}
	}
	return strings.Join(parts, "/")
}
