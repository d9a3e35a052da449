package dialog

import (
	"fmt"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// This file fills the dialog's sentences (internal/text/dialog.go) with
// values. User-typed text is interpolated only through chat.Esc.

func fmtTargetSyntax(s string) string {
	return fmt.Sprintf(text.DialogTargetSyntax, chat.Esc(s))
}

func fmtTargetNonASCII(s string) string {
	return fmt.Sprintf(text.DialogTargetNonASCII, chat.Esc(s))
}

func fmtTargetTooLong(n int) string {
	return fmt.Sprintf(text.DialogTargetTooLong, n, maxUPN, maxLocal, maxDomain)
}

// Lifetime.

func fmtLifetimeSyntax(s string) string {
	return fmt.Sprintf(text.DialogLifetimeSyntax, chat.Esc(s))
}

func fmtLifetimeRange(d, lo, hi time.Duration) string {
	return fmt.Sprintf(text.DialogLifetimeRange,
		FormatDuration(d), FormatDuration(lo), FormatDuration(hi))
}

// Zone.
func fmtZoneAmbiguous(abbr string, options []string) string {
	return fmt.Sprintf(text.DialogZoneAmbiguous,
		strings.ToUpper(abbr), strings.Join(options, ", "))
}

func fmtZoneUnknown(s string) string {
	return fmt.Sprintf(text.DialogZoneUnknown, chat.Esc(s))
}

func fmtStartSyntax(s string) string {
	return fmt.Sprintf(text.DialogStartSyntaxFormat, chat.Esc(s))
}

func fmtUnread(s string) string {
	return fmt.Sprintf(text.DialogUnread, chat.Esc(s))
}

func fmtWeekdayMismatch(date time.Time, said time.Weekday) string {
	return fmt.Sprintf(text.DialogWeekdayMismatch,
		date.Format("2 Jan 2006"), date.Weekday(), said, date.Weekday(), date.Format("Jan 2"))
}

func fmtLabelUnread(s string) string {
	return fmt.Sprintf(text.DialogLabelUnread, chat.Esc(s))
}

// MaxMessage is the longest message read, in characters: a longer one is
// refused before any parsing or lookup.
const MaxMessage = 2000

func fmtTooLong(n int) string {
	return fmt.Sprintf(text.DialogTooLong, n)
}

func fmtStartSlash(s string) string {
	return fmt.Sprintf(text.DialogStartSlash, chat.Esc(s))
}

func fmtStartPast(at, now time.Time) string {
	return fmt.Sprintf(text.DialogStartPast,
		formatTime(at), formatTime(now))
}

func fmtStartTooFar(at time.Time, ahead time.Duration) string {
	return fmt.Sprintf(text.DialogStartTooFar,
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
	return fmt.Sprintf(text.DialogYesNo, chat.Esc(s))
}

func fmtOneTimeSyntax(s string) string {
	return fmt.Sprintf(text.DialogOneTimeSyntax, chat.Esc(s))
}

func fmtReasonSyntax(s string) string {
	return fmt.Sprintf(text.DialogReasonSyntax, chat.Esc(s))
}

func fmtJustificationLong(n int) string {
	return fmt.Sprintf(text.DialogJustificationLong, n, MaxJustification)
}

func fmtAskZone(who, mine string) string {
	return fmt.Sprintf(text.DialogAskZone, who, mine)
}

func fmtAskStart(reason, def string) string {
	return fmt.Sprintf(text.DialogAskStart, reason, def)
}

func fmtAskLifetime(reason string, def, lo, hi time.Duration) string {
	return fmt.Sprintf(text.DialogAskLifetime,
		reason, FormatDuration(def), FormatDuration(lo), FormatDuration(hi))
}

func fmtAskOneTime(reason string, def bool) string {
	return fmt.Sprintf(text.DialogAskOneTime, reason, oneTimeLabel(def))
}

func fmtCurrent(v string) string { return text.DialogCurrent(v) }

func fmtLabelMine(zone string) string { return text.DialogLabelMine(zone) }

// fmtYourTime shows a start in the requester's zone and the new hire's.
func fmtYourTime(mine, hire, who string) string {
	return mine + text.YourTime + " · " + hire + text.ForHire(who)
}

func fmtUntil(s string) string { return text.DialogUntil(s) }

func oneTimeLabel(once bool) string {
	if once {
		return text.DialogOneTime
	}
	return text.DialogMultiUse
}

// reasonLabel is how a reason is shown.
func reasonLabel(r tap.Reason) string {
	switch r {
	case tap.ReasonDeviceEnrollment:
		return text.DialogReasonDeviceEnrollment
	case tap.ReasonGuestProject:
		return text.DialogReasonGuestProject
	}
	return string(r)
}

func fmtUserNotFound(upn string) string {
	return fmt.Sprintf(text.DialogUserNotFound,
		chat.Esc(upn))
}

func fmtUserAmbiguous(upn string) string {
	return fmt.Sprintf(text.DialogUserAmbiguous,
		chat.Esc(upn))
}

func fmtNotUnderstood(s string) string {
	return fmt.Sprintf(text.DialogNotUnderstood, chat.Esc(s))
}

// slotHelp explains what each question accepts.
var slotHelp = map[slot]string{
	slotTarget:        text.DialogHelpTarget,
	slotReason:        text.DialogHelpReason,
	slotJustification: text.DialogHelpJustification,
	slotZone:          text.DialogHelpZone,
	slotStart:         text.DialogHelpStart,
	slotLifetime:      text.DialogHelpLifetime,
	slotOneTime:       text.DialogHelpOneTime,
}

func fmtFormHintLifetime(lo, hi time.Duration) string {
	return fmt.Sprintf(text.DialogFormHintLifetime, FormatDuration(lo), FormatDuration(hi))
}

// slotLabel names a slot in "Changed: lifetime 4 hours".
var slotLabel = map[slot]string{
	slotTarget: text.DialogSlotTarget, slotReason: text.DialogSlotReason, slotJustification: text.DialogSlotJustification, slotZone: text.DialogSlotZone,
	slotStart: text.DialogSlotStart, slotLifetime: text.DialogSlotLifetime, slotOneTime: text.DialogSlotOneTime,
}

func fmtChange(sl slot, v string) string { return slotLabel[sl] + " " + v }

func fmtChanged(changes []string) string { return text.DialogChanged(strings.Join(changes, "; ")) }
