package approvals_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tapbot/tapbot/internal/approvals"
	"github.com/tapbot/tapbot/internal/tap"
)

// TestReplaceRefusals: every refusal of reissue, reschedule and withdraw
// leaves the request and its pass as they were and submits nothing.
func TestReplaceRefusals(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		issued bool
		try    func(e *env, id tap.RequestID) error
		want   error
	}{
		{"reissue while pending", false, func(e *env, id tap.RequestID) error {
			_, err := e.svc.Reissue(ctx, id, e.megan, nil)
			return err
		}, tap.ErrInvalidTransition},
		{"reissue by someone neither requester nor approver", true, func(e *env, id tap.RequestID) error {
			_, err := e.svc.Reissue(ctx, id, e.eve, nil)
			return err
		}, tap.ErrForbidden},
		{"withdraw without a reason", true, func(e *env, id tap.RequestID) error {
			_, err := e.svc.WithdrawOffer(ctx, id, e.megan, "")
			return err
		}, tap.ErrInvalidInput},
		{"withdraw by someone neither requester nor approver", true, func(e *env, id tap.RequestID) error {
			_, err := e.svc.WithdrawOffer(ctx, id, e.eve, "offer rescinded")
			return err
		}, tap.ErrForbidden},
		{"reschedule by someone neither requester nor approver", false, func(e *env, id tap.RequestID) error {
			_, err := e.svc.Reschedule(ctx, id, e.eve, e.stored(id).Start)
			return err
		}, tap.ErrForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, setup{})
			r := e.submit()
			if tc.issued {
				var err error
				if r, err = e.svc.Approve(ctx, r.ID, e.alex); err != nil {
					t.Fatal(err)
				}
			}
			before, passes := e.stored(r.ID), len(e.livePasses())
			err := tc.try(e, r.ID)
			var ref *tap.Refusal
			if !errors.As(err, &ref) || !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want a refusal wrapping %v", err, tc.want)
			}
			after := e.stored(r.ID)
			if after.Version != before.Version || len(e.livePasses()) != passes {
				t.Errorf("a refusal changed the request (v%d → v%d) or the passes (%d)", before.Version, after.Version, len(e.livePasses()))
			}
			if n := e.notes.count(approvals.NoticeSubmitted); n != 1 {
				t.Errorf("%d requests submitted, want only the original", n)
			}
		})
	}
}

// TestReissueAfterALostReplacement: a reissue closed the old request and
// then its new request was never stored (a crash, a failed write); the
// old request names a replacement that does not exist. Reissuing again
// works: one new request, the pass still deleted.
func TestReissueAfterALostReplacement(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, setup{})
	r, err := e.svc.Approve(ctx, e.submit().ID, e.alex)
	if err != nil {
		t.Fatal(err)
	}
	lost := e.stored(r.ID)
	lost.ReplacedBy = "never-stored"
	if err := e.store.UpdateRequest(ctx, lost); err != nil {
		t.Fatal(err)
	}
	nw, err := e.svc.Reissue(ctx, r.ID, e.megan, nil)
	if err != nil {
		t.Fatalf("reissue after a lost replacement: %v", err)
	}
	if nw.State != tap.StatePending || nw.ReissueOf != r.ID || e.stored(r.ID).ReplacedBy != nw.ID || len(e.livePasses()) != 0 {
		t.Fatalf("new %s reissue_of %q; old replaced_by %q; passes %d", nw.State, nw.ReissueOf, e.stored(r.ID).ReplacedBy, len(e.livePasses()))
	}
	if _, err := e.svc.Reissue(ctx, r.ID, e.megan, nil); !errors.Is(err, tap.ErrConflict) {
		t.Errorf("a second reissue: %v, want the refusal naming the first", err)
	}
}
