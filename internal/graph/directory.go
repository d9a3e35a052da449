package graph

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// userFields is the $select for every user read: accountEnabled and
// friends are only returned when selected.
var userFields = []string{"id", "displayName", "userPrincipalName", "mail", "department",
	"employeeHireDate", "createdDateTime", "accountEnabled", "userType", "externalUserState"}

// maxPages bounds how many @odata.nextLink pages a listing follows.
const maxPages = 50

// Least application permissions per call, named in 403 refusals.
const (
	permUserRead     = "User.Read.All"
	permGroupMember  = "GroupMember.Read.All"
	permRoles        = "RoleManagement.Read.Directory"
	permPolicy       = "Policy.Read.AuthenticationMethod"
	permMethodsRead  = "UserAuthenticationMethod.Read.All"
	permTAPRead      = "UserAuthMethod-TAP.Read.All"
	permTAPReadWrite = "UserAuthMethod-TAP.ReadWrite.All"
	permMailbox      = "MailboxSettings.Read"
)

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// odataQuote quotes s as an OData string literal.
func odataQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func checkKey(op, key string) error {
	if strings.TrimSpace(key) == "" || strings.ContainsAny(key, "/?\x00\r\n") {
		return fmt.Errorf("%s: %q is not a user id or principal name: %w", op, key, tap.ErrInvalidInput)
	}
	return nil
}

func toUser(u models.Userable) tap.User {
	upn := deref(u.GetUserPrincipalName())
	out := tap.User{
		ID:          tap.UserID(deref(u.GetId())),
		UPN:         upn,
		DisplayName: deref(u.GetDisplayName()),
		Mail:        deref(u.GetMail()),
		Department:  deref(u.GetDepartment()),
		Enabled:     deref(u.GetAccountEnabled()),
		UserType:    deref(u.GetUserType()),
		External:    deref(u.GetExternalUserState()) != "" || strings.Contains(strings.ToUpper(upn), "#EXT#"),
	}
	if h := u.GetEmployeeHireDate(); h != nil {
		out.HireDate = h.UTC()
	}
	if c := u.GetCreatedDateTime(); c != nil {
		out.Created = c.UTC()
	}
	return out
}

func userNotFound(key string) string { return text.GraphNoUser(key) }

// User returns the user by object id or userPrincipalName.
// ErrUserNotFound (as a *tap.Refusal) if absent.
func (c *Client) User(ctx context.Context, idOrUPN string) (tap.User, error) {
	cl := call{op: "get user", permission: permUserRead, notFound: tap.ErrUserNotFound, notFoundMsg: userNotFound(idOrUPN)}
	if err := checkKey(cl.op, idOrUPN); err != nil {
		return tap.User{}, err
	}
	u, err := c.users.ByUserId(idOrUPN).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: userFields}})
	if err != nil {
		return tap.User{}, classify(ctx, cl, err)
	}
	return toUser(u), nil
}

// UserByEmail finds the user whose mail or userPrincipalName equals
// email. ErrUserNotFound if none; ErrConflict if several.
func (c *Client) UserByEmail(ctx context.Context, email string) (tap.User, error) {
	cl := call{op: "find user by email", permission: permUserRead}
	email = strings.TrimSpace(email)
	if email == "" || strings.ContainsAny(email, "\x00\r\n") {
		return tap.User{}, fmt.Errorf("%s: %q is not an address: %w", cl.op, email, tap.ErrInvalidInput)
	}
	f := "mail eq " + odataQuote(email) + " or userPrincipalName eq " + odataQuote(email)
	top := int32(2)
	// A fresh builder per call: kiota writes the base URL into the
	// builder's path-parameter map on every request, so a shared one races.
	list := users.NewUsersRequestBuilderInternal(map[string]string{}, c.adapter)
	resp, err := list.Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &f, Select: userFields, Top: &top}})
	if err != nil {
		return tap.User{}, classify(ctx, cl, err)
	}
	switch v := resp.GetValue(); len(v) {
	case 0:
		return tap.User{}, fmt.Errorf("%s: %w", cl.op, tap.Refuse(tap.ErrUserNotFound, userNotFound(email)))
	case 1:
		return toUser(v[0]), nil
	default:
		return tap.User{}, fmt.Errorf("%s: several users have the address %s: %w", cl.op, email, tap.ErrConflict)
	}
}

