package approvals

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// Get returns the request (without its sealed bytes). A missing request
// is a *tap.Refusal wrapping tap.ErrNotFound.
func (s *Service) Get(ctx context.Context, id tap.RequestID) (*tap.Request, error) {
	r, err := s.store.GetRequest(ctx, id)
	if err != nil {
		if errors.Is(err, tap.ErrNotFound) {
			return nil, tap.Refuse(tap.ErrNotFound, text.RequestGone)
		}
		return nil, fmt.Errorf("get request %s: %w", id, err)
	}
	return snapshot(r), nil
}

// Mine lists the requests actor asked for, oldest first.
func (s *Service) Mine(ctx context.Context, actor tap.Actor) ([]*tap.Request, error) {
	if actor.EntraID == "" {
		return nil, tap.Refuse(tap.ErrInvalidInput, text.MineNoAccount)
	}
	rs, err := s.store.ListRequests(ctx, tap.RequestFilter{Requester: actor.EntraID})
	if err != nil {
		return nil, fmt.Errorf("list requests of %s: %w", actor.EntraID, err)
	}
	return snapshots(rs), nil
}

// Pending lists the requests waiting for a decision, oldest first. Only
// approvers (checked now) may see them.
func (s *Service) Pending(ctx context.Context, actor tap.Actor) ([]*tap.Request, error) {
	ok, err := s.check.IsApprover(ctx, actor)
	if err != nil {
		return nil, fmt.Errorf("check approver %s: %w", who(actor), err)
	}
	if !ok {
		return nil, tap.Refuse(tap.ErrForbidden, text.PendingNotApprover)
	}
	rs, err := s.store.ListRequests(ctx, tap.RequestFilter{States: []tap.State{tap.StatePending}})
	if err != nil {
		return nil, fmt.Errorf("list pending requests: %w", err)
	}
	return snapshots(rs), nil
}

// IsApprover reports whether actor is in an approver group now (the
// Checker decides; nothing is cached).
func (s *Service) IsApprover(ctx context.Context, actor tap.Actor) (bool, error) {
	ok, err := s.check.IsApprover(ctx, actor)
	if err != nil {
		return false, fmt.Errorf("check approver %s: %w", who(actor), err)
	}
	return ok, nil
}

// AddRefs appends chat message refs (approval cards) to the request,
// skipping ones it already has, retrying on concurrent updates. It works
// in every state.
func (s *Service) AddRefs(ctx context.Context, id tap.RequestID, refs ...tap.Ref) error {
	return s.addRefs(ctx, id, func(r *tap.Request) *[]tap.Ref { return &r.Refs }, refs)
}

// AddRequesterRefs appends the refs of requester messages that carry the
// request's buttons, like AddRefs.
func (s *Service) AddRequesterRefs(ctx context.Context, id tap.RequestID, refs ...tap.Ref) error {
	return s.addRefs(ctx, id, func(r *tap.Request) *[]tap.Ref { return &r.RequesterRefs }, refs)
}

// AddSummaryRef records the requester's summary the request was confirmed
// on as the oldest of its requester messages (the notices that follow are
// newer, whenever they land).
func (s *Service) AddSummaryRef(ctx context.Context, id tap.RequestID, ref tap.Ref) error {
	_, err := s.update(ctx, id, func(r *tap.Request) error {
		if slices.Contains(r.RequesterRefs, ref) {
			return errUnchanged
		}
		r.RequesterRefs = slices.Insert(r.RequesterRefs, 0, ref)
		return nil
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		return fmt.Errorf("add summary ref to %s: %w", id, err)
	}
	return nil
}

func (s *Service) addRefs(ctx context.Context, id tap.RequestID, field func(*tap.Request) *[]tap.Ref, refs []tap.Ref) error {
	_, err := s.update(ctx, id, func(r *tap.Request) error {
		list := field(r)
		n := len(*list)
		for _, ref := range refs {
			if !slices.Contains(*list, ref) {
				*list = append(*list, ref)
			}
		}
		if len(*list) == n {
			return errUnchanged // nothing new: no write
		}
		return nil
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		return fmt.Errorf("add refs to %s: %w", id, err)
	}
	return nil
}

// errUnchanged skips a write that would change nothing.
var errUnchanged = errors.New("nothing to change")

func snapshots(rs []*tap.Request) []*tap.Request {
	out := make([]*tap.Request, len(rs))
	for i, r := range rs {
		out[i] = snapshot(r)
	}
	return out
}

// Refused audits a click the chat layer refused before it reached the
// service (a guest or an unidentified chat user pressing Approve), so every
// refused action is on the trail. It returns ref unchanged.
func (s *Service) Refused(ctx context.Context, id tap.RequestID, actor tap.Actor, action string, ref error) error {
	var r *tap.Request
	if id != "" {
		if got, err := s.store.GetRequest(ctx, id); err == nil {
			r = got
		}
	}
	return s.refused(ctx, r, actor, action, ref)
}
