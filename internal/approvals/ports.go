package approvals

import (
	"context"

	"github.com/tapbot/tapbot/internal/tap"
)

// Directory reads Entra. internal/graph implements it (and graphtest
// serves it). Errors wrap tap sentinels: ErrUserNotFound, ErrPermission,
// ErrThrottled, ErrUnavailable; never the pass.
type Directory interface {
	// User returns the user by object id or userPrincipalName.
	// ErrUserNotFound if absent.
	User(ctx context.Context, idOrUPN string) (tap.User, error)
	// UserByEmail finds the user whose mail or UPN equals email.
	// ErrUserNotFound if none; ErrConflict if several.
	UserByEmail(ctx context.Context, email string) (tap.User, error)
	// Manager returns the user's manager. ErrNotFound if none is set.
	Manager(ctx context.Context, id tap.UserID) (tap.User, error)
	// MemberOf returns which of groupIDs the user is a (transitive) member
	// of (Graph checkMemberGroups).
	MemberOf(ctx context.Context, id tap.UserID, groupIDs []string) ([]string, error)
	// Roles returns the user's directory role assignments, active and
	// (where the permission allows) PIM-eligible.
	Roles(ctx context.Context, id tap.UserID) ([]tap.RoleAssignment, error)
	// Policy returns the tenant's TAP authentication-method policy.
	Policy(ctx context.Context) (tap.Policy, error)
	// Methods lists the user's registered authentication methods.
	Methods(ctx context.Context, id tap.UserID) ([]tap.Method, error)
}

// PassIssuer creates and removes Temporary Access Passes.
type PassIssuer interface {
	// CreatePass creates a TAP (replacing any existing one) and returns it
	// with its value. Refusals wrap ErrLifetimeRange, ErrStartInPast,
	// ErrGuest, ErrMethodDisabled, ErrUserNotFound, ErrPermission as a
	// *tap.Refusal with Graph's reason; ErrUncertain when the outcome is
	// unknown (timeout, dropped response): then reconcile with ListPasses,
	// never blindly retry.
	CreatePass(ctx context.Context, user tap.UserID, spec tap.PassSpec) (tap.Pass, error)
	// ListPasses lists the user's TAP methods (at most one); values are zero.
	ListPasses(ctx context.Context, user tap.UserID) ([]tap.Pass, error)
	// DeletePass deletes a TAP method. ErrNotFound if it is already gone.
	DeletePass(ctx context.Context, user tap.UserID, methodID string) error
}
