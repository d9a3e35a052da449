package dialog

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/tapbot/tapbot/internal/tap"
)

// MaxJustification is the longest justification accepted, in characters.
const MaxJustification = 500

var (
	yesWords = []string{"yes please", "yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "true", "1",
		"correct", "confirm", "confirmed", "affirmative", "absolutely", "right", "\U0001f44d", "on"}
	noWords = []string{"no thanks", "no", "n", "nope", "nah", "false", "0", "negative", "off", "\U0001f44e"}
)

// ParseYesNo reads a yes or a no. Errors are *tap.Refusal wrapping
// tap.ErrInvalidInput.
func ParseYesNo(s string) (bool, error) {
	w := words(tokenize(norm.NFKC.String(s)))
	for _, y := range yesWords {
		if w == y {
			return true, nil
		}
	}
	for _, n := range noWords {
		if w == n {
			return false, nil
		}
	}
	return false, tap.Refuse(tap.ErrInvalidInput, fmtYesNo(s))
}

// oneTimePhrases say whether a pass may be used once or many times.
var oneTimePhrases = []struct {
	phrase string
	once   bool
}{
	{"not one-time", false}, {"not one time", false}, {"not single use", false}, {"not single-use", false},
	{"multi-use", false}, {"multi use", false}, {"multiuse", false}, {"multiple use", false},
	{"multiple uses", false}, {"multiple times", false}, {"reusable", false}, {"re-usable", false},
	{"many times", false}, {"several times", false}, {"more than once", false},
	{"1 time use", true}, {"1-time use", true}, {"1 time", true}, {"1-time", true}, {"one-time use", true}, {"one-time", true}, {"one time use", true}, {"one time", true}, {"onetime", true},
	{"single use", true}, {"single-use", true}, {"use once", true}, {"once", true}, {"one use", true},
}

// oneTimeAt recognises a one-time or multi-use phrase at toks[i].
func oneTimeAt(toks []token, i int) (once bool, n int) {
	for _, p := range oneTimePhrases {
		if k := matchPhrase(toks, i, p.phrase); k > 0 {
			return p.once, k
		}
	}
	return false, 0
}

// ParseOneTime reads the one-time-use answer: yes/no or a phrase like
// "one-time", "single use", "multi-use", "reusable".
func ParseOneTime(s string) (bool, error) {
	if b, err := ParseYesNo(s); err == nil {
		return b, nil
	}
	toks := tokenize(norm.NFKC.String(s))
	found, once := false, false
	for i := 0; i < len(toks); {
		if !found {
			if o, n := oneTimeAt(toks, i); n > 0 {
				found, once = true, o
				i += n
				continue
			}
		}
		if !fillers[toks[i].w] {
			return false, tap.Refuse(tap.ErrInvalidInput, fmtOneTimeSyntax(s))
		}
		i++
	}
	if !found {
		return false, tap.Refuse(tap.ErrInvalidInput, fmtOneTimeSyntax(s))
	}
	return once, nil
}

