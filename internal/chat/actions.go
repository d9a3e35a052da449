package chat

// Action and form ids shared by the core and the adapters. Adapters need
// a few of them: Slack opens a "loading" modal at once for ActionReveal
// (its trigger_id lives 3 s) and Teams answers it in the invoke response.
const (
	ActionApprove = "tap_approve" // Value: request id
	ActionDeny    = "tap_deny"    // Value: request id; the core replies with FormDeny
	ActionReveal  = "tap_reveal"  // Value: request id; answered privately via Event.Reply
	ActionCancel  = "tap_cancel"  // Value: request id
	ActionRevoke  = "tap_revoke"  // Value: request id
	ActionOpen    = "tap_open"    // open the request form
	// ActionReissue asks for a new pass replacing a request whose pass
	// expired, was used, was not revealed in time or failed; Value:
	// the old request's id.
	ActionReissue = "tap_reissue"
	// ActionWatchExpected acknowledges a pass-watch alert; Value:
	// "<request id> <rule>".
	ActionWatchExpected = "tap_watch_expected"
	// ActionSay feeds Value to the dialog as if typed (summary buttons:
	// "confirm", "cancel", "change lifetime", yes/no answers).
	ActionSay = "tap_say"
	// ActionFeedback is the new hire's rating of their setup; Value:
	// "<request id> <1-5>".
	ActionFeedback = "tap_feedback"
	// ActionFeedbackComment opens the new hire's comment form after their
	// rating; Value: request id.
	ActionFeedbackComment = "tap_feedback_comment"

	// ActionRefresh asks for the reader's own view of a shared card (see
	// Personal); Value: request id.
	ActionRefresh = "tap_refresh"

	// ActionBulkSend sends a checked batch's ready rows for approval;
	// ActionBulkApprove approves every request of a batch (Approve all);
	// ActionBulkReview posts its requests' own approval cards. Value: the
	// batch id.
	ActionBulkSend    = "tap_bulk_send"
	ActionBulkApprove = "tap_bulk_approve"
	ActionBulkReview  = "tap_bulk_review"

	FormRequest = "tap_request"     // the request form (dialog fields)
	FormDeny    = "tap_deny_reason" // field "reason"; State: request id
	// FormBulk is the pasted CSV: fields "title" and "csv".
	FormBulk = "tap_bulk"
	// FormFeedbackComment is the new hire's comment on their setup: field
	// "comment"; State: request id.
	FormFeedbackComment = "tap_feedback_comment_form"
)

// PrivateActions are the actions whose answer must be private to the
// clicker (a modal or an invoke response), opened immediately.
var PrivateActions = map[string]bool{ActionReveal: true}
