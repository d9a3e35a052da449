package approvals

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// Submit runs the policy checks on a draft request, stores it as pending
// with a fresh random id and the reminder timer, and tells the approvers
// (NoticeSubmitted). r is not modified; the stored request is returned.
// Refusals are *tap.Refusal from the Checker, audited as "refused".
func (s *Service) Submit(ctx context.Context, draft *tap.Request) (*tap.Request, error) {
	return s.submit(ctx, draft, "", nil)
}

// Check runs every check Submit would run on draft and returns the
// request as it would be submitted (the target read from Entra, defaults
// filled in, warnings), storing nothing and telling nobody: the intake
// API's validation of a batch before it is sent. A refusal is audited as
// "check", so probing who may get a pass leaves a trace.
func (s *Service) Check(ctx context.Context, draft *tap.Request) (*tap.Request, error) {
	r := draft.Clone()
	if (r.Target.ID == "" && r.Target.UPN == "" && r.Target.Mail == "") || who(r.Requester) == "" {
		return nil, tap.Refuse(tap.ErrInvalidInput, text.SubmitMissing)
	}
	warnings, err := s.check.CheckSubmit(ctx, r)
	if err != nil {
		var ref *tap.Refusal
		if errors.As(err, &ref) {
			return nil, s.refused(ctx, r, r.Requester, "check", ref)
		}
		return nil, fmt.Errorf("check request: %w", err)
	}
	r.State, r.Start, r.Warnings = tap.StatePending, r.Start.UTC(), warnings
	r.ApprovalsNeeded = max(r.ApprovalsNeeded, 1)
	return snapshot(r), nil
}

// SubmitAs is Submit with the new request's id chosen by the caller: the
// intake API derives it from the caller's idempotency key, so a retry
// whose first answer was lost finds its request. An empty id draws a
// random one; an id already taken is refused like a second open request.
func (s *Service) SubmitAs(ctx context.Context, draft *tap.Request, id tap.RequestID) (*tap.Request, error) {
	return s.submit(ctx, draft, id, nil)
}

// submit is SubmitAs; prepare, when set, runs with the new request's id
// after the policy checks and before anything is recorded or stored (a
// reissue closes the request it replaces and deletes its pass there).
// draft.ID, when set, is the request being replaced: the checks do not
// count it as open.
func (s *Service) submit(ctx context.Context, draft *tap.Request, id tap.RequestID, prepare func(ctx context.Context, id tap.RequestID) error) (*tap.Request, error) {
	r := draft.Clone()
	missing := tap.Refuse(tap.ErrInvalidInput, text.SubmitMissing)
	if (r.Target.ID == "" && r.Target.UPN == "" && r.Target.Mail == "") || who(r.Requester) == "" {
		return nil, missing
	}
	// Quotas are counted by the Checker and then the request is stored:
	// one submit per requester at a time (a store lease, so across
	// replicas too) keeps that check-then-insert atomic.
	release, err := s.submitLock(ctx, r.Requester)
	if err != nil {
		return nil, err
	}
	defer release() // idempotent; released early once the request is stored
	// The Checker reads the target live and fills r.Target from Entra.
	warnings, err := s.check.CheckSubmit(ctx, r)
	if err != nil {
		var ref *tap.Refusal
		if errors.As(err, &ref) {
			return nil, s.refused(ctx, r, r.Requester, "submit", ref)
		}
		return nil, fmt.Errorf("check request: %w", err)
	}
	if r.Target.ID == "" {
		return nil, missing
	}
	if id == "" {
		if id, err = newID(); err != nil {
			return nil, err
		}
	}
	if prepare != nil {
		if err := prepare(ctx, id); err != nil {
			return nil, err
		}
	}
	now := s.now()
	*r = tap.Request{
		ID: id, State: tap.StatePending, Requester: r.Requester, Target: r.Target,
		Start: r.Start.UTC(), Lifetime: r.Lifetime, OneTime: r.OneTime, Reason: r.Reason,
		Justification: r.Justification, RequesterZone: r.RequesterZone, HireZone: r.HireZone,
		Warnings: warnings, ApprovalsNeeded: max(r.ApprovalsNeeded, 1), Refs: r.Refs, Intake: r.Intake, Batch: r.Batch,
		ReissueOf: r.ReissueOf, SameApprovers: r.SameApprovers,
		CreatedAt: now, UpdatedAt: now, NextTimer: now.Add(s.cfg.ApprovalWindow / 2),
	}
	detail := map[string]string{
		"reason": string(r.Reason), "lifetime": r.Lifetime.String(), "approvals_needed": strconv.Itoa(r.ApprovalsNeeded)}
	if r.Intake != nil {
		// Made by an application in the requester's name: the trail says
		// which one, not only the person it named.
		detail["via"] = "api:" + r.Intake.Caller
	}
	if r.ReissueOf != "" {
		detail["reissue_of"] = string(r.ReissueOf)
	}
	if err := s.record(ctx, r, &r.Requester, "submit", "ok", true, detail); err != nil {
		return nil, err
	}
	notice := s.enqueue(r, NoticeSubmitted, &r.Requester, "")
	err = s.store.CreateRequest(ctx, r)
	release() // the quota-relevant insert is done; the notices need no lock
	if err != nil {
		if errors.Is(err, tap.ErrConflict) {
			if q := s.reissuedAs(ctx, r.ReissueOf, r.Target.ID); q != nil {
				return snapshot(q), s.refused(ctx, r, r.Requester, "submit", s.alreadyReissued(q))
			}
			// Another submit for the same new hire won the race.
			return nil, s.refused(ctx, r, r.Requester, "submit", tap.Refuse(tap.ErrQuota, text.OpenRaced(targetName(r.Target))))
		}
		return nil, fmt.Errorf("store request: %w", err)
	}
	s.log.InfoContext(ctx, "request submitted", "request_id", r.ID, "requester", who(r.Requester), "target", r.Target.ID, "reason", r.Reason)
	s.deliver(ctx, r, notice)
	return snapshot(r), nil
}

