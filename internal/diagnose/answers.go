package diagnose

import (
	"fmt"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// This file puts the diagnosis into words; the words are in
// internal/text/diagnose.go.

// Answers to the new hire, one per cause (text.DiagHire*).
var hireAnswers = map[Cause]string{
	CauseAccountDisabled: text.DiagHireAccountDisabled,
	CausePolicyOff:       text.DiagHirePolicyOff,
	CauseNotInPolicy:     text.DiagHireNotInPolicy,
	CauseNoPass:          text.DiagHireNoPass,
	CauseExpired:         text.DiagHireExpired,
	CauseOneTimeUsed:     text.DiagHireOneTimeUsed,
	CauseDisabledPolicy:  text.DiagHireDisabledPolicy,
}

// Notices to the requester, one per cause (text.DiagNotice*).
var requesterNotices = map[Cause]string{
	CauseAccountDisabled: text.DiagNoticeAccountDisabled,
	CausePolicyOff:       text.DiagNoticePolicyOff,
	CauseNotInPolicy:     text.DiagNoticeNotInPolicy,
	CauseNoPass:          text.DiagNoticeNoPass,
	CauseExpired:         text.DiagNoticeExpired,
	CauseOneTimeUsed:     text.DiagNoticeOneTimeUsed,
	CauseDisabledPolicy:  text.DiagNoticeDisabledPolicy,
}

// HireAnswer is the new hire's answer: the cause and the fix in plain
// words, times in loc.
func HireAnswer(rep Report, requester string, now time.Time, loc *time.Location) string {
	var s string
	switch rep.Cause {
	case CauseNotYetValid:
		s = fmt.Sprintf(text.DiagNotYetValid, when(rep.Pass.Start, now, loc), span(rep.Pass.Start.Sub(now)))
	case CauseUsable:
		s = fmt.Sprintf(text.DiagUsable, when(rep.Pass.Expires(), now, loc))
	case CauseNoPass, CauseExpired, CauseOneTimeUsed:
		if len(rep.Strong) > 0 {
			return fmt.Sprintf(text.DiagPassDoneWith, kinds(rep.Strong))
		}
		s = fmt.Sprintf(hireAnswers[rep.Cause], chat.Esc(requester))
	default:
		s = fmt.Sprintf(hireAnswers[rep.Cause], chat.Esc(requester))
	}
	if len(rep.Strong) > 0 {
		s += fmt.Sprintf(text.DiagHasMethods, kinds(rep.Strong))
	}
	return s
}

// RequesterNotice tells the requester what to do, or "" when nothing is
// needed from them.
func RequesterNotice(rep Report, hire string) string {
	if !rep.NeedsRequester() {
		return ""
	}
	return fmt.Sprintf(requesterNotices[rep.Cause], chat.Esc(hire))
}

// Checklist is the "why <user>" answer: each check with ✓ or ✗ and the
// cause, times in loc.
func Checklist(rep Report, now time.Time, loc *time.Location) chat.Message {
	m := chat.Message{Title: fmt.Sprintf(text.DiagDiagTitle, rep.User.DisplayName)}
	for _, c := range rep.Checks {
		mark := "✗"
		if c.OK {
			mark = "✓"
		}
		m.Facts = append(m.Facts, chat.Fact{Label: mark + " " + c.Name, Value: c.Detail})
	}
	m.Text = fmt.Sprintf(text.DiagDiagCause, causeWords(rep, now, loc))
	return m
}

func causeWords(rep Report, now time.Time, loc *time.Location) string {
	switch rep.Cause {
	case CauseNotYetValid:
		return fmt.Sprintf(text.DiagCauseNotYet, when(rep.Pass.Start, now, loc), span(rep.Pass.Start.Sub(now)))
	case CauseUsable:
		return text.DiagCauseUsable
	}
	return strings.TrimSuffix(fmt.Sprintf(requesterNotices[rep.Cause], text.TheNewHire), ".") + "."
}

func passCheck(p *tap.Pass, now time.Time) Check {
	c := Check{Name: text.DiagCheckPass}
	switch {
	case p == nil:
		c.Detail = text.DiagDetailNoPass
	case p.Usable:
		c.OK = true
		c.Detail = fmt.Sprintf(text.DiagDetailUsable, p.Expires().UTC().Format("2 Jan 15:04"))
	default:
		uses := text.DiagMultiUse
		if p.OneTime {
			uses = text.DiagOneUse
		}
		c.Detail = fmt.Sprintf(text.DiagDetailNotUsable, p.UsabilityReason,
			p.Start.UTC().Format("2 Jan 15:04"), span(p.Lifetime), uses)
	}
	return c
}

func targetDetail(included, excluded bool) string {
	switch {
	case excluded:
		return text.DiagDetailExcluded
	case !included:
		return text.DiagDetailNotIncluded
	}
	return text.DiagDetailIncluded
}

func methodsDetail(strong []tap.MethodKind) string {
	if len(strong) == 0 {
		return text.DiagDetailNoMethods
	}
	return kinds(strong)
}

func kinds(ks []tap.MethodKind) string {
	words := make([]string, 0, len(ks))
	for _, k := range ks {
		words = append(words, text.MethodWords(k))
	}
	return strings.Join(words, ", ")
}

// when is a time in loc: "09:00" today, else "Mon 8 Dec 09:00".
func when(t, now time.Time, loc *time.Location) string {
	t, now = t.In(loc), now.In(loc)
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return t.Format("15:04")
	}
	return t.Format("Mon 2 Jan 15:04")
}

// span is a duration in words: "2 h 10 min", "3 days 4 h".
func span(d time.Duration) string {
	d = d.Round(time.Minute)
	if d < time.Minute {
		return text.DiagUnderAMinute
	}
	days, h, m := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if days == 1 {
		parts = append(parts, text.DiagOneDay)
	} else if days > 1 {
		parts = append(parts, fmt.Sprintf(text.DiagDays, days))
	}
	if h > 0 {
		parts = append(parts, fmt.Sprintf(text.DiagHours, h))
	}
	if m > 0 && days == 0 {
		parts = append(parts, fmt.Sprintf(text.DiagMinutes, m))
	}
	return strings.Join(parts, " ")
}
