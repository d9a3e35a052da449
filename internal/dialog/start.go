package dialog

import (
	"regexp"
	"strconv"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// startSpec is a start as typed, before it is placed in a zone.
type startSpec struct {
	now                bool
	abs                time.Time // ISO 8601 with an offset
	hasAbs             bool
	rel                time.Duration // "in 2 hours"
	hasRel             bool
	y                  int // 0: the next such date
	m                  time.Month
	d                  int
	hasDate            bool
	dayOffset          int // today 0, tomorrow 1, "in 2 days" 2
	hasDayOffset       bool
	weekday            time.Weekday
	hasWeekday, next   bool
	hour, min          int
	hasTime, bareHour  bool
	hasAny, hasDateish bool
	// zone is "UTC" for a clock written with a Z ("15:30Z").
	zone string
	// A range's end ("9am to 5pm"): endBare is an hour without am/pm.
	hasEnd, endBare bool
	endHour, endMin int
	// slash is a date written a/b or a/b/y whose order depends on the
	// requester (monthFirst for a requester in the United States).
	slash      [3]int
	hasSlash   bool
	monthFirst bool
}

var (
	reISODateTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:?\d{2})?$`)
	reISODate     = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})$`)
	reClock       = regexp.MustCompile(`^(\d{1,2})(?::(\d{2}))?(am|pm|a\.m|p\.m|a|p)?$`)
	reDayNum      = regexp.MustCompile(`^(\d{1,2})(?:st|nd|rd|th)?$`)
	reYear        = regexp.MustCompile(`^20\d{2}$`)
	reMilitary    = regexp.MustCompile(`^([01]\d|2[0-3])([0-5]\d)$`)
	reOrdinal     = regexp.MustCompile(`^(\d{1,2})(?:st|nd|rd|th)$`)
	reSlashDate   = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})(?:/(\d{2}|\d{4}))?$`)
	reYearFirst   = regexp.MustCompile(`^(\d{4})/(\d{1,2})/(\d{1,2})$`)
	reDotted      = regexp.MustCompile(`^(\d{1,2})\.(\d{2})(?:\.(\d{4}))?$|^(\d{1,2})\.(\d{1,2})\.(\d{4})$`)
	reZuluClock   = regexp.MustCompile(`^(?:([01]?\d|2[0-3]):([0-5]\d)|([01]\d|2[0-3])([0-5]\d))z$`)
)

var weekdays = map[string]time.Weekday{
	"monday": time.Monday, "mon": time.Monday, "tuesday": time.Tuesday, "tue": time.Tuesday,
	"tues": time.Tuesday, "wednesday": time.Wednesday, "wed": time.Wednesday, "weds": time.Wednesday,
	"thursday": time.Thursday, "thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday,
	"friday": time.Friday, "fri": time.Friday, "saturday": time.Saturday, "sat": time.Saturday,
	"sunday": time.Sunday, "sun": time.Sunday,
}

var months = map[string]time.Month{
	"january": time.January, "jan": time.January, "february": time.February, "feb": time.February,
	"march": time.March, "mar": time.March, "april": time.April, "apr": time.April, "may": time.May,
	"june": time.June, "jun": time.June, "july": time.July, "jul": time.July, "august": time.August,
	"aug": time.August, "september": time.September, "sep": time.September, "sept": time.September,
	"october": time.October, "oct": time.October, "november": time.November, "nov": time.November,
	"december": time.December, "dec": time.December,
}

// fuzzyLookup finds w in m, forgiving one typo in long words.
func fuzzyLookup[V comparable](m map[string]V, w string) (V, bool) {
	if v, ok := m[w]; ok {
		return v, true
	}
	var zero V
	if len(w) < 5 {
		return zero, false
	}
	// A typo close to two different names ("sonday": Sunday or Monday)
	// matches neither; map order must not pick one.
	var found []V
	for k, v := range m {
		if len(k) >= 6 && editDistance(w, k, 1) <= 1 {
			found = append(found, v)
		}
	}
	for _, v := range found[min(1, len(found)):] {
		if v != found[0] {
			return zero, false
		}
	}
	if len(found) == 0 {
		return zero, false
	}
	return found[0], true
}

// dateAt recognises a date or day word at toks[i] into sp.
func dateAt(toks []token, i int, sp *startSpec) int {
	w := toks[i].w
	if n := matchPhrase(toks, i, "day after tomorrow"); n > 0 {
		sp.dayOffset, sp.hasDayOffset = 2, true
		return n
	}
	switch {
	case w == "today" || w == "tonight" || w == "tody":
		sp.dayOffset, sp.hasDayOffset = 0, true
		return 1
	case w == "tomorrow" || w == "tmrw" || w == "tmr" || w == "tomoz" || sameWord(w, "tomorrow"):
		sp.dayOffset, sp.hasDayOffset = 1, true
		return 1
	}
	if m := reISODate.FindStringSubmatch(w); m != nil {
		sp.y, _ = strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		sp.m = time.Month(mo)
		sp.d, _ = strconv.Atoi(m[3])
		sp.hasDate = true
		return 1
	}
	if n := numericDateAt(w, sp); n > 0 {
		return n
	}
	next := 0
	if (w == "next" || w == "this" || w == "coming") && i+1 < len(toks) {
		next = 1
	}
	if wd, ok := fuzzyLookup(weekdays, toks[i+next].w); ok {
		sp.weekday, sp.hasWeekday, sp.next = wd, true, next == 1 && w == "next"
		return next + 1
	}
	if mo, ok := fuzzyLookup(months, w); ok && i+1 < len(toks) {
		if dm := reDayNum.FindStringSubmatch(toks[i+1].w); dm != nil {
			sp.m, sp.hasDate, sp.y = mo, true, 0
			sp.d, _ = strconv.Atoi(dm[1])
			n := 2
			if i+2 < len(toks) && reYear.MatchString(toks[i+2].w) {
				sp.y, _ = strconv.Atoi(toks[i+2].w)
				n++
			}
			return n
		}
	}
	if om := reOrdinal.FindStringSubmatch(w); om != nil && (i+1 >= len(toks) || !isMonthAt(toks, i+1)) {
		sp.d, sp.m, sp.y, sp.hasDate = atoi(om[1]), 0, 0, true // the next such day of a month
		return 1
	}
	if dm := reDayNum.FindStringSubmatch(w); dm != nil && i+1 < len(toks) {
		j := i + 1
		if toks[j].w == "of" && j+1 < len(toks) {
			j++
		}
		if mo, ok := fuzzyLookup(months, toks[j].w); ok {
			sp.m, sp.hasDate, sp.y = mo, true, 0
			sp.d, _ = strconv.Atoi(dm[1])
			n := j + 1 - i
			if j+1 < len(toks) && reYear.MatchString(toks[j+1].w) {
				sp.y, _ = strconv.Atoi(toks[j+1].w)
				n++
			}
			return n
		}
	}
	return 0
}

// isMonthAt reports whether toks[i] (or "of" and toks[i+1]) names a month.
func isMonthAt(toks []token, i int) bool {
	if toks[i].w == "of" && i+1 < len(toks) {
		i++
	}
	_, ok := fuzzyLookup(months, toks[i].w)
	return ok
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// clockAt recognises a time of day at toks[i]: "7am", "7 am", "07:00",
// "7:30 pm", "noon", or (when bare is allowed) "7".
func clockAt(toks []token, i int, bare bool, sp *startSpec) int {
	w := toks[i].w
	switch w {
	case "noon", "midday":
		sp.hour, sp.min, sp.hasTime = 12, 0, true
		return 1
	case "midnight": // the end of the day named (or of today)
		sp.hour, sp.min, sp.hasTime = 24, 0, true
		return 1
	}
	if zm := reZuluClock.FindStringSubmatch(w); zm != nil {
		h, mi := atoi(zm[1]+zm[3]), atoi(zm[2]+zm[4])
		sp.hour, sp.min, sp.hasTime, sp.zone = h, mi, true, "UTC"
		return 1
	}
	if mm := reMilitary.FindStringSubmatch(w); mm != nil && bare {
		h, _ := strconv.Atoi(mm[1])
		mi, _ := strconv.Atoi(mm[2])
		sp.hour, sp.min, sp.hasTime = h, mi, true
		return 1
	}
	m := reClock.FindStringSubmatch(w)
	if m == nil {
		return 0
	}
	n := 1
	ampm := m[3]
	if ampm == "" && i+1 < len(toks) {
		switch toks[i+1].w {
		case "am", "a.m", "pm", "p.m":
			ampm = toks[i+1].w
			n = 2
		}
	}
	if m[2] == "" && ampm == "" && !bare {
		return 0
	}
	h, _ := strconv.Atoi(m[1])
	mi := 0
	if m[2] != "" {
		mi, _ = strconv.Atoi(m[2])
	}
	if mi > 59 || h > 23 {
		return 0
	}
	if ampm != "" {
		if h < 1 || h > 12 {
			return 0
		}
		pm := ampm[0] == 'p'
		switch {
		case pm && h < 12:
			h += 12
		case !pm && h == 12:
			h = 0
		}
	}
	sp.hour, sp.min, sp.hasTime = h, mi, true
	sp.bareHour = m[2] == "" && ampm == ""
	return n
}

// isoAt recognises an ISO 8601 date-time at toks[i].
func isoAt(toks []token, i int, sp *startSpec) int {
	raw := toks[i].raw
	if !reISODateTime.MatchString(raw) {
		return 0
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z0700"} {
		if t, err := time.Parse(layout, upperT(raw)); err == nil {
			sp.abs, sp.hasAbs = t, true
			return 1
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, upperT(raw)); err == nil {
			sp.y, sp.m, sp.d, sp.hasDate = t.Year(), t.Month(), t.Day(), true
			sp.hour, sp.min, sp.hasTime = t.Hour(), t.Minute(), true
			return 1
		}
	}
	return 0
}

// upperT upper-cases the date/time separator and a trailing z.
func upperT(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == 't' || c == 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// startWordAt recognises "now", "asap", "right away".
func startWordAt(toks []token, i int, sp *startSpec) int {
	for _, p := range []string{"right now", "right away", "straight away", "as soon as possible", "now", "asap", "immediately", "straightaway"} {
		if n := matchPhrase(toks, i, p); n > 0 {
			sp.now = true
			return n
		}
	}
	return 0
}

// relativeAt recognises "in 2 hours", "in 3 days", "2 hours from now".
func relativeAt(toks []token, i int, sp *startSpec) int {
	var d time.Duration
	var n int
	switch {
	case toks[i].w == "in":
		if d, n = durationAt(toks, i+1); n == 0 {
			return 0
		}
	default:
		if d, n = durationAt(toks, i); n == 0 || matchPhrase(toks, i+n, "from now") == 0 {
			return 0
		}
		n++ // "from now" is two tokens; the "in" slot counts one of them
	}
	if d%(24*time.Hour) == 0 {
		sp.dayOffset, sp.hasDayOffset = int(d/(24*time.Hour)), true
	} else {
		sp.rel, sp.hasRel = d, true
	}
	return n + 1
}

// resolve places sp in loc: a date without a time means dayStart minus
// lead; a weekday that is today but already past means next week.
func (sp startSpec) resolve(now time.Time, loc *time.Location, dayStart int, lead time.Duration) (at time.Time, isNow bool, err error) {
	switch {
	case sp.now:
		return time.Time{}, true, nil
	case sp.hasAbs:
		return sp.abs.UTC(), false, nil
	case sp.hasRel:
		return now.Add(sp.rel).Truncate(time.Minute).UTC(), false, nil
	}
	nowL := now.In(loc)
	y, m, d := nowL.Date()
	dated, delta := false, 0
	switch {
	case sp.hasDate && sp.m == 0: // "the 7th": this month, or next month if it has passed
		mm, yy := m, y
		if sp.d < d {
			mm++
			if mm > 12 {
				mm, yy = 1, yy+1
			}
		}
		if sp.d < 1 || sp.d > 31 || time.Date(yy, mm, sp.d, 12, 0, 0, 0, loc).Day() != sp.d {
			return time.Time{}, false, tap.Refuse(tap.ErrInvalidInput, text.DialogStartNoSuchDate)
		}
		y, m, d, dated = yy, mm, sp.d, true
	case sp.hasSlash:
		mm, dd, err := sp.slashOrder()
		if err != nil {
			return time.Time{}, false, err
		}
		sp.m, sp.d, sp.y = mm, dd, sp.slash[2]
		fallthrough
	case sp.hasDate:
		yy := sp.y
		if yy == 0 {
			yy = nearestYear(nowL, sp.m, sp.d, loc)
		}
		if sp.d < 1 || sp.d > 31 || sp.m < 1 || sp.m > 12 || time.Date(yy, sp.m, sp.d, 12, 0, 0, 0, loc).Day() != sp.d {
			return time.Time{}, false, tap.Refuse(tap.ErrInvalidInput, text.DialogStartNoSuchDate)
		}
		y, m, d, dated = yy, sp.m, sp.d, true
	case sp.hasDayOffset:
		d += sp.dayOffset
		dated = true
	case sp.hasWeekday:
		delta = (int(sp.weekday) - int(nowL.Weekday()) + 7) % 7
		if sp.next && delta == 0 {
			delta = 7
		}
		d += delta
		dated = true
	}
	if dated && sp.hasWeekday && (sp.hasDate || sp.hasSlash || sp.hasDayOffset) {
		if wd := time.Date(y, m, d, 12, 0, 0, 0, loc).Weekday(); wd != sp.weekday {
			return time.Time{}, false, tap.Refuse(tap.ErrInvalidInput, fmtWeekdayMismatch(time.Date(y, m, d, 12, 0, 0, 0, loc), sp.weekday))
		}
	}
	var t time.Time
	switch {
	case sp.hasTime:
		t = time.Date(y, m, d, sp.hour, sp.min, 0, 0, loc)
	case dated:
		t = time.Date(y, m, d, dayStart, 0, 0, 0, loc).Add(-lead)
	default:
		return time.Time{}, false, tap.Refuse(tap.ErrInvalidInput, text.DialogStartSyntax)
	}
	if sp.hasWeekday && !sp.hasDate && !sp.hasSlash && !sp.hasDayOffset && !sp.next && delta == 0 && t.Before(now) {
		t = t.AddDate(0, 0, 7)
	}
	return t.UTC(), false, nil
}

// Start is a parsed start: an instant, or "now" (as soon as the pass is
// issued). Zone is the IANA zone the text named, if any.
type Start struct {
	At   time.Time // UTC; zero when Now
	Now  bool
	Zone string
}

// StartOptions is what a start phrase is read against.
type StartOptions struct {
	Now      time.Time     // the current time
	Zone     string        // zone for times without one (IANA; "" is UTC)
	DayStart int           // hour for a date without a time (default 8)
	Lead     time.Duration // subtracted from DayStart for a date without a time
}

// ParseStart reads when a pass should start: "now"; "today", "tomorrow";
// weekday names and "next Monday"; "Dec 3", "3 December", "2026-12-03";
// "7", "7am", "07:00", "7:30 pm"; ISO 8601 with an offset; "in 2 hours";
// with a zone as an IANA name or a common word ("Pacific", "UK"), else
// o.Zone. An ambiguous zone abbreviation is refused with a question. It
// does not check past or far-future starts. Errors are *tap.Refusal
// wrapping tap.ErrInvalidInput.
func ParseStart(s string, o StartOptions) (Start, error) {
	toks := tokenize(s)
	var sp startSpec
	zone := ""
	for i := 0; i < len(toks); {
		if n := startAt(toks, i, true, &sp); n > 0 {
			i += n
			continue
		}
		if z, amb, n := zoneAt(toks, i); n > 0 {
			if amb != "" {
				return Start{}, tap.Refuse(tap.ErrInvalidInput, fmtZoneAmbiguous(amb, ambiguousZones[amb]))
			}
			zone = z
			i += n
			continue
		}
		if !fillers[toks[i].w] {
			return Start{}, tap.Refuse(tap.ErrInvalidInput, fmtStartSyntax(s))
		}
		i++
	}
	if !sp.hasAny {
		return Start{}, tap.Refuse(tap.ErrInvalidInput, fmtStartSyntax(s))
	}
	if zone == zoneMine {
		zone = zoneOrUTC(o.Zone)
	}
	locName := o.Zone
	if zone != "" {
		locName = zone
	}
	dayStart := o.DayStart
	if dayStart <= 0 || dayStart > 23 {
		dayStart = 8
	}
	sp.monthFirst = usZones[o.Zone]
	at, now, err := sp.resolve(o.Now, location(locName), dayStart, o.Lead)
	if err != nil {
		return Start{}, err
	}
	return Start{At: at, Now: now, Zone: zone}, nil
}

// startAt recognises any part of a start at toks[i]. bare allows a lone
// number as an hour.
func startAt(toks []token, i int, bare bool, sp *startSpec) int {
	prevAt := i > 0 && (toks[i-1].w == "at" || toks[i-1].w == "@")
	n := startWordAt(toks, i, sp)
	if n == 0 {
		n = isoAt(toks, i, sp)
	}
	if n == 0 {
		n = relativeAt(toks, i, sp)
	}
	if n == 0 {
		n = dateAt(toks, i, sp)
		if n > 0 {
			sp.hasDateish = true
		}
	}
	if n == 0 {
		n = clockAt(toks, i, bare || prevAt || sp.hasDateish || nextIsZone(toks, i+1), sp)
	}
	if n > 0 {
		sp.hasAny = true
	}
	return n
}

// nextIsZone reports whether a zone starts at toks[i].
func nextIsZone(toks []token, i int) bool {
	_, _, n := zoneAt(toks, i)
	return n > 0
}

// checkStart refuses a start in the past (showing the current time in the
// requester's zone) or beyond MaxAhead.
func (c Config) checkStart(at, now time.Time, requesterZone string) error {
	if at.IsZero() {
		return nil
	}
	loc := location(requesterZone)
	if at.Before(now.Add(-time.Minute)) {
		return tap.Refuse(tap.ErrStartInPast, fmtStartPast(at.In(loc), now.In(loc)))
	}
	if at.After(now.Add(c.MaxAhead)) {
		return tap.Refuse(tap.ErrInvalidInput, fmtStartTooFar(at.In(loc), c.MaxAhead))
	}
	return nil
}
