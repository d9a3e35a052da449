package text

import (
	"fmt"
	"strings"

	"github.com/tapbot/tapbot/internal/tap"
)

// The lifecycle's refusals and notices (package approvals).
const (
	SubmitMissing       = "A request needs a requester and a person to create the pass for."
	SecondApprover      = "You already approved this request; it needs a second, different approver."
	CancelNotRequester  = "Only the person who asked for this pass can cancel the request."
	WithdrawNotCaller   = "Only the system that asked for this pass can withdraw the request."
	RequestGone         = "I can't find that request. It may have been removed."
	MineNoAccount       = "I couldn't match you to a Microsoft Entra account, so I can't list your requests."
	PendingNotApprover  = "Only approvers can see the requests waiting for approval."
	ConfirmNoAccount    = "I couldn't match you to a Microsoft Entra account, so I can't check your sign-in methods."
	ConfirmNothing      = "I have no delivered Temporary Access Pass for you, so there is nothing to confirm."
	RevokeWhileCreating = "The pass is being created right now. Try again in a moment."
	RevealNotRequester  = "Only the person who asked for this pass can reveal it. This attempt was recorded."
	RevealOtherNotice   = "Someone other than the requester tried to reveal this pass."
	RevealWindowPassed  = "The time to reveal this pass has passed, so it is being removed. Ask for a new one."
	PassGone            = "This pass is no longer available. Ask for a new one."
	PassUnsealable      = "This pass can't be opened any more (the bot's sealing key changed). Revoke it and ask for a new one."
	StillCreating       = "The pass is still being created. Try again in a moment."
	StillPending        = "This request is still waiting for approval."
	RevealTooSlow       = "Opening the pass took too long to show it to you here, so it is still sealed and nothing was used up: click Reveal pass again."

	// AnApprover and TheRequester stand for a person whose name is unknown.
	AnApprover   = "An approver"
	TheRequester = "The requester"
)

// RevealRefusedNotice tells the approvers the requester was refused at
// reveal, and why.
func RevealRefusedNotice(why string) string {
	return "The requester tried to reveal this pass and was refused: " + why
}

// RevealedAt refuses a second reveal; at is already formatted.
func RevealedAt(at string) string {
	return fmt.Sprintf("You already revealed this pass at %s; it is shown only once. If it was lost, revoke it and ask for a new one.", at)
}

// OpenRaced refuses a submit that lost the race to another for hire.
func OpenRaced(hire string) string {
	return fmt.Sprintf("There is already an open request for %s; wait for it to finish or cancel it first.", hire)
}

// ExpiredUndecided refuses a decision after the approval window ended.
func ExpiredUndecided(at string) string {
	return fmt.Sprintf("This request expired at %s without a decision.", at)
}

// MovedApproved says the request was approved before the click (at is
// already formatted, as in the other Moved sentences).
func MovedApproved(who, at string) string {
	return fmt.Sprintf("%s already approved this at %s.", who, at)
}

// MovedDenied says the request was denied before the click.
func MovedDenied(who, at string) string { return fmt.Sprintf("%s already denied this at %s.", who, at) }

// MovedCancelled says the requester cancelled the request.
func MovedCancelled(who, at string) string {
	return fmt.Sprintf("%s cancelled this request at %s.", who, at)
}

// MovedExpired says the request expired.
func MovedExpired(at string) string { return fmt.Sprintf("This request expired at %s.", at) }

// MovedRevoked says the pass was revoked.
func MovedRevoked(at string) string { return fmt.Sprintf("This pass was revoked at %s.", at) }

// MovedFailed says the request failed, and why.
func MovedFailed(why string) string { return "This request failed: " + why }

// MovedOther names the request's state.
func MovedOther(state string) string { return fmt.Sprintf("This request is %s.", state) }

