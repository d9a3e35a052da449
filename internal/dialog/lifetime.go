package dialog

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// maxDuration bounds any parsed duration so arithmetic cannot overflow.
const maxDuration = 10 * 365 * 24 * time.Hour

var (
	reNumUnit  = regexp.MustCompile(`^(\d{1,6}(?:\.\d{1,3})?)-?([a-z]+)$`)
	reHourMin  = regexp.MustCompile(`^(\d{1,4})(?:h|hr|hrs)(\d{1,2})(?:m|min|mins)?$`)
	reNumber   = regexp.MustCompile(`^\d{1,6}(?:\.\d{1,3})?$`)
	unitByWord = map[string]time.Duration{
		"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
		"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
		"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
		"w": 7 * 24 * time.Hour, "wk": 7 * 24 * time.Hour, "wks": 7 * 24 * time.Hour,
		"week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
	}
	longUnits = []string{"minutes", "minute", "hours", "weeks"}
)

// unitOf returns the unit a word names, forgiving a typo in long words.
func unitOf(w string) (time.Duration, bool) {
	if u, ok := unitByWord[w]; ok {
		return u, true
	}
	for _, l := range longUnits {
		if len(w) >= 4 && editDistance(w, l, 1) <= 1 {
			return unitByWord[l], true
		}
	}
	return 0, false
}

// numberOf reads a number typed as digits or spelled out.
func numberOf(w string) (float64, bool) {
	if reNumber.MatchString(w) {
		f, err := strconv.ParseFloat(w, 64)
		return f, err == nil
	}
	if n, ok := numberWords[w]; ok {
		return float64(n), true
	}
	return 0, false
}

// durationPart recognises one "<number><unit>" at toks[i].
func durationPart(toks []token, i int) (time.Duration, time.Duration, int) {
	if i >= len(toks) {
		return 0, 0, 0
	}
	w := toks[i].w
	if m := reHourMin.FindStringSubmatch(w); m != nil {
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		if mi >= 60 {
			return 0, 0, 0
		}
		return time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute, time.Minute, 1
	}
	if m := reNumUnit.FindStringSubmatch(w); m != nil {
		if u, ok := unitOf(m[2]); ok {
			f, _ := strconv.ParseFloat(m[1], 64)
			return scale(f, u), u, 1
		}
		return 0, 0, 0
	}
	if w == "half" && i+2 < len(toks) && (toks[i+1].w == "an" || toks[i+1].w == "a") {
		if u, ok := unitOf(toks[i+2].w); ok {
			return u / 2, u, 3
		}
	}
	f, ok := numberOf(w)
	if !ok || i+1 >= len(toks) {
		return 0, 0, 0
	}
	u, ok := unitOf(toks[i+1].w)
	if !ok {
		return 0, 0, 0
	}
	return scale(f, u), u, 2
}

// scale multiplies f units, saturating at maxDuration.
func scale(f float64, u time.Duration) time.Duration {
	if f*float64(u) > float64(maxDuration) {
		return maxDuration
	}
	return time.Duration(f * float64(u))
}

// durationAt recognises a duration starting at toks[i] ("8h", "8 hours",
// "1.5h", "1h30", "1 hour 30 minutes", "an hour and a half", "2 days",
// "half an hour", "8-hour") and returns it with the tokens consumed.
func durationAt(toks []token, i int) (time.Duration, int) {
	d, unit, n := durationPart(toks, i)
	if n == 0 {
		return 0, 0
	}
	j := i + n
	if matchPhrase(toks, j, "and a half") == 3 {
		return min(d+unit/2, maxDuration), j + 3 - i
	}
	k := j
	if k < len(toks) && toks[k].w == "and" {
		k++
	}
	if d2, unit2, n2 := durationPart(toks, k); n2 > 0 && unit2 < unit {
		return min(d+d2, maxDuration), k + n2 - i
	}
	return d, j - i
}

// ParseLifetime reads how long a pass should last: "8h", "8 hours",
// "90 minutes", "1.5h", "1h30", "2 days", or a bare number of minutes.
// The result is whole minutes. It does not check the allowed range (see
// Config); errors are *tap.Refusal wrapping tap.ErrInvalidInput.
func ParseLifetime(s string) (time.Duration, error) {
	toks := tokenize(s)
	var d time.Duration
	found := false
	for i := 0; i < len(toks); {
		if !found {
			if reNumber.MatchString(toks[i].w) && onlyFillers(toks[i+1:]) {
				f, _ := strconv.ParseFloat(toks[i].w, 64)
				d, found = scale(f, time.Minute), true
				break
			}
			if v, n := durationAt(toks, i); n > 0 {
				d, found = v, true
				i += n
				continue
			}
		}
		if !fillers[toks[i].w] {
			return 0, tap.Refuse(tap.ErrInvalidInput, fmtLifetimeSyntax(s))
		}
		i++
	}
	if !found {
		return 0, tap.Refuse(tap.ErrInvalidInput, fmtLifetimeSyntax(s))
	}
	d = d.Round(time.Minute)
	if d <= 0 {
		return 0, tap.Refuse(tap.ErrInvalidInput, text.DialogLifetimeZero)
	}
	return d, nil
}

// onlyFillers reports whether every token is a filler word.
func onlyFillers(toks []token) bool {
	for _, t := range toks {
		if !fillers[t.w] {
			return false
		}
	}
	return true
}

// checkLifetime refuses d outside [MinLifetime, MaxLifetime] with a
// sentence naming the allowed range.
func (c Config) checkLifetime(d time.Duration) error {
	if d < c.MinLifetime || d > c.MaxLifetime {
		return tap.Refuse(tap.ErrLifetimeRange, fmtLifetimeRange(d, c.MinLifetime, c.MaxLifetime))
	}
	return nil
}

// FormatDuration says d in words: "8 hours", "1 hour 30 minutes",
// "2 days", "45 minutes".
func FormatDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	if d >= 48*time.Hour && d%(24*time.Hour) == 0 {
		return plural(int(d/(24*time.Hour)), "day")
	}
	h, m := int(d/time.Hour), int((d%time.Hour)/time.Minute)
	var parts []string
	if h > 0 {
		parts = append(parts, plural(h, "hour"))
	}
	if m > 0 || h == 0 {
		parts = append(parts, plural(m, "minute"))
	}
	return strings.Join(parts, " ")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
