package tap

import "time"

// RequestID identifies a request. It is random, URL-safe and opaque.
type RequestID string

// UserID is an immutable Entra object id.
type UserID string

// Platform names a chat platform ("slack", "teams", "test").
type Platform string

// Reason is why a pass is requested.
type Reason string

// Reasons a requester can pick; each has its own defaults in policy.
const (
	ReasonOnboarding       Reason = "onboarding"
	ReasonRecovery         Reason = "recovery"
	ReasonContractor       Reason = "contractor"
	ReasonDeviceEnrollment Reason = "device_enrollment"
	ReasonDemo             Reason = "demo"
	ReasonGuestProject     Reason = "guest_project"
)

// Reasons lists every reason in display order.
var Reasons = []Reason{ReasonOnboarding, ReasonRecovery, ReasonContractor, ReasonDeviceEnrollment, ReasonDemo, ReasonGuestProject}

// Valid reports whether r is a known reason.
func (r Reason) Valid() bool {
	for _, x := range Reasons {
		if x == r {
			return true
		}
	}
	return false
}

// Actor is a person acting in chat, identified by both their chat identity
// and (once resolved) their immutable Entra object id.
type Actor struct {
	Platform Platform `json:"platform"`
	ChatID   string   `json:"chat_id"`            // Slack user id, Teams 29:… id
	EntraID  UserID   `json:"entra_id,omitempty"` // immutable; authorisation uses this
	Name     string   `json:"name,omitempty"`     // display only
	Email    string   `json:"email,omitempty"`    // display / lookup only
}

// Decision is one approver's approval (two-approver rules keep several).
type Decision struct {
	Approver Actor     `json:"approver"`
	At       time.Time `json:"at"`
}

// Ref is an opaque pointer to a chat message, owned by an adapter.
type Ref struct {
	Platform     Platform `json:"platform"`
	Conversation string   `json:"conversation"`
	Message      string   `json:"message"`
	Extra        string   `json:"extra,omitempty"`
}

