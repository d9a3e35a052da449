package text

// The watch alerts' card (titles, buttons) and the answers to its buttons.
const (
	AlertSeveralIPs     = "Pass used from two places"
	AlertAfterHours     = "Pass used outside business hours"
	AlertBeforeStart    = "Pass used before the first day"
	AlertFailures       = "Repeated failed sign-ins with the pass"
	AlertNeverUsedTitle = "Pass never used"
	AlertRevokeConfirm  = "Delete this pass in Entra now?"
	AlertExpectedButton = "Expected"
	FactRule            = "Rule"
)

const (
	AlertExpected   = "Marked as expected by %s; noted in the audit trail."
	AlertNotAllowed = "Only approvers can acknowledge a pass alert."
	AlertNotYours   = "You asked for this pass (or it is yours): another approver has to decide whether its use was expected."
	AlertUnknown    = "This alert is out of date or unknown; nothing was recorded."
	AlertNeverUsed  = "The pass for %s ended without being used. If they still need one, ask again with \"request\"."
)
