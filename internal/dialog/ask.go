package dialog

import (
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// say builds a button that feeds value back as typed text.
func sayButton(label, value string, style chat.Style) chat.Button {
	return chat.Button{Action: chat.ActionSay, Label: label, Value: value, Style: style}
}

var (
	btnDefaults = sayButton(text.DialogLabelDefaults, "defaults", chat.StyleDefault)
	btnCancel   = sayButton(text.CancelLabel, "cancel", chat.StyleDanger)
)

// reason returns the session's reason or the default one.
func (t *turn) reason() tap.Reason {
	if t.s.Reason != "" {
		return t.s.Reason
	}
	return tap.ReasonOnboarding
}

// who names the target in a question.
func (t *turn) who() string {
	if t.s.Target == nil {
		return text.TheNewHire
	}
	if t.s.Target.DisplayName != "" {
		return chat.Esc(t.s.Target.DisplayName)
	}
	return chat.Esc(t.s.Target.UPN)
}

// ask says the question for sl, offering its default.
func (t *turn) ask(sl slot) {
	r := t.reason()
	rd := t.cfg.reasonDefaults(r)
	var m chat.Message
	switch sl {
	case slotTarget:
		m = chat.Message{Text: text.DialogAskTarget, Buttons: []chat.Button{btnCancel}}
	case slotReason:
		m = chat.Message{Text: text.DialogAskReason}
		for _, x := range tap.Reasons {
			m.Buttons = append(m.Buttons, sayButton(reasonLabel(x), reasonLabel(x), chat.StyleDefault))
		}
	case slotJustification:
		m = chat.Message{Text: text.DialogAskJustification, Buttons: []chat.Button{sayButton(text.DialogLabelSkip, "skip", chat.StyleDefault)}}
	case slotZone:
		m = chat.Message{Text: fmtAskZone(t.who(), t.mine), Buttons: []chat.Button{
			sayButton(fmtLabelMine(t.mine), t.mine, chat.StylePrimary)}}
	case slotStart:
		m = chat.Message{Text: fmtAskStart(reasonLabel(r), t.describeStart(t.defaultStart())), Buttons: []chat.Button{
			sayButton(text.DialogLabelDefault, "default", chat.StylePrimary), sayButton(text.DialogLabelNow, "now", chat.StyleDefault)}}
	case slotLifetime:
		m = chat.Message{Text: fmtAskLifetime(reasonLabel(r), rd.Lifetime, t.cfg.MinLifetime, t.cfg.MaxLifetime),
			Buttons: []chat.Button{sayButton(FormatDuration(rd.Lifetime), "default", chat.StylePrimary)}}
	case slotOneTime:
		m = chat.Message{Text: fmtAskOneTime(reasonLabel(r), rd.OneTime), Buttons: []chat.Button{
			sayButton(text.DialogLabelOneTimeYes, "yes", chat.StyleDefault), sayButton(text.DialogLabelOneTimeNo, "no", chat.StyleDefault)}}
	}
	if cur := t.current(sl); cur != "" {
		m.Note = fmtCurrent(cur)
	}
	if sl != slotTarget {
		m.Buttons = append(m.Buttons, btnDefaults, btnCancel)
	}
	t.say(m)
}

// current describes sl's value when it is asked again ("change the start").
func (t *turn) current(sl slot) string {
	if !t.s.filled(sl) {
		return ""
	}
	switch sl {
	case slotTarget:
		return chat.Esc(t.s.Target.UPN)
	case slotReason:
		return reasonLabel(t.s.Reason)
	case slotJustification:
		if *t.s.Justification == "" {
			return text.DialogNone
		}
		return chat.Esc(*t.s.Justification)
	case slotZone:
		return t.s.HireZone
	case slotStart:
		return t.describeStart(t.s.Start, t.s.StartNow)
	case slotLifetime:
		return FormatDuration(t.s.Lifetime)
	case slotOneTime:
		return oneTimeLabel(*t.s.OneTime)
	}
	return ""
}

// askClarify asks which zone an ambiguous abbreviation meant.
func (t *turn) askClarify(abbr string) {
	opts := ambiguousZones[abbr]
	m := chat.Message{Text: fmtZoneAmbiguous(abbr, opts)}
	for _, z := range opts {
		m.Buttons = append(m.Buttons, sayButton(z, z, chat.StyleDefault))
	}
	m.Buttons = append(m.Buttons, btnCancel)
	t.say(m)
}

// defaultStart is the start offered by default: for reasons with a lead,
// the lead before the working day starts on the hire date (if the
// directory knows it) or the next working day; otherwise now.
func (t *turn) defaultStart() (time.Time, bool) {
	rd := t.cfg.reasonDefaults(t.reason())
	if rd.StartLead <= 0 {
		return time.Time{}, true
	}
	loc := location(t.wallZone())
	now := t.in.Now
	nowL := now.In(loc)
	if t.s.Target != nil && !t.s.Target.HireDate.IsZero() {
		hy, hm, hd := hireDay(t.s.Target.HireDate, loc)
		c := time.Date(hy, hm, hd, t.cfg.DayStart, 0, 0, 0, loc).Add(-rd.StartLead)
		y, m, d := nowL.Date()
		switch {
		case c.After(now) && !c.After(now.Add(t.cfg.MaxAhead)):
			return c.UTC(), false
		case hy == y && hm == m && hd == d:
			return time.Time{}, true // starts today: at once
		}
	}
	for i := 0; i < 8; i++ {
		d := nowL.AddDate(0, 0, i)
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			continue
		}
		c := time.Date(d.Year(), d.Month(), d.Day(), t.cfg.DayStart, 0, 0, 0, loc).Add(-rd.StartLead)
		if c.After(now) {
			return c.UTC(), false
		}
	}
	return time.Time{}, true
}