// Request is one TAP request and everything the lifecycle knows about it.
// Version is the compare-and-swap counter; stores bump it on every update.
type Request struct {
	ID            RequestID     `json:"id"`
	Version       int64         `json:"version"`
	State         State         `json:"state"`
	Requester     Actor         `json:"requester"`
	Target        User          `json:"target"`
	Start         time.Time     `json:"start"` // UTC; zero means "now at issue"
	Lifetime      time.Duration `json:"lifetime"`
	OneTime       bool          `json:"one_time"`
	Reason        Reason        `json:"reason"`
	Justification string        `json:"justification,omitempty"`
	RequesterZone string        `json:"requester_zone,omitempty"` // IANA
	HireZone      string        `json:"hire_zone,omitempty"`      // IANA
	Warnings      []string      `json:"warnings,omitempty"`
	// ApprovalsNeeded is how many distinct approvers must approve (1 or 2).
	ApprovalsNeeded int        `json:"approvals_needed"`
	Approvals       []Decision `json:"approvals,omitempty"`
	DecidedBy       *Actor     `json:"decided_by,omitempty"` // who moved it out of pending
	DecisionReason  string     `json:"decision_reason,omitempty"`
	// MethodID is the Graph id of the created TAP method.
	MethodID string `json:"method_id,omitempty"`
	// PassStart and PassExpires are the live pass's window as Graph reported it.
	PassStart   time.Time `json:"pass_start,omitempty"`
	PassExpires time.Time `json:"pass_expires,omitempty"`
	// Sealed is the AES-256-GCM sealed pass value, bound to ID and
	// SealedFor; nil once revealed or destroyed. Never plaintext.
	Sealed    []byte `json:"-"`
	SealedFor string `json:"sealed_for,omitempty"`
	// FailReason explains a failed request in plain words (no secrets).
	FailReason string `json:"fail_reason,omitempty"`
	// ReissueOf is the request this one replaces (reissue, reschedule
	// after issuance); empty for a first request.
	ReissueOf RequestID `json:"reissue_of,omitempty"`
	// ReplacedBy is the request that replaced this one; set when a
	// reissue closed it (or, for one closed already, took its place).
	ReplacedBy RequestID `json:"replaced_by,omitempty"`
	// SameApprovers, set on a reissue under the policy's reissue:
	// same_approver rule, are the original's approvers: only they may
	// approve it, and one approval is enough.
	SameApprovers []Actor `json:"same_approvers,omitempty"`
	// ClosedBy and ClosedReason say who ended a request early and why
	// (withdrawn: "offer rescinded"; replaced by a reissue), for the cards
	// and the audit trail; empty when the lifecycle ended it.
	ClosedBy     *Actor `json:"closed_by,omitempty"`
	ClosedReason string `json:"closed_reason,omitempty"`
	// Refs are the chat messages that show this request (approval cards,
	// requester DMs), so they can be updated in place.
	Refs []Ref `json:"refs,omitempty"`
	// RequesterRefs are the requester's messages about this request that
	// carry its buttons (the submitted notice, the reveal prompt), so they
	// are redrawn with the state and only the actions still possible.
	RequesterRefs []Ref `json:"requester_refs,omitempty"`
	// Intake is set when the request came from the HR intake API rather
	// than from chat.
	Intake *Intake `json:"intake,omitempty"`
	// Batch is set when the request was sent with others from one CSV
	// upload in chat; approvers see the batch as one card.
	Batch *Batch `json:"batch,omitempty"`

	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	DecidedAt  time.Time `json:"decided_at,omitempty"`
	IssuedAt   time.Time `json:"issued_at,omitempty"`
	RevealedAt time.Time `json:"revealed_at,omitempty"`
	// IssueQueued is when the final approval queued the request for the
	// issuer (issue-on-approval mode, ApproveQueued) instead of issuing it
	// inside the click; zero for a request issued at once. It stays set
	// once issued, so the cards can say the pass came from the queue.
	IssueQueued time.Time `json:"issue_queued,omitzero"`
	// ClaimedBy is the issuer (a replica's holder name) that claimed a
	// queued request for its create; while its liveness lease lapses, the
	// claim is reconciled at once instead of after the stuck timer.
	ClaimedBy string `json:"claimed_by,omitempty"`
	// ClaimAfter holds a requeued request back until a create its earlier
	// claim may have sent can no longer land (Graph would let such a late
	// create replace the new pass, whose value was delivered).
	ClaimAfter time.Time `json:"claim_after,omitzero"`
	ClosedAt   time.Time `json:"closed_at,omitempty"`
	RemindedAt time.Time `json:"reminded_at,omitempty"`
	// RevealBy is when an approved or issued request lapses if nobody
	// reveals it; RevealReminders how many reminders the requester got
	// (at half the window and an hour before it ends).
	RevealBy        time.Time `json:"reveal_by,omitempty"`
	RevealReminders int       `json:"reveal_reminders,omitempty"`
	// SetupReminded is when the requester was told that the new hire had
	// not confirmed setup by half the pass's life (zero: not yet).
	SetupReminded time.Time `json:"setup_reminded,omitempty"`
	// NextTimer is when the sweeper should next look at this request
	// (reminder, expiry, reveal window); zero when nothing is due.
	NextTimer time.Time `json:"next_timer,omitempty"`

	// FirstUse is the first sign-in with the pass the watch saw (IP and
	// place empty when only OneTimeUsed told it); nil until then.
	FirstUse *SignIn `json:"first_use,omitempty"`
	// Alerted lists the watch rules whose alert for this pass was sent
	// (or is being sent): each is raised once per pass.
	Alerted []string `json:"alerted,omitempty"`
	// Feedback is the new hire's answer to "How did the setup go?" after
	// confirming; nil until they answer.
	Feedback *Feedback `json:"feedback,omitempty"`

	// Outbox holds the notices committed with the changes they report and
	// not yet delivered to chat: written by the same compare-and-swap as
	// the state, removed once delivered (the transactional outbox).
	Outbox []PendingNotice `json:"outbox,omitempty"`
}

