package text

// The chat adapters' own words (packages slack and teams): their
// refusals, notices and the labels they draw.
const (
	// Busy answers a command or click the bounded work pool had no room
	// for: nothing was done.
	Busy = "tapbot is busy right now: nothing was done. Try again in a minute."

	PassTitleShort = "Temporary Access Pass"
	Loading        = "Loading…"
	ConfirmTitle   = "Are you sure?"
	SubmitLabel    = "Submit"
	CancelLabel    = "Cancel"
	CloseLabel     = "Close"
	ConfirmLabel   = "Confirm"
	OpenForm       = "Open form"

	SlackLookupFailed    = "I couldn't check your Slack account just now, so I can't act for you; please try again in a minute."
	SlackDeactivated     = "This Slack account is deactivated, so I can't act for it."
	SlackStranger        = "Your Slack account isn't part of this organisation's workspace, so I can't act for you."
	SlackUnconfirmed     = "Your Slack e-mail address isn't confirmed, so I can't tell who you are: confirm it in Slack, or ask IT to map your account."
	SlackUnmapped        = "Your Slack account isn't mapped to a directory account, so I can't act for you: ask IT to add it to tapbot's user map."
	SlackNoPrivateWindow = "Slack didn't open a private window for this in time. Nothing was shown or used up: click the button again."
	SlackShortened       = "Shortened to fit Slack's limits."
	SlackNothingToShow   = "There is nothing to show here. Close this and try again, or ask an approver."

	TeamsHandled   = "This action was already handled."
	TeamsStaleCard = "This card is out of date."
	TeamsDone      = "Done."
	TeamsWorking   = "Working on it… the result will be posted here."
)

// Required marks a form field that must be filled.
func Required(label string) string { return "Required: " + label }
