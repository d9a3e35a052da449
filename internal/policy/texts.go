package policy

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// This file is the one catalogue of what the policy says to people:
// every refusal (a *tap.Refusal wrapping its sentinel) and every warning.
// Sentences name the person, say why, and say what to do next. They
// never carry a pass value.

// Submit refusals.

func refuseTargetNotFound(who string) error {
	return tap.Refuse(tap.ErrUserNotFound, fmt.Sprintf(
		"I can't find %s in the directory. Check the spelling of the e-mail address or user name.", who))
}

func refuseDisabled(u tap.User) error {
	return tap.Refuse(tap.ErrDisabled, fmt.Sprintf(
		"%s's account is disabled, so a Temporary Access Pass would not let them sign in. Ask IT to enable the account first.", name(u)))
}

func refuseGuest(u tap.User, org string) error {
	return tap.Refuse(tap.ErrGuest, fmt.Sprintf(
		"%s is an external guest; a Temporary Access Pass can only be issued to members of %s.", name(u), org))
}

func refusePrivileged(u tap.User, ra tap.RoleAssignment) error {
	role := ra.RoleName
	if role == "" {
		role = "an admin role"
	} else {
		role = "the " + role + " role"
	}
	how := ""
	if ra.Eligible {
		how = " (eligible through Privileged Identity Management)"
	}
	return tap.Refuse(tap.ErrPrivileged, fmt.Sprintf(
		"%s holds %s%s; tapbot never issues a pass to an account with a directory role. A Privileged Authentication Administrator can do it in the Entra admin center if it is really needed.",
		name(u), role, how))
}

func refuseRolesUnknown(u tap.User) error {
	return tap.Refuse(tap.ErrPermission, fmt.Sprintf(
		"I can't check whether %s holds a directory role because tapbot lacks permission to read role assignments, so I won't request a pass. Ask IT to grant RoleManagement.Read.Directory.", name(u)))
}

func refuseMethodDisabled() error {
	return tap.Refuse(tap.ErrMethodDisabled,
		"The Temporary Access Pass method is turned off in this tenant's authentication methods policy, so no pass can be issued. Ask IT to enable it.")
}

func refuseExcluded(u tap.User) error {
	return tap.Refuse(tap.ErrMethodDisabled, fmt.Sprintf(
		"%s is excluded from the tenant's Temporary Access Pass policy, so they could not sign in with a pass. Ask IT to review the policy's exclusions.", name(u)))
}

func refuseNotIncluded(u tap.User) error {
	return tap.Refuse(tap.ErrMethodDisabled, fmt.Sprintf(
		"%s is not in a group the tenant's Temporary Access Pass policy includes, so they could not sign in with a pass. Ask IT to add them to an included group.", name(u)))
}

func refuseUnknownReason(r tap.Reason) error {
	return tap.Refuse(tap.ErrInvalidInput, fmt.Sprintf(
		"%q is not a reason I know. Pick one of: %s.", string(r), reasonList()))
}

func refuseTooShort(lifetime, min time.Duration) error {
	return tap.Refuse(tap.ErrLifetimeRange, fmt.Sprintf(
		"A pass lasting %s is shorter than the tenant's minimum of %s. Ask for at least %s.", human(lifetime), human(min), human(min)))
}

func refuseTooLong(lifetime time.Duration, lim limit, r tap.Reason) error {
	return tap.Refuse(tap.ErrLifetimeRange, fmt.Sprintf(
		"A pass lasting %s is longer than allowed: %s passes can last at most %s (%s).", human(lifetime), reasonWords(r), human(lim.max), lim.source))
}

func refuseNoLifetimeFits(lim limit, r tap.Reason) error {
	return tap.Refuse(tap.ErrLifetimeRange, fmt.Sprintf(
		"No length fits %s passes: the tenant's minimum is %s but the maximum is %s (%s). Ask IT to align the two.",
		reasonWords(r), human(lim.min), human(lim.max), lim.source))
}