// decidable says whether actor may decide r now: r is pending, inside
// its approval window, and not already approved by actor. Pure: it runs
// again on every compare-and-swap retry. Who may approve at all is the
// Checker's (see checkDecision), asked once per click.
func (s *Service) decidable(r *tap.Request, actor tap.Actor) error {
	if r.State != tap.StatePending {
		return s.moved(r)
	}
	if end := r.CreatedAt.Add(s.cfg.ApprovalWindow); !s.now().Before(end) {
		return tap.Refuse(tap.ErrInvalidTransition,
			text.ExpiredUndecided(clock(end, s.now())))
	}
	for _, d := range r.Approvals {
		if same(d.Approver, actor) {
			return tap.Refuse(tap.ErrSelfApproval, text.SecondApprover)
		}
	}
	if r.Batch != nil && same(r.Batch.Submitter, actor) {
		// Whoever a row names as requester, the person who sent the
		// batch does not approve any of it.
		return tap.Refuse(tap.ErrSelfApproval, text.BulkOwnBatch)
	}
	return nil
}

// checkDecision asks the Checker (check: CheckApprove or CheckDecision)
// whether actor may decide r, reading Entra.
func (s *Service) checkDecision(actor tap.Actor, check func(context.Context, *tap.Request, tap.Actor) error) func(ctx context.Context, r *tap.Request) error {
	return func(ctx context.Context, r *tap.Request) error {
		if err := check(ctx, r, actor); err != nil {
			var ref *tap.Refusal
			if errors.As(err, &ref) {
				return err
			}
			return fmt.Errorf("check decision by %s: %w", who(actor), err)
		}
		return nil
	}
}

// Approve records actor's approval. A request needing two approvers moves
// on at the second distinct approver (NoticeApproval at the first). The
// final approval either claims the request for issuance (pending →
// issuing by compare-and-swap; only the winner calls Graph, once) and
// returns it issued (NoticeIssuing while Graph creates it, then
// NoticeIssued), or, in issue-on-reveal mode, moves it
// to approved (NoticeApproved). A click that lost the race gets the
// current request and a refusal saying who decided and when.
//
// Fail closed: if the "approve" intent cannot be written the request
// stays pending; if the "issue" record (written after the claim, before
// Graph) or the "issued" record (after Graph, before sealing) cannot be
// written, no pass is created or the created one is deleted, and the
// request moves to failed with a reason saying so (the lifecycle has no
// way back to pending, and a half-audited claim must not be retried).
func (s *Service) Approve(ctx context.Context, id tap.RequestID, actor tap.Actor) (*tap.Request, error) {
	return s.approveAs(ctx, id, actor, false)
}

