package approvals

import (
	"context"

	"github.com/tapbot/tapbot/internal/tap"
)

// Directory reads Entra. internal/graph implements it (and simtenant
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
	// TenantPolicy returns the tenant's TAP authentication-method policy.
	TenantPolicy(ctx context.Context) (tap.TenantPolicy, error)
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

// Checker is the organisation's policy (internal/policy implements it).
// Refusals are *tap.Refusal wrapping a sentinel, with a plain sentence.
type Checker interface {
	// CheckSubmit runs every live check on a draft request (target
	// eligibility, lifetime, start, requester rights, quotas, one open
	// request per target). It may fill defaults and clip r.Lifetime, set
	// r.ApprovalsNeeded, and returns warnings for requester and approvers
	// (e.g. "approving replaces a live pass").
	CheckSubmit(ctx context.Context, r *tap.Request) (warnings []string, err error)
	// CheckDecision checks, now, that actor may approve or deny r: member
	// of an approver group (re-read, not cached), not the requester, not
	// the target, not a guest, not already among r.Approvals.
	CheckDecision(ctx context.Context, r *tap.Request, actor tap.Actor) error
	// CheckApprove is CheckDecision for an approval, plus a re-read of the
	// target (not become an approver or requester while r waited).
	CheckApprove(ctx context.Context, r *tap.Request, actor tap.Actor) error
	// CheckReveal re-checks the requester at the Reveal click: the same
	// chat account that asked, enabled, still allowed to request for r's
	// target.
	CheckReveal(ctx context.Context, r *tap.Request, actor tap.Actor) error
	// IsApprover reports whether actor is in an approver group now.
	IsApprover(ctx context.Context, actor tap.Actor) (bool, error)
	// MayBulk reports whether actor may send a batch of requests now: an
	// approver, or a member of a requester group (HR, helpdesk), enabled
	// and not a guest. A manager who may only ask for their own people
	// sends requests one at a time.
	MayBulk(ctx context.Context, actor tap.Actor) (bool, error)
	// CheckRevoke checks, now, that actor (not the requester) may revoke
	// r: in an approver group for r's reason, enabled, not a guest.
	CheckRevoke(ctx context.Context, r *tap.Request, actor tap.Actor) error
	// CheckReissue checks, now, that actor (not the requester) may replace
	// r with a new request (reissue, reschedule): an approver for r's
	// reason. The new request is then checked by CheckSubmit as actor's.
	CheckReissue(ctx context.Context, r *tap.Request, actor tap.Actor) error
	// CheckIssue re-checks the target right before a pass is created (the
	// request may have waited hours since submit): still enabled, not an
	// external guest, no directory role, not a privileged target, inside
	// the TAP policy's scope; and every counted approver still approves.
	// A *tap.Refusal says why not; any other error means it could not be
	// checked, which also stops the create.
	CheckIssue(ctx context.Context, r *tap.Request) error
}

// Auditor appends to the hash-chained audit trail (internal/audit).
// An error means nothing was recorded: the caller must not proceed with
// the action it was about to take (fail closed).
type Auditor interface {
	Record(ctx context.Context, rec tap.AuditRecord) error
}

// NoticeKind is what happened to a request.
type NoticeKind string

// Notices sent after a transition is committed.
const (
	NoticeSubmitted NoticeKind = "submitted" // post approval cards, tell requester
	NoticeApproval  NoticeKind = "approval"  // one of two approvals recorded
	NoticeDenied    NoticeKind = "denied"
	NoticeCancelled NoticeKind = "cancelled"
	NoticeApproved  NoticeKind = "approved" // issue-on-reveal: approved, nothing minted
	NoticeIssued    NoticeKind = "issued"   // pass created and sealed: offer Reveal
	// NoticeIssuing: the final approval claimed the request and Graph is
	// creating the pass; the cards show it (no Approve, Deny or Cancel
	// while it lasts). Delivered in the background, so the create never
	// waits for a chat API.
	NoticeIssuing   NoticeKind = "issuing"
	NoticeRevealed  NoticeKind = "revealed"
	NoticeConfirmed NoticeKind = "confirmed"
	NoticeRevoked   NoticeKind = "revoked"
	NoticeExpired   NoticeKind = "expired"
	NoticeFailed    NoticeKind = "failed"
	NoticeReminder  NoticeKind = "reminder"   // approvers: still pending
	NoticeLapsed    NoticeKind = "lapsed"     // reveal window passed: pass deleted
	NoticePassEnded NoticeKind = "pass_ended" // delivered pass expired without confirmation
	NoticeSecurity  NoticeKind = "security"   // e.g. someone else clicked Reveal
	// NoticeReplaced: the request was closed because a new one replaces
	// it (reissue); Detail is the new request's id.
	NoticeReplaced NoticeKind = "replaced"
	// NoticeRescheduled: a pending request's start changed; approvals
	// given for the old start were cleared (Detail ApprovalsCleared then).
	NoticeRescheduled NoticeKind = "rescheduled"
	// NoticeWithdrawn: the request was withdrawn (offer rescinded), its
	// pass deleted; Request.ClosedReason says why.
	NoticeWithdrawn NoticeKind = "withdrawn"
	// NoticeQueued: the final approval queued the request for the issuer
	// (ApproveQueued); the cards say so, the requester hears at
	// NoticeIssued, once the pass exists.
	NoticeQueued NoticeKind = "queued"
	// NoticeQueueLapsed: a queued request could not be issued before its
	// deadline and expired; nothing was created.
	NoticeQueueLapsed NoticeKind = "queue_lapsed"
)

// Notice tells the chat layer (package bot) what to say. Request is the
// request as last stored (after the committed transition, or later when
// the notice is retried); it never holds a pass value.
type Notice struct {
	Kind    NoticeKind
	Request *tap.Request
	Actor   *tap.Actor // who caused it; nil for timers
	Detail  string     // plain words (e.g. missing methods, failure reason)
	// ID is the notice's id in the outbox; the same on every attempt.
	ID string
	// Attempt counts the earlier failed attempts (0 on the first).
	Attempt int
	// Done lists the parts delivered by earlier attempts (see Undelivered).
	Done []string
}

// Notifier delivers notices. It is called at least once per notice (again
// after a failure, or after a crash before the delivery was recorded), so
// it should draw cards in place rather than post them twice. An error
// means the notice, or the parts not listed in an *Undelivered, were not
// delivered: it is retried with backoff. It never undoes a committed
// transition.
type Notifier interface {
	Notify(ctx context.Context, n Notice) error
}
