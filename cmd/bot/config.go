package main

import (
	"encoding"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/bot"
	"github.com/tapbot/tapbot/internal/graph"
	"github.com/tapbot/tapbot/internal/intake"
	"github.com/tapbot/tapbot/internal/policy"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/slack"
	"github.com/tapbot/tapbot/internal/store"
	"github.com/tapbot/tapbot/internal/teams"
	"github.com/tapbot/tapbot/internal/watch"
)

// Duration is a time.Duration that reads "8h" / "90m" from YAML and env.
type Duration time.Duration

// String formats like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration like 8h or 90m", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// SlackConfig connects Slack (on when a bot token is set).
type SlackConfig struct {
	BotToken         string   `yaml:"bot_token" secret:"true"`
	AppToken         string   `yaml:"app_token" secret:"true"`
	SigningSecret    string   `yaml:"signing_secret" secret:"true"`
	APIURL           string   `yaml:"api_url"`
	ApproversChannel string   `yaml:"approvers_channel"`
	AllowedTeams     []string `yaml:"allowed_teams"`
	UserMapFile      string   `yaml:"user_map_file"`
	// Identity is email (default) or map; see slack.Identity.
	Identity slack.Identity `yaml:"identity"`
}

// TeamsConfig connects Microsoft Teams (on when an app id is set; always
// on in local mode).
type TeamsConfig struct {
	AppID             string `yaml:"app_id"`
	TenantID          string `yaml:"tenant_id"`
	ClientSecret      string `yaml:"client_secret" secret:"true"`
	CertificatePath   string `yaml:"certificate_path"`
	ManagedIdentity   bool   `yaml:"managed_identity"`
	OpenIDMetadataURL string `yaml:"openid_metadata_url"`
	// TokenAuthorityHost, TokenScope and TokenIssuer are the Bot
	// Connector's token authority, outbound token scope and inbound token
	// issuer for sovereign clouds (GCC High, DoD); empty: public cloud.
	TokenAuthorityHost    string   `yaml:"token_authority_host"`
	TokenScope            string   `yaml:"token_scope"`
	TokenIssuer           string   `yaml:"token_issuer"`
	ApproversConversation string   `yaml:"approvers_conversation"`
	ServiceURL            string   `yaml:"service_url"`
	AllowedServiceHosts   []string `yaml:"allowed_service_hosts"`
	// PlaygroundPort is the Microsoft 365 Agents Playground's port in local
	// mode: the only loopback port Teams serviceUrls may name.
	PlaygroundPort int `yaml:"playground_port"`
}

// Config is tapbot's whole configuration: a YAML file, then TAPBOT_* env
// overrides (TAPBOT_SLACK_BOT_TOKEN for slack.bot_token), then *_FILE.
type Config struct {
	Listen        string `yaml:"listen"`
	MetricsListen string `yaml:"metrics_listen"`
	MetricsToken  string `yaml:"metrics_token" secret:"true"`
	DataDir       string `yaml:"data_dir"`
	DatabaseURL   string `yaml:"database_url" secret:"true"`
	SealKey       string `yaml:"seal_key" secret:"true"`
	AuditKey      string `yaml:"audit_key" secret:"true"`
	// PreviousSealKeys and PreviousAuditKeys are keys rotated out: they
	// open passes sealed and verify records keyed before the rotation.
	PreviousSealKeys  []string          `yaml:"previous_seal_keys" secret:"true"`
	PreviousAuditKeys []string          `yaml:"previous_audit_keys" secret:"true"`
	IssueOn           approvals.IssueOn `yaml:"issue_on"`
	LogLevel          string            `yaml:"log_level"`
	Org               string            `yaml:"org"`
	Contact           string            `yaml:"contact"`
	GuideFile         string            `yaml:"guide_file"`
	DefaultZone       string            `yaml:"default_zone"`
	ApprovalWindow    Duration          `yaml:"approval_window"`
	RevealWindow      Duration          `yaml:"reveal_window"`
	SessionIdle       Duration          `yaml:"session_idle"`
	DemoTenantFile    string            `yaml:"demo_tenant_file"`
	Graph             graph.Config      `yaml:"graph"`
	Slack             SlackConfig       `yaml:"slack"`
	Teams             TeamsConfig       `yaml:"teams"`
	Policy            policy.Config     `yaml:"policy"`
	API               intake.Config     `yaml:"api"`
	Watch             watch.Config      `yaml:"watch"`

	// auditKey is the decoded audit key: audit_key, or in local mode the
	// data dir's audit.key (resolveAuditKey).
	auditKey []byte
	// prevSealKeys and prevAuditKeys are the decoded previous keys
	// (validate fills them).
	prevSealKeys, prevAuditKeys [][]byte
}

