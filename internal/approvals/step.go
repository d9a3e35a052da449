package approvals

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/attribute"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
	"github.com/tapbot/tapbot/internal/tracing"
)

// step is one audited transition of a request. Its parts run in a fixed
// order so that nothing with an effect is repeated when a
// compare-and-swap loses:
//
//  1. decide, on a copy of the stored request: pure (no I/O), it changes
//     the copy and returns the audit detail, or refuses. It runs again on
//     the fresh request whenever the compare-and-swap loses.
//  2. check, once, on the request as first read: reads that may be slow
//     or go to Graph (the Checker).
//  3. The intent is audited ("<action>:intent"). When must is set this
//     fails closed: no record, no change.
//  4. act, once: the step's effect outside the store (deleting a pass in
//     Graph), done before the commit so a failure leaves the request as
//     it was.
//  5. The compare-and-swap; then the outcome is audited once
//     ("<action>:ok", best effort: the intent is already in the trail).
//
// A refusal (*tap.Refusal) is audited once, as "<action>:refused".
type step struct {
	action string
	actor  *tap.Actor
	must   bool
	decide func(r *tap.Request) (detail map[string]string, err error)
	check  func(ctx context.Context, r *tap.Request) error
	act    func(ctx context.Context, r *tap.Request) error
}

// run performs st on request id and returns the committed request, or the
// current stored one and the error.
func (s *Service) run(ctx context.Context, id tap.RequestID, st step) (_ *tap.Request, err error) {
	ctx, span := tracing.Start(ctx, "approvals."+st.action, attribute.String("tapbot.request_id", string(id)))
	defer func() { tracing.End(span, err) }()
	cur, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	next, detail, err := s.decideOn(ctx, cur, st)
	if err != nil {
		return cur, err
	}
	if st.check != nil {
		if err := st.check(ctx, cur); err != nil {
			return cur, s.refusal(ctx, cur, st, err)
		}
	}
	if st.must {
		if err := s.record(ctx, next, st.actor, st.action, "intent", true, detail); err != nil {
			return cur, err
		}
	}
	if st.act != nil {
		if err := st.act(ctx, next); err != nil {
			return cur, err
		}
	}
	for range maxCAS {
		next.UpdatedAt = s.now()
		err := s.store.UpdateRequest(ctx, next)
		if err == nil {
			_ = s.record(ctx, next, st.actor, st.action, "ok", false, detail)
			return next, nil
		}
		if !errors.Is(err, tap.ErrConflict) {
			return cur, fmt.Errorf("save request %s: %w", id, err)
		}
		s.log.DebugContext(ctx, "compare-and-swap lost, reloading", "request_id", id, "version", cur.Version)
		if cur, err = s.load(ctx, id); err != nil {
			return nil, err
		}
		if next, detail, err = s.decideOn(ctx, cur, st); err != nil {
			return cur, err
		}
	}
	return cur, fmt.Errorf("update request %s: %w: %w", id, errGaveUp, tap.ErrConflict)
}

// decideOn runs st.decide on a copy of cur; a refusal is audited.
func (s *Service) decideOn(ctx context.Context, cur *tap.Request, st step) (*tap.Request, map[string]string, error) {
	next := cur.Clone()
	detail, err := st.decide(next)
	if err != nil {
		return nil, nil, s.refusal(ctx, cur, st, err)
	}
	return next, detail, nil
}

// refusal audits err when it is a refusal and returns it.
func (s *Service) refusal(ctx context.Context, r *tap.Request, st step, err error) error {
	var ref *tap.Refusal
	if errors.As(err, &ref) {
		_ = s.record(ctx, r, st.actor, st.action, "refused", false, map[string]string{"reason": ref.Error()})
	}
	return err
}

// load reads request id; a missing one is a plain refusal.
func (s *Service) load(ctx context.Context, id tap.RequestID) (*tap.Request, error) {
	r, err := s.store.GetRequest(ctx, id)
	if err != nil {
		if errors.Is(err, tap.ErrNotFound) {
			return nil, tap.Refuse(tap.ErrNotFound, text.RequestGone)
		}
		return nil, fmt.Errorf("load request %s: %w", id, err)
	}
	return r, nil
}
