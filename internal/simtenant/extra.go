package simtenant

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Extra extends a tenant (usually the demo tenant) from YAML, so a real
// Slack workspace's people can be tried against the fake:
//
//	groups:
//	  - name: Helpdesk
//	users:
//	  - upn: jane.doe@contoso.com
//	    displayName: Jane Doe
//	    mail: jane@contoso.com      # default: the UPN
//	    department: Support
//	    manager: megan.bowen@contoso.com
//	    groups: [TAP Approvers, Helpdesk]
//	    roles: [Helpdesk Administrator]
//	    eligibleRoles: [User Administrator]
//	    enabled: false              # default true
//	    guest: true                 # external guest (B2B)
//	    hireDate: 2026-12-07        # or RFC 3339
type Extra struct {
	Groups []ExtraGroup `yaml:"groups"`
	Users  []ExtraUser  `yaml:"users"`
}

// ExtraGroup is a group to add.
type ExtraGroup struct {
	ID             string `yaml:"id"`
	Name           string `yaml:"name"`
	RoleAssignable bool   `yaml:"roleAssignable"`
}

// ExtraUser is a user to add. ID defaults to StableID(UPN).
type ExtraUser struct {
	ID            string   `yaml:"id"`
	UPN           string   `yaml:"upn"`
	DisplayName   string   `yaml:"displayName"`
	Mail          string   `yaml:"mail"`
	Department    string   `yaml:"department"`
	JobTitle      string   `yaml:"jobTitle"`
	Manager       string   `yaml:"manager"`
	Groups        []string `yaml:"groups"`
	Roles         []string `yaml:"roles"`
	EligibleRoles []string `yaml:"eligibleRoles"`
	Enabled       *bool    `yaml:"enabled"`
	Guest         bool     `yaml:"guest"`
	HireDate      string   `yaml:"hireDate"`
}

// LoadExtra parses YAML (see Extra) and applies it.
func (t *Tenant) LoadExtra(b []byte) error {
	var x Extra
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&x); err != nil {
		return fmt.Errorf("parse tenant yaml: %w", err)
	}
	return t.Apply(x)
}

// Apply adds x's groups and users. It checks everything first and
// reports every problem at once; nothing is applied if any is found.
func (t *Tenant) Apply(x Extra) error {
	var errs []error
	hires := make([]time.Time, len(x.Users))
	newGroups := map[string]bool{}
	for i, g := range x.Groups {
		if strings.TrimSpace(g.Name) == "" {
			errs = append(errs, fmt.Errorf("groups[%d]: name is required", i))
		}
		newGroups[strings.ToLower(g.Name)] = true
		if g.ID != "" {
			newGroups[g.ID] = true
		}
	}
	newUsers := map[string]bool{}
	for _, u := range x.Users {
		newUsers[strings.ToLower(u.UPN)] = true
	}
	for i, u := range x.Users {
		if !strings.Contains(u.UPN, "@") {
			errs = append(errs, fmt.Errorf("users[%d]: upn %q is not a user principal name", i, u.UPN))
		}
		if u.HireDate != "" {
			h, err := parseHireDate(u.HireDate)
			if err != nil {
				errs = append(errs, fmt.Errorf("users[%d] (%s): hireDate: %w", i, u.UPN, err))
			}
			hires[i] = h
		}
		if m := u.Manager; m != "" && !newUsers[strings.ToLower(m)] {
			if _, ok := t.Lookup(m); !ok {
				errs = append(errs, fmt.Errorf("users[%d] (%s): manager %q is not a user", i, u.UPN, m))
			}
		}
		for _, g := range u.Groups {
			if _, ok := t.GroupID(g); !ok && !newGroups[strings.ToLower(g)] && !newGroups[g] {
				errs = append(errs, fmt.Errorf("users[%d] (%s): group %q does not exist", i, u.UPN, g))
			}
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	for _, g := range x.Groups {
		t.AddGroup(Group{ID: g.ID, DisplayName: g.Name, RoleAssignable: g.RoleAssignable})
	}
	for i, u := range x.Users {
		user := User{ID: u.ID, UPN: u.UPN, DisplayName: u.DisplayName, Mail: u.Mail,
			Department: u.Department, JobTitle: u.JobTitle, HireDate: hires[i]}
		if user.Mail == "" && !u.Guest {
			user.Mail = u.UPN
		}
		if u.Enabled != nil && !*u.Enabled {
			user.Disabled = true
		}
		if u.Guest {
			user.UserType = "Guest"
			user.ExternalUserState = "Accepted"
		}
		t.AddUser(user)
	}
	for _, u := range x.Users {
		if u.Manager != "" {
			errs = append(errs, t.SetManager(u.UPN, u.Manager))
		}
		for _, g := range u.Groups {
			errs = append(errs, t.AddMember(g, u.UPN))
		}
		for _, r := range u.Roles {
			errs = append(errs, t.AssignRole(u.UPN, r, false))
		}
		for _, r := range u.EligibleRoles {
			errs = append(errs, t.AssignRole(u.UPN, r, true))
		}
	}
	return errors.Join(errs...)
}

func parseHireDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither YYYY-MM-DD nor RFC 3339", s)
	}
	return t, nil
}