// Local reports whether Graph is unconfigured: local mode with the
// simulated tenant.
func (c *Config) Local() bool {
	g := c.Graph
	return g.TenantID == "" && g.ClientID == "" && !g.ManagedIdentity && !g.WorkloadIdentity
}

func defaults() Config {
	return Config{
		Listen:         "127.0.0.1:3978",
		MetricsListen:  "127.0.0.1:9464",
		DataDir:        "./tapbot-data",
		IssueOn:        approvals.IssueOnApproval,
		LogLevel:       "info",
		DefaultZone:    bot.DefaultZone,
		ApprovalWindow: Duration(approvals.DefaultApprovalWindow),
		RevealWindow:   Duration(approvals.DefaultRevealWindow),
		SessionIdle:    Duration(bot.DefaultSessionIdle),
		Policy:         policy.Default(),
		Graph:          graph.Config{WriteLimit: approvals.DefaultWriteLimit, WriteWindow: approvals.DefaultWriteWindow},
		Teams:          TeamsConfig{PlaygroundPort: teams.DefaultPlaygroundPort},
	}
}

// loadConfig reads the file (if any), applies env overrides and validates.
// All problems are reported at once.
func loadConfig(path string, getenv func(string) string) (*Config, error) {
	cfg := defaults()
	var errs []error
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read config: %w", err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil && err.Error() != "EOF" {
			errs = append(errs, fmt.Errorf("config %s: %w", path, err))
		}
	}
	errs = append(errs, applyEnv(reflect.ValueOf(&cfg).Elem(), "TAPBOT", getenv)...)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.Local() && len(cfg.Policy.ApproverGroups) == 0 {
		// Local mode's simulated tenant has a "TAP Approvers" group.
		cfg.Policy.ApproverGroups = []string{simtenant.DemoApproversGroupID}
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// applyEnv walks the struct by yaml tags: field slack.bot_token is
// TAPBOT_SLACK_BOT_TOKEN; TAPBOT_SLACK_BOT_TOKEN_FILE reads it from a file.
func applyEnv(v reflect.Value, prefix string, getenv func(string) string) []error {
	var errs []error
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" || !f.IsExported() {
			continue
		}
		name := prefix + "_" + strings.ToUpper(tag)
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct && fv.Type() != reflect.TypeOf(time.Time{}) {
			errs = append(errs, applyEnv(fv, name, getenv)...)
			continue
		}
		val, ok := getenv(name), getenv(name) != ""
		if file := getenv(name + "_FILE"); file != "" {
			b, err := os.ReadFile(file)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s_FILE: %w", name, err))
				continue
			}
			val, ok = strings.TrimSpace(string(b)), true
		}
		if !ok {
			continue
		}
		if err := setValue(fv, val); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	return errs
}

