package graph

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// DefaultBaseURL is global Microsoft Graph v1.0.
const DefaultBaseURL = "https://graph.microsoft.com/v1.0"

// National-cloud Graph hosts and their sign-in authorities.
var cloudAuthorities = map[string]string{
	"graph.microsoft.com":             "https://login.microsoftonline.com/",
	"graph.microsoft.us":              "https://login.microsoftonline.us/",
	"dod-graph.microsoft.us":          "https://login.microsoftonline.us/",
	"microsoftgraph.chinacloudapi.cn": "https://login.chinacloudapi.cn/",
}

// DefaultTimeout bounds one call including its retries. The
// authentication-methods APIs time out at 60 s on Graph's side.
const DefaultTimeout = 60 * time.Second

// Config selects the Graph endpoint and how tapbot signs in; it is the
// graph section of tapbot's configuration file as is. Exactly one
// credential source must be set: Credential, ClientSecret,
// CertificatePath, ManagedIdentity or WorkloadIdentity.
type Config struct {
	// BaseURL is the Graph root including the version, e.g.
	// https://graph.microsoft.com/v1.0 (default), https://graph.microsoft.us,
	// https://dod-graph.microsoft.us, https://microsoftgraph.chinacloudapi.cn
	// (a missing path means /v1.0), or http://127.0.0.1:port/v1.0 for
	// simtenant. The token scope is <scheme>://<host>/.default.
	BaseURL string `yaml:"base_url"`
	// AuthorityHost is the Entra sign-in authority; by default the one
	// matching BaseURL's cloud.
	AuthorityHost string `yaml:"authority_host"`

	TenantID string `yaml:"tenant_id"`
	ClientID string `yaml:"client_id"`
	// ClientSecret signs in as the app registration with a secret.
	ClientSecret string `yaml:"client_secret" secret:"true"`
	// CertificatePath is a PEM (certificate and key) or PKCS#12 file.
	CertificatePath     string `yaml:"certificate_path"`
	CertificatePassword string `yaml:"certificate_password" secret:"true"`
	// ManagedIdentity signs in with the Azure managed identity;
	// ManagedIdentityClientID selects a user-assigned one.
	ManagedIdentity         bool   `yaml:"managed_identity"`
	ManagedIdentityClientID string `yaml:"managed_identity_client_id"`
	// WorkloadIdentity signs in with a federated token file (AKS
	// workload identity). Empty TenantID, ClientID and TokenFilePath fall
	// back to AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_FEDERATED_TOKEN_FILE.
	WorkloadIdentity bool   `yaml:"workload_identity"`
	TokenFilePath    string `yaml:"token_file"`

	// Credential, when set, is used as is (tests and local mode pass
	// StaticCredential).
	Credential azcore.TokenCredential `yaml:"-"`

	// Timeout bounds one call including retries; DefaultTimeout if zero.
	Timeout time.Duration `yaml:"-"`
	// MaxRetries is how often a throttled (429) or unavailable (503, 504)
	// read is retried; 3 if zero, at most 10.
	MaxRetries int `yaml:"-"`
	// WriteLimit and WriteWindow are Graph's write limit for this app in
	// the tenant (about 3,000 writes per 150 s for identity and
	// authentication-method writes). tapbot's issuer paces pass creates
	// just under it across all replicas (approvals.Config.WriteLimit);
	// write_limit 0 turns the pacing off (Graph's 429 and Retry-After
	// still hold writes back). Defaults: 3000 per 150s.
	WriteLimit  int           `yaml:"write_limit"`
	WriteWindow time.Duration `yaml:"write_window"`
	// SkipEligibleRoles accepts that PIM-eligible roles cannot be read
	// (no Entra ID P2 licence or no permission): eligible roles are then
	// not checked, with a warning. Off by default: an unreadable
	// eligibility list fails the role check closed.
	SkipEligibleRoles bool `yaml:"skip_eligible_roles"`
}

