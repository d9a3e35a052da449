package dialog

import (
	"strconv"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// numericDateAt reads a date written in digits: dotted day-first
// ("04.12.2026", "4.12"), year-first ("2026/12/04") or a slash date
// ("12/7", "15/12/2026") whose order is settled when it is placed.
func numericDateAt(w string, sp *startSpec) int {
	if m := reYearFirst.FindStringSubmatch(w); m != nil {
		sp.y, sp.m, sp.d, sp.hasDate = atoi(m[1]), time.Month(atoi(m[2])), atoi(m[3]), true
		return 1
	}
	if m := reDotted.FindStringSubmatch(w); m != nil {
		if m[1] != "" {
			if atoi(m[2]) > 12 && m[3] == "" {
				return 0 // "8.15" is no date; it is asked about
			}
			sp.d, sp.m, sp.y = atoi(m[1]), time.Month(atoi(m[2])), atoi(m[3])
		} else {
			sp.d, sp.m, sp.y = atoi(m[4]), time.Month(atoi(m[5])), atoi(m[6])
		}
		sp.hasDate = true
		return 1
	}
	if m := reSlashDate.FindStringSubmatch(w); m != nil {
		y := atoi(m[3])
		if y > 0 && y < 100 {
			y += 2000
		}
		sp.slash, sp.hasSlash = [3]int{atoi(m[1]), atoi(m[2]), y}, true
		return 1
	}
	return 0
}

// realDate reports whether month m, day d exist (in a leap year when the
// year is not given).
func realDate(y, m, d int) bool {
	if y == 0 {
		y = 2028
	}
	return m >= 1 && m <= 12 && d >= 1 && time.Date(y, time.Month(m), d, 12, 0, 0, 0, time.UTC).Day() == d
}

// slashOrder settles a slash date: month first for a requester in the
// United States when that is a real date, otherwise the only reading
// that is a real date; two real readings are asked about.
func (sp startSpec) slashOrder() (time.Month, int, error) {
	a, b, y := sp.slash[0], sp.slash[1], sp.slash[2]
	monthFirst, dayFirst := realDate(y, a, b), realDate(y, b, a)
	switch {
	case monthFirst && (sp.monthFirst || !dayFirst || a == b):
		return time.Month(a), b, nil
	case dayFirst && !monthFirst:
		return time.Month(b), a, nil
	case !monthFirst && !dayFirst:
		return 0, 0, tap.Refuse(tap.ErrInvalidInput, text.DialogStartNoSuchDate)
	}
	return 0, 0, tap.Refuse(tap.ErrInvalidInput, fmtStartSlash(slashText(sp.slash)))
}

// nearestYear is the year that puts month m, day d closest to now: a
// date just past stays in the past (and is refused), it does not move to
// next year.
func nearestYear(now time.Time, m time.Month, d int, loc *time.Location) int {
	best, bestGap := now.Year(), time.Duration(1<<62)
	for _, y := range []int{now.Year() - 1, now.Year(), now.Year() + 1} {
		t := time.Date(y, m, d, 12, 0, 0, 0, loc)
		gap := t.Sub(now)
		if gap < 0 {
			gap = -gap
		}
		if gap < bestGap {
			best, bestGap = y, gap
		}
	}
	return best
}

// rangeEndAt reads the end of a range after a start clock: "to 6pm",
// "until 11", "- 17:00", "till noon".
func rangeEndAt(toks []token, i int, sp *startSpec) int {
	if i+1 >= len(toks) || sp.hasEnd {
		return 0
	}
	switch toks[i].w {
	case "to", "until", "till", "til", "through", "thru", "-", "–", "—":
	default:
		return 0
	}
	var end startSpec
	n := clockAt(toks, i+1, true, &end)
	if n == 0 || end.zone != "" {
		return 0
	}
	sp.hasEnd, sp.endHour, sp.endMin, sp.endBare = true, end.hour, end.min, end.bareHour
	if sp.bareHour && !end.bareHour && end.hour >= 12 && sp.hour+12 < end.hour {
		sp.hour += 12 // "1 to 5pm" is 1pm to 5pm
	}
	if end.bareHour && sp.endHour < 12 && sp.endHour <= sp.hour && sp.endHour+12 > sp.hour {
		sp.endHour += 12 // "9 to 5" ends at 5pm
	}
	return 1 + n
}

// rangeLifetime is how long a range placed at start in loc lasts: to the
// end clock on the same day, or the next day when that is not later.
func (sp startSpec) rangeLifetime(start time.Time, loc *time.Location) (time.Duration, error) {
	s := start.In(loc)
	if sp.endHour == sp.hour && sp.endMin == sp.min {
		return 0, tap.Refuse(tap.ErrInvalidInput, text.DialogRangeEmpty)
	}
	end := time.Date(s.Year(), s.Month(), s.Day(), sp.endHour, sp.endMin, 0, 0, loc)
	if !end.After(start) {
		end = end.AddDate(0, 0, 1)
	}
	return end.Sub(start), nil
}

// slashText writes a slash date back as typed ("12/7", "3/12/2026").
func slashText(p [3]int) string {
	s := strconv.Itoa(p[0]) + "/" + strconv.Itoa(p[1])
	if p[2] > 0 {
		s += "/" + strconv.Itoa(p[2])
	}
	return s
}