func setValue(fv reflect.Value, val string) error {
	if tu, ok := fv.Addr().Interface().(encoding.TextUnmarshaler); ok {
		return tu.UnmarshalText([]byte(val))
	}
	switch {
	case fv.Type() == reflect.TypeOf(Duration(0)) || fv.Type() == reflect.TypeOf(time.Duration(0)):
		d, err := time.ParseDuration(val)
		if err != nil {
			return fmt.Errorf("%q is not a duration like 8h or 90m", val)
		}
		fv.SetInt(int64(d))
	case fv.Kind() == reflect.String:
		fv.SetString(val)
	case fv.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(val)
		if err != nil {
			return fmt.Errorf("%q is not true or false", val)
		}
		fv.SetBool(b)
	case fv.Kind() == reflect.Int:
		n, err := strconv.Atoi(val)
		if err != nil {
			return fmt.Errorf("%q is not a number", val)
		}
		fv.SetInt(int64(n))
	case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.String:
		var parts []string
		for _, p := range strings.Split(val, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		s := reflect.MakeSlice(fv.Type(), len(parts), len(parts))
		for i, p := range parts {
			s.Index(i).SetString(p)
		}
		fv.Set(s)
	default:
		return fmt.Errorf("cannot be set from the environment; use the config file")
	}
	return nil
}

// validate reports every problem at once.
func (c *Config) validate() error {
	var p problems
	c.generalProblems(&p)
	c.keyProblems(&p)
	if err := c.Policy.Validate(); err != nil {
		p.bad("policy: %w", err)
	}
	if err := c.Watch.WithDefaults().Validate(); err != nil {
		p.bad("%w", err)
	}
	if c.Local() {
		c.localProblems(&p)
	} else {
		c.productionProblems(&p)
	}
	c.chatProblems(&p)
	return errors.Join(p...)
}

// contactPattern: a contact a new hire can reach — an e-mail address, a
// link or a phone number.
var contactPattern = regexp.MustCompile(`[^@\s]@[^@\s]+\.|https?://\S|\+?\d[\d ().-]{5,}\d`)

// problems collects every configuration problem, so all are reported at once.
type problems []error

func (p *problems) bad(format string, a ...any) { *p = append(*p, fmt.Errorf(format, a...)) }

func (c *Config) generalProblems(p *problems) {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		p.bad("listen: %q is not host:port", c.Listen)
	}
	*p = append(*p, c.metricsProblems()...)
	if err := c.IssueOn.Validate(); err != nil {
		p.bad("issue_on: %w", err)
	}
	if err := c.API.Validate(); err != nil {
		p.bad("%w", err)
	}
	if err := store.ValidateURL(c.DatabaseURL); err != nil {
		p.bad("database_url: %w", err)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		p.bad("log_level: %q must be debug, info, warn or error", c.LogLevel)
	}
	if _, err := time.LoadLocation(c.DefaultZone); err != nil {
		p.bad("default_zone: %q is not an IANA time zone", c.DefaultZone)
	}
	if c.ApprovalWindow <= 0 {
		p.bad("approval_window: must be positive")
	}
	if c.RevealWindow < 0 {
		p.bad("reveal_window: must not be negative")
	}
	if g := c.Graph; g.WriteLimit < 0 || (g.WriteLimit > 0 && g.WriteWindow <= 0) {
		p.bad("graph.write_limit, graph.write_window: the limit must not be negative and, when set, the window must be positive (Graph's is 3000 per 150s; write_limit 0 turns pacing off)")
	}
}

func (c *Config) keyProblems(p *problems) {
	if c.SealKey != "" {
		if k, err := base64.StdEncoding.DecodeString(c.SealKey); err != nil || len(k) != 32 {
			p.bad("seal_key: must be 32 random bytes, base64 (openssl rand -base64 32)")
		}
	}
	if c.AuditKey != "" {
		if k, err := base64.StdEncoding.DecodeString(c.AuditKey); err != nil || len(k) != 32 {
			p.bad("audit_key: must be 32 random bytes, base64 (openssl rand -base64 32)")
		} else if c.AuditKey == c.SealKey {
			p.bad("audit_key: must differ from seal_key")
		}
	}
	c.prevSealKeys = previousKeys(p, "previous_seal_keys", c.PreviousSealKeys, c.SealKey)
	c.prevAuditKeys = previousKeys(p, "previous_audit_keys", c.PreviousAuditKeys, c.AuditKey)
	if len(c.PreviousSealKeys) > 0 && c.SealKey == "" {
		p.bad("previous_seal_keys: set seal_key to the new key as well")
	}
	if len(c.PreviousAuditKeys) > 0 && c.AuditKey == "" {
		p.bad("previous_audit_keys: set audit_key to the new key as well")
	}
}

// previousKeys decodes rotated-out keys: each 32 bytes of base64, none the
// current key.
func previousKeys(p *problems, name string, keys []string, current string) [][]byte {
	var out [][]byte
	for i, k := range keys {
		b, err := base64.StdEncoding.DecodeString(k)
		switch {
		case err != nil || len(b) != 32:
			p.bad("%s[%d]: must be 32 bytes, base64", name, i)
		case k == current:
			p.bad("%s[%d]: is the current key; list only the keys rotated out", name, i)
		default:
			out = append(out, b)
		}
	}
	return out
}

func (c *Config) localProblems(p *problems) {
	host, _, err := net.SplitHostPort(c.Listen)
	if c.Teams.AppID == "" && err == nil && !isLoopbackHost(host) {
		p.bad("listen: local mode accepts unauthenticated Teams activities, so it must listen on loopback, not %q", host)
	}
	if err := c.Teams.playgroundProblem(); err != nil {
		*p = append(*p, err)
	}
}

