package text

import "fmt"

// Card titles, fact labels and notes the router (and the dialog's
// summary) put on cards.
const (
	// TheNewHire stands for the new hire when no name is known.
	TheNewHire        = "the new hire"
	FactNewHire       = "New hire"
	FactDepartment    = "Department"
	FactHireDate      = "Hire date"
	FactRequestedBy   = "Requested by"
	FactStarts        = "Starts"
	FactLifetime      = "Lifetime"
	FactUse           = "Use"
	FactReason        = "Reason"
	FactJustification = "Justification"
	FactAskedBy       = "Asked by"
	FactHRReference   = "HR reference"
	FactHRNotes       = "HR notes"
	FactWarning       = "Warning"
	FactAccount       = "Account"
	FactWorksFrom     = "Works from"
	FactUntil         = "Until"
)

// RequestNote is the small print naming a request on its card.
func RequestNote(id string) string { return "Request " + id }

// RequestTitle is the title of a request's card.
func RequestTitle(hire string) string { return "Temporary Access Pass request for " + hire }

// StatsTitle is the title of the stats card; span is already in words.
func StatsTitle(span string) string { return "Temporary Access Pass numbers, last " + span }

// PassTitle is the title of the private view with the pass, and the
// caption of the pass itself.
func PassTitle(hire string) string { return "Temporary Access Pass for " + hire }

// How a request's card reads its values.
const (
	AsSoonAsIssued   = "as soon as it is issued"
	OneTimeUse       = "one-time use"
	MultiUseLifetime = "multi-use for its whole lifetime"
	YourRequests     = "Your requests"
	DefaultContact   = "your IT helpdesk"
	DefaultOrg       = "your organisation"
	Someone          = "Someone"
	AnApproverLower  = "an approver"
	StatusPending    = "⏳ Waiting for approval."
)

// Stamp is " at <when>" after a status; at is formatted.
func Stamp(at string) string { return " at " + at }

// The approval card's status line; by is the decider's escaped name and
// the stamps are Stamp's (or "").

// StatusSecondApprover: one approval of two is in.
func StatusSecondApprover(first string) string {
	return fmt.Sprintf("⏳ Waiting for a second approver (approved by %s).", first)
}

// StatusApproved: approved, the pass is created at reveal.
func StatusApproved(by, stamp string) string {
	return "✅ Approved by " + by + stamp + ". The pass is created when the requester reveals it."
}

// StatusQueued: approved; the pass waits its turn to be created (bulk
// approvals are issued at Microsoft Graph's write limit).
func StatusQueued(by, stamp string) string {
	return "⏳ Approved by " + by + stamp + ". Queued for issuance: the pass is created in turn, and the requester can reveal it then."
}

// StatusIssuing: the pass is being created.
func StatusIssuing(by, stamp string) string {
	return "⚙️ Approved by " + by + stamp + ". Creating the pass…"
}

// StatusIssued: the pass is sealed until the requester reveals it.
func StatusIssued(by, stamp string) string {
	return "✅ Approved by " + by + stamp + ". Pass issued, sealed until the requester reveals it."
}

// StatusDelivered: the requester revealed the pass.
func StatusDelivered(by, stamp, revealed string) string {
	return "✅ Approved by " + by + stamp + ". Revealed to the requester" + revealed + "."
}

// StatusConfirmed: the new hire set up sign-in.
func StatusConfirmed(stamp string) string {
	return "🎉 Setup confirmed" + stamp + ". The pass was removed."
}

// StatusDenied: denied, with the escaped reason.
func StatusDenied(by, stamp, reason string) string {
	return "⛔ Denied by " + by + stamp + ": " + reason
}

// StatusCancelled: the requester cancelled.
func StatusCancelled(stamp string) string { return "Cancelled by the requester" + stamp + "." }

// StatusExpired: the request expired.
func StatusExpired(stamp string) string { return "⌛ Expired" + stamp + "." }

// StatusRevoked: the pass was revoked.
func StatusRevoked(stamp string) string { return "🚫 Revoked" + stamp + ". The pass was removed." }

// StatusWithdrawn: withdrawn (the offer rescinded) by by, with the
// escaped reason.
func StatusWithdrawn(by, stamp, reason string) string {
	return "🚫 Withdrawn by " + by + stamp + ": " + reason + ". Any pass was removed."
}

// StatusReplaced: a reissue replaced the request with request id.
func StatusReplaced(stamp, id string) string {
	return "🔁 Replaced by a new request" + stamp + " (request " + id + "). Any pass was removed."
}

// ThenReplaced follows an expired or failed request's status when a
// reissue replaced it.
func ThenReplaced(id string) string { return " 🔁 Replaced by request " + id + "." }

// FactReplaces labels the request a reissue replaces; ReplacesValue names it.
const FactReplaces = "Replaces"

// ReplacesValue names the request a reissue replaces.
func ReplacesValue(id string) string {
	return "request " + id + " (a new pass after the last one expired, was used, failed or changed date)"
}

// FactSameApprover labels who may approve a reissue with one click.
const FactSameApprover = "Approval"

// SameApproverValue says who may approve a reissue under the
// same_approver rule; names are joined already.
func SameApproverValue(names string) string {
	return "one click by " + names + ", who approved the pass it replaces (reissue rule: same approver)"
}

// StatusFailed: the request failed, with the escaped reason.
func StatusFailed(reason string) string { return "❌ Failed: " + reason }

// Incident answers an unexpected error; id is the log's reference.
func Incident(id string) string {
	return "Something went wrong on our side. Nothing was issued. IT can find it in the logs under reference " + id + "."
}

// FirstUsedByEntra adds when Entra saw the pass used (at is formatted).
func FirstUsedByEntra(at string) string { return "; first used by " + at + " (seen as used by Entra)" }

// FirstUsedFrom adds when and from where the pass was first used.
func FirstUsedFrom(at, where string) string { return "; first used " + at + " from " + where }