// Manager returns the user's manager. ErrNotFound if none is set (or the
// manager is not a user, e.g. an organisational contact).
func (c *Client) Manager(ctx context.Context, id tap.UserID) (tap.User, error) {
	cl := call{op: "get manager", permission: permUserRead}
	if err := checkKey(cl.op, string(id)); err != nil {
		return tap.User{}, err
	}
	obj, err := c.users.ByUserId(string(id)).Manager().Get(ctx, &users.ItemManagerRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemManagerRequestBuilderGetQueryParameters{Select: userFields}})
	if err != nil {
		return tap.User{}, classify(ctx, cl, err)
	}
	u, ok := obj.(models.Userable)
	if !ok {
		return tap.User{}, fmt.Errorf("%s: manager of %s is a %s, not a user: %w", cl.op, id, deref(obj.GetOdataType()), tap.ErrNotFound)
	}
	return toUser(u), nil
}

// MemberOf returns which of groupIDs the user is a transitive member of
// (checkMemberGroups, 20 ids per call).
func (c *Client) MemberOf(ctx context.Context, id tap.UserID, groupIDs []string) ([]string, error) {
	cl := call{op: "check group membership", permission: permGroupMember, notFound: tap.ErrUserNotFound}
	if err := checkKey(cl.op, string(id)); err != nil {
		return nil, err
	}
	var out []string
	for start := 0; start < len(groupIDs); start += 20 {
		chunk := groupIDs[start:min(start+20, len(groupIDs))]
		body := users.NewItemCheckMemberGroupsPostRequestBody()
		body.SetGroupIds(chunk)
		resp, err := c.users.ByUserId(string(id)).CheckMemberGroups().PostAsCheckMemberGroupsPostResponse(ctx, body, nil)
		if err != nil {
			return nil, classify(ctx, cl, err)
		}
		out = append(out, resp.GetValue()...)
	}
	return out, nil
}

// Roles returns the user's directory roles, active and PIM-eligible,
// held directly or through role-assignable groups. When Graph refuses to
// list eligible roles (no permission or no Entra ID P2 licence) the call
// fails closed, unless Config.SkipEligibleRoles accepts the gap, in which
// case eligible roles are skipped with a warning.
func (c *Client) Roles(ctx context.Context, id tap.UserID) ([]tap.RoleAssignment, error) {
	cl := call{op: "list role assignments", permission: permRoles, notFound: tap.ErrUserNotFound}
	if err := checkKey(cl.op, string(id)); err != nil {
		return nil, err
	}
	principals := []string{string(id)}
	groups, err := c.roleGroups(ctx, id)
	if err != nil {
		return nil, err
	}
	principals = append(principals, groups...)
	var out []tap.RoleAssignment
	for _, p := range principals {
		active, err := c.activeRoles(ctx, cl, p)
		if err != nil {
			return nil, err
		}
		out = append(out, active...)
		eligible, err := c.eligibleRoles(ctx, cl, p)
		if err != nil {
			return nil, err
		}
		out = append(out, eligible...)
	}
	return out, nil
}

// roleGroups lists the role-assignable groups the user is directly in
// (such groups cannot be nested).
func (c *Client) roleGroups(ctx context.Context, id tap.UserID) ([]string, error) {
	cl := call{op: "list group memberships", permission: permGroupMember, notFound: tap.ErrUserNotFound}
	b := c.users.ByUserId(string(id)).MemberOf().GraphGroup()
	resp, err := b.Get(ctx, &users.ItemMemberOfGraphGroupRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMemberOfGraphGroupRequestBuilderGetQueryParameters{
			Select: []string{"id", "displayName", "isAssignableToRole"}}})
	var out []string
	for page := 0; ; page++ {
		if err != nil {
			return nil, classify(ctx, cl, err)
		}
		for _, g := range resp.GetValue() {
			if deref(g.GetIsAssignableToRole()) {
				out = append(out, deref(g.GetId()))
			}
		}
		next := deref(resp.GetOdataNextLink())
		if next == "" || page >= maxPages {
			return out, nil
		}
		resp, err = b.WithUrl(next).Get(ctx, nil)
	}
}

func roleOf(def models.UnifiedRoleDefinitionable, defID *string, eligible bool) tap.RoleAssignment {
	ra := tap.RoleAssignment{RoleID: deref(defID), Eligible: eligible}
	if def != nil {
		ra.RoleName = deref(def.GetDisplayName())
	}
	return ra
}