// hireDay is the calendar day of Entra's employeeHireDate: stored as
// midnight UTC it is that UTC date; stored as local midnight (a time of
// day other than 00:00 UTC) it is the date in the new hire's zone.
func hireDay(t time.Time, loc *time.Location) (int, time.Month, int) {
	u := t.UTC()
	if u.Hour() == 0 && u.Minute() == 0 {
		return u.Date()
	}
	return t.In(loc).Date()
}

// describeStart says a start in the requester's zone and, when the new
// hire's zone differs, in theirs: "Mon 7 Dec 2026 07:00 PST
// (America/Los_Angeles) (your time) · 10:00 EST (America/New_York) for
// Sarah Johnson".
func (t *turn) describeStart(at time.Time, now bool) string {
	if now {
		return text.DialogStartNow
	}
	mine := at.In(location(t.mine))
	hz := t.wallZone()
	if hz == t.mine {
		return formatTime(mine)
	}
	hire := at.In(location(hz))
	when := formatTime(hire)
	if y, m, d := mine.Date(); hire.Year() == y && hire.Month() == m && hire.Day() == d {
		when = formatClock(hire)
	}
	return fmtYourTime(formatTime(mine), when, t.who())
}

// fillDefault gives sl its default value.
func (t *turn) fillDefault(sl slot) {
	rd := t.cfg.reasonDefaults(t.reason())
	switch sl {
	case slotReason:
		t.s.Reason = tap.ReasonOnboarding
	case slotJustification:
		j := ""
		t.s.Justification = &j
	case slotZone:
		t.setZone(t.mine)
	case slotStart:
		at, now := t.defaultStart()
		t.s.HasStart, t.s.StartNow, t.s.Start, t.s.StartWall = true, now, at, !now
		if t.s.HireZone == "" {
			t.s.HireZone = t.mine
		}
	case slotLifetime:
		t.s.Lifetime = rd.Lifetime
	case slotOneTime:
		b := rd.OneTime
		t.s.OneTime = &b
	}
}

// fillDefaults gives every missing slot but the target its default.
func (t *turn) fillDefaults() {
	for _, sl := range slotOrder {
		if sl != slotTarget && !t.s.filled(sl) {
			t.fillDefault(sl)
		}
	}
}