func (c *Config) productionProblems(p *problems) {
	if !contactPattern.MatchString(c.Contact) {
		p.bad("contact: required outside local mode: whom a new hire asks for help, shown in the guide; give an e-mail address, a link or a phone number")
	}
	g := c.Graph
	if g.TenantID == "" {
		p.bad("graph.tenant_id: required")
	}
	if g.ClientID == "" && !g.ManagedIdentity {
		p.bad("graph.client_id: required")
	}
	if err := g.Validate(); err != nil {
		p.bad("graph: %w", err)
	}
	if c.SealKey == "" {
		p.bad("seal_key: required outside local mode (TAPBOT_SEAL_KEY or TAPBOT_SEAL_KEY_FILE)")
	}
	if c.AuditKey == "" {
		p.bad("audit_key: required outside local mode (TAPBOT_AUDIT_KEY or TAPBOT_AUDIT_KEY_FILE): it keys the audit trail's MACs")
	}
	if c.Teams.AppID == "" && c.Slack.BotToken == "" {
		p.bad("no chat platform: set teams.app_id or slack.bot_token")
	}
	if c.Teams.AppID != "" && c.Teams.ApproversConversation == "" {
		p.bad("teams.approvers_conversation: required when Teams is on")
	}
}

// chatProblems checks the Slack section with the slack package's own
// Validate (prefixing its keys with "slack.") and the Teams basics.
func (c *Config) chatProblems(p *problems) {
	slackErr := c.Slack.adapterConfig().ValidateIdentity()
	if c.Slack.BotToken != "" {
		slackErr = c.Slack.adapterConfig().Validate()
		if c.Slack.ApproversChannel == "" {
			p.bad("slack.approvers_channel: required when Slack is on")
		}
	}
	for _, err := range unjoin(slackErr) {
		if strings.Contains(err.Error(), ": ") {
			p.bad("slack.%w", err)
		} else {
			p.bad("slack: %w", err)
		}
	}
	if c.Teams.AppID != "" && c.Teams.TenantID == "" {
		p.bad("teams.tenant_id: required when teams.app_id is set (single-tenant bot)")
	}
	c.notifyProblems(p)
}

// notifyProblems checks api.notify_platform against the chat platforms
// that are on (as platforms.go turns them on): hiring managers must be
// told, and reveal, on one of them.
func (c *Config) notifyProblems(p *problems) {
	if !c.API.Enabled {
		return
	}
	slackOn, teamsOn := c.Slack.BotToken != "", c.Local() || c.Teams.AppID != ""
	switch np := c.API.NotifyPlatform; {
	case np == "" && slackOn == teamsOn:
		p.bad("api.notify_platform: set it to slack or teams when both (or neither) are on")
	case np != "" && np != slack.Platform && np != teams.Platform:
		p.bad("api.notify_platform: %q must be slack or teams", np)
	case np == slack.Platform && !slackOn:
		p.bad("api.notify_platform: slack, but Slack is not on (set slack.bot_token)")
	case np == teams.Platform && !teamsOn:
		p.bad("api.notify_platform: teams, but Teams is not on (set teams.app_id)")
	}
}

// unjoin splits an errors.Join result into its errors.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// adapterConfig is the slack package's Config for this section (the
// adapter's own Validate checks it; platforms.go builds with it).
func (s SlackConfig) adapterConfig() slack.Config {
	return slack.Config{
		BotToken: s.BotToken, AppToken: s.AppToken, SigningSecret: s.SigningSecret, APIURL: s.APIURL,
		ApproversChannel: s.ApproversChannel, AllowedTeams: s.AllowedTeams, UserMapFile: s.UserMapFile, Identity: s.Identity,
	}
}

// isLoopbackHost reports whether host (no port) is "localhost" or a
// loopback IP: a listen address or a peer local mode may serve.
func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// playgroundProblem checks the local-mode playground settings: a port, and
// a loopback service_url only on that port (the only one local mode calls).
func (t *TeamsConfig) playgroundProblem() error {
	if t.PlaygroundPort < 1 || t.PlaygroundPort > 65535 {
		return fmt.Errorf("teams.playground_port: %d is not a TCP port (the playground's default is %d)", t.PlaygroundPort, teams.DefaultPlaygroundPort)
	}
	if t.ServiceURL == "" {
		return nil
	}
	u, err := url.Parse(t.ServiceURL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("teams.service_url: %q is not a URL", t.ServiceURL)
	}
	if isLoopbackHost(u.Hostname()) && u.Port() != strconv.Itoa(t.PlaygroundPort) {
		return fmt.Errorf("teams.service_url: local mode calls loopback only on teams.playground_port (%d); set TAPBOT_TEAMS_PLAYGROUND_PORT to the playground's port", t.PlaygroundPort)
	}
	return nil
}
