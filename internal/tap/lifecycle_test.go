package tap_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// TestLifecycleTable checks every (state, event) pair against the
// product's lifecycle: allowed ones land in the expected state, all
// others are ErrInvalidTransition and leave the state alone.
func TestLifecycleTable(t *testing.T) {
	allowed := map[tap.State]map[tap.Event]tap.State{
		tap.StatePending: {tap.EventApprove: tap.StateIssuing, tap.EventApproveLater: tap.StateApproved,
			tap.EventDeny: tap.StateDenied, tap.EventCancel: tap.StateCancelled, tap.EventExpire: tap.StateExpired},
		tap.StateApproved: {tap.EventClaim: tap.StateIssuing, tap.EventCancel: tap.StateCancelled,
			tap.EventRevoke: tap.StateRevoked, tap.EventExpire: tap.StateExpired},
		tap.StateIssuing: {tap.EventIssue: tap.StateIssued, tap.EventDeliver: tap.StateDelivered, tap.EventFail: tap.StateFailed,
			tap.EventRequeue: tap.StateApproved},
		tap.StateIssued: {tap.EventDeliver: tap.StateDelivered, tap.EventRevoke: tap.StateRevoked,
			tap.EventExpire: tap.StateExpired},
		tap.StateDelivered: {tap.EventConfirm: tap.StateConfirmed, tap.EventRevoke: tap.StateRevoked,
			tap.EventExpire: tap.StateExpired},
	}
	events := []tap.Event{tap.EventApprove, tap.EventApproveLater, tap.EventClaim, tap.EventDeny, tap.EventCancel,
		tap.EventIssue, tap.EventDeliver, tap.EventFail, tap.EventConfirm, tap.EventRevoke, tap.EventExpire, tap.EventRequeue}
	for _, s := range tap.States {
		for _, e := range events {
			r := &tap.Request{State: s}
			err := tap.Apply(context.Background(), r, e)
			want, ok := allowed[s][e]
			switch {
			case ok && (err != nil || r.State != want):
				t.Errorf("%s --%s--> got %s, %v; want %s", s, e, r.State, err, want)
			case !ok && (!errors.Is(err, tap.ErrInvalidTransition) || r.State != s):
				t.Errorf("%s --%s--> got %s, %v; want refused", s, e, r.State, err)
			}
			if ok != tap.Can(s, e) {
				t.Errorf("Can(%s, %s) = %v", s, e, !ok)
			}
		}
		if s.Terminal() == (len(allowed[s]) > 0) {
			t.Errorf("%s: Terminal() = %v with %d ways out", s, s.Terminal(), len(allowed[s]))
		}
	}
}

func TestCloneIsDeep(t *testing.T) {
	by := tap.Actor{Name: "Alex"}
	r := &tap.Request{ID: "r1", Warnings: []string{"w"}, Alerted: []string{"a"}, Approvals: []tap.Decision{{Approver: by, At: time.Now()}},
		Refs: []tap.Ref{{Message: "m"}}, Sealed: []byte{1, 2, 3}, DecidedBy: &by, Feedback: &tap.Feedback{Score: 4}}
	c := r.Clone()
	c.Alerted[0], c.Feedback.Score = "x", 1
	c.Warnings[0], c.Approvals[0].Approver.Name, c.Refs[0].Message, c.Sealed[0], c.DecidedBy.Name = "x", "x", "x", 9, "x"
	if r.Alerted[0] != "a" || r.Feedback.Score != 4 || r.Warnings[0] != "w" || r.Approvals[0].Approver.Name != "Alex" || r.Refs[0].Message != "m" || r.Sealed[0] != 1 || r.DecidedBy.Name != "Alex" {
		t.Fatalf("clone aliases the original: %+v", r)
	}
	if (&tap.Request{}).Clone().Sealed != nil {
		t.Error("nil Sealed became non-nil")
	}
}

func TestReasonsAndRefusal(t *testing.T) {
	for _, r := range tap.Reasons {
		if !r.Valid() {
			t.Errorf("%s not valid", r)
		}
	}
	if tap.Reason("vacation").Valid() {
		t.Error("unknown reason accepted")
	}
	err := error(tap.Refuse(tap.ErrGuest, "Lee Gu is an external guest."))
	if !errors.Is(err, tap.ErrGuest) || err.Error() != "Lee Gu is an external guest." {
		t.Errorf("refusal: %v", err)
	}
}
