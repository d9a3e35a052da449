package policy

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tapbot/tapbot/internal/tap"
)

// checkRoles refuses a target holding any directory role, active or
// eligible. Without permission to read roles it refuses (fail closed).
func (c *Checker) checkRoles(ctx context.Context, u tap.User) error {
	roles, err := c.dir.Roles(ctx, u.ID)
	if errors.Is(err, tap.ErrPermission) {
		c.log.Warn("cannot read directory roles; refusing", "target", string(u.ID), "err", err)
		return refuseRolesUnknown(u)
	}
	if err != nil {
		return fmt.Errorf("read roles of %s: %w", u.ID, err)
	}
	if len(roles) == 0 {
		return nil
	}
	// Name an active role before an eligible one.
	slices.SortStableFunc(roles, func(a, b tap.RoleAssignment) int {
		switch {
		case a.Eligible == b.Eligible:
			return 0
		case !a.Eligible:
			return -1
		}
		return 1
	})
	return refusePrivileged(u, roles[0])
}

// inScope applies the tenant policy's include and exclude targets.
func inScope(p tap.TenantPolicy, u tap.User, member map[string]bool) error {
	hit := func(ids []string) bool {
		for _, id := range ids {
			if member[id] || id == string(u.ID) {
				return true
			}
		}
		return false
	}
	if hit(p.ExcludeGroups) {
		return refuseExcluded(u)
	}
	if !p.IncludeAll && !hit(p.IncludeGroups) {
		return refuseNotIncluded(u)
	}
	return nil
}

// memberOf returns the set of groups (of ids) the user is a transitive
// member of, asking Graph at most maxGroupsPerCheck ids at a time.
func (c *Checker) memberOf(ctx context.Context, id tap.UserID, ids []string) (map[string]bool, error) {
	in := map[string]bool{}
	for chunk := range slices.Chunk(ids, maxGroupsPerCheck) {
		got, err := c.dir.MemberOf(ctx, id, chunk)
		if err != nil {
			return nil, err
		}
		for _, g := range got {
			in[g] = true
		}
	}
	return in, nil
}

// unique merges lists of group ids, dropping empties, "all_users" and
// duplicates.
func unique(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		for _, id := range l {
			if id != "" && id != "all_users" && !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

func anyIn(ids []string, set map[string]bool) bool {
	for _, id := range ids {
		if set[id] {
			return true
		}
	}
	return false
}