// Why no pass was created, as a clause: the requester reads it after
// "could not be issued:" and in NoPassCreated.
const (
	FailRemoved    = "the pass could not be delivered safely; it was removed — ask again"
	FailNothing    = "the pass could not be created safely and nothing was left in Entra — ask again"
	FailAudit      = "the audit trail could not be written, so no pass was created — ask again once IT has fixed it"
	FailSeal       = "the pass could not be sealed for safe delivery; it was removed — ask again"
	FailUnchecked  = "the new hire's account could not be checked again just before creating the pass, so none was created — ask again in a few minutes"
	FailThrottled  = "Microsoft Graph is busy right now — please try again in a minute"
	FailPermission = "the bot lacks the Microsoft Graph permission to create a pass — tell IT"
	FailUserGone   = "the person is no longer in the directory"
	FailGuest      = "external guests cannot hold a Temporary Access Pass"
	FailMethodOff  = "the Temporary Access Pass method is disabled for this person in Entra"
	FailLifetime   = "the lifetime is outside what the tenant's pass policy allows"
	FailStartPast  = "the start time is already in the past"
)

// NoPassCreated refuses an issue; reason is a Fail clause (or a refusal's
// sentence without its full stop).
func NoPassCreated(reason string) string { return "No pass was created: " + reason + "." }

// howToAdd says, per method kind, what to add and where.
var howToAdd = map[tap.MethodKind]string{
	tap.MethodWindowsHello:  "Windows Hello for Business (Windows offers it right after you sign in with the pass)",
	tap.MethodAuthenticator: "Microsoft Authenticator (add it at https://aka.ms/mysecurityinfo)",
	tap.MethodFIDO2:         "a passkey or security key (add it at https://aka.ms/mysecurityinfo)",
	tap.MethodPlatformCred:  "a platform credential (macOS Platform SSO)",
	tap.MethodSoftwareOATH:  "an authenticator app code (add it at https://aka.ms/mysecurityinfo)",
	tap.MethodPhone:         "a phone number (add it at https://aka.ms/mysecurityinfo)",
}

// NoMethodYet answers a new hire's "done" when none of methods is
// registered yet: what to add and where.
func NoMethodYet(methods []tap.MethodKind) string {
	var opts []string
	for _, k := range methods {
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

// MethodName names a sign-in method the new hire set up, as the
// requester reads it ("Windows Hello for Business").
func MethodName(k tap.MethodKind) string {
	if h, ok := howToAdd[k]; ok {
		if i := strings.Index(h, " ("); i > 0 {
			return h[:i]
		}
		return h
	}
	return string(k)
}

// Reissue, reschedule and withdraw.
const (
	WithdrawReason = "Say why the request is withdrawn (for example \"offer rescinded\"); the reason is recorded."
	// The state of the request that replaced another, in AlreadyReissued.
	ReplacementPending  = "waiting for approval"
	ReplacementApproved = "approved"
	ReplacementRevealed = "revealed"
)

// ReissuePending refuses a reissue of a request still waiting for approval.
func ReissuePending(hire string) string {
	return fmt.Sprintf("The request for %s is still waiting for approval, so there is no pass to replace. To change its start, say *reschedule* and the new time.", hire)
}

// ReissueIssuing refuses a reissue or withdrawal while the pass is created.
func ReissueIssuing(hire string) string {
	return fmt.Sprintf("The pass for %s is being created right now. Try again in a moment.", hire)
}

// ReissueClosed refuses a reissue of a request that ended without a pass
// to replace (denied, cancelled, confirmed); state is its state's name.
func ReissueClosed(hire, state string) string {
	return fmt.Sprintf("There is no pass to replace for %s: that request was %s. Say *request* to ask for a new one.", hire, state)
}

// AlreadyReissued refuses a second reissue: request id, asked by by and
// now in state (in words), already replaced this one.
func AlreadyReissued(hire, by, state, id string) string {
	return fmt.Sprintf("A new request already replaced this one: the request for %s asked by %s is %s (request %s).", hire, by, state, id)
}