// endpoint returns the normalised base URL (no trailing slash, /v1.0 when
// no path was given) and its parsed form.
func (c Config) endpoint() (string, *url.URL, error) {
	raw := strings.TrimSpace(c.BaseURL)
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", nil, fmt.Errorf("graph base URL %q: %w", raw, err)
	}
	if u.Host == "" {
		return "", nil, fmt.Errorf("graph base URL %q has no host", raw)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && tokenSafeHTTPHost(u.Hostname()):
	default:
		return "", nil, fmt.Errorf("graph base URL %q must use https (http only on loopback)", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", nil, fmt.Errorf("graph base URL %q must not carry a query, fragment or user info", raw)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	if u.Path == "" {
		u.Path = "/v1.0"
	}
	return u.String(), u, nil
}

// tokenSafeHTTPHost accepts exactly the hosts kiota's auth provider lets a
// token travel to over plain http.
func tokenSafeHTTPHost(host string) bool {
	switch strings.ToLower(host) {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

// authority returns the sign-in authority for the configured cloud.
func (c Config) authority(u *url.URL) string {
	if c.AuthorityHost != "" {
		return c.AuthorityHost
	}
	if a, ok := cloudAuthorities[strings.ToLower(u.Hostname())]; ok {
		return a
	}
	return cloudAuthorities["graph.microsoft.com"]
}

// credentialSources names every credential source c sets (valid: one).
func (c Config) credentialSources() []string {
	var sources []string
	if c.Credential != nil {
		sources = append(sources, "credential")
	}
	if c.ClientSecret != "" {
		sources = append(sources, "client secret")
	}
	if c.CertificatePath != "" {
		sources = append(sources, "certificate")
	}
	if c.ManagedIdentity {
		sources = append(sources, "managed identity")
	}
	if c.WorkloadIdentity {
		sources = append(sources, "workload identity")
	}
	return sources
}

// Validate reports every problem with c at once (errors.Join).
func (c Config) Validate() error {
	var errs []error
	if _, _, err := c.endpoint(); err != nil {
		errs = append(errs, err)
	}
	if c.AuthorityHost != "" {
		if u, err := url.Parse(c.AuthorityHost); err != nil || u.Scheme != "https" || u.Host == "" {
			errs = append(errs, fmt.Errorf("graph authority host %q must be an https URL", c.AuthorityHost))
		}
	}
	sources := c.credentialSources()
	switch len(sources) {
	case 0:
		errs = append(errs, errors.New("graph credential missing: set a client secret, a certificate, managed identity or workload identity"))
	case 1:
	default:
		errs = append(errs, fmt.Errorf("graph credential ambiguous: %s are all set; choose one", strings.Join(sources, ", ")))
	}
	if c.ClientSecret != "" || c.CertificatePath != "" {
		if strings.TrimSpace(c.TenantID) == "" {
			errs = append(errs, errors.New("graph tenant id missing (required with a client secret or certificate)"))
		}
		if strings.TrimSpace(c.ClientID) == "" {
			errs = append(errs, errors.New("graph client id missing (required with a client secret or certificate)"))
		}
	}
	if c.CertificatePath != "" {
		if st, err := os.Stat(c.CertificatePath); err != nil {
			errs = append(errs, fmt.Errorf("graph certificate: %w", err))
		} else if st.IsDir() {
			errs = append(errs, fmt.Errorf("graph certificate %s is a directory", c.CertificatePath))
		}
	}
	if c.CertificatePassword != "" && c.CertificatePath == "" {
		errs = append(errs, errors.New("graph certificate password set without a certificate path"))
	}
	if c.ManagedIdentityClientID != "" && !c.ManagedIdentity {
		errs = append(errs, errors.New("graph managed identity client id set but managed identity is off"))
	}
	if c.TokenFilePath != "" && !c.WorkloadIdentity {
		errs = append(errs, errors.New("graph token file path set but workload identity is off"))
	}
	if strings.ContainsAny(c.TenantID, " \t\r\n/") {
		errs = append(errs, fmt.Errorf("graph tenant id %q is not a tenant id or domain", c.TenantID))
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("graph timeout %s is negative", c.Timeout))
	}
	if c.MaxRetries < 0 || c.MaxRetries > 10 {
		errs = append(errs, fmt.Errorf("graph max retries %d must be between 0 and 10", c.MaxRetries))
	}
	return errors.Join(errs...)
}
