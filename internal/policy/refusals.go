package policy

import (
	"errors"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// Every refusal of the checks, as the sentinel it wraps; the sentences
// (and the warnings) are in internal/text/refusals.go.

func refuseTargetNotFound(who string) error {
	return tap.Refuse(tap.ErrUserNotFound, text.TargetNotFound(who))
}

func refuseDisabled(u tap.User) error { return tap.Refuse(tap.ErrDisabled, text.Disabled(u)) }

func refuseGuest(u tap.User, org string) error { return tap.Refuse(tap.ErrGuest, text.Guest(u, org)) }

func refusePrivileged(u tap.User, ra tap.RoleAssignment) error {
	return tap.Refuse(tap.ErrPrivileged, text.Privileged(u, ra))
}

func refuseRolesUnknown(u tap.User) error { return tap.Refuse(tap.ErrPermission, text.RolesUnknown(u)) }

func refuseMethodDisabled() error { return tap.Refuse(tap.ErrMethodDisabled, text.MethodDisabled) }

func refuseExcluded(u tap.User) error { return tap.Refuse(tap.ErrMethodDisabled, text.Excluded(u)) }

func refuseNotIncluded(u tap.User) error {
	return tap.Refuse(tap.ErrMethodDisabled, text.NotIncluded(u))
}

func refuseUnknownReason(r tap.Reason) error {
	return tap.Refuse(tap.ErrInvalidInput, text.UnknownReason(r))
}

func refuseTooShort(lifetime, min time.Duration) error {
	return tap.Refuse(tap.ErrLifetimeRange, text.TooShort(lifetime, min))
}

func refuseTooLong(lifetime time.Duration, lim limit, r tap.Reason) error {
	return tap.Refuse(tap.ErrLifetimeRange, text.TooLong(lifetime, lim.max, lim.source, r))
}

func refuseNoLifetimeFits(lim limit, r tap.Reason) error {
	return tap.Refuse(tap.ErrLifetimeRange, text.NoLifetimeFits(lim.min, lim.max, lim.source, r))
}

func refuseStartPast(start time.Time, zone string) error {
	return tap.Refuse(tap.ErrStartInPast, text.StartPast(start, zone))
}

func refuseStartTooFar(start time.Time, zone string, ahead time.Duration) error {
	return tap.Refuse(tap.ErrPolicy, text.StartTooFar(start, zone, ahead))
}

func refuseSelfRequest() error { return tap.Refuse(tap.ErrForbidden, text.SelfRequest) }

func refuseRequesterUnknown() error { return tap.Refuse(tap.ErrForbidden, text.RequesterUnknown) }

func refuseRequesterDisabled() error { return tap.Refuse(tap.ErrForbidden, text.RequesterDisabled) }

func refuseRequesterGuest() error { return tap.Refuse(tap.ErrGuest, text.GuestActor) }

func refuseOpenForTarget(u tap.User, open *tap.Request, now time.Time) error {
	return tap.Refuse(tap.ErrQuota, text.OpenForTarget(u, open, now))
}

func refuseOpenQuota(n int) error { return tap.Refuse(tap.ErrQuota, text.OpenQuota(n)) }

func refuseDailyQuota(n int) error { return tap.Refuse(tap.ErrQuota, text.DailyQuota(n)) }

func refuseDeciderUnknown() error { return tap.Refuse(tap.ErrForbidden, text.DeciderUnknown) }

func refuseDeciderIsRequester() error {
	return tap.Refuse(tap.ErrSelfApproval, text.DeciderIsRequester)
}

func refuseDeciderIsTarget() error { return tap.Refuse(tap.ErrSelfApproval, text.DeciderIsTarget) }

func refuseAlreadyApproved() error { return tap.Refuse(tap.ErrSelfApproval, text.AlreadyApproved) }

func refuseNotApprover(r tap.Reason) error {
	return tap.Refuse(tap.ErrForbidden, text.NotApproverFor(r))
}

func refuseRevoker(r tap.Reason) error { return tap.Refuse(tap.ErrForbidden, text.Revoker(r)) }

func refuseReissuer(r tap.Reason) error { return tap.Refuse(tap.ErrForbidden, text.Reissuer(r)) }

func refuseNotSameApprover(names []string) error {
	return tap.Refuse(tap.ErrForbidden, text.NotSameApprover(names))
}

func refuseDeciderDisabled() error { return tap.Refuse(tap.ErrForbidden, text.DeciderDisabled) }

func refuseDeciderGuest() error { return tap.Refuse(tap.ErrGuest, text.GuestActor) }

func warnLivePass(u tap.User, p tap.Pass, zone string) string { return text.WarnLivePass(u, p, zone) }

func warnLivePassUnknown(u tap.User) string { return text.WarnLivePassUnknown(u) }

func warnLifetimeClipped(r tap.Reason, want, got time.Duration, lim limit) string {
	return text.WarnLifetimeClipped(r, want, got, lim.source)
}

func warnOneTimeForced() string { return text.WarnOneTimeForced }

func refusePrivilegedTarget(u tap.User) error {
	return tap.Refuse(tap.ErrPrivileged, text.PrivilegedTarget(u))
}

func refusePrivilegedUnnamed(u tap.User) error {
	return tap.Refuse(tap.ErrPrivileged, text.PrivilegedUnnamed(u))
}

func refuseNowNeedsTwo(u tap.User) error { return tap.Refuse(tap.ErrPrivileged, text.NowNeedsTwo(u)) }

func refuseMayNotRequest(rq Requesters) error {
	return tap.Refuse(tap.ErrForbidden, text.MayNotRequest(rq.Manager, len(rq.Groups) > 0))
}

func refuseApproverGone(a tap.Actor) error { return tap.Refuse(tap.ErrForbidden, text.ApproverGone(a)) }

func refuseRevealOtherAccount() error { return tap.Refuse(tap.ErrForbidden, text.RevealOtherAccount) }

// refuseRevealRequester wraps why the requester may no longer receive the pass.

func refuseRevealRequester(why error) error {
	msg := why.Error()
	var ref *tap.Refusal
	if errors.As(why, &ref) {
		msg = ref.Msg
	}
	return tap.Refuse(tap.ErrForbidden, text.RevealRequester(msg))
}

func evidenceMethod(u tap.User, m tap.Method) string { return text.EvidenceMethod(u, m) }

func evidenceOldAccount(u tap.User, days int) string { return text.EvidenceOldAccount(u, days) }

func warnTreatedAsRecovery(label tap.Reason, evidence string) string {
	return text.WarnTreatedAsRecovery(label, evidence)
}