func refuseStartPast(start time.Time, zone string) error {
	return tap.Refuse(tap.ErrStartInPast, fmt.Sprintf(
		"The start time %s is in the past. Pick a time from now on, or \"now\".", when(start, zone)))
}

func refuseStartTooFar(start time.Time, zone string, ahead time.Duration) error {
	return tap.Refuse(tap.ErrPolicy, fmt.Sprintf(
		"The start time %s is too far ahead: a pass can be requested at most %s in advance. Ask again closer to the day.", when(start, zone), human(ahead)))
}

func refuseSelfRequest() error {
	return tap.Refuse(tap.ErrForbidden,
		"You can't request a pass for yourself. Ask your manager or the IT helpdesk to request it for you.")
}

func refuseRequesterUnknown() error {
	return tap.Refuse(tap.ErrForbidden,
		"I couldn't match your chat account to a directory account, so I can't tell whether you may request passes. Ask IT to link your account.")
}

func refuseRequesterDisabled() error {
	return tap.Refuse(tap.ErrForbidden,
		"Your directory account is disabled, so you can't request passes.")
}

func refuseRequesterGuest() error {
	return tap.Refuse(tap.ErrGuest,
		"External guests can't request passes.")
}

// openStateWords say what an open request is doing, for a person.
var openStateWords = map[tap.State]string{
	tap.StatePending: "a pass waiting for approval", tap.StateApproved: "an approved pass not yet issued",
	tap.StateIssuing: "a pass being issued", tap.StateIssued: "an issued pass not yet revealed",
	tap.StateDelivered: "a pass that has been delivered and not yet used up",
}

// refuseOpenForTarget names the open request (never its raw id): what it
// is doing, who asked and when, and what to say to see it.
func refuseOpenForTarget(u tap.User, open *tap.Request, now time.Time) error {
	what := openStateWords[open.State]
	if what == "" {
		what = "an open request"
	}
	by := open.Requester.Name
	if by == "" {
		by = open.Requester.Email
	}
	asked := ""
	if by != "" {
		asked = ", asked by " + by
	}
	if !open.CreatedAt.IsZero() {
		asked += " " + ago(now.Sub(open.CreatedAt))
	}
	return tap.Refuse(tap.ErrQuota, fmt.Sprintf(
		"%s already has %s%s: say `status %s` to see it. Only one request per person can be open at once.",
		name(u), what, asked, statusWord(u)))
}

// ago writes a time span the way people say it: "5 min ago", "2 h ago",
// "3 days ago".
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
}

// statusWord is the shortest name `status` accepts for u: the first word
// of the display name, else the part of the address before @.
func statusWord(u tap.User) string {
	if f := strings.Fields(u.DisplayName); len(f) > 0 {
		return strings.ToLower(f[0])
	}
	addr := u.UPN
	if i := strings.IndexByte(addr, '@'); i > 0 {
		return addr[:i]
	}
	return addr
}

func refuseOpenQuota(n int) error {
	return tap.Refuse(tap.ErrQuota, fmt.Sprintf(
		"You already have %d open requests, the most allowed at once. Wait for one to finish or cancel one first.", n))
}

func refuseDailyQuota(n int) error {
	return tap.Refuse(tap.ErrQuota, fmt.Sprintf(
		"You have made %d requests in the last 24 hours, the most allowed in a day. Try again tomorrow.", n))
}

// Decision refusals.

func refuseDeciderUnknown() error {
	return tap.Refuse(tap.ErrForbidden,
		"I couldn't match your chat account to a directory account, so I can't accept your decision. Ask IT to link your account.")
}

func refuseDeciderIsRequester() error {
	return tap.Refuse(tap.ErrSelfApproval,
		"You requested this pass, so someone else has to approve or deny it.")
}

func refuseDeciderIsTarget() error {
	return tap.Refuse(tap.ErrSelfApproval,
		"This pass is for you, so someone else has to approve or deny it.")
}

