package dialog

import (
	"fmt"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
)

// This file is the catalogue: every sentence the requester sees from the
// dialog. User-typed text is interpolated only through chat.Esc.

// Target.
const (
	textTargetHidden = "That address contains hidden or direction-changing characters, " +
		"which can make one address look like another. Please type it again by hand."
	textTargetEmpty = "Who is the pass for? Please give their e-mail address or user principal name " +
		"(like sarah.johnson@contoso.com)."
)

func fmtTargetSyntax(s string) string {
	return fmt.Sprintf("%s doesn't look like an e-mail address or user principal name. "+
		"Please give one like sarah.johnson@contoso.com.", chat.Esc(s))
}

func fmtTargetNonASCII(s string) string {
	return fmt.Sprintf("%s contains letters that are not plain ASCII (they can imitate other letters). "+
		"Please type the address with plain letters.", chat.Esc(s))
}

func fmtTargetTooLong(n int) string {
	return fmt.Sprintf("That address is %d characters long; Entra allows at most %d "+
		"(%d before the @ and %d after it).", n, maxUPN, maxLocal, maxDomain)
}

// Lifetime.
const textLifetimeZero = "A pass needs to last at least a minute."

func fmtLifetimeSyntax(s string) string {
	return fmt.Sprintf("I didn't understand %s as a length of time. Try \"8 hours\", \"90 minutes\", "+
		"\"1h30\" or \"2 days\".", chat.Esc(s))
}

func fmtLifetimeRange(d, lo, hi time.Duration) string {
	return fmt.Sprintf("%s is outside what your organisation allows: a pass can last from %s to %s.",
		FormatDuration(d), FormatDuration(lo), FormatDuration(hi))
}

// Zone.
func fmtZoneAmbiguous(abbr string, options []string) string {
	return fmt.Sprintf("%s can mean more than one time zone (%s). Which one do you mean?",
		strings.ToUpper(abbr), strings.Join(options, ", "))
}

func fmtZoneUnknown(s string) string {
	return fmt.Sprintf("I don't know the time zone %s. Use a name like America/Los_Angeles or "+
		"Europe/London, or a word like Pacific, Eastern or UK.", chat.Esc(s))
}

// Start.
const (
	textStartNoSuchDate = "That date doesn't exist. Please check the day and month."
	textStartSyntax     = "When should the pass start? Say \"now\", \"tomorrow 8am\", \"Monday 7:30 Pacific\", " +
		"\"Dec 3 9am\" or \"in 2 hours\"."
)

func fmtStartSyntax(s string) string {
	return fmt.Sprintf("I didn't understand %s as a start time. Try \"now\", \"tomorrow 8am\", "+
		"\"Monday 7:30 Pacific\", \"Dec 3 9am\", \"2026-12-03T07:00-08:00\" or \"in 2 hours\".", chat.Esc(s))
}

func fmtUnread(s string) string {
	return fmt.Sprintf("I couldn't read %s as part of a time, date, zone or length, so I haven't used anything "+
		"from that message. Please send it again with that part written like \"Monday 9am Europe/Berlin\", "+
		"\"14:00\", \"Dec 3\" or \"8 hours\".", chat.Esc(s))
}

func fmtWeekdayMismatch(date time.Time, said time.Weekday) string {
	return fmt.Sprintf("%s is a %s, not a %s. Which day did you mean? Say, for example, \"%s %s\".",
		date.Format("2 Jan 2006"), date.Weekday(), said, date.Weekday(), date.Format("Jan 2"))
}

func fmtLabelUnread(s string) string {
	return fmt.Sprintf("I couldn't read %s, so I haven't used anything from that message. Please write it like "+
		"\"Start: Monday 9am Europe/Berlin\" or \"Zone: America/New_York\".", chat.Esc(s))
}

const textRangeAndLifetime = "That message gives both a time range and a length. Please give one: " +
	"\"Monday 9am to 5pm\" or \"Monday 9am, 8 hours\"."

const textRangeEmpty = "That range starts and ends at the same time. Say, for example, \"9am to 5pm\"."

// MaxMessage is the longest message read, in characters: a longer one is
// refused before any parsing or lookup.
const MaxMessage = 2000

func fmtTooLong(n int) string {
	return fmt.Sprintf("That message is %d characters long; I read messages of up to 2,000 characters. "+
		"Please send the request in a shorter message, like \"TAP for sarah@contoso.com Monday 9am Europe/Berlin, "+
		"8 hours, onboarding\".", n)
}

const textNothingApplied = "Nothing from that message was changed."

const textStartWhichDay = "Which day next week? Say, for example, \"next Monday 9am\"."