// summary shows the whole request with confirm / change / cancel.
func (t *turn) summary() chat.Message {
	s := t.s
	just := text.DialogNone
	if *s.Justification != "" {
		just = *s.Justification
	}
	facts := []chat.Fact{{Label: text.DialogLabelFor, Value: userLine(*s.Target)}}
	if s.Target.Department != "" {
		facts = append(facts, chat.Fact{Label: text.FactDepartment, Value: s.Target.Department})
	}
	facts = append(facts,
		chat.Fact{Label: text.FactReason, Value: reasonLabel(s.Reason)},
		chat.Fact{Label: text.DialogLabelNote, Value: just},
		chat.Fact{Label: text.FactStarts, Value: chat.Plain(t.describeStart(s.Start, s.StartNow))},
		chat.Fact{Label: text.DialogLabelLasts, Value: t.describeLifetime()},
		chat.Fact{Label: text.DialogLabelUse, Value: oneTimeLabel(*s.OneTime)},
		chat.Fact{Label: text.DialogLabelZone, Value: s.HireZone},
	)
	return chat.Message{Title: text.DialogTitleSummary, Text: text.DialogSummary, Facts: facts, Buttons: []chat.Button{
		sayButton(text.DialogLabelConfirm, "confirm", chat.StylePrimary),
		sayButton(text.DialogLabelChangeStart, "change start", chat.StyleDefault),
		sayButton(text.DialogLabelChangeLifetime, "change lifetime", chat.StyleDefault),
		sayButton(text.DialogLabelChangeMore, "no", chat.StyleDefault),
		btnCancel,
	}}
}

// describeLifetime says how long the pass lasts and, for a set start,
// until when.
func (t *turn) describeLifetime() string {
	d := FormatDuration(t.s.Lifetime)
	if t.s.StartNow {
		return d
	}
	return d + fmtUntil(formatTime(t.s.Start.Add(t.s.Lifetime).In(location(t.mine))))
}

// changeMenu offers every slot to change.
func (t *turn) changeMenu() chat.Message {
	m := chat.Message{Text: text.DialogWhatToChange}
	for _, c := range []struct{ label, value string }{
		{text.DialogLabelChangeTarget, "change person"}, {text.DialogLabelChangeReason, "change reason"},
		{text.DialogLabelChangeNote, "change note"}, {text.DialogLabelChangeZone, "change zone"},
		{text.DialogLabelChangeStart, "change start"}, {text.DialogLabelChangeLifetime, "change lifetime"},
		{text.DialogLabelChangeOneTime, "change one-time"},
	} {
		m.Buttons = append(m.Buttons, sayButton(c.label, c.value, chat.StyleDefault))
	}
	m.Buttons = append(m.Buttons, sayButton(text.DialogLabelConfirm, "confirm", chat.StylePrimary), btnCancel)
	return m
}

// targetCard shows who the directory found, so the requester can catch
// the wrong person.
func targetCard(u tap.User, loc *time.Location) chat.Message {
	facts := []chat.Fact{{Label: text.DialogLabelName, Value: orDash(u.DisplayName)}, {Label: text.DialogLabelUPN, Value: u.UPN}}
	if u.Mail != "" && u.Mail != u.UPN {
		facts = append(facts, chat.Fact{Label: text.DialogLabelMail, Value: u.Mail})
	}
	facts = append(facts, chat.Fact{Label: text.FactDepartment, Value: orDash(u.Department)})
	hd := text.DialogUnknown
	if !u.HireDate.IsZero() {
		y, m, d := hireDay(u.HireDate, loc)
		hd = time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Format("Mon 2 Jan 2006")
	}
	facts = append(facts, chat.Fact{Label: text.FactHireDate, Value: hd})
	return chat.Message{Text: text.DialogFound, Facts: facts,
		Buttons: []chat.Button{sayButton(text.DialogLabelWrongPerson, "change person", chat.StyleDefault)}}
}

func userLine(u tap.User) string {
	if u.DisplayName == "" {
		return u.UPN
	}
	return u.DisplayName + " <" + u.UPN + ">"
}

func orDash(s string) string {
	if s == "" {
		return text.DialogDash
	}
	return s
}
