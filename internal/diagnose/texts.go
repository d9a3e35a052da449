package diagnose

import (
	"fmt"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
)

// The checks' names, as the Entra admin center groups them.
const (
	checkAccount = "Account enabled"
	checkPolicy  = "Temporary Access Pass method enabled in the tenant"
	checkTargets = "User in the Temporary Access Pass policy's targets"
	checkPass    = "Pass usable now"
	checkMethods = "Methods registered"
)

const (
	detailEnabled   = "the account can sign in"
	detailDisabled  = "the account is disabled: no pass can sign it in"
	detailPolicyOn  = "Authentication methods → Temporary Access Pass is on"
	detailPolicyOff = "Authentication methods → Temporary Access Pass is off"
)

// Answers to the new hire, one per cause; %[1]s is the requester's name.
var hireAnswers = map[Cause]string{
	CauseAccountDisabled: "Your account is disabled, so no pass can sign you in yet. %[1]s has been told; IT has to enable the account first.",
	CausePolicyOff:       "Temporary Access Passes are switched off in your organisation right now, so the pass cannot work. %[1]s has been told so IT can switch them back on.",
	CauseNotInPolicy:     "Your account is not yet allowed to use a Temporary Access Pass (it is outside the group the pass policy covers). %[1]s has been told so IT can add you.",
	CauseNoPass:          "You have no pass at the moment: it was removed or has not been created. %[1]s has been asked whether to issue a new one.",
	CauseExpired:         "Your pass has expired. %[1]s has been asked whether to issue a new one.",
	CauseOneTimeUsed:     "Your pass was for one use and it has been used. %[1]s has been asked whether to issue a new one.",
	CauseDisabledPolicy:  "Your pass is blocked by your organisation's pass policy. %[1]s has been told so IT can check it.",
}

// Notices to the requester, one per cause; %[1]s is the new hire's name.
var requesterNotices = map[Cause]string{
	CauseAccountDisabled: "%[1]s says the pass does not work: the account is disabled in Entra. Ask IT to enable it.",
	CausePolicyOff:       "%[1]s says the pass does not work: the Temporary Access Pass method is switched off in the tenant. Ask IT to turn it on.",
	CauseNotInPolicy:     "%[1]s says the pass does not work: the account is outside the Temporary Access Pass policy's target groups (or excluded). Ask IT to add it.",
	CauseNoPass:          "%[1]s says the pass does not work: there is no pass in Entra any more. Ask for a new one if it is still needed.",
	CauseExpired:         "%[1]s says the pass does not work: it has expired. Ask for a new one if it is still needed.",
	CauseOneTimeUsed:     "%[1]s says the pass does not work: it was for one use and has been used. Ask for a new one if it is still needed.",
	CauseDisabledPolicy:  "%[1]s says the pass does not work: Entra reports it disabled by policy. Ask IT to check the Temporary Access Pass policy.",
}

const (
	textNotYetValid  = "Your pass starts working at %s your time (in %s). Until then Entra refuses it; try again after that."
	textUsable       = "Entra accepts your pass right now (it works until %s your time). Passes are case-sensitive and include the symbols: type it exactly, with no space before or after, at https://aka.ms/mysecurityinfo."
	textHasMethods   = " You have already set up %s, so you can sign in with that instead of the pass."
	textPassDoneWith = "Your pass no longer works, and you don't need it: you have already set up %s. Sign in with that."
	textDiagTitle    = "Why %s's pass does or does not work"
	textDiagCause    = "Cause: %s"
)

// HireAnswer is the new hire's answer: the cause and the fix in plain
// words, times in loc.
func HireAnswer(rep Report, requester string, now time.Time, loc *time.Location) string {
	var s string
	switch rep.Cause {
	case CauseNotYetValid:
		s = fmt.Sprintf(textNotYetValid, when(rep.Pass.Start, now, loc), span(rep.Pass.Start.Sub(now)))
	case CauseUsable:
		s = fmt.Sprintf(textUsable, when(rep.Pass.Expires(), now, loc))
	case CauseNoPass, CauseExpired, CauseOneTimeUsed:
		if len(rep.Strong) > 0 {
			return fmt.Sprintf(textPassDoneWith, kinds(rep.Strong))
		}
		s = fmt.Sprintf(hireAnswers[rep.Cause], chat.Esc(requester))
	default:
		s = fmt.Sprintf(hireAnswers[rep.Cause], chat.Esc(requester))
	}
	if len(rep.Strong) > 0 {
		s += fmt.Sprintf(textHasMethods, kinds(rep.Strong))
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
	m := chat.Message{Title: fmt.Sprintf(textDiagTitle, rep.User.DisplayName)}
	for _, c := range rep.Checks {
		mark := "✗"
		if c.OK {
			mark = "✓"
		}
		m.Facts = append(m.Facts, chat.Fact{Label: mark + " " + c.Name, Value: c.Detail})
	}
	m.Text = fmt.Sprintf(textDiagCause, causeWords(rep, now, loc))
	return m
}

func causeWords(rep Report, now time.Time, loc *time.Location) string {
	switch rep.Cause {
	case CauseNotYetValid:
		return fmt.Sprintf("the pass starts at %s (in %s).", when(rep.Pass.Start, now, loc), span(rep.Pass.Start.Sub(now)))
	case CauseUsable:
		return "none in Entra: the pass is usable. If it is refused, it is mistyped (case-sensitive, symbols included)."
	}
	return strings.TrimSuffix(fmt.Sprintf(requesterNotices[rep.Cause], "the new hire"), ".") + "."
}

func passCheck(p *tap.Pass, now time.Time) Check {
	c := Check{Name: checkPass}
	switch {
	case p == nil:
		c.Detail = "no Temporary Access Pass in Entra"
	case p.Usable:
		c.OK = true
		c.Detail = fmt.Sprintf("usable until %s UTC", p.Expires().UTC().Format("2 Jan 15:04"))
	default:
		uses := "multi-use"
		if p.OneTime {
			uses = "one use"
		}
		c.Detail = fmt.Sprintf("not usable: %s (start %s UTC, %s, %s)", p.UsabilityReason,
			p.Start.UTC().Format("2 Jan 15:04"), span(p.Lifetime), uses)
	}
	return c
}

func targetDetail(included, excluded bool) string {
	switch {
	case excluded:
		return "the user is in a group the policy excludes"
	case !included:
		return "the user is in none of the policy's target groups"
	}
	return "included, not excluded"
}

func methodsDetail(strong []tap.MethodKind) string {
	if len(strong) == 0 {
		return "no passwordless method yet (Windows Hello, Authenticator or a passkey is set up with the pass)"
	}
	return kinds(strong)
}

var kindWords = map[tap.MethodKind]string{
	tap.MethodWindowsHello:  "Windows Hello",
	tap.MethodAuthenticator: "Microsoft Authenticator",
	tap.MethodFIDO2:         "a passkey",
	tap.MethodPlatformCred:  "a platform credential",
}

func kinds(ks []tap.MethodKind) string {
	words := make([]string, 0, len(ks))
	for _, k := range ks {
		words = append(words, kindWords[k])
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
		return "less than a minute"
	}
	days, h, m := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if days == 1 {
		parts = append(parts, "1 day")
	} else if days > 1 {
		parts = append(parts, fmt.Sprintf("%d days", days))
	}
	if h > 0 {
		parts = append(parts, fmt.Sprintf("%d h", h))
	}
	if m > 0 && days == 0 {
		parts = append(parts, fmt.Sprintf("%d min", m))
	}
	return strings.Join(parts, " ")
}