// PendingNotice is one undelivered notice in a request's Outbox. It holds
// no pass value: the chat message is built from the request when it is
// delivered.
type PendingNotice struct {
	ID     string `json:"id"`   // random; deliveries are de-duplicated by it
	Kind   string `json:"kind"` // approvals.NoticeKind
	Actor  *Actor `json:"actor,omitempty"`
	Detail string `json:"detail,omitempty"`
	// Done lists the parts already delivered (the requester told, the
	// approvers told), so a retry does not send them twice.
	Done     []string  `json:"done,omitempty"`
	Created  time.Time `json:"created"`
	Attempts int       `json:"attempts,omitempty"`
	// Next is when the sweeper may deliver it: after a grace period for
	// the replica that committed it, then with backoff after failures.
	Next time.Time `json:"next"`
}

// Due is when the sweeper should next look at r: the earlier of NextTimer
// and the next attempt of any pending notice; zero when nothing is due.
// Stores index it for RequestFilter.DueBefore.
func (r *Request) Due() time.Time {
	due := r.NextTimer
	for _, n := range r.Outbox {
		if due.IsZero() || n.Next.Before(due) {
			due = n.Next
		}
	}
	return due
}

// Feedback is a new hire's rating of their setup, 1 (bad) to 5 (great),
// and the one short comment they may add after it.
type Feedback struct {
	Score       int       `json:"score"`
	At          time.Time `json:"at"`
	Comment     string    `json:"comment,omitempty"`
	CommentedAt time.Time `json:"commented_at,omitzero"`
}

// Batch is the upload a request came with: one CSV sent from chat by
// one person, validated row by row and approved as one card.
type Batch struct {
	// ID is derived from the sender and the file's bytes, so the same
	// file sent again by the same person is the same batch.
	ID string `json:"id"`
	// Title names the batch on its card ("Sales onboarding").
	Title string `json:"title"`
	// Submitter is who uploaded it. They may not approve the batch or any
	// request in it, whoever the request names as its requester.
	Submitter Actor `json:"submitter"`
	// Size is how many requests the batch sent.
	Size int `json:"size"`
}

// Intake says which system asked for a request through the intake API.
type Intake struct {
	// Caller is the calling application: its Entra app id (azp/appid) or
	// the HMAC key id.
	Caller string `json:"caller"`
	// ExternalRef is the caller's own reference (an HR case or hire id).
	ExternalRef string `json:"external_ref,omitempty"`
	// Notes are the caller's free-text notes for the approvers.
	Notes string `json:"notes,omitempty"`
}

// Clone returns a deep copy, so a caller can mutate without aliasing a store's copy.
func (r *Request) Clone() *Request {
	c := *r
	c.Warnings = append([]string(nil), r.Warnings...)
	c.Approvals = append([]Decision(nil), r.Approvals...)
	c.Refs = append([]Ref(nil), r.Refs...)
	if r.RequesterRefs != nil {
		c.RequesterRefs = append([]Ref(nil), r.RequesterRefs...)
	}
	if r.SameApprovers != nil {
		c.SameApprovers = append([]Actor(nil), r.SameApprovers...)
	}
	c.Alerted = append([]string(nil), r.Alerted...)
	c.Sealed = append([]byte(nil), r.Sealed...)
	if r.Sealed == nil {
		c.Sealed = nil
	}
	if r.DecidedBy != nil {
		d := *r.DecidedBy
		c.DecidedBy = &d
	}
	if r.ClosedBy != nil {
		a := *r.ClosedBy
		c.ClosedBy = &a
	}
	if r.Intake != nil {
		in := *r.Intake
		c.Intake = &in
	}
	if r.Batch != nil {
		b := *r.Batch
		c.Batch = &b
	}
	if r.FirstUse != nil {
		u := *r.FirstUse
		c.FirstUse = &u
	}
	if r.Feedback != nil {
		f := *r.Feedback
		c.Feedback = &f
	}
	c.Outbox = nil
	for _, n := range r.Outbox {
		if n.Actor != nil {
			a := *n.Actor
			n.Actor = &a
		}
		n.Done = append([]string(nil), n.Done...)
		c.Outbox = append(c.Outbox, n)
	}
	return &c
}

// Queued reports whether r is approved and waiting in the issuance queue.
func (r *Request) Queued() bool { return r.State == StateApproved && !r.IssueQueued.IsZero() }

// End returns when the requested pass would stop working.
func (r *Request) End() time.Time { return r.Start.Add(r.Lifetime) }
