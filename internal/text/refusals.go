package text

import (
	"fmt"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// What the policy (package policy) says to people: every refusal's
// sentence (policy wraps it in a *tap.Refusal with its sentinel) and every
// warning. Sentences name the person, say why, and say what to do next.
// They never carry a pass value.

// Fixed refusals and warnings of the checks.
const (
	NeedTarget         = "Tell me who the pass is for: their e-mail address or user name."
	MethodDisabled     = "The Temporary Access Pass method is turned off in this tenant's authentication methods policy, so no pass can be issued. Ask IT to enable it."
	SelfRequest        = "You can't request a pass for yourself. Ask your manager or the IT helpdesk to request it for you."
	RequesterUnknown   = "I couldn't match your chat account to a directory account, so I can't tell whether you may request passes. Ask IT to link your account."
	RequesterDisabled  = "Your directory account is disabled, so you can't request passes."
	DeciderUnknown     = "I couldn't match your chat account to a directory account, so I can't accept your decision. Ask IT to link your account."
	DeciderIsRequester = "You requested this pass, so someone else has to approve or deny it."
	DeciderIsTarget    = "This pass is for you, so someone else has to approve or deny it."
	AlreadyApproved    = "You already approved this request; it needs a second approval from someone else."
	DeciderDisabled    = "Your directory account is disabled, so you can't approve or deny requests."
	WarnOneTimeForced  = "The tenant allows only one-time passes, so this pass works for a single sign-in."
	RevealOtherAccount = "This pass can be revealed only from the chat account that asked for it. This attempt was recorded."
)

// Submit refusals.

// TargetNotFound is the sentence of policy's refuseTargetNotFound.
func TargetNotFound(who string) string {
	return fmt.Sprintf(
		"I can't find %s in the directory. Check the spelling of the e-mail address or user name.", who)
}

// Disabled is the sentence of policy's refuseDisabled.
func Disabled(u tap.User) string {
	return fmt.Sprintf(
		"%s's account is disabled, so a Temporary Access Pass would not let them sign in. Ask IT to enable the account first.", Name(u))
}

// Guest is the sentence of policy's refuseGuest.
func Guest(u tap.User, org string) string {
	return fmt.Sprintf(
		"%s is an external guest; a Temporary Access Pass can only be issued to members of %s.", Name(u), org)
}

// Privileged is the sentence of policy's refusePrivileged.
func Privileged(u tap.User, ra tap.RoleAssignment) string {
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
	return fmt.Sprintf(
		"%s holds %s%s; tapbot never issues a pass to an account with a directory role. A Privileged Authentication Administrator can do it in the Entra admin center if it is really needed.",
		Name(u), role, how)
}

// RolesUnknown is the sentence of policy's refuseRolesUnknown.
func RolesUnknown(u tap.User) string {
	return fmt.Sprintf(
		"I can't check whether %s holds a directory role because tapbot lacks permission to read role assignments, so I won't request a pass. Ask IT to grant RoleManagement.Read.Directory.", Name(u))
}

// Excluded is the sentence of policy's refuseExcluded.
func Excluded(u tap.User) string {
	return fmt.Sprintf(
		"%s is excluded from the tenant's Temporary Access Pass policy, so they could not sign in with a pass. Ask IT to review the policy's exclusions.", Name(u))
}

// NotIncluded is the sentence of policy's refuseNotIncluded.
func NotIncluded(u tap.User) string {
	return fmt.Sprintf(
		"%s is not in a group the tenant's Temporary Access Pass policy includes, so they could not sign in with a pass. Ask IT to add them to an included group.", Name(u))
}

// UnknownReason is the sentence of policy's refuseUnknownReason.
func UnknownReason(r tap.Reason) string {
	return fmt.Sprintf(
		"%q is not a reason I know. Pick one of: %s.", string(r), ReasonList())
}

// TooShort is the sentence of policy's refuseTooShort.
func TooShort(lifetime, min time.Duration) string {
	return fmt.Sprintf(
		"A pass lasting %s is shorter than the tenant's minimum of %s. Ask for at least %s.", Duration(lifetime), Duration(min), Duration(min))
}

// TooLong is the sentence of policy's refuseTooLong.
func TooLong(lifetime, hi time.Duration, source string, r tap.Reason) string {
	return fmt.Sprintf(
		"A pass lasting %s is longer than allowed: %s passes can last at most %s (%s).", Duration(lifetime), reasonWords(r), Duration(hi), source)
}

// NoLifetimeFits is the sentence of policy's refuseNoLifetimeFits.
func NoLifetimeFits(lo, hi time.Duration, source string, r tap.Reason) string {
	return fmt.Sprintf(
		"No length fits %s passes: the tenant's minimum is %s but the maximum is %s (%s). Ask IT to align the two.",
		reasonWords(r), Duration(lo), Duration(hi), source)
}

// StartPast is the sentence of policy's refuseStartPast.
func StartPast(start time.Time, zone string) string {
	return fmt.Sprintf(
		"The start time %s is in the past. Pick a time from now on, or \"now\".", when(start, zone))
}

// StartTooFar is the sentence of policy's refuseStartTooFar.
func StartTooFar(start time.Time, zone string, ahead time.Duration) string {
	return fmt.Sprintf(
		"The start time %s is too far ahead: a pass can be requested at most %s in advance. Ask again closer to the day.", when(start, zone), Duration(ahead))
}

// openStateWords say what an open request is doing, for a person.
var openStateWords = map[tap.State]string{
	tap.StatePending: "a pass waiting for approval", tap.StateApproved: "an approved pass not yet issued",
	tap.StateIssuing: "a pass being issued", tap.StateIssued: "an issued pass not yet revealed",
	tap.StateDelivered: "a pass that has been delivered and not yet used up",
}

// OpenForTarget names the open request (never its raw id): what it
// is doing, who asked and when, and what to say to see it.
func OpenForTarget(u tap.User, open *tap.Request, now time.Time) string {
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
		asked += " " + Ago(now.Sub(open.CreatedAt))
	}
	return fmt.Sprintf(
		"%s already has %s%s: say `status %s` to see it. Only one request per person can be open at once.",
		Name(u), what, asked, statusWord(u))
}

