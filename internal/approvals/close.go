package approvals

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// Confirm closes the loop when the new hire says they are done: it finds
// their delivered request, checks in Entra that one of the configured
// methods is registered, deletes the pass and moves the request to
// confirmed (NoticeConfirmed; Detail names the method found, and the time
// from reveal to setup is Request.ClosedAt − Request.RevealedAt). With no
// such method it returns a refusal naming what to add and where.
func (s *Service) Confirm(ctx context.Context, newHire tap.Actor) (*tap.Request, error) {
	if newHire.EntraID == "" {
		return nil, tap.Refuse(tap.ErrInvalidInput, text.ConfirmNoAccount)
	}
	open, err := s.store.ListRequests(ctx, tap.RequestFilter{Target: newHire.EntraID, States: []tap.State{tap.StateDelivered}})
	if err != nil {
		return nil, fmt.Errorf("find delivered request for %s: %w", newHire.EntraID, err)
	}
	if len(open) == 0 {
		return nil, tap.Refuse(tap.ErrNotFound, text.ConfirmNothing)
	}
	r := open[len(open)-1] // newest
	methods, err := s.dir.Methods(ctx, newHire.EntraID)
	if err != nil {
		return snapshot(r), fmt.Errorf("list methods of %s: %w", newHire.EntraID, err)
	}
	var found tap.MethodKind
	for _, m := range methods {
		if slices.Contains(s.cfg.ConfirmMethods, m.Kind) {
			found = m.Kind
			break
		}
	}
	if found == "" {
		return snapshot(r), s.refused(ctx, r, newHire, "confirm", tap.Refuse(tap.ErrPolicy, s.missing()))
	}
	var notice string
	c, err := s.run(ctx, r.ID, step{action: "confirm", actor: &newHire,
		decide: func(c *tap.Request) (map[string]string, error) {
			if !tap.Can(c.State, tap.EventConfirm) {
				return nil, s.moved(c)
			}
			c.ClosedAt, c.NextTimer = s.now(), time.Time{}
			notice = s.enqueue(c, NoticeConfirmed, &newHire, howName(found))
			return map[string]string{"method": string(found)}, s.apply(c, tap.EventConfirm)
		},
		act: s.deletePass,
	})
	if err != nil {
		return snapshot(c), err
	}
	s.logTransition(ctx, c, tap.StateDelivered, tap.EventConfirm, &newHire)
	s.log.InfoContext(ctx, "setup confirmed", "request_id", c.ID, "method", found, "reveal_to_setup", span(c.ClosedAt.Sub(c.RevealedAt)))
	s.deliver(ctx, c, notice)
	return snapshot(c), nil
}

func howName(k tap.MethodKind) string { return text.MethodName(k) }

// missing is the sentence for a new hire with no qualifying method.
func (s *Service) missing() string {
	return text.NoMethodYet(s.cfg.ConfirmMethods)
}

// Revoke ends a pass early: the requester or any approver may do it for
// an approved, issued or delivered request. The pass is deleted in Entra
// before the request moves to revoked (NoticeRevoked), so a failed delete
// leaves the request as it was.
func (s *Service) Revoke(ctx context.Context, id tap.RequestID, actor tap.Actor) (*tap.Request, error) {
	var from tap.State
	var notice string
	r, err := s.run(ctx, id, step{action: "revoke", actor: &actor,
		decide: func(r *tap.Request) (map[string]string, error) {
			if r.State == tap.StateIssuing {
				return nil, tap.Refuse(tap.ErrConflict, text.RevokeWhileCreating)
			}
			if !tap.Can(r.State, tap.EventRevoke) {
				return nil, s.moved(r)
			}
			from = r.State
			r.Sealed, r.ClosedAt, r.NextTimer = nil, s.now(), time.Time{}
			notice = s.enqueue(r, NoticeRevoked, &actor, "")
			return nil, s.apply(r, tap.EventRevoke)
		},
		check: s.revoker(actor),
		act:   s.deletePass,
	})
	if err != nil {
		return snapshot(r), err
	}
	s.logTransition(ctx, r, from, tap.EventRevoke, &actor)
	s.deliver(ctx, r, notice)
	return snapshot(r), nil
}

// deletePass deletes r's pass in Entra, if it has one; one already gone
// is fine.
func (s *Service) deletePass(ctx context.Context, r *tap.Request) error {
	if r.MethodID == "" {
		return nil
	}
	if err := s.iss.DeletePass(ctx, r.Target.ID, r.MethodID); err != nil && !errors.Is(err, tap.ErrNotFound) {
		return fmt.Errorf("delete pass of request %s: %w", r.ID, err)
	}
	return nil
}

// revoker is the check of a step that ends a request early (revoke,
// withdraw): its requester may; anyone else must be an approver for its
// reason (CheckRevoke).
func (s *Service) revoker(actor tap.Actor) func(ctx context.Context, r *tap.Request) error {
	return func(ctx context.Context, r *tap.Request) error {
		if same(r.Requester, actor) {
			return nil
		}
		if err := s.check.CheckRevoke(ctx, r, actor); err != nil {
			var ref *tap.Refusal
			if !errors.As(err, &ref) {
				return fmt.Errorf("check approver %s: %w", who(actor), err)
			}
			return err
		}
		return nil
	}
}