// ApproveQueued is Approve with the same checks and audit, except that
// the final approval in issue-on-approval mode does not create the pass
// inside the click: the request moves to approved with IssueQueued set
// (NoticeQueued: the cards say it is queued, the requester is told
// nothing yet) and the issuer (RunIssuer) creates it at Graph's write
// limit, NoticeIssued then telling the requester. In issue-on-reveal mode
// it is Approve.
func (s *Service) ApproveQueued(ctx context.Context, id tap.RequestID, actor tap.Actor) (*tap.Request, error) {
	return s.approveAs(ctx, id, actor, s.cfg.IssueOn == IssueOnApproval)
}

func (s *Service) approveAs(ctx context.Context, id tap.RequestID, actor tap.Actor, queue bool) (*tap.Request, error) {
	var final bool
	var from tap.State
	var notice string
	r, err := s.run(ctx, id, step{action: "approve", actor: &actor, must: true, check: s.checkDecision(actor, s.check.CheckApprove),
		decide: func(r *tap.Request) (map[string]string, error) {
			if err := s.decidable(r, actor); err != nil {
				return nil, err
			}
			from = r.State
			var err error
			if final, err = s.approve(r, actor, queue); err != nil {
				return nil, err
			}
			detail := map[string]string{"approvals": fmt.Sprintf("%d/%d", len(r.Approvals), r.ApprovalsNeeded)}
			if final {
				detail["to"] = string(r.State)
			}
			switch {
			case !final:
				notice = s.enqueue(r, NoticeApproval, &actor, "")
			case r.Queued():
				notice = s.enqueue(r, NoticeQueued, &actor, "")
			case r.State == tap.StateApproved:
				notice = s.enqueue(r, NoticeApproved, &actor, "")
			case r.State == tap.StateIssuing:
				notice = s.enqueue(r, NoticeIssuing, &actor, "")
			}
			return detail, nil
		}})
	if err != nil {
		return snapshot(r), err
	}
	if !final {
		s.log.InfoContext(ctx, "approval recorded", "request_id", r.ID, "approver", who(actor), "approvals", len(r.Approvals))
		s.deliver(ctx, r, notice)
		return snapshot(r), nil
	}
	s.logTransition(ctx, r, from, tap.EventApprove, &actor)
	s.deliver(ctx, r, notice)
	if r.State == tap.StateApproved {
		if r.Queued() {
			s.wakeIssuer()
		}
		return snapshot(r), nil
	}
	r, err = s.issueSealed(ctx, r, actor)
	return snapshot(r), err
}

// approve adds actor's approval to r and, at the last one needed, moves
// r on (issuing; approved in issue-on-reveal mode, or queued for the
// issuer when queue is set). It reports whether that was the final
// approval.
func (s *Service) approve(r *tap.Request, actor tap.Actor, queue bool) (bool, error) {
	now := s.now()
	r.Approvals = append(r.Approvals, tap.Decision{Approver: actor, At: now})
	if len(r.Approvals) < r.ApprovalsNeeded {
		return false, nil
	}
	event := tap.EventApprove
	if s.cfg.IssueOn == IssueOnReveal || queue {
		event = tap.EventApproveLater
	}
	if err := s.apply(r, event); err != nil {
		return false, err
	}
	a := actor
	r.DecidedBy, r.DecidedAt = &a, now
	if r.State == tap.StateIssuing {
		r.IssuedAt = now // the claim: passes Graph dates after this are ours
		r.NextTimer = now.Add(stuckAfter)
	} else {
		// Queued: the issuer has until the same deadline to create the
		// pass (queueTick expires it then); no reveal reminders meanwhile.
		r.RevealBy = s.unrevealedDeadline(r)
		r.NextTimer = nextRevealTimer(r, now)
		if queue {
			r.IssueQueued, r.NextTimer = now, r.RevealBy
		}
	}
	return true, nil
}

// apply moves r by event through the lifecycle table (pure).
func (s *Service) apply(r *tap.Request, event tap.Event) error {
	if err := tap.Apply(context.Background(), r, event); err != nil {
		return fmt.Errorf("%s request %s: %w", event, r.ID, err)
	}
	return nil
}

