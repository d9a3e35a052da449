package text

import "fmt"

// Microsoft Graph's refusals, as package graph reports them (its classify
// is the only place that reads Graph's errors).
const (
	GraphTokenRejected    = "Microsoft Graph rejected tapbot's access token. An administrator should check the app's credentials and tenant."
	GraphLifetimeRange    = "The lifetime is outside the range the tenant's Temporary Access Pass policy allows."
	GraphStartPast        = "The pass cannot start in the past. Choose a start time from now on."
	GraphGuest            = "External guests cannot hold a Temporary Access Pass."
	GraphMethodOff        = "The tenant's Temporary Access Pass method is turned off or does not cover this user."
	GraphOneTimeOnly      = "The tenant's Temporary Access Pass policy allows only one-time passes."
	GraphNegativeLifetime = "The pass lifetime cannot be negative."
)

// GraphPermission says which Graph application permission tapbot lacks
// for op.
func GraphPermission(op, permission string) string {
	return fmt.Sprintf("tapbot is not allowed to %s: its app registration needs the Microsoft Graph application permission %s (with admin consent).", op, permission)
}

// GraphLifetimeBetween names the tenant's allowed lifetime range; lo and
// hi are already in words.
func GraphLifetimeBetween(lo, hi string) string {
	return fmt.Sprintf("The tenant's Temporary Access Pass policy allows a lifetime between %s and %s.", lo, hi)
}

// GraphNoUser says no directory user matches key.
func GraphNoUser(key string) string {
	return fmt.Sprintf("No user %s was found in the directory.", key)
}
