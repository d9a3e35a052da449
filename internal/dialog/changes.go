package dialog

import (
	"time"
	"unicode/utf8"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/text"
)

// rawValues is each filled slot's value, for telling what a turn changed.
func (s *Session) rawValues() map[slot]string {
	v := map[slot]string{}
	if s.Target != nil {
		v[slotTarget] = s.Target.UPN
	}
	if s.Reason != "" {
		v[slotReason] = string(s.Reason)
	}
	if s.Justification != nil {
		v[slotJustification] = "note:" + *s.Justification
	}
	if s.HireZone != "" {
		v[slotZone] = s.HireZone
	}
	if s.HasStart {
		v[slotStart] = "now"
		if !s.StartNow {
			v[slotStart] = s.Start.UTC().Format(time.RFC3339)
		}
	}
	if s.Lifetime > 0 {
		v[slotLifetime] = s.Lifetime.String()
	}
	if s.OneTime != nil {
		v[slotOneTime] = map[bool]string{true: "once", false: "multi"}[*s.OneTime]
	}
	return v
}

// noteChanges puts a "Changed: …" line first for every slot (other than
// the person, which is looked up and shown anew) that had a value before
// this turn and has a different one now.
func (t *turn) noteChanges(before map[slot]string) {
	if t.out.Ended {
		return
	}
	after := t.s.rawValues()
	var changed []string
	for _, sl := range slotOrder {
		if sl != slotTarget && before[sl] != "" && after[sl] != "" && after[sl] != before[sl] {
			changed = append(changed, fmtChange(sl, t.current(sl)))
		}
	}
	if len(changed) > 0 {
		t.out.Replies = append([]chat.Message{{Text: fmtChanged(changed)}}, t.out.Replies...)
	}
}

// tooLong refuses a message over MaxMessage characters before reading it.
func (t *turn) tooLong() bool {
	n := utf8.RuneCountInString(t.in.Text)
	if n <= MaxMessage {
		return false
	}
	t.sayText(fmtTooLong(n))
	if t.s.State == StateIdle {
		t.out.Ended = true
	} else {
		t.reask()
	}
	return true
}

// stop ends a turn whose message is not applied at all: a request the
// message would have opened is not opened; otherwise the question is
// asked again.
func (t *turn) stop(said bool) {
	if !said {
		t.sayText(text.DialogNothingApplied)
	}
	if t.opened {
		*t.s = *New()
		t.out.Ended = true
		return
	}
	t.reask()
}

// offTopic reports whether a message outside a request that names no
// person and asks for no pass is about something else ("can you book me
// a room in Berlin?"): it has words no reader understands.
func offTopic(x extraction) bool {
	return x.target == "" && x.targetErr == nil && len(x.unknown) > 0
}