// Ago writes a time span the way people say it: "5 min ago", "2 h ago",
// "3 days ago".
func Ago(d time.Duration) string {
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

// OpenQuota is the sentence of policy's refuseOpenQuota.
func OpenQuota(n int) string {
	return fmt.Sprintf(
		"You already have %d open requests, the most allowed at once. Wait for one to finish or cancel one first.", n)
}

// DailyQuota is the sentence of policy's refuseDailyQuota.
func DailyQuota(n int) string {
	return fmt.Sprintf(
		"You have made %d requests in the last 24 hours, the most allowed in a day. Try again tomorrow.", n)
}

// Decision refusals.

// NotApproverFor is the sentence of policy's refuseNotApprover.
func NotApproverFor(r tap.Reason) string {
	return fmt.Sprintf(
		"You aren't in an approver group for %s passes, so you can't approve or deny this request.", reasonWords(r))
}

// Revoker is the sentence of policy's refuseRevoker.
func Revoker(r tap.Reason) string {
	return "Only the requester or an approver for " + reasonWords(r) + " passes can revoke this pass."
}

// Reissuer refuses a reissue by someone who could ask for the person
// but neither asked for this pass nor approves r's passes.
func Reissuer(r tap.Reason) string {
	return "Only the person who asked for this pass or an approver for " + reasonWords(r) +
		" passes can replace it. You can start a new request yourself: say *request*."
}

// NotSameApprover refuses an approver of a same_approver reissue who did
// not approve the original; names are the original's approvers.
func NotSameApprover(names []string) string {
	return "This new pass replaces one approved by " + strings.Join(names, " or ") +
		"; under your organisation's reissue rule only they can approve it, with one click."
}

// Warnings.

// WarnLivePass is the sentence of policy's warnLivePass.
func WarnLivePass(u tap.User, p tap.Pass, zone string) string {
	until := ""
	if !p.Start.IsZero() && p.Lifetime > 0 {
		until = fmt.Sprintf(" (valid until %s)", when(p.Expires(), zone))
	}
	return fmt.Sprintf("Approving replaces the pass %s already has%s, which then stops working.", Name(u), until)
}

// WarnLivePassUnknown is the sentence of policy's warnLivePassUnknown.
func WarnLivePassUnknown(u tap.User) string {
	return fmt.Sprintf("I couldn't check whether %s already has a pass; approving replaces any pass they have.", Name(u))
}

// WarnLifetimeClipped is the sentence of policy's warnLifetimeClipped.
func WarnLifetimeClipped(r tap.Reason, want, got time.Duration, source string) string {
	return fmt.Sprintf("The usual length for %s passes is %s, which is outside what is allowed (%s), so the pass will last %s.",
		reasonWords(r), Duration(want), source, Duration(got))
}

// Limit sources, named in lifetime refusals.

const (
	SourceTenant = "the tenant's Temporary Access Pass policy"
	SourceOrg    = "the organisation's limit for every pass"
)

func SourceReason(r tap.Reason) string {
	return "the organisation's rule for " + reasonWords(r) + " passes"
}

// Formatting helpers.

// Name is how a person is called in a sentence.
func Name(u tap.User) string {
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

// Duration writes a duration in words: "8 hours", "1 hour 30 minutes", "2 days".
func Duration(d time.Duration) string {
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

// PrivilegedTarget is the sentence of policy's refusePrivilegedTarget.
func PrivilegedTarget(u tap.User) string {
	return fmt.Sprintf(
		"%s can approve or request passes in tapbot, and a pass for them could be used to approve or request as them, so tapbot doesn't issue one. IT can create it in the Entra admin center if it is really needed.",
		Name(u))
}

// PrivilegedUnnamed is the sentence of policy's refusePrivilegedUnnamed.
func PrivilegedUnnamed(u tap.User) string {
	return fmt.Sprintf(
		"%s has a privileged account, so tapbot can't issue them a pass. Ask the IT helpdesk.", Name(u))
}

// NowNeedsTwo is the sentence of policy's refuseNowNeedsTwo.
func NowNeedsTwo(u tap.User) string {
	return fmt.Sprintf(
		"%s can now approve or request passes, so a pass for them needs two approvers and this request was made for one. Ask again.", Name(u))
}

// MayNotRequest is the sentence of policy's refuseMayNotRequest.
func MayNotRequest(manager, groups bool) string {
	var msg string
	switch {
	case manager && groups:
		msg = "You can ask for a pass only for people who report to you in the directory, or as a member of a group allowed to request passes."
	case manager:
		msg = "You can ask for a pass only for people who report to you in the directory."
	default:
		msg = "Only members of a group allowed to request passes can ask for one."
	}
	return msg + " Ask their manager or the IT helpdesk."
}

// ApproverGone is the sentence of policy's refuseApproverGone.
func ApproverGone(a tap.Actor) string {
	who := a.Name
	if who == "" {
		who = AnApprover
	}
	return fmt.Sprintf(
		"%s, who approved this request, is no longer an approver (or their account was disabled), so no pass was created. Ask again.", who)
}

// RevealRequester wraps why the requester may no longer receive the pass.
func RevealRequester(why string) string {
	return "You can no longer receive this pass: " + why + " The approvers have been told."
}

// EvidenceMethod is the sentence of policy's evidenceMethod.
func EvidenceMethod(u tap.User, m tap.Method) string {
	since := ""
	if !m.Created.IsZero() {
		since = " since " + m.Created.UTC().Format("2006-01-02")
	}
	return fmt.Sprintf("%s has %s registered%s", Name(u), MethodWords(m.Kind), since)
}

// EvidenceOldAccount is the sentence of policy's evidenceOldAccount.
func EvidenceOldAccount(u tap.User, days int) string {
	return fmt.Sprintf("%s's account was created on %s, more than %d days ago", Name(u), u.Created.UTC().Format("2006-01-02"), days)
}

// WarnTreatedAsRecovery is the sentence of policy's warnTreatedAsRecovery.
func WarnTreatedAsRecovery(label tap.Reason, evidence string) string {
	return fmt.Sprintf("Asked as %s, but %s: treated as a recovery (its approvers, approval count and lifetime cap apply).",
		reasonWords(label), evidence)
}

// MethodWords names a sign-in method kind in a sentence ("a passkey").
func MethodWords(k tap.MethodKind) string {
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

// ReasonList names the reasons a request may give, comma-separated.
func ReasonList() string {
	s := make([]string, len(tap.Reasons))
	for i, r := range tap.Reasons {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}
