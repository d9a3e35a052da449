package dialog

import (
	"strings"
	"testing"
)

// stepValues plays text in a session made by mk (answering any lookup
// as found) and returns the slot values before and after.
func stepValues(mk func() *Session, text string) (before, after slotValues, s *Session) {
	s = mk()
	before = valuesOf(s)
	stepResolving(s, Input{Now: testNow, Zone: ny, Text: text})
	return before, valuesOf(s), s
}

// mentioned is what a second, independent parse of text says about each
// slot: the slots it names and, where it gives one, the value.
func mentioned(text string) (x extraction, slots map[slot]bool) {
	x = extract(text, "")
	slots = map[slot]bool{}
	if x.change != "" {
		slots[x.change] = true
		if x.changeTo != "" {
			for sl := range mentionedSlots(extract(x.changeTo, x.change)) {
				slots[sl] = true
			}
			if x.change == slotStart || x.change == slotZone {
				slots[slotStart], slots[slotZone] = true, true
			}
		}
	}
	for sl := range mentionedSlots(x) {
		slots[sl] = true
	}
	return x, slots
}

func mentionedSlots(x extraction) map[slot]bool {
	m := map[slot]bool{}
	if x.target != "" {
		m[slotTarget] = true
	}
	if x.reason != "" {
		m[slotReason] = true
	}
	if x.hasJust {
		m[slotJustification] = true
	}
	if x.zone != "" {
		m[slotZone], m[slotStart] = true, true // a wall-clock start keeps its clock in the new zone
	}
	if x.hasStart {
		m[slotStart], m[slotZone] = true, true // a wall-clock start sets the hire zone if none was set
		if x.start.hasEnd {
			m[slotLifetime] = true
		}
	}
	if x.hasLife {
		m[slotLifetime] = true
	}
	if x.hasOnce {
		m[slotOneTime] = true
	}
	return m
}

// FuzzStepMeaning is issue 11's property: for any message, either every
// slot the message changed is one a second parse of the same text names,
// with the same value where the parse gives one (and a second run gives
// the same values), or nothing changed. A message with a piece that was
// not understood changes nothing.
func FuzzStepMeaning(f *testing.F) {
	for _, c := range readCases {
		f.Add(c.text, false)
	}
	for _, u := range utterances {
		f.Add(u.text, true)
	}
	f.Add("change note to laptop arrives on Monday", true)
	f.Fuzz(func(t *testing.T, text string, atSummary bool) {
		mk := New
		if atSummary {
			mk = func() *Session { return sessionIn(StateConfirm) }
		}
		before, after, s := stepValues(mk, text)
		_, again, _ := stepValues(mk, text)
		if !equalValues(after, again) {
			t.Fatalf("%q read twice gave %v and %v", text, after, again)
		}
		x, named := mentioned(text)
		for _, sl := range slotOrder {
			if after[sl] == before[sl] || after[sl] == "" {
				continue
			}
			if x.refusal() != nil && x.change == "" {
				t.Fatalf("%q was refused (%v) yet changed %s to %q", text, x.refusal(), sl, after[sl])
			}
			if !named[sl] {
				t.Fatalf("%q changed %s from %q to %q without naming it (state %s)", text, sl, before[sl], after[sl], s.State)
			}
			if x.change != "" {
				continue // the value was read as the answer to that slot's question
			}
			checkValue(t, text, sl, after[sl], x)
		}
	})
}

// checkValue compares a changed slot with the value the parse gives.
func checkValue(t *testing.T, text string, sl slot, got string, x extraction) {
	t.Helper()
	want := ""
	switch sl {
	case slotTarget:
		if !strings.EqualFold(got, x.target) {
			want = x.target
		}
	case slotReason:
		if got != string(x.reason) {
			want = string(x.reason)
		}
	case slotJustification:
		if got != x.just {
			want = x.just
		}
	case slotLifetime:
		if x.hasLife && got != x.lifetime.String() {
			want = x.lifetime.String()
		}
	case slotOneTime:
		if w := map[bool]string{true: "yes", false: "no"}[x.oneTime]; got != w {
			want = w
		}
	default:
		return
	}
	if want != "" {
		t.Fatalf("%q set %s to %q; a second parse gives %q", text, sl, got, want)
	}
}