// Deny moves a pending request to denied with the approver's reason
// (NoticeDenied). The Checker decides who may deny, as for Approve.
func (s *Service) Deny(ctx context.Context, id tap.RequestID, actor tap.Actor, reason string) (*tap.Request, error) {
	var notice string
	r, err := s.run(ctx, id, step{action: "deny", actor: &actor, must: true, check: s.checkDecision(actor, s.check.CheckDecision),
		decide: func(r *tap.Request) (map[string]string, error) {
			if err := s.decidable(r, actor); err != nil {
				return nil, err
			}
			if err := s.apply(r, tap.EventDeny); err != nil {
				return nil, err
			}
			now := s.now()
			a := actor
			r.DecidedBy, r.DecidedAt, r.ClosedAt, r.DecisionReason, r.NextTimer = &a, now, now, reason, time.Time{}
			notice = s.enqueue(r, NoticeDenied, &actor, reason)
			return map[string]string{"decision_reason": reason}, nil
		}})
	if err != nil {
		return snapshot(r), err
	}
	s.logTransition(ctx, r, tap.StatePending, tap.EventDeny, &actor)
	s.deliver(ctx, r, notice)
	return snapshot(r), nil
}

// Cancel lets the requester withdraw a request that has not been issued
// (pending, or approved in issue-on-reveal mode). NoticeCancelled.
func (s *Service) Cancel(ctx context.Context, id tap.RequestID, actor tap.Actor) (*tap.Request, error) {
	return s.cancel(ctx, id, actor, func(r *tap.Request) bool { return same(r.Requester, actor) },
		text.CancelNotRequester)
}

// Withdraw lets the system that made a request through the intake API
// (actor is that caller, Platform "api", ChatID its caller id) withdraw it
// before it is issued, as Cancel does for a requester. NoticeCancelled.
func (s *Service) Withdraw(ctx context.Context, id tap.RequestID, actor tap.Actor) (*tap.Request, error) {
	return s.cancel(ctx, id, actor, func(r *tap.Request) bool {
		return r.Intake != nil && actor.Platform == PlatformAPI && actor.ChatID != "" && actor.ChatID == r.Intake.Caller
	}, text.WithdrawNotCaller)
}

// PlatformAPI is the Actor.Platform of a caller of the intake API.
const PlatformAPI tap.Platform = "api"

func (s *Service) cancel(ctx context.Context, id tap.RequestID, actor tap.Actor, allowed func(*tap.Request) bool, forbidden string) (*tap.Request, error) {
	var from tap.State
	var notice string
	r, err := s.run(ctx, id, step{action: "cancel", actor: &actor, must: true,
		decide: func(r *tap.Request) (map[string]string, error) {
			if !allowed(r) {
				return nil, tap.Refuse(tap.ErrForbidden, forbidden)
			}
			if !tap.Can(r.State, tap.EventCancel) {
				return nil, s.moved(r)
			}
			from = r.State
			r.ClosedAt, r.NextTimer = s.now(), time.Time{}
			notice = s.enqueue(r, NoticeCancelled, &actor, "")
			return nil, s.apply(r, tap.EventCancel)
		}})
	if err != nil {
		return snapshot(r), err
	}
	s.logTransition(ctx, r, from, tap.EventCancel, &actor)
	s.deliver(ctx, r, notice)
	return snapshot(r), nil
}

// targetName names the new hire in sentences.
func targetName(u tap.User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.UPN
}

// submitLockTTL bounds how long one submit holds its requester's lease
// (the policy checks call Graph several times).
const submitLockTTL = 30 * time.Second

// submitLock takes the requester's submit lease, waiting while another
// submit of theirs finishes, and returns its release.
func (s *Service) submitLock(ctx context.Context, requester tap.Actor) (func(), error) {
	return s.waitLease(ctx, "submit:"+who(requester))
}

// waitLease takes the named store lease (for submitLockTTL), waiting while
// another holder has it, and returns its release.
func (s *Service) waitLease(ctx context.Context, name string) (func(), error) {
	id, err := newID()
	if err != nil {
		return nil, err
	}
	holder := string(id)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		ok, err := s.store.AcquireLease(ctx, name, holder, submitLockTTL)
		if err != nil {
			return nil, fmt.Errorf("lease %s: %w", name, err)
		}
		if ok {
			var once sync.Once
			return func() {
				once.Do(func() {
					rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
					defer cancel()
					_, _ = s.store.AcquireLease(rctx, name, holder, 0)
				})
			}, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("lease %s: %w", name, ctx.Err())
		case <-time.After(wait):
		}
	}
}
