package tap

import "errors"

// Sentinel errors. Wrap them with fmt.Errorf("...: %w", err) and test with
// errors.Is. Exactly one function (in package bot) turns them into chat text.
var (
	// ErrNotFound: the request, user, session or record does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a compare-and-swap lost to a concurrent writer.
	ErrConflict = errors.New("concurrent update")
	// ErrInvalidTransition: the event is not allowed in the current state.
	ErrInvalidTransition = errors.New("invalid transition")
	// ErrForbidden: the actor may not do this.
	ErrForbidden = errors.New("forbidden")
	// ErrSelfApproval: an approver tried to approve their own request or one for themselves.
	ErrSelfApproval = errors.New("self approval")
	// ErrInvalidInput: user-supplied input failed validation.
	ErrInvalidInput = errors.New("invalid input")
	// ErrPolicy: a policy check refused the request.
	ErrPolicy = errors.New("refused by policy")
	// ErrUserNotFound: the target is not in the directory.
	ErrUserNotFound = errors.New("user not found")
	// ErrGuest: external guests cannot hold a TAP.
	ErrGuest = errors.New("external guest")
	// ErrDisabled: the account is disabled.
	ErrDisabled = errors.New("account disabled")
	// ErrPrivileged: the target holds a directory role.
	ErrPrivileged = errors.New("privileged target")
	// ErrLifetimeRange: the lifetime is outside the allowed range.
	ErrLifetimeRange = errors.New("lifetime out of range")
	// ErrStartInPast: the start time is in the past.
	ErrStartInPast = errors.New("start in the past")
	// ErrMethodDisabled: the TAP method is disabled or does not include the user.
	ErrMethodDisabled = errors.New("temporary access pass method disabled")
	// ErrPermission: the app lacks a Graph permission (403).
	ErrPermission = errors.New("missing permission")
	// ErrThrottled: Graph or a chat API is throttling and retries ran out.
	ErrThrottled = errors.New("throttled")
	// ErrUnavailable: a dependency failed (5xx, timeout, network).
	ErrUnavailable = errors.New("service unavailable")
	// ErrUncertain: a create may or may not have happened (response lost).
	ErrUncertain = errors.New("outcome uncertain")
	// ErrAudit: the audit record could not be written; nothing was done.
	ErrAudit = errors.New("audit write failed")
	// ErrAlreadyRevealed: the sealed pass was already revealed or destroyed.
	ErrAlreadyRevealed = errors.New("already revealed")
	// ErrQuota: a requester quota or one-open-request rule refused.
	ErrQuota = errors.New("quota exceeded")
	// ErrDuplicate: an inbound delivery was already handled.
	ErrDuplicate = errors.New("duplicate delivery")
)

// Refusal is an error that carries a plain sentence safe to show the user
// ("Sarah Johnson is an external guest; guests cannot hold a pass."). It
// wraps the sentinel that classifies it. Never put a secret in Msg.
type Refusal struct {
	Msg string
	Err error
}

// Refuse builds a Refusal.
func Refuse(sentinel error, msg string) *Refusal { return &Refusal{Msg: msg, Err: sentinel} }

// Error returns the sentence.
func (r *Refusal) Error() string { return r.Msg }

// Unwrap returns the sentinel.
func (r *Refusal) Unwrap() error { return r.Err }
