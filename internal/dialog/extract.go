package dialog

import (
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// slot names one piece of a request.
type slot string

// The slots, in the order they are asked.
const (
	slotTarget        slot = "target"
	slotReason        slot = "reason"
	slotJustification slot = "justification"
	slotZone          slot = "zone"
	slotStart         slot = "start"
	slotLifetime      slot = "lifetime"
	slotOneTime       slot = "one_time"
)

// slotOrder is the order missing slots are asked in: the reason comes
// early because the other defaults depend on it, the zone before the
// start because the start is read in it.
var slotOrder = []slot{slotTarget, slotReason, slotJustification, slotZone, slotStart, slotLifetime, slotOneTime}

// slotNames are the words for a slot in "change the start".
var slotNames = []struct {
	phrase string
	slot   slot
}{
	{"time zone", slotZone}, {"timezone", slotZone}, {"zone", slotZone}, {"tz", slotZone},
	{"start time", slotStart}, {"start date", slotStart}, {"start", slotStart}, {"when", slotStart},
	{"date", slotStart}, {"time", slotStart}, {"day", slotStart},
	{"lifetime", slotLifetime}, {"duration", slotLifetime}, {"length", slotLifetime}, {"how long", slotLifetime},
	{"hours", slotLifetime}, {"expiry", slotLifetime},
	{"one-time", slotOneTime}, {"one time", slotOneTime}, {"one-time use", slotOneTime}, {"single use", slotOneTime},
	{"use", slotOneTime}, {"uses", slotOneTime},
	{"justification", slotJustification}, {"note", slotJustification}, {"comment", slotJustification},
	{"reason", slotReason}, {"purpose", slotReason},
	{"target", slotTarget}, {"person", slotTarget}, {"user", slotTarget}, {"email", slotTarget},
	{"e-mail", slotTarget}, {"address", slotTarget}, {"upn", slotTarget}, {"who", slotTarget},
	{"new hire", slotTarget}, {"recipient", slotTarget},
}

var changeVerbs = map[string]bool{"change": true, "edit": true, "fix": true, "update": true,
	"modify": true, "redo": true, "correct": true, "set": true, "amend": true}

// extraction is what one message said about the slots.
type extraction struct {
	target    string
	targetErr error
	start     startSpec
	hasStart  bool
	startErr  error  // a start we can't read safely ("12/7", "next week")
	zone      string // IANA or zoneMine
	ambiguous string // an ambiguous zone abbreviation
	lifetime  time.Duration
	hasLife   bool
	oneTime   bool
	hasOnce   bool
	reason    tap.Reason
	just      string
	hasJust   bool
	justErr   error
	change    slot   // "change the start" (with or without a value)
	changeTo  string // what followed the slot's name ("change lifetime to 4")
	unknown   []string
	// unread is the first piece that looks like part of a time, date,
	// zone or duration and was not understood: the message is asked
	// about and nothing from it is applied.
	unread string
	// err refuses a labelled field or a range ("Lifetime: 8 fortnights").
	err error
}

// found reports whether the message gave any slot a value (or an error).
func (x extraction) found() bool {
	return x.target != "" || x.targetErr != nil || x.hasStart || x.startErr != nil || x.zone != "" || x.ambiguous != "" ||
		x.hasLife || x.hasOnce || x.reason != "" || x.hasJust || x.justErr != nil || x.unread != "" || x.err != nil
}

// refusal is the first reason the whole message cannot be applied.
func (x extraction) refusal() error {
	switch {
	case x.unread != "":
		return tap.Refuse(tap.ErrInvalidInput, fmtUnread(x.unread))
	case x.err != nil:
		return x.err
	}
	return nil
}

// justKeyword reports whether t starts a free-text justification that
// runs to the end of the message ("because …", "reason: …",
// "justification …") and whether t itself belongs to it.
func justKeyword(t token) (is, keep bool) {
	switch t.w {
	case "because", "bc", "cause":
		return true, true
	case "justification":
		return true, false
	case "reason", "note", "why", "details", "context", "comment":
		return t.colon, false
	}
	return false, false
}

// extract reads every slot a message mentions. focus is the slot being
// asked, which lets a lone number be an hour when the start is asked.
func extract(text string, focus slot) extraction {
	text = norm.NFKC.String(text)
	if x, ok := extractLabelled(text, focus); ok {
		return x
	}
	return extractLine(text, focus)
}

// extractLine reads a message (or one line of it) that has no labels.
func extractLine(said string, focus slot) extraction {
	toks := tokenize(said)
	var x extraction
	for i := 0; i < len(toks); {
		t := toks[i]
		if n := unreadAt(toks, i, &x); n > 0 {
			i += n
			continue
		}
		if strings.Contains(t.raw, "@") {
			v, err := ParseTarget(t.raw)
			switch {
			case err != nil:
				x.targetErr = err
			case x.target != "" && !strings.EqualFold(x.target, v):
				x.target, x.targetErr = "", tap.Refuse(tap.ErrInvalidInput, text.DialogOneTarget)
			case x.targetErr == nil:
				x.target = v
			}
			i++
			continue
		}
		if kw, keep := justKeyword(t); kw {
			rest := strings.TrimSpace(said[t.off+len(t.raw):])
			rest = strings.TrimSpace(strings.TrimLeft(rest, ":-– "))
			if rest != "" {
				if keep {
					rest = t.raw + " " + rest
				}
				x.just, x.justErr = CleanJustification(rest)
				x.hasJust = x.justErr == nil
				break
			}
		}
		if changeVerbs[t.w] {
			j := i + 1
			for j < len(toks) && (toks[j].w == "the" || toks[j].w == "my" || toks[j].w == "her" || toks[j].w == "his" || toks[j].w == "their") {
				j++
			}
			if s, n := slotNameAt(toks, j); n > 0 {
				x.change = s
				i = j + n
				if i < len(toks) {
					rest := toks[i]
					if rest.w == "to" && i+1 < len(toks) {
						rest = toks[i+1]
					}
					x.changeTo = strings.TrimSpace(said[rest.off:])
				}
				break // the rest is the new value of that slot alone
			}
		}
		if n := matchPhrase(toks, i, "next week"); n > 0 {
			x.startErr = tap.Refuse(tap.ErrInvalidInput, text.DialogStartWhichDay)
			i += n
			continue
		}
		if n := relativeAt(toks, i, &x.start); n > 0 {
			x.hasStart = true
			i += n
			continue
		}
		if once, n := oneTimeAt(toks, i); n > 0 {
			x.oneTime, x.hasOnce = once, true
			i += n
			continue
		}
		if d, n := durationAt(toks, i); n > 0 {
			x.lifetime, x.hasLife = d.Round(time.Minute), true
			i += n
			continue
		}
		if r, n := reasonAt(toks, i); n > 0 {
			if x.reason == "" && reasonNote(said, toks, i+n, &x) {
				x.reason = r
				break
			}
			x.reason = r
			i += n
			continue
		}
		if n := startAt(toks, i, focus == slotStart, &x.start); n > 0 {
			x.hasStart = true
			i += n
			if isClockToken(toks, i-1) {
				i += rangeEndAt(toks, i, &x.start)
			}
			continue
		}
		if z, amb, n := zoneAt(toks, i); n > 0 {
			x.zone, x.ambiguous = z, amb
			i += n
			continue
		}
		if !fillers[t.w] {
			x.unknown = append(x.unknown, t.raw)
			if x.unread == "" && timeish(toks, i) {
				x.unread = t.raw
			}
		}
		i++
	}
	if x.hasLife && x.start.hasEnd && x.err == nil {
		x.err = tap.Refuse(tap.ErrInvalidInput, text.DialogRangeAndLifetime)
	}
	if x.start.zone != "" {
		switch {
		case x.zone == "":
			x.zone = x.start.zone
		case x.zone != x.start.zone && x.unread == "":
			x.unread = x.zone + " / " + x.start.zone
		}
	}
	return x
}

// unreadAt catches, before any reader sees toks[i], a number followed by
// a word nothing reads ("8 fortnights") and a second time of day when
// one is already set ("9am … 8"): both are asked about.
func unreadAt(toks []token, i int, x *extraction) int {
	if x.unread != "" || !reNumber.MatchString(toks[i].w) {
		return 0
	}
	if _, n := durationAt(toks, i); n > 0 {
		return 0
	}
	if i+1 < len(toks) && !fillers[toks[i+1].w] && !knownAt(toks, i+1) && !strings.Contains(toks[i+1].raw, "@") {
		x.unread = toks[i].raw + " " + toks[i+1].raw
		return 2
	}
	if x.start.hasTime && !x.start.hasEnd {
		var scratch startSpec
		if clockAt(toks, i, true, &scratch) > 0 {
			x.unread = toks[i].raw
			return 1
		}
	}
	return 0
}

// knownAt reports whether some reader understands toks[i].
func knownAt(toks []token, i int) bool {
	if _, n := durationAt(toks, i); n > 0 {
		return true
	}
	var sp startSpec
	if startAt(toks, i, true, &sp) > 0 {
		return true
	}
	if _, _, n := zoneAt(toks, i); n > 0 {
		return true
	}
	if _, n := reasonAt(toks, i); n > 0 {
		return true
	}
	if _, n := oneTimeAt(toks, i); n > 0 {
		return true
	}
	if _, n := slotNameAt(toks, i); n > 0 {
		return true
	}
	if kw, _ := justKeyword(toks[i]); kw {
		return true
	}
	if _, ok := fuzzyLookup(months, toks[i].w); ok {
		return true
	}
	if _, ok := fuzzyLookup(weekdays, toks[i].w); ok {
		return true
	}
	switch toks[i].w {
	case "to", "until", "till", "til", "through", "thru", "-", "–", "—", "and", "or", "am", "pm", "a.m", "p.m":
		return true
	}
	return false
}

// reasonNote reads "Onboarding - new designer joining marketing" and
// "recovery: dropped her phone": text after a reason and a dash or colon
// is the note, unless it names another slot.
func reasonNote(text string, toks []token, j int, x *extraction) bool {
	if j >= len(toks) {
		return false
	}
	from := -1
	switch {
	case toks[j-1].colon:
		from = toks[j].off
	case toks[j].w == "-" || toks[j].w == "–" || toks[j].w == "—":
		if j+1 < len(toks) {
			from = toks[j+1].off
		}
	}
	if from < 0 {
		return false
	}
	rest := strings.TrimSpace(text[from:])
	if r := extractLine(rest, slotJustification); r.target != "" || r.hasStart || r.hasLife || r.hasOnce ||
		r.zone != "" || r.ambiguous != "" || r.hasJust || r.unread != "" || r.targetErr != nil {
		return false
	}
	j2, err := CleanJustification(rest)
	if err != nil {
		x.justErr = err
		return true
	}
	x.just, x.hasJust = j2, true
	return true
}

// slotNameAt recognises a slot's name at toks[i].
func slotNameAt(toks []token, i int) (slot, int) {
	best, bestN := slot(""), 0
	for _, s := range slotNames {
		if n := matchPhrase(toks, i, s.phrase); n > bestN {
			best, bestN = s.slot, n
		}
	}
	return best, bestN
}
