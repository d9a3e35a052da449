package text

import "fmt"

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

// WatchNeverUsed is the fact of a never-used alert; ended is formatted.
func WatchNeverUsed(hire, ended string) string {
	return fmt.Sprintf("The pass for %s ended at %s and was never used.", hire, ended)
}

// WatchTwoPlaces heads the sign-ins of a pass used from two places.
func WatchTwoPlaces(window string) string {
	return fmt.Sprintf("The pass was used from two places within %s:", window)
}

// WatchAfterHours heads a sign-in outside business hours in zone.
func WatchAfterHours(hours, zone string) string {
	return fmt.Sprintf("The pass was used outside business hours (%s, %s):", hours, zone)
}

// WatchBeforeStart heads a sign-in before the new hire's first day.
func WatchBeforeStart(hire, day string) string {
	return fmt.Sprintf("The pass was used before %s's first day (%s):", hire, day)
}

// WatchFailures heads n failed sign-ins.
func WatchFailures(n int) string { return fmt.Sprintf("%d sign-ins with the pass failed:", n) }

// WatchFailedSignIn is a failed sign-in with its error code.
func WatchFailedSignIn(signIn string, code int) string {
	return signIn + " (error " + fmt.Sprint(code) + ")"
}

// WatchSignIn is one sign-in: when (formatted) and from where.
func WatchSignIn(at, where string) string { return at + " from " + where }
