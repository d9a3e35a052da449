package dialog

import (
	"regexp"
	"strings"

	"github.com/tapbot/tapbot/internal/tap"
)

// reLabel is one "Label: value" line.
var reLabel = regexp.MustCompile(`^\s*([\p{L} '-]{1,30}?)\s*:\s*(.*?)\s*$`)

// labelAt reports the slot a line's label names ("Reason", "One-time",
// "How long", "Notes") and the value after the colon.
func labelAt(line string) (slot, string, bool) {
	m := reLabel.FindStringSubmatch(line)
	if m == nil || m[2] == "" {
		return "", "", false
	}
	label := strings.ToLower(strings.TrimSpace(m[1]))
	switch label {
	case "notes", "note", "justification", "comment", "comments", "details", "context", "why":
		return slotJustification, m[2], true
	case "for", "who", "user", "person", "email", "e-mail", "upn", "target", "new hire", "recipient":
		return slotTarget, m[2], true
	}
	toks := tokenize(label)
	if s, n := slotNameAt(toks, 0); n > 0 && n == len(toks) {
		return s, m[2], true
	}
	return "", "", false
}

// extractLabelled reads a message of several lines of which at least one
// is labelled ("Reason: onboarding", "Lifetime: 8h"): each labelled line
// fills its own slot, the other lines are read as usual.
func extractLabelled(text string, focus slot) (extraction, bool) {
	if !strings.Contains(text, "\n") {
		return extraction{}, false
	}
	lines := strings.Split(text, "\n")
	labelled := false
	for _, l := range lines {
		if _, _, ok := labelAt(l); ok {
			labelled = true
		}
	}
	if !labelled {
		return extraction{}, false
	}
	var x extraction
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		sl, v, ok := labelAt(l)
		var part extraction
		if ok {
			part = labelValue(sl, v)
		} else {
			part = extractLine(l, focus)
		}
		x = mergeExtraction(x, part)
	}
	return x, true
}

// labelValue reads v as the value of sl alone.
func labelValue(sl slot, v string) extraction {
	var x extraction
	refuse := func(err error) extraction {
		x.err = err
		return x
	}
	switch sl {
	case slotReason:
		if r, err := ParseReason(v); err == nil {
			x.reason = r
			return x
		}
		if p := extractLine(v, slotReason); p.reason != "" && p.hasJust {
			return p
		}
		x.just, x.justErr = CleanJustification(v)
		x.hasJust = x.justErr == nil
	case slotJustification:
		x.just, x.justErr = CleanJustification(v)
		x.hasJust = x.justErr == nil
	case slotLifetime:
		d, err := ParseLifetime(v)
		if err != nil {
			return refuse(err)
		}
		x.lifetime, x.hasLife = d, true
	case slotOneTime:
		b, err := ParseOneTime(v)
		if err != nil {
			return refuse(err)
		}
		x.oneTime, x.hasOnce = b, true
	case slotTarget:
		x.target, x.targetErr = ParseTarget(v)
	default: // start or zone: read alone, nothing else may be in it
		p := extractLine(v, sl)
		if p.unread != "" || p.target != "" || p.hasLife || p.reason != "" || p.hasOnce || p.hasJust ||
			sl == slotZone && (p.hasStart || p.zone == "" && p.ambiguous == "") || sl == slotStart && !p.hasStart {
			return refuse(tap.Refuse(tap.ErrInvalidInput, fmtLabelUnread(v)))
		}
		return p
	}
	return x
}

// mergeExtraction adds b's values to a; a value a already has wins, and
// the first refusal is kept.
func mergeExtraction(a, b extraction) extraction {
	if a.target == "" && a.targetErr == nil {
		a.target, a.targetErr = b.target, b.targetErr
	}
	if !a.hasStart && a.startErr == nil {
		a.start, a.hasStart, a.startErr = b.start, b.hasStart, b.startErr
	}
	if a.zone == "" && a.ambiguous == "" {
		a.zone, a.ambiguous = b.zone, b.ambiguous
	}
	if !a.hasLife {
		a.lifetime, a.hasLife = b.lifetime, b.hasLife
	}
	if !a.hasOnce {
		a.oneTime, a.hasOnce = b.oneTime, b.hasOnce
	}
	if a.reason == "" {
		a.reason = b.reason
	}
	if !a.hasJust && a.justErr == nil {
		a.just, a.hasJust, a.justErr = b.just, b.hasJust, b.justErr
	}
	if a.unread == "" {
		a.unread = b.unread
	}
	if a.err == nil {
		a.err = b.err
	}
	a.unknown = append(a.unknown, b.unknown...)
	return a
}
