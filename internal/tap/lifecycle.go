package tap

import (
	"context"
	"errors"
	"fmt"

	"github.com/looplab/fsm"
)

// State is a request's lifecycle state.
type State string

// The lifecycle states (ARCHITECTURE.md draws them). Approved means approved,
// nothing minted yet: in the issue-on-reveal mode until the reveal click, and
// in the issue-on-approval mode while a queued request waits for the issuer
// (Request.IssueQueued set).
const (
	StatePending   State = "pending"
	StateApproved  State = "approved"
	StateIssuing   State = "issuing"
	StateIssued    State = "issued"
	StateDelivered State = "delivered"
	StateConfirmed State = "confirmed"
	StateDenied    State = "denied"
	StateCancelled State = "cancelled"
	StateExpired   State = "expired"
	StateRevoked   State = "revoked"
	StateFailed    State = "failed"
)

// States lists every state.
var States = []State{StatePending, StateApproved, StateIssuing, StateIssued, StateDelivered,
	StateConfirmed, StateDenied, StateCancelled, StateExpired, StateRevoked, StateFailed}

// Terminal reports whether no further transition can leave s.
func (s State) Terminal() bool {
	switch s {
	case StateConfirmed, StateDenied, StateCancelled, StateExpired, StateRevoked, StateFailed:
		return true
	}
	return false
}

// Open reports whether a request in s still counts as open for a target
// (one open request per target).
func (s State) Open() bool { return !s.Terminal() }

// Event is a lifecycle event.
type Event string

// Lifecycle events.
const (
	EventApprove      Event = "approve"       // pending → issuing (issue on approval)
	EventApproveLater Event = "approve_later" // pending → approved (issue on reveal)
	EventClaim        Event = "claim"         // approved → issuing (the reveal click in issue-on-reveal; the issuer for a queued request)
	EventRequeue      Event = "requeue"       // issuing → approved (a queued request whose claim was lost goes back in the queue)
	EventDeny         Event = "deny"
	EventCancel       Event = "cancel"
	EventIssue        Event = "issue"   // issuing → issued (pass created and sealed)
	EventDeliver      Event = "deliver" // issued|issuing → delivered (revealed to the requester)
	EventFail         Event = "fail"
	EventConfirm      Event = "confirm"
	EventRevoke       Event = "revoke"
	EventExpire       Event = "expire"
)

// Lifecycle is the one declaration of the request state machine.
var Lifecycle = fsm.Events{
	{Name: string(EventApprove), Src: []string{string(StatePending)}, Dst: string(StateIssuing)},
	{Name: string(EventApproveLater), Src: []string{string(StatePending)}, Dst: string(StateApproved)},
	{Name: string(EventClaim), Src: []string{string(StateApproved)}, Dst: string(StateIssuing)},
	{Name: string(EventRequeue), Src: []string{string(StateIssuing)}, Dst: string(StateApproved)},
	{Name: string(EventDeny), Src: []string{string(StatePending)}, Dst: string(StateDenied)},
	{Name: string(EventCancel), Src: []string{string(StatePending), string(StateApproved)}, Dst: string(StateCancelled)},
	{Name: string(EventIssue), Src: []string{string(StateIssuing)}, Dst: string(StateIssued)},
	{Name: string(EventDeliver), Src: []string{string(StateIssued), string(StateIssuing)}, Dst: string(StateDelivered)},
	{Name: string(EventFail), Src: []string{string(StateIssuing)}, Dst: string(StateFailed)},
	{Name: string(EventConfirm), Src: []string{string(StateDelivered)}, Dst: string(StateConfirmed)},
	{Name: string(EventRevoke), Src: []string{string(StateApproved), string(StateIssued), string(StateDelivered)}, Dst: string(StateRevoked)},
	{Name: string(EventExpire), Src: []string{string(StatePending), string(StateApproved), string(StateIssued), string(StateDelivered)}, Dst: string(StateExpired)},
}

// Machine builds a fresh state machine positioned at s. Machines are never
// cached: one per event, rehydrated from the stored state.
func Machine(s State) *fsm.FSM { return fsm.NewFSM(string(s), Lifecycle, nil) }

// Can reports whether event e is allowed from state s.
func Can(s State, e Event) bool { return Machine(s).Can(string(e)) }

// Apply fires e on a fresh machine for r.State and, on success, sets
// r.State to the destination. It does not persist: the caller saves r with
// a compare-and-swap on r.Version. The error wraps ErrInvalidTransition.
func Apply(ctx context.Context, r *Request, e Event) error {
	m := Machine(r.State)
	if err := m.Event(ctx, string(e)); err != nil {
		var ie fsm.InvalidEventError
		var ue fsm.UnknownEventError
		if errors.As(err, &ie) || errors.As(err, &ue) {
			return fmt.Errorf("%s from %s: %w", e, r.State, ErrInvalidTransition)
		}
		return fmt.Errorf("%s from %s: %w", e, r.State, err)
	}
	r.State = State(m.Current())
	return nil
}
