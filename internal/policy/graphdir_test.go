package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/tap"
)

// graphDir is a thin test-only Directory speaking Graph's wire format to
// graphtest (used until internal/graph's client is available; it makes
// the same calls: $select'ed user, manager, checkMemberGroups, role
// assignments and eligibility schedules, the TAP policy, TAP list).
type graphDir struct {
	base string
	hc   *http.Client
}

var (
	_ approvals.Directory = graphDir{}
	_ PassLister          = graphDir{}
)

func (g graphDir) do(ctx context.Context, method, path string, in, out any, notFound error) error {
	var body *bytes.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	} else {
		body = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(ctx, method, g.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer test")
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, tap.ErrUnavailable)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%s %s: %w", method, path, notFound)
	case resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%s %s: %w", method, path, tap.ErrPermission)
	case resp.StatusCode == http.StatusTooManyRequests:
		return fmt.Errorf("%s %s: %w", method, path, tap.ErrThrottled)
	case resp.StatusCode >= 300:
		return fmt.Errorf("%s %s: status %d: %w", method, path, resp.StatusCode, tap.ErrUnavailable)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

type wireUser struct {
	ID                string  `json:"id"`
	UPN               string  `json:"userPrincipalName"`
	DisplayName       string  `json:"displayName"`
	Mail              *string `json:"mail"`
	AccountEnabled    bool    `json:"accountEnabled"`
	UserType          string  `json:"userType"`
	ExternalUserState *string `json:"externalUserState"`
}

func (w wireUser) user() tap.User {
	u := tap.User{ID: tap.UserID(w.ID), UPN: w.UPN, DisplayName: w.DisplayName, Enabled: w.AccountEnabled, UserType: w.UserType}
	if w.Mail != nil {
		u.Mail = *w.Mail
	}
	u.External = w.ExternalUserState != nil || bytes.Contains(bytes.ToUpper([]byte(w.UPN)), []byte("#EXT#"))
	return u
}

const userSelect = "?$select=id,displayName,userPrincipalName,mail,accountEnabled,userType,externalUserState"

func (g graphDir) User(ctx context.Context, idOrUPN string) (tap.User, error) {
	var w wireUser
	if err := g.do(ctx, http.MethodGet, "/users/"+url.PathEscape(idOrUPN)+userSelect, nil, &w, tap.ErrUserNotFound); err != nil {
		return tap.User{}, err
	}
	return w.user(), nil
}

func (g graphDir) UserByEmail(ctx context.Context, email string) (tap.User, error) {
	return g.User(ctx, email)
}

func (g graphDir) Manager(ctx context.Context, id tap.UserID) (tap.User, error) {
	var w wireUser
	if err := g.do(ctx, http.MethodGet, "/users/"+string(id)+"/manager"+userSelect, nil, &w, tap.ErrNotFound); err != nil {
		return tap.User{}, err
	}
	return w.user(), nil
}

func (g graphDir) MemberOf(ctx context.Context, id tap.UserID, groupIDs []string) ([]string, error) {
	var out struct{ Value []string }
	err := g.do(ctx, http.MethodPost, "/users/"+string(id)+"/checkMemberGroups",
		map[string]any{"groupIds": groupIDs}, &out, tap.ErrUserNotFound)
	return out.Value, err
}

func (g graphDir) Roles(ctx context.Context, id tap.UserID) ([]tap.RoleAssignment, error) {
	// Principals: the user and every role-assignable group they are in.
	var groups struct {
		Value []struct {
			ID                 string `json:"id"`
			IsAssignableToRole bool   `json:"isAssignableToRole"`
		}
	}
	if err := g.do(ctx, http.MethodGet, "/users/"+string(id)+"/transitiveMemberOf", nil, &groups, tap.ErrUserNotFound); err != nil {
		return nil, err
	}
	principals := []string{string(id)}
	for _, gr := range groups.Value {
		if gr.IsAssignableToRole {
			principals = append(principals, gr.ID)
		}
	}
	var out []tap.RoleAssignment
	for _, p := range principals {
		for _, kind := range []struct {
			path     string
			eligible bool
		}{{"roleAssignments", false}, {"roleEligibilitySchedules", true}} {
			var ras struct {
				Value []struct {
					RoleDefinitionID string `json:"roleDefinitionId"`
					RoleDefinition   struct {
						DisplayName string `json:"displayName"`
					} `json:"roleDefinition"`
				}
			}
			q := "?$filter=" + url.QueryEscape("principalId eq '"+p+"'") + "&$expand=roleDefinition"
			if err := g.do(ctx, http.MethodGet, "/roleManagement/directory/"+kind.path+q, nil, &ras, tap.ErrNotFound); err != nil {
				return nil, err
			}
			for _, ra := range ras.Value {
				out = append(out, tap.RoleAssignment{RoleID: ra.RoleDefinitionID, RoleName: ra.RoleDefinition.DisplayName, Eligible: kind.eligible})
			}
		}
	}
	return out, nil
}

func (g graphDir) Policy(ctx context.Context) (tap.Policy, error) {
	var w struct {
		State   string `json:"state"`
		Min     int    `json:"minimumLifetimeInMinutes"`
		Max     int    `json:"maximumLifetimeInMinutes"`
		Def     int    `json:"defaultLifetimeInMinutes"`
		Length  int    `json:"defaultLength"`
		Once    bool   `json:"isUsableOnce"`
		Include []struct {
			ID string `json:"id"`
		} `json:"includeTargets"`
		Exclude []struct {
			ID string `json:"id"`
		} `json:"excludeTargets"`
	}
	if err := g.do(ctx, http.MethodGet, "/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass", nil, &w, tap.ErrNotFound); err != nil {
		return tap.Policy{}, err
	}
	p := tap.Policy{Enabled: w.State == "enabled", MinLifetime: time.Duration(w.Min) * time.Minute,
		MaxLifetime: time.Duration(w.Max) * time.Minute, DefaultLifetime: time.Duration(w.Def) * time.Minute,
		DefaultLength: w.Length, OneTimeDefault: w.Once}
	for _, t := range w.Include {
		if t.ID == "all_users" {
			p.IncludeAll = true
		} else {
			p.IncludeGroups = append(p.IncludeGroups, t.ID)
		}
	}
	for _, t := range w.Exclude {
		p.ExcludeGroups = append(p.ExcludeGroups, t.ID)
	}
	return p, nil
}

func (g graphDir) Methods(ctx context.Context, id tap.UserID) ([]tap.Method, error) {
	return nil, fmt.Errorf("methods: not used by policy tests: %w", tap.ErrUnavailable)
}

func (g graphDir) ListPasses(ctx context.Context, id tap.UserID) ([]tap.Pass, error) {
	var w struct {
		Value []struct {
			ID       string    `json:"id"`
			Created  time.Time `json:"createdDateTime"`
			Start    time.Time `json:"startDateTime"`
			Lifetime int       `json:"lifetimeInMinutes"`
			Once     bool      `json:"isUsableOnce"`
			Usable   bool      `json:"isUsable"`
			Reason   string    `json:"methodUsabilityReason"`
		}
	}
	if err := g.do(ctx, http.MethodGet, "/users/"+string(id)+"/authentication/temporaryAccessPassMethods", nil, &w, tap.ErrUserNotFound); err != nil {
		return nil, err
	}
	var out []tap.Pass
	for _, p := range w.Value {
		out = append(out, tap.Pass{MethodID: p.ID, Created: p.Created, Start: p.Start,
			Lifetime: time.Duration(p.Lifetime) * time.Minute, OneTime: p.Once, Usable: p.Usable, UsabilityReason: p.Reason})
	}
	return out, nil
}