func fmtStartSlash(s string) string {
	return fmt.Sprintf("I can't tell which day %s is (day/month or month/day?). Please write it like "+
		"\"Dec 7\" or 2026-12-07.", chat.Esc(s))
}

func fmtStartPast(at, now time.Time) string {
	return fmt.Sprintf("%s is in the past: it is now %s. Please give a later start.",
		formatTime(at), formatTime(now))
}

func fmtStartTooFar(at time.Time, ahead time.Duration) string {
	return fmt.Sprintf("%s is too far ahead: a pass can start at most %s from now.",
		formatTime(at), FormatDuration(ahead))
}

// formatTime shows a time with its weekday, date and zone:
// "Mon 30 Nov 2026 07:00 PST (America/Los_Angeles)".
// formatClock is formatTime without the date.
func formatClock(t time.Time) string {
	s := t.Format("15:04 MST")
	if name := t.Location().String(); name != "UTC" && name != "Local" {
		s += " (" + name + ")"
	}
	return s
}

func formatTime(t time.Time) string {
	s := t.Format("Mon 2 Jan 2006 15:04 MST")
	if name := t.Location().String(); name != "UTC" && name != "Local" {
		s += " (" + name + ")"
	}
	return s
}

// Yes/no, one-time, reason, justification.
func fmtYesNo(s string) string {
	return fmt.Sprintf("I didn't understand %s. Please answer yes or no.", chat.Esc(s))
}

func fmtOneTimeSyntax(s string) string {
	return fmt.Sprintf("I didn't understand %s. Should the pass work only once? Answer yes (one-time) "+
		"or no (it can be used until it expires).", chat.Esc(s))
}

func fmtReasonSyntax(s string) string {
	return fmt.Sprintf("I didn't understand %s as a reason. Pick one of: onboarding, recovery, contractor, "+
		"device enrollment, demo, guest project.", chat.Esc(s))
}

func fmtJustificationLong(n int) string {
	return fmt.Sprintf("That note is %d characters long; please keep it under %d.", n, MaxJustification)
}

// Questions.
const (
	textAskTarget = "Who is the pass for? Give their e-mail address or user principal name " +
		"(like sarah.johnson@contoso.com)."
	textAskReason        = "What is the pass for? Default: onboarding."
	textAskJustification = "Anything the approver should know, like \"starts in Finance on Monday\"? " +
		"Say skip for nothing."
	textTheNewHire      = "the new hire"
	textTargetNoDefault = "There is no default for this one: I need the person's e-mail address or user principal name."
	textStartNow        = "as soon as it is issued, after approval"
	textNone            = "none"
	textUnknown         = "unknown"
	textDash            = "\u2014"
)

func fmtAskZone(who, mine string) string {
	return fmt.Sprintf("Which time zone is %s in? Default is yours: %s.", who, mine)
}

func fmtAskStart(reason, def string) string {
	return fmt.Sprintf("When should the pass start? Default for %s: %s.", reason, def)
}

func fmtAskLifetime(reason string, def, lo, hi time.Duration) string {
	return fmt.Sprintf("How long should it last? Default for %s is %s (allowed: %s to %s).",
		reason, FormatDuration(def), FormatDuration(lo), FormatDuration(hi))
}

func fmtAskOneTime(reason string, def bool) string {
	return fmt.Sprintf("Should it work only once? Default for %s: %s.", reason, oneTimeLabel(def))
}

func fmtCurrent(v string) string { return "Currently: " + v + "." }

func fmtLabelMine(zone string) string { return "Mine (" + zone + ")" }

// fmtYourTime shows a start in the requester's zone and the new hire's.
func fmtYourTime(mine, hire, who string) string {
	return mine + " (your time) · " + hire + " for " + who
}

func fmtUntil(s string) string { return ", until " + s }

func oneTimeLabel(once bool) string {
	if once {
		return "one-time (works for a single sign-in)"
	}
	return "multi-use (works until it expires)"
}

// reasonLabel is how a reason is shown.
func reasonLabel(r tap.Reason) string {
	switch r {
	case tap.ReasonDeviceEnrollment:
		return "device enrollment"
	case tap.ReasonGuestProject:
		return "guest project"
	}
	return string(r)
}