// reasonPhrases map what people say to a reason, longest phrases first
// within each reason.
var reasonPhrases = []struct {
	phrase string
	reason tap.Reason
}{
	{"device enrollment", tap.ReasonDeviceEnrollment}, {"device enrolment", tap.ReasonDeviceEnrollment},
	{"device_enrollment", tap.ReasonDeviceEnrollment}, {"device setup", tap.ReasonDeviceEnrollment},
	{"new laptop", tap.ReasonDeviceEnrollment}, {"laptop setup", tap.ReasonDeviceEnrollment},
	{"enrollment", tap.ReasonDeviceEnrollment}, {"enrolment", tap.ReasonDeviceEnrollment},
	{"enroll", tap.ReasonDeviceEnrollment}, {"enrol", tap.ReasonDeviceEnrollment},
	{"autopilot", tap.ReasonDeviceEnrollment}, {"intune", tap.ReasonDeviceEnrollment},
	{"partner firm's consultant", tap.ReasonGuestProject}, {"partner firm’s consultant", tap.ReasonGuestProject},
	{"partner firm consultant", tap.ReasonGuestProject}, {"partner's consultant", tap.ReasonGuestProject},
	{"partner consultant", tap.ReasonGuestProject}, {"partner firm", tap.ReasonGuestProject},
	{"partner company", tap.ReasonGuestProject}, {"external partner", tap.ReasonGuestProject},
	{"guest project", tap.ReasonGuestProject}, {"guest_project", tap.ReasonGuestProject},
	{"partner project", tap.ReasonGuestProject}, {"project", tap.ReasonGuestProject},
	{"joins", tap.ReasonOnboarding}, {"joining", tap.ReasonOnboarding}, {"new colleague", tap.ReasonOnboarding},
	{"new hire", tap.ReasonOnboarding}, {"new-hire", tap.ReasonOnboarding}, {"new starter", tap.ReasonOnboarding},
	{"new joiner", tap.ReasonOnboarding}, {"new employee", tap.ReasonOnboarding}, {"first day", tap.ReasonOnboarding},
	{"onboarding", tap.ReasonOnboarding}, {"onboard", tap.ReasonOnboarding}, {"on-boarding", tap.ReasonOnboarding},
	{"dropped", tap.ReasonRecovery}, {"broke", tap.ReasonRecovery}, {"cracked", tap.ReasonRecovery},
	{"can't sign in", tap.ReasonRecovery}, {"cannot sign in", tap.ReasonRecovery},
	{"lost phone", tap.ReasonRecovery}, {"lost device", tap.ReasonRecovery}, {"new phone", tap.ReasonRecovery},
	{"locked out", tap.ReasonRecovery}, {"lost authenticator", tap.ReasonRecovery},
	{"broken phone", tap.ReasonRecovery}, {"mfa reset", tap.ReasonRecovery},
	{"recovery", tap.ReasonRecovery}, {"recover", tap.ReasonRecovery}, {"lockout", tap.ReasonRecovery},
	{"stolen", tap.ReasonRecovery}, {"lost", tap.ReasonRecovery}, {"forgot", tap.ReasonRecovery}, {"reset", tap.ReasonRecovery},
	{"contractor", tap.ReasonContractor}, {"contract", tap.ReasonContractor}, {"consultant", tap.ReasonContractor},
	{"vendor", tap.ReasonContractor}, {"auditor", tap.ReasonContractor}, {"freelancer", tap.ReasonContractor},
	{"sign-in policy", tap.ReasonDemo}, {"sign in policy", tap.ReasonDemo}, {"signin policy", tap.ReasonDemo},
	{"conditional access", tap.ReasonDemo}, {"trying out", tap.ReasonDemo}, {"try out", tap.ReasonDemo},
	{"testing", tap.ReasonDemo}, {"proof of concept", tap.ReasonDemo},
	{"demonstration", tap.ReasonDemo}, {"demo", tap.ReasonDemo}, {"showcase", tap.ReasonDemo},
}

// reasonAt recognises a reason phrase at toks[i].
func reasonAt(toks []token, i int) (tap.Reason, int) {
	for _, p := range reasonPhrases {
		if n := matchPhrase(toks, i, p.phrase); n > 0 {
			return p.reason, n
		}
	}
	return "", 0
}

// ParseReason reads a reason: onboarding, recovery, contractor, device
// enrollment, demo, guest project, or a synonym ("new hire", "lost phone",
// "autopilot"). Errors are *tap.Refusal wrapping tap.ErrInvalidInput.
func ParseReason(s string) (tap.Reason, error) {
	toks := tokenize(norm.NFKC.String(s))
	var r tap.Reason
	for i := 0; i < len(toks); {
		if r == "" {
			if rr, n := reasonAt(toks, i); n > 0 {
				r = rr
				i += n
				continue
			}
		}
		if !fillers[toks[i].w] && toks[i].w != "reason" {
			return "", tap.Refuse(tap.ErrInvalidInput, fmtReasonSyntax(s))
		}
		i++
	}
	if r == "" {
		return "", tap.Refuse(tap.ErrInvalidInput, fmtReasonSyntax(s))
	}
	return r, nil
}

// CleanJustification strips control and invisible formatting characters,
// collapses whitespace and refuses text over MaxJustification characters
// (*tap.Refusal wrapping tap.ErrInvalidInput).
func CleanJustification(s string) (string, error) {
	// Normalising and stripping feed each other (a removed control
	// character can let a combining mark compose with the letter before
	// it), so repeat until the text is stable: the result is idempotent.
	out := strings.ToValidUTF8(s, "")
	for i := 0; i < 4; i++ {
		next := stripJustification(norm.NFKC.String(out))
		if next == out {
			break
		}
		out = next
	}
	if n := utf8.RuneCountInString(out); n > MaxJustification {
		return "", tap.Refuse(tap.ErrInvalidInput, fmtJustificationLong(n))
	}
	return out, nil
}

// stripJustification drops control, format and hidden characters and
// collapses white space to single spaces.
func stripJustification(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), hiddenRune(r), r == '\uE000', r == '\uE001':
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