func (c *Client) activeRoles(ctx context.Context, cl call, principal string) ([]tap.RoleAssignment, error) {
	f := "principalId eq " + odataQuote(principal)
	b := c.roles.Directory().RoleAssignments()
	resp, err := b.Get(ctx, &rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetRequestConfiguration{
		QueryParameters: &rolemanagement.DirectoryRoleAssignmentsRequestBuilderGetQueryParameters{
			Filter: &f, Expand: []string{"roleDefinition"}}})
	var out []tap.RoleAssignment
	for page := 0; ; page++ {
		if err != nil {
			return nil, classify(ctx, cl, err)
		}
		for _, ra := range resp.GetValue() {
			out = append(out, roleOf(ra.GetRoleDefinition(), ra.GetRoleDefinitionId(), false))
		}
		next := deref(resp.GetOdataNextLink())
		if next == "" || page >= maxPages {
			return out, nil
		}
		resp, err = b.WithUrl(next).Get(ctx, nil)
	}
}

func (c *Client) eligibleRoles(ctx context.Context, cl call, principal string) ([]tap.RoleAssignment, error) {
	f := "principalId eq " + odataQuote(principal)
	b := c.roles.Directory().RoleEligibilitySchedules()
	resp, err := b.Get(ctx, &rolemanagement.DirectoryRoleEligibilitySchedulesRequestBuilderGetRequestConfiguration{
		QueryParameters: &rolemanagement.DirectoryRoleEligibilitySchedulesRequestBuilderGetQueryParameters{
			Filter: &f, Expand: []string{"roleDefinition"}}})
	var out []tap.RoleAssignment
	for page := 0; ; page++ {
		if err != nil {
			if a, ok := answerOf(err); ok && c.skipEligible && (a.status == 403 || a.status == 400 && strings.Contains(strings.ToLower(a.code+a.msg), "license")) {
				c.log.Warn("graph eligible roles not readable; PIM-eligible roles are not checked",
					"status", a.status, "code", a.code, "permission", permRoles)
				return out, nil
			}
			return nil, classify(ctx, cl, err)
		}
		for _, s := range resp.GetValue() {
			out = append(out, roleOf(s.GetRoleDefinition(), s.GetRoleDefinitionId(), true))
		}
		next := deref(resp.GetOdataNextLink())
		if next == "" || page >= maxPages {
			return out, nil
		}
		resp, err = b.WithUrl(next).Get(ctx, nil)
	}
}

// Policy returns the tenant's TAP authentication-method policy.
func (c *Client) TenantPolicy(ctx context.Context) (tap.TenantPolicy, error) {
	cl := call{op: "read the Temporary Access Pass policy", permission: permPolicy}
	cfg, err := c.policies.AuthenticationMethodsPolicy().AuthenticationMethodConfigurations().
		ByAuthenticationMethodConfigurationId("TemporaryAccessPass").Get(ctx, nil)
	if err != nil {
		return tap.TenantPolicy{}, classify(ctx, cl, err)
	}
	t, ok := cfg.(models.TemporaryAccessPassAuthenticationMethodConfigurationable)
	if !ok {
		return tap.TenantPolicy{}, fmt.Errorf("%s: unexpected type %s: %w", cl.op, deref(cfg.GetOdataType()), tap.ErrUnavailable)
	}
	p := tap.TenantPolicy{
		MinLifetime:     time.Duration(deref(t.GetMinimumLifetimeInMinutes())) * time.Minute,
		MaxLifetime:     time.Duration(deref(t.GetMaximumLifetimeInMinutes())) * time.Minute,
		DefaultLifetime: time.Duration(deref(t.GetDefaultLifetimeInMinutes())) * time.Minute,
		DefaultLength:   int(deref(t.GetDefaultLength())),
		OneTimeDefault:  deref(t.GetIsUsableOnce()),
	}
	if s := t.GetState(); s != nil {
		p.Enabled = s.String() == "enabled"
	}
	for _, tg := range t.GetIncludeTargets() {
		if id := deref(tg.GetId()); id == "all_users" {
			p.IncludeAll = true
		} else if id != "" {
			p.IncludeGroups = append(p.IncludeGroups, id)
		}
	}
	for _, tg := range t.GetExcludeTargets() {
		if id := deref(tg.GetId()); id != "" {
			p.ExcludeGroups = append(p.ExcludeGroups, id)
		}
	}
	return p, nil
}
