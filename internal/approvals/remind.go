package approvals

import (
	"context"
	"slices"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// NoticeRevealReminder: the requester has not revealed an approved pass;
// Detail is when it lapses (RFC 3339). Sent halfway through the reveal
// window and an hour before it ends.
const NoticeRevealReminder NoticeKind = "reveal_reminder"

// revealReminders are when the requester of r is reminded to reveal:
// halfway from from to r.RevealBy and an hour before it, those inside the
// window, in order, at least 15 minutes apart.
func revealReminders(from, by time.Time) []time.Time {
	if from.IsZero() || by.IsZero() {
		return nil
	}
	cands := []time.Time{from.Add(by.Sub(from) / 2), by.Add(-time.Hour)}
	slices.SortFunc(cands, time.Time.Compare)
	var out []time.Time
	for _, t := range cands {
		if t.After(from) && t.Before(by) && (len(out) == 0 || t.Sub(out[len(out)-1]) >= 15*time.Minute) {
			out = append(out, t)
		}
	}
	return out
}

// revealFrom is when r's reveal window began: the approval (issue on
// reveal) or the issue.
func revealFrom(r *tap.Request) time.Time {
	if r.State == tap.StateApproved {
		return r.DecidedAt
	}
	return r.IssuedAt
}

// nextRevealTimer is r's next reveal timer at now: the next reminder
// still to send, or RevealBy.
func nextRevealTimer(r *tap.Request, now time.Time) time.Time {
	rem := revealReminders(revealFrom(r), r.RevealBy)
	for i := r.RevealReminders; i < len(rem); i++ {
		if rem[i].After(now) {
			return rem[i]
		}
	}
	return r.RevealBy
}

// revealDue says what a due timer of an approved or issued request means
// at now: a reminder to send (remind), a later time to look again (at),
// or, neither, that the reveal window is over. A request stored before
// RevealBy existed lapses at its timer, as it did.
func revealDue(r *tap.Request, now time.Time) (remind bool, at time.Time) {
	if r.RevealBy.IsZero() || !now.Before(r.RevealBy) {
		return false, time.Time{}
	}
	rem := revealReminders(revealFrom(r), r.RevealBy)
	if r.RevealReminders < len(rem) && !now.Before(rem[r.RevealReminders]) {
		return true, time.Time{}
	}
	return false, nextRevealTimer(r, now)
}

// revealTick acts on the due timer of an approved or issued request: a
// reminder, a later look, or the lapse (detail; deletePass for a minted
// pass).
func (s *Service) revealTick(ctx context.Context, r *tap.Request, now time.Time, detail string, deletePass bool) error {
	remind, at := revealDue(r, now)
	switch {
	case remind:
		return s.remindReveal(ctx, r, now)
	case !at.IsZero():
		return s.setTimer(ctx, r, now, at)
	}
	return s.expire(ctx, r, NoticeLapsed, detail, deletePass)
}

// remindReveal tells the requester their pass waits to be revealed and
// when it lapses, once per reminder time.
func (s *Service) remindReveal(ctx context.Context, listed *tap.Request, now time.Time) error {
	var notice string
	r, err := s.run(ctx, listed.ID, step{action: "remind_reveal",
		decide: func(c *tap.Request) (map[string]string, error) {
			if err := due(c, listed, now); err != nil {
				return nil, err
			}
			// Skip the reminders whose time has passed too (a sweep that
			// ran late sends one, not a burst).
			rem := revealReminders(revealFrom(c), c.RevealBy)
			for c.RevealReminders < len(rem) && !now.Before(rem[c.RevealReminders]) {
				c.RevealReminders++
			}
			c.NextTimer = nextRevealTimer(c, now)
			notice = s.enqueue(c, NoticeRevealReminder, nil, c.RevealBy.UTC().Format(time.RFC3339))
			return map[string]string{"reveal_by": c.RevealBy.UTC().Format(time.RFC3339)}, nil
		}})
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "requester reminded to reveal", "request_id", r.ID, "reminder", r.RevealReminders)
	s.deliver(ctx, r, notice)
	return nil
}

// NoticeSetupReminder: the new hire has had half the pass's life and has
// not said "done"; the requester is told once, with when the pass ends.
const NoticeSetupReminder NoticeKind = "setup_reminder"

// setupHalf is halfway through a delivered pass's life (from its start,
// or the reveal when later), zero when unknown.
func setupHalf(r *tap.Request) time.Time {
	from := r.PassStart
	if r.RevealedAt.After(from) {
		from = r.RevealedAt
	}
	if from.IsZero() || r.PassExpires.IsZero() || !r.PassExpires.After(from) {
		return time.Time{}
	}
	return from.Add(r.PassExpires.Sub(from) / 2)
}

// setupTimer is a just-delivered request's timer: halfway through the
// pass's life for the setup reminder, else the pass's end.
func setupTimer(r *tap.Request) time.Time {
	if h := setupHalf(r); !h.IsZero() && r.SetupReminded.IsZero() {
		return h
	}
	return r.PassExpires
}

// remindSetup tells the requester, once, that the new hire has not
// confirmed setup halfway through the pass's life.
func (s *Service) remindSetup(ctx context.Context, listed *tap.Request, now time.Time) error {
	var notice string
	r, err := s.run(ctx, listed.ID, step{action: "remind_setup",
		decide: func(c *tap.Request) (map[string]string, error) {
			if err := due(c, listed, now); err != nil {
				return nil, err
			}
			c.SetupReminded, c.NextTimer = now, c.PassExpires
			notice = s.enqueue(c, NoticeSetupReminder, nil, c.PassExpires.UTC().Format(time.RFC3339))
			return nil, nil
		}})
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx, "requester reminded of an unfinished setup", "request_id", r.ID)
	s.deliver(ctx, r, notice)
	return nil
}
