package approvals

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// howToAdd says, per method kind, what to add and where.
var howToAdd = map[tap.MethodKind]string{
	tap.MethodWindowsHello:  "Windows Hello for Business (Windows offers it right after you sign in with the pass)",
	tap.MethodAuthenticator: "Microsoft Authenticator (add it at https://aka.ms/mysecurityinfo)",
	tap.MethodFIDO2:         "a passkey or security key (add it at https://aka.ms/mysecurityinfo)",
	tap.MethodPlatformCred:  "a platform credential (macOS Platform SSO)",
	tap.MethodSoftwareOATH:  "an authenticator app code (add it at https://aka.ms/mysecurityinfo)",
	tap.MethodPhone:         "a phone number (add it at https://aka.ms/mysecurityinfo)",
}

// Confirm closes the loop when the new hire says they are done: it finds
// their delivered request, checks in Entra that one of the configured
// methods is registered, deletes the pass and moves the request to
// confirmed (NoticeConfirmed; Detail names the method found, and the time
// from reveal to setup is Request.ClosedAt − Request.RevealedAt). With no
// such method it returns a refusal naming what to add and where.
func (s *Service) Confirm(ctx context.Context, newHire tap.Actor) (*tap.Request, error) {
	if newHire.EntraID == "" {
		return nil, tap.Refuse(tap.ErrInvalidInput, "I couldn't match you to a Microsoft Entra account, so I can't check your sign-in methods.")
	}
	open, err := s.store.ListRequests(ctx, tap.RequestFilter{Target: newHire.EntraID, States: []tap.State{tap.StateDelivered}})
	if err != nil {
		return nil, fmt.Errorf("find delivered request for %s: %w", newHire.EntraID, err)
	}
	if len(open) == 0 {
		return nil, tap.Refuse(tap.ErrNotFound, "I have no delivered Temporary Access Pass for you, so there is nothing to confirm.")
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

func howName(k tap.MethodKind) string {
	if h, ok := howToAdd[k]; ok {
		if i := strings.Index(h, " ("); i > 0 {
			return h[:i]
		}
		return h
	}
	return string(k)
}

// missing is the sentence for a new hire with no qualifying method.
func (s *Service) missing() string {
	var opts []string
	for _, k := range s.cfg.ConfirmMethods {
		if h, ok := howToAdd[k]; ok {
			opts = append(opts, h)
		} else {
			opts = append(opts, string(k))
		}
	}
	list := opts[0]
	if len(opts) > 1 {
		list = strings.Join(opts[:len(opts)-1], ", ") + " or " + opts[len(opts)-1]
	}
	return "I don't see a passwordless sign-in method on your account yet. Set up " + list + ", then tell me \"done\" again."
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
				return nil, tap.Refuse(tap.ErrConflict, "The pass is being created right now. Try again in a moment.")
			}
			if !tap.Can(r.State, tap.EventRevoke) {
				return nil, s.moved(r)
			}
			from = r.State
			r.Sealed, r.ClosedAt, r.NextTimer = nil, s.now(), time.Time{}
			notice = s.enqueue(r, NoticeRevoked, &actor, "")
			return nil, s.apply(r, tap.EventRevoke)
		},
		check: func(ctx context.Context, r *tap.Request) error {
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
		},
		act: s.deletePass,
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
