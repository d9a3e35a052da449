package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/tapbot/tapbot/internal/check"
	"github.com/tapbot/tapbot/internal/tap"
)

// Permission is one Microsoft Graph application permission tapbot uses.
type Permission struct {
	Name string
	Why  string
}

// Permissions is the least set tapbot needs, the table README shows.
var Permissions = []Permission{
	{permTAPReadWrite, "create, list and delete Temporary Access Passes"},
	{permMethodsRead, "check which methods the new hire registered"},
	{permUserRead, "resolve the target, manager, hire date"},
	{permGroupMember, "approver and requester groups"},
	{permRoles, "refuse targets holding directory roles, active and PIM-eligible"},
	{permPolicy, "read the tenant TAP policy (lifetime range, scope)"},
}

// OptionalPermissions help but are not needed: without them tapbot says
// so and works.
var OptionalPermissions = []Permission{
	{permMailbox, "a person's mailbox time zone when the chat platform sends none"},
	{"AuditLog.Read.All", "the new hire's sign-ins with the pass (the watch and its alerts; needs Entra ID P1)"},
}

// PermissionNames lists Permissions' names.
func PermissionNames() []string {
	out := make([]string, len(Permissions))
	for i, p := range Permissions {
		out[i] = p.Name
	}
	return out
}

// AllPermissionNames lists the needed and the optional permissions.
func AllPermissionNames() []string {
	out := PermissionNames()
	for _, p := range OptionalPermissions {
		out = append(out, p.Name)
	}
	return out
}

// Expect is what tapbot's configuration needs from the tenant.
type Expect struct {
	// Lifetimes names each lifetime tapbot asks for when the requester
	// does not say, by its setting ("policy.reasons.onboarding.lifetime").
	Lifetimes map[string]time.Duration
	// Caps names each upper bound a requester may ask up to
	// ("policy.max_lifetime"): above the tenant's maximum it is a promise
	// Graph will not keep.
	Caps map[string]time.Duration
	// MultiUse names the settings that ask for passes usable more than once.
	MultiUse []string
	// Groups names each configured group id with its use ("approver group").
	Groups map[string]string
}

// CheckArea names Check's lines.
const CheckArea = "Microsoft Graph"

const area = CheckArea

// Check proves the live tenant is set up for want: a token can be had,
// it carries the permissions tapbot needs (and says which extra ones), the
// tenant's TAP policy allows what tapbot will ask for, and the configured
// groups exist and have members.
func (c *Client) Check(ctx context.Context, want Expect) []check.Result {
	tok, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
	if err != nil {
		return []check.Result{check.Failure(area, "token",
			fmt.Sprintf("no token with the %s: %s", c.credKind, firstLine(err.Error())),
			"check graph.tenant_id and graph.client_id and that the secret or certificate is the app's current one (Entra admin center → App registrations → Certificates & secrets)")}
	}
	claims, jwt := readClaims(tok.Token)
	app := claims.AppID
	if app == "" {
		app = claims.AzP
	}
	out := []check.Result{check.Pass(area, "token",
		fmt.Sprintf("acquired with the %s (app %s, tenant %s)", c.credKind, orUnknown(app), orUnknown(claims.TenantID)))}
	out = append(out, permissionLines(claims.Roles, jwt)...)
	out = append(out, c.policyLines(ctx, want)...)
	return append(out, c.groupLines(ctx, want.Groups)...)
}

type tokenClaims struct {
	Roles    []string `json:"roles"`
	AppID    string   `json:"appid"`
	AzP      string   `json:"azp"`
	TenantID string   `json:"tid"`
}

// readClaims reads an access token's payload. The token was just issued to
// this process over TLS, so its claims are read, not verified.
func readClaims(token string) (tokenClaims, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return tokenClaims{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return tokenClaims{}, false
	}
	var c tokenClaims
	if json.Unmarshal(raw, &c) != nil {
		return tokenClaims{}, false
	}
	return c, true
}

func permissionLines(roles []string, jwt bool) []check.Result {
	if !jwt {
		return []check.Result{check.Warning(area, "permissions",
			"the token is not a JWT, so its permissions cannot be read", "")}
	}
	want := make(map[string]string, len(Permissions))
	for _, p := range Permissions {
		want[p.Name] = p.Why
	}
	var have []string
	out := []check.Result{}
	for _, o := range OptionalPermissions {
		if !slices.Contains(roles, o.Name) {
			out = append(out, check.Warning(area, "optional "+o.Name, "not granted: "+o.Why+" is not read",
				"grant it (and admin consent) to have it"))
		}
	}
	for _, r := range roles {
		if !slices.ContainsFunc(OptionalPermissions, func(o Permission) bool { return o.Name == r }) {
			have = append(have, r)
		}
	}
	return append(check.Grants{Area: area, Name: "permissions", Want: want, Have: have,
		All:        fmt.Sprintf("all %d granted", len(Permissions)),
		FixMissing: "App registrations → the Graph app → API permissions → Add a permission → Microsoft Graph → Application permissions, then Grant admin consent",
		FixExtra:   "remove what tapbot does not use: the app can already issue a pass for anyone",
	}.Lines(), out...)
}

