package dialog

import (
	"strings"
	"unicode"
)

// timeWords are words about time that tapbot does not read: a message
// using one is asked about, never half-read ("last Tuesday", "2 hours
// ago", "next month", "10 past 9", "tomorrow evening").
var timeWords = map[string]bool{
	"ago": true, "last": true, "yesterday": true, "month": true, "months": true, "fortnight": true,
	"fortnights": true, "past": true, "eod": true, "cob": true, "quarter": true, "afternoon": true,
	"evening": true, "lunchtime": true, "o'clock": true, "oclock": true, "year": true, "years": true,
	"weekend": true, "earlier": true, "later": true, "previous": true, "ish": true, "sec": true,
	"secs": true, "seconds": true,
}

// hasDigit reports whether s contains a digit.
func hasDigit(s string) bool {
	return strings.ContainsFunc(s, unicode.IsDigit)
}

// isClockToken reports whether toks[i] is a time of day ("9am", "07:30",
// "noon") or an am/pm marker.
func isClockToken(toks []token, i int) bool {
	if i < 0 || i >= len(toks) {
		return false
	}
	switch toks[i].w {
	case "am", "pm", "a.m", "p.m", "noon", "midday", "midnight":
		return true
	}
	return hasDigit(toks[i].w) && (reClock.MatchString(toks[i].w) || reMilitary.MatchString(toks[i].w) ||
		reZuluClock.MatchString(toks[i].w))
}

// timeish reports whether the unknown word toks[i] looks like part of a
// time, date, zone or duration: it has a digit or a slash, is a time
// word, is followed by "time" ("Narnia time"), or is a capitalised word
// right after a clock ("9am Narnia", "9am in XYZT").
func timeish(toks []token, i int) bool {
	t := toks[i]
	if hasDigit(t.w) || strings.Contains(t.w, "/") || timeWords[t.w] {
		return true
	}
	if i+1 < len(toks) && (toks[i+1].w == "time" || toks[i+1].w == "timezone" || toks[i+1].w == "tz") && !fillers[t.w] {
		return true
	}
	r := []rune(t.raw)
	if len(r) == 0 || !unicode.IsUpper(r[0]) || strings.ContainsFunc(t.raw, func(c rune) bool { return !unicode.IsLetter(c) }) {
		return false
	}
	j := i - 1
	if j >= 0 && toks[j].w == "in" {
		j--
	}
	return isClockToken(toks, j)
}
