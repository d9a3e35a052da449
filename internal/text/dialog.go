package text

// The requester's conversation (package dialog): questions, parse errors,
// the summary, labels and the form. Values the user typed reach these
// sentences only escaped (dialog passes them through chat.Esc).
const (
	DialogTargetHidden = "That address contains hidden or direction-changing characters, " +
		"which can make one address look like another. Please type it again by hand."
	DialogTargetEmpty = "Who is the pass for? Please give their e-mail address or user principal name " +
		"(like sarah.johnson@contoso.com)."
	DialogLifetimeZero    = "A pass needs to last at least a minute."
	DialogStartNoSuchDate = "That date doesn't exist. Please check the day and month."
	DialogStartSyntax     = "When should the pass start? Say \"now\", \"tomorrow 8am\", \"Monday 7:30 Pacific\", " +
		"\"Dec 3 9am\" or \"in 2 hours\"."
	DialogRangeAndLifetime = "That message gives both a time range and a length. Please give one: " +
		"\"Monday 9am to 5pm\" or \"Monday 9am, 8 hours\"."
	DialogRangeEmpty     = "That range starts and ends at the same time. Say, for example, \"9am to 5pm\"."
	DialogNothingApplied = "Nothing from that message was changed."
	DialogStartWhichDay  = "Which day next week? Say, for example, \"next Monday 9am\"."
	DialogAskTarget      = "Who is the pass for? Give their e-mail address or user principal name " +
		"(like sarah.johnson@contoso.com)."
	DialogAskReason        = "What is the pass for? Default: onboarding."
	DialogAskJustification = "Anything the approver should know, like \"starts in Finance on Monday\"? " +
		"Say skip for nothing."
	DialogTargetNoDefault     = "There is no default for this one: I need the person's e-mail address or user principal name."
	DialogStartNow            = "as soon as it is issued, after approval"
	DialogNone                = "none"
	DialogUnknown             = "unknown"
	DialogDash                = "\u2014"
	DialogLabelDefaults       = "Use defaults for the rest"
	DialogLabelDefault        = "Use default"
	DialogLabelSkip           = "Skip"
	DialogLabelNow            = "Now"
	DialogLabelOneTimeYes     = "Yes, one-time"
	DialogLabelOneTimeNo      = "No, multi-use"
	DialogLabelConfirm        = "Confirm and send"
	DialogLabelChangeStart    = "Change start"
	DialogLabelChangeLifetime = "Change lifetime"
	DialogLabelChangeMore     = "Change something else"
	DialogLabelChangeTarget   = "Change person"
	DialogLabelChangeReason   = "Change reason"
	DialogLabelChangeNote     = "Change note"
	DialogLabelChangeZone     = "Change time zone"
	DialogLabelChangeOneTime  = "Change one-time use"
	DialogLabelWrongPerson    = "Wrong person"
	DialogLabelFor            = "For"
	DialogLabelName           = "Name"
	DialogLabelUPN            = "User principal name"
	DialogLabelMail           = "E-mail"
	DialogLabelNote           = "Note for the approver"
	DialogLabelLasts          = "Lasts"
	DialogLabelUse            = "Use"
	DialogLabelZone           = "New hire's time zone"
	DialogTitleSummary        = "Check your request"
	DialogSummary             = "Here is your request. Send it to the approvers?"
	DialogWhatToChange        = "What should I change?"
	DialogFound               = "I found this person in the directory. Check it's the right one:"
	DialogLookupFailed        = "I couldn't look that person up in the directory just now. Please try again in a minute, " +
		"or give another address."
	DialogRestart         = "Starting over."
	DialogCancelled       = "Cancelled. Nothing was sent."
	DialogNothingToCancel = "There is no request in progress to cancel. To withdraw one you sent, say *cancel* " +
		"and the person's name or e-mail address; *status* lists your requests."
	DialogNothingBack        = "There is nothing to go back to."
	DialogDraftKept          = "Your request draft is kept; answer the question below to carry on."
	DialogInternal           = "Sorry, I lost track of this request on my side. Please start again with \"request\"."
	DialogFormFix            = "Please fix the highlighted fields."
	DialogWelcome            = "You're welcome."
	DialogOneTarget          = "Please name one person per request; I saw more than one address."
	DialogHelpInRequest      = "Answer the question, or say *back*, *change* _something_, *restart* or *cancel*."
	DialogFormTitle          = "Request a Temporary Access Pass"
	DialogFormSubmit         = "Review"
	DialogFormLabelTarget    = "Who is it for (e-mail or user principal name)"
	DialogFormHintTarget     = "sarah.johnson@contoso.com"
	DialogFormHintNote       = "e.g. starts in Finance on Monday"
	DialogFormHintZone       = "empty: your time zone; or e.g. America/Los_Angeles, Pacific, UK"
	DialogFormHintStart      = "empty: the default for the reason"
	DialogFormOneTimeDefault = "Default for the reason"
	DialogTargetSyntax       = "%s doesn't look like an e-mail address or user principal name. " +
		"Please give one like sarah.johnson@contoso.com."
	DialogTargetNonASCII = "%s contains letters that are not plain ASCII (they can imitate other letters). " +
		"Please type the address with plain letters."
	DialogTargetTooLong = "That address is %d characters long; Entra allows at most %d " +
		"(%d before the @ and %d after it)."
	DialogLifetimeSyntax = "I didn't understand %s as a length of time. Try \"8 hours\", \"90 minutes\", " +
		"\"1h30\" or \"2 days\"."
	DialogLifetimeRange = "%s is outside what your organisation allows: a pass can last from %s to %s."
	DialogZoneAmbiguous = "%s can mean more than one time zone (%s). Which one do you mean?"
	DialogZoneUnknown   = "I don't know the time zone %s. Use a name like America/Los_Angeles or " +
		"Europe/London, or a word like Pacific, Eastern or UK."
	DialogStartSyntaxFormat = "I didn't understand %s as a start time. Try \"now\", \"tomorrow 8am\", " +
		"\"Monday 7:30 Pacific\", \"Dec 3 9am\", \"2026-12-03T07:00-08:00\" or \"in 2 hours\"."
	DialogUnread = "I couldn't read %s as part of a time, date, zone or length, so I haven't used anything " +
		"from that message. Please send it again with that part written like \"Monday 9am Europe/Berlin\", " +
		"\"14:00\", \"Dec 3\" or \"8 hours\"."
	DialogWeekdayMismatch = "%s is a %s, not a %s. Which day did you mean? Say, for example, \"%s %s\"."
	DialogLabelUnread     = "I couldn't read %s, so I haven't used anything from that message. Please write it like " +
		"\"Start: Monday 9am Europe/Berlin\" or \"Zone: America/New_York\"."
	DialogTooLong = "That message is %d characters long; I read messages of up to 2,000 characters. " +
		"Please send the request in a shorter message, like \"TAP for sarah@contoso.com Monday 9am Europe/Berlin, " +
		"8 hours, onboarding\"."
	DialogStartSlash = "I can't tell which day %s is (day/month or month/day?). Please write it like " +
		"\"Dec 7\" or 2026-12-07."
	DialogStartPast     = "%s is in the past: it is now %s. Please give a later start."
	DialogStartTooFar   = "%s is too far ahead: a pass can start at most %s from now."
	DialogYesNo         = "I didn't understand %s. Please answer yes or no."
	DialogOneTimeSyntax = "I didn't understand %s. Should the pass work only once? Answer yes (one-time) " +
		"or no (it can be used until it expires)."
	DialogReasonSyntax = "I didn't understand %s as a reason. Pick one of: onboarding, recovery, contractor, " +
		"device enrollment, demo, guest project."
	DialogJustificationLong = "That note is %d characters long; please keep it under %d."
	DialogAskZone           = "Which time zone is %s in? Default is yours: %s."
	DialogAskStart          = "When should the pass start? Default for %s: %s."
	DialogAskLifetime       = "How long should it last? Default for %s is %s (allowed: %s to %s)."
	DialogAskOneTime        = "Should it work only once? Default for %s: %s."
	DialogUserNotFound      = "I couldn't find %s in the directory. Check the spelling, or give their user principal name."
	DialogUserAmbiguous     = "More than one person in the directory uses %s. Please give their user principal name."
	DialogNotUnderstood     = "I didn't understand %s."
	DialogFormHintLifetime  = "empty: the default for the reason; %s to %s, e.g. 8 hours"
	DialogHelpTarget        = "Give the e-mail address or user principal name of the person who needs the pass, " +
		"like sarah.johnson@contoso.com. I'll look them up and show you who I found."
	DialogHelpReason = "Pick why the pass is needed: onboarding (a new hire), recovery (lost phone or locked out), " +
		"contractor, device enrollment, demo or guest project."
	DialogHelpJustification = "A short note for the approver (up to 500 characters), or skip."
	DialogHelpZone          = "The new hire's time zone, so the start is in their time: an IANA name like " +
		"America/Los_Angeles, or Pacific, Eastern, Central, Mountain, UK, India..."
	DialogHelpStart = "When the pass starts working: now, today 3pm, tomorrow 8am, Monday, next Tuesday 9:30, " +
		"Dec 3 7am, 2026-12-03T07:00-08:00 or in 2 hours. Add a zone if it isn't yours, like Pacific."
	DialogHelpLifetime = "How long the pass works: 8 hours, 90 minutes, 1h30, 1.5h or 2 days. A bare number means minutes."
	DialogHelpOneTime  = "Yes makes the pass work for one sign-in only; no lets it be used again until it expires. " +
		"For onboarding, multi-use is usual."
	DialogSlotTarget        = "person"
	DialogSlotReason        = "reason"
	DialogSlotJustification = "note"
	DialogSlotZone          = "time zone"
	DialogSlotStart         = "start"
	DialogSlotLifetime      = "lifetime"
	DialogSlotOneTime       = "use"
)

// Values and labels the dialog builds from parts.
const (
	DialogOneTime                = "one-time (works for a single sign-in)"
	DialogMultiUse               = "multi-use (works until it expires)"
	DialogReasonDeviceEnrollment = "device enrollment"
	DialogReasonGuestProject     = "guest project"
)

// DialogCurrent shows a question's current value.
func DialogCurrent(v string) string { return "Currently: " + v + "." }

// DialogLabelMine is the button choosing the requester's own zone.
func DialogLabelMine(zone string) string { return "Mine (" + zone + ")" }

// DialogUntil adds a pass's end to its start.
func DialogUntil(end string) string { return ", until " + end }

// DialogChanged lists what a message changed ("lifetime 4 hours; start …").
func DialogChanged(changes string) string { return "Changed: " + changes + "." }