// policyLines compares the tenant's TAP policy with what tapbot will ask.
func (c *Client) policyLines(ctx context.Context, want Expect) []check.Result {
	p, err := c.TenantPolicy(ctx)
	if err != nil {
		return []check.Result{check.Failure(area, "TAP policy", "cannot read it: "+firstLine(err.Error()),
			"grant "+permPolicy+" (and admin consent)")}
	}
	if !p.Enabled {
		return []check.Result{check.Failure(area, "TAP policy", "Temporary Access Pass is disabled in this tenant",
			"Entra admin center → Protection → Authentication methods → Policies → Temporary Access Pass → Enable")}
	}
	out := []check.Result{check.Pass(area, "TAP policy",
		fmt.Sprintf("enabled, lifetimes %s–%s, %s", short(p.MinLifetime), short(p.MaxLifetime), scope(p)))}
	var bad []string
	for _, name := range slices.Sorted(maps.Keys(want.Lifetimes)) {
		d := want.Lifetimes[name]
		if d > 0 && (d < p.MinLifetime || d > p.MaxLifetime) {
			bad = append(bad, fmt.Sprintf("%s %s", name, short(d)))
		}
	}
	if len(bad) > 0 {
		out = append(out, check.Failure(area, "lifetimes", fmt.Sprintf("Graph refuses a pass outside %s–%s: %s",
			short(p.MinLifetime), short(p.MaxLifetime), strings.Join(bad, ", ")),
			"change these settings, or the TAP policy's minimum/maximum lifetime"))
	} else {
		out = append(out, check.Pass(area, "lifetimes", fmt.Sprintf("every configured lifetime fits %s–%s", short(p.MinLifetime), short(p.MaxLifetime))))
	}
	var over []string
	for _, name := range slices.Sorted(maps.Keys(want.Caps)) {
		if d := want.Caps[name]; d > p.MaxLifetime {
			over = append(over, fmt.Sprintf("%s %s", name, short(d)))
		}
	}
	if len(over) > 0 {
		out = append(out, check.Warning(area, "caps", fmt.Sprintf("above the tenant's maximum %s, so a request for more is refused: %s",
			short(p.MaxLifetime), strings.Join(over, ", ")),
			"lower these caps, or raise the TAP policy's maximum lifetime if such passes are wanted"))
	}
	if p.OneTimeDefault && len(want.MultiUse) > 0 {
		out = append(out, check.Failure(area, "one-time", "the tenant makes every pass one-time, but "+
			strings.Join(want.MultiUse, ", ")+" ask for passes usable more than once",
			"set one_time: true for them, or turn off \"Require one-time use\" in the TAP policy"))
	}
	return out
}

func scope(p tap.TenantPolicy) string {
	s := "for all users"
	if !p.IncludeAll {
		s = fmt.Sprintf("only for members of %d group(s): a new hire outside them cannot use a pass", len(p.IncludeGroups))
	}
	if len(p.ExcludeGroups) > 0 {
		s += fmt.Sprintf(", %d group(s) excluded", len(p.ExcludeGroups))
	}
	return s
}

// groupLines reports each configured group: it exists and has members.
func (c *Client) groupLines(ctx context.Context, groups map[string]string) []check.Result {
	var out []check.Result
	for _, id := range slices.Sorted(maps.Keys(groups)) {
		name := groups[id] + " " + id
		g, members, err := c.group(ctx, id)
		var oe *odataerrors.ODataError
		switch {
		case errors.As(err, &oe) && oe.ResponseStatusCode == 404:
			out = append(out, check.Failure(area, name, "no such group in the tenant", "copy the group's Object ID from Entra admin center → Groups"))
		case err != nil:
			out = append(out, check.Failure(area, name, "cannot read it: "+firstLine(classify(ctx, call{op: "read group", permission: permGroupMember}, err).Error()),
				"grant "+permGroupMember))
		case members == 0:
			out = append(out, check.Failure(area, name, fmt.Sprintf("%q has no members: nobody can act for it", g), "add people to the group"))
		default:
			out = append(out, check.Pass(area, name, fmt.Sprintf("%q has members", g)))
		}
	}
	return out
}

// group reads a group's name and whether it has at least one member.
func (c *Client) group(ctx context.Context, id string) (string, int, error) {
	errs := abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue}
	ri := abs.NewRequestInformationWithMethodAndUrlTemplateAndPathParameters(abs.GET,
		"{+baseurl}/groups/{group%2Did}?%24select=id,displayName", map[string]string{"group%2Did": id})
	ri.Headers.TryAdd("Accept", "application/json")
	res, err := c.adapter.Send(ctx, ri, models.CreateGroupFromDiscriminatorValue, errs)
	if err != nil {
		return "", 0, err
	}
	g, ok := res.(models.Groupable)
	if !ok {
		return "", 0, fmt.Errorf("read group: unexpected answer: %w", tap.ErrUnavailable)
	}
	ri = abs.NewRequestInformationWithMethodAndUrlTemplateAndPathParameters(abs.GET,
		"{+baseurl}/groups/{group%2Did}/members?%24top=1&%24select=id", map[string]string{"group%2Did": id})
	ri.Headers.TryAdd("Accept", "application/json")
	res, err = c.adapter.Send(ctx, ri, models.CreateDirectoryObjectCollectionResponseFromDiscriminatorValue, errs)
	if err != nil {
		return "", 0, err
	}
	list, ok := res.(models.DirectoryObjectCollectionResponseable)
	if !ok {
		return "", 0, fmt.Errorf("read group members: unexpected answer: %w", tap.ErrUnavailable)
	}
	return deref(g.GetDisplayName()), len(list.GetValue()), nil
}

// short writes d as people write lifetimes: 8h, 90m, 1h30m.
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