func refuseAlreadyApproved() error {
	return tap.Refuse(tap.ErrSelfApproval,
		"You already approved this request; it needs a second approval from someone else.")
}

func refuseNotApprover(r tap.Reason) error {
	return tap.Refuse(tap.ErrForbidden, fmt.Sprintf(
		"You aren't in an approver group for %s passes, so you can't approve or deny this request.", reasonWords(r)))
}

func refuseRevoker(r tap.Reason) error {
	return tap.Refuse(tap.ErrForbidden, "Only the requester or an approver for "+reasonWords(r)+" passes can revoke this pass.")
}

func refuseReissuer(r tap.Reason) error {
	return tap.Refuse(tap.ErrForbidden, "Only the person who asked for this pass or an approver for "+reasonWords(r)+
		" passes can replace it. You can start a new request yourself: say *request*.")
}

func refuseNotSameApprover(names []string) error {
	return tap.Refuse(tap.ErrForbidden, "This new pass replaces one approved by "+strings.Join(names, " or ")+
		"; under your organisation's reissue rule only they can approve it, with one click.")
}

func refuseDeciderDisabled() error {
	return tap.Refuse(tap.ErrForbidden,
		"Your directory account is disabled, so you can't approve or deny requests.")
}

func refuseDeciderGuest() error {
	return tap.Refuse(tap.ErrGuest,
		"External guests can't approve or deny pass requests.")
}

// Warnings.

func warnLivePass(u tap.User, p tap.Pass, zone string) string {
	until := ""
	if !p.Start.IsZero() && p.Lifetime > 0 {
		until = fmt.Sprintf(" (valid until %s)", when(p.Expires(), zone))
	}
	return fmt.Sprintf("Approving replaces the pass %s already has%s, which then stops working.", name(u), until)
}

func warnLivePassUnknown(u tap.User) string {
	return fmt.Sprintf("I couldn't check whether %s already has a pass; approving replaces any pass they have.", name(u))
}

func warnLifetimeClipped(r tap.Reason, want, got time.Duration, lim limit) string {
	return fmt.Sprintf("The usual length for %s passes is %s, which is outside what is allowed (%s), so the pass will last %s.",
		reasonWords(r), human(want), lim.source, human(got))
}

func warnOneTimeForced() string {
	return "The tenant allows only one-time passes, so this pass works for a single sign-in."
}

// Limit sources, named in lifetime refusals.

const (
	sourceTenant = "the tenant's Temporary Access Pass policy"
	sourceOrg    = "the organisation's limit for every pass"
)

func sourceReason(r tap.Reason) string {
	return "the organisation's rule for " + reasonWords(r) + " passes"
}

// Formatting helpers.

// name is how a person is called in a sentence.
func name(u tap.User) string {
	switch {
	case u.DisplayName != "":
		return u.DisplayName
	case u.UPN != "":
		return u.UPN
	case u.Mail != "":
		return u.Mail
	}
	return string(u.ID)
}

func reasonWords(r tap.Reason) string { return strings.ReplaceAll(string(r), "_", " ") }

// when formats t in the requester's zone with UTC alongside.
func when(t time.Time, zone string) string {
	utc := t.UTC().Format("Mon 2 Jan 2006 15:04 UTC")
	if zone == "" || zone == "UTC" {
		return utc
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return utc
	}
	return t.In(loc).Format("Mon 2 Jan 2006 15:04 MST") + " (" + t.UTC().Format("15:04 UTC") + ")"
}