// Buttons and labels.
const (
	labelDefaults       = "Use defaults for the rest"
	labelDefault        = "Use default"
	labelCancel         = "Cancel"
	labelSkip           = "Skip"
	labelNow            = "Now"
	labelOneTimeYes     = "Yes, one-time"
	labelOneTimeNo      = "No, multi-use"
	labelConfirm        = "Confirm and send"
	labelChangeStart    = "Change start"
	labelChangeLifetime = "Change lifetime"
	labelChangeMore     = "Change something else"
	labelChangeTarget   = "Change person"
	labelChangeReason   = "Change reason"
	labelChangeNote     = "Change note"
	labelChangeZone     = "Change time zone"
	labelChangeOneTime  = "Change one-time use"
	labelWrongPerson    = "Wrong person"
	labelFor            = "For"
	labelName           = "Name"
	labelUPN            = "User principal name"
	labelMail           = "E-mail"
	labelDepartment     = "Department"
	labelHireDate       = "Hire date"
	labelReason         = "Reason"
	labelNote           = "Note for the approver"
	labelStarts         = "Starts"
	labelLasts          = "Lasts"
	labelUse            = "Use"
	labelZone           = "New hire's time zone"
	titleSummary        = "Check your request"
)

// Summary, lookup, navigation.
const (
	textSummary      = "Here is your request. Send it to the approvers?"
	textWhatToChange = "What should I change?"
	textFound        = "I found this person in the directory. Check it's the right one:"
	textLookupFailed = "I couldn't look that person up in the directory just now. Please try again in a minute, " +
		"or give another address."
	textRestart   = "Starting over."
	textCancelled = "Cancelled. Nothing was sent."
	// textNothingToCancel answers "cancel" when no request is being written.
	textNothingToCancel = "There is no request in progress to cancel. To withdraw one you sent, say *cancel* " +
		"and the person's name or e-mail address; *status* lists your requests."
	textNothingBack = "There is nothing to go back to."
	textDraftKept   = "Your request draft is kept; answer the question below to carry on."
	textInternal    = "Sorry, I lost track of this request on my side. Please start again with \"request\"."
	textFormFix     = "Please fix the highlighted fields."
	textWelcome     = "You're welcome."
	textOneTarget   = "Please name one person per request; I saw more than one address."
)

func fmtUserNotFound(upn string) string {
	return fmt.Sprintf("I couldn't find %s in the directory. Check the spelling, or give their user principal name.",
		chat.Esc(upn))
}

func fmtUserAmbiguous(upn string) string {
	return fmt.Sprintf("More than one person in the directory uses %s. Please give their user principal name.",
		chat.Esc(upn))
}

func fmtNotUnderstood(s string) string {
	return fmt.Sprintf("I didn't understand %s.", chat.Esc(s))
}

// Help.
const (
	textHelpInRequest = "Answer the question, or say *back*, *change* _something_, *restart* or *cancel*."
)

// slotHelp explains what each question accepts.
var slotHelp = map[slot]string{
	slotTarget: "Give the e-mail address or user principal name of the person who needs the pass, " +
		"like sarah.johnson@contoso.com. I'll look them up and show you who I found.",
	slotReason: "Pick why the pass is needed: onboarding (a new hire), recovery (lost phone or locked out), " +
		"contractor, device enrollment, demo or guest project.",
	slotJustification: "A short note for the approver (up to 500 characters), or skip.",
	slotZone: "The new hire's time zone, so the start is in their time: an IANA name like " +
		"America/Los_Angeles, or Pacific, Eastern, Central, Mountain, UK, India...",
	slotStart: "When the pass starts working: now, today 3pm, tomorrow 8am, Monday, next Tuesday 9:30, " +
		"Dec 3 7am, 2026-12-03T07:00-08:00 or in 2 hours. Add a zone if it isn't yours, like Pacific.",
	slotLifetime: "How long the pass works: 8 hours, 90 minutes, 1h30, 1.5h or 2 days. A bare number means minutes.",
	slotOneTime: "Yes makes the pass work for one sign-in only; no lets it be used again until it expires. " +
		"For onboarding, multi-use is usual.",
}

// Form.
const (
	formTitle          = "Request a Temporary Access Pass"
	formSubmit         = "Review"
	formLabelTarget    = "Who is it for (e-mail or user principal name)"
	formHintTarget     = "sarah.johnson@contoso.com"
	formHintNote       = "e.g. starts in Finance on Monday"
	formHintZone       = "empty: your time zone; or e.g. America/Los_Angeles, Pacific, UK"
	formHintStart      = "empty: the default for the reason"
	formOneTimeDefault = "Default for the reason"
)

func fmtFormHintLifetime(lo, hi time.Duration) string {
	return fmt.Sprintf("empty: the default for the reason; %s to %s, e.g. 8 hours", FormatDuration(lo), FormatDuration(hi))
}

// slotLabel names a slot in "Changed: lifetime 4 hours".
var slotLabel = map[slot]string{
	slotTarget: "person", slotReason: "reason", slotJustification: "note", slotZone: "time zone",
	slotStart: "start", slotLifetime: "lifetime", slotOneTime: "use",
}

func fmtChange(sl slot, v string) string { return slotLabel[sl] + " " + v }

func fmtChanged(changes []string) string { return "Changed: " + strings.Join(changes, "; ") + "." }