// human writes a duration in words: "8 hours", "1 hour 30 minutes", "2 days".
func human(d time.Duration) string {
	if d <= 0 {
		return "0 minutes"
	}
	d = d.Round(time.Minute)
	days := int(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	hours := int(d / time.Hour)
	mins := int((d - time.Duration(hours)*time.Hour) / time.Minute)
	var parts []string
	add := func(n int, unit string) {
		if n == 1 {
			parts = append(parts, "1 "+unit)
		} else if n > 1 {
			parts = append(parts, fmt.Sprintf("%d %ss", n, unit))
		}
	}
	add(days, "day")
	add(hours, "hour")
	add(mins, "minute")
	if len(parts) == 0 {
		return "less than a minute"
	}
	return strings.Join(parts, " ")
}

// Who is trusted: privileged targets, the requester's right to ask, the
// re-checks at reveal and before the create.

func refusePrivilegedTarget(u tap.User) error {
	return tap.Refuse(tap.ErrPrivileged, fmt.Sprintf(
		"%s can approve or request passes in tapbot, and a pass for them could be used to approve or request as them, so tapbot doesn't issue one. IT can create it in the Entra admin center if it is really needed.",
		name(u)))
}

func refusePrivilegedUnnamed(u tap.User) error {
	return tap.Refuse(tap.ErrPrivileged, fmt.Sprintf(
		"%s has a privileged account, so tapbot can't issue them a pass. Ask the IT helpdesk.", name(u)))
}

func refuseNowNeedsTwo(u tap.User) error {
	return tap.Refuse(tap.ErrPrivileged, fmt.Sprintf(
		"%s can now approve or request passes, so a pass for them needs two approvers and this request was made for one. Ask again.", name(u)))
}

func refuseMayNotRequest(rq Requesters) error {
	var msg string
	switch {
	case rq.Manager && len(rq.Groups) > 0:
		msg = "You can ask for a pass only for people who report to you in the directory, or as a member of a group allowed to request passes."
	case rq.Manager:
		msg = "You can ask for a pass only for people who report to you in the directory."
	default:
		msg = "Only members of a group allowed to request passes can ask for one."
	}
	return tap.Refuse(tap.ErrForbidden, msg+" Ask their manager or the IT helpdesk.")
}

func refuseApproverGone(a tap.Actor) error {
	who := a.Name
	if who == "" {
		who = "An approver"
	}
	return tap.Refuse(tap.ErrForbidden, fmt.Sprintf(
		"%s, who approved this request, is no longer an approver (or their account was disabled), so no pass was created. Ask again.", who))
}

func refuseRevealOtherAccount() error {
	return tap.Refuse(tap.ErrForbidden,
		"This pass can be revealed only from the chat account that asked for it. This attempt was recorded.")
}

// refuseRevealRequester wraps why the requester may no longer receive the pass.
func refuseRevealRequester(why error) error {
	msg := why.Error()
	var ref *tap.Refusal
	if errors.As(why, &ref) {
		msg = ref.Msg
	}
	return tap.Refuse(tap.ErrForbidden, "You can no longer receive this pass: "+msg+" The approvers have been told.")
}

func evidenceMethod(u tap.User, m tap.Method) string {
	since := ""
	if !m.Created.IsZero() {
		since = " since " + m.Created.UTC().Format("2006-01-02")
	}
	return fmt.Sprintf("%s has %s registered%s", name(u), methodWords(m.Kind), since)
}

func evidenceOldAccount(u tap.User, days int) string {
	return fmt.Sprintf("%s's account was created on %s, more than %d days ago", name(u), u.Created.UTC().Format("2006-01-02"), days)
}

func warnTreatedAsRecovery(label tap.Reason, evidence string) string {
	return fmt.Sprintf("Asked as %s, but %s: treated as a recovery (its approvers, approval count and lifetime cap apply).",
		reasonWords(label), evidence)
}

func methodWords(k tap.MethodKind) string {
	switch k {
	case tap.MethodWindowsHello:
		return "Windows Hello"
	case tap.MethodAuthenticator:
		return "Microsoft Authenticator"
	case tap.MethodFIDO2:
		return "a passkey"
	case tap.MethodPlatformCred:
		return "a platform credential"
	case tap.MethodSoftwareOATH:
		return "an authenticator app code"
	case tap.MethodPhone:
		return "a phone number"
	}
	return "a sign-in method"
}
