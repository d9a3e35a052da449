package dialog

import (
	"errors"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
)

// turn is one Step in progress.
type turn struct {
	s    *Session
	cfg  Config
	in   Input
	mine string // requester's zone, vetted
	out  Output
	// failed is the first slot whose value was refused this turn.
	failed slot
}

func (t *turn) say(m chat.Message) { t.out.Replies = append(t.out.Replies, m) }
func (t *turn) sayText(s string)   { t.say(chat.Message{Text: s}) }

// move fires an event; a refused transition is a bug, reported plainly.
func (t *turn) move(event string) bool {
	if err := t.s.fire(event); err != nil {
		t.sayText(textInternal)
		*t.s = *New()
		t.out.Ended = true
		return false
	}
	return true
}

func (t *turn) run() {
	switch {
	case t.in.Resolved != nil || t.in.ResolveErr != nil:
		t.resolved()
	case t.in.Fields != nil:
		t.form()
	default:
		t.text(t.in.Text)
	}
}

// text handles typed text (or a button's value).
func (t *turn) text(raw string) {
	text := strings.TrimSpace(norm.NFKC.String(raw))
	w := words(tokenize(text))
	if t.s.State == StateIdle {
		t.idle(text, w)
		return
	}
	switch navOf(w) {
	case navCancel:
		t.cancel()
		return
	case navRestart:
		t.s.reset()
		if t.move(evRestart) {
			t.sayText(textRestart)
			t.ask(slotTarget)
		}
		return
	case navHelp:
		if sl, ok := slotOf(t.s.State); ok {
			t.sayText(slotHelp[sl])
		} else {
			t.sayText(textHelpInRequest)
		}
		t.reask()
		return
	case navBack:
		t.back()
		return
	case navDefaults:
		if t.s.State != StateResolving && t.s.State != StateClarify {
			t.fillDefaults()
			t.advance()
			return
		}
	}
	if cmd := commandOf(text, w); cmd != nil && passThrough[cmd.Name] {
		t.out.Command = cmd
		t.sayText(textDraftKept)
		t.reask()
		return
	}
	switch t.s.State {
	case StateResolving:
		if t.s.PendingTarget == "" {
			t.goTo(slotTarget)
			return
		}
		t.out.Resolve = t.s.PendingTarget
	case StateClarify:
		t.clarify(text)
	case StateConfirm:
		t.confirm(text, w)
	default:
		sl, _ := slotOf(t.s.State)
		t.answer(sl, text, w)
	}
}

// idle handles text outside a request: commands, or the start of one.
func (t *turn) idle(text, w string) {
	t.out.Ended = true
	if w == "" || navOf(w) == navHelp || mentionsHelp(w) {
		t.sayText(textHelp)
		t.out.Command = &Command{Name: "help"}
		return
	}
	if cmd := commandOf(text, w); cmd != nil {
		t.out.Command = cmd
		if cmd.Name == "help" {
			t.sayText(textHelp)
		}
		return
	}
	begin := asksForPass(w) || navOf(w) == navRestart
	x := extract(text, "")
	if !begin && !x.found() {
		t.sayText(fmtUnknown(text))
		t.sayText(textHelp)
		t.out.Command = &Command{Name: "help"}
		return
	}
	t.out.Ended = false
	t.s.reset()
	if !t.move(evBegin) {
		return
	}
	if x.found() {
		t.apply(x, text)
		return
	}
	t.ask(slotTarget)
}

// correctionCue reports whether text starts like a correction ("actually
// make it 4 hours"), which is read for any slot, not the one asked.
func correctionCue(w string) bool {
	if !strings.Contains(w, " ") {
		return false
	}
	switch firstWord(w) {
	case "actually", "change", "make", "no", "wait", "sorry", "instead", "set", "edit", "oops", "correction":
		return true
	}
	return false
}

// answer handles text while sl is being asked.
func (t *turn) answer(sl slot, text, w string) {
	yes, yerr := ParseYesNo(w)
	acceptsYes := sl == slotReason || sl == slotZone || sl == slotStart || sl == slotLifetime
	if navOf(w) == navDefault || (sl == slotJustification && skipWords[w]) || acceptsYes && yerr == nil && yes {
		if sl == slotTarget {
			t.sayText(textTargetNoDefault)
			t.ask(sl)
			return
		}
		t.fillDefault(sl)
		t.advance()
		return
	}
	var focusErr error
	if !correctionCue(w) {
		var handled bool
		handled, focusErr = t.focused(sl, text)
		if handled {
			return
		}
	}
	x := extract(text, sl)
	if x.found() {
		t.apply(x, text)
		return
	}
	if x.change != "" {
		t.goTo(x.change)
		return
	}
	if focusErr != nil {
		t.sayText(refusalText(focusErr))
	} else {
		t.sayText(fmtNotUnderstood(text))
	}
	t.ask(sl)
}

// focused reads text as an answer to sl alone. handled means the turn is
// finished (a value was applied or refused on its merits); otherwise err
// says why the text was not such an answer.
func (t *turn) focused(sl slot, text string) (handled bool, err error) {
	switch sl {
	case slotTarget:
		v, err := ParseTarget(text)
		if err != nil {
			return false, err
		}
		t.lookup(v)
		return true, nil
	case slotReason:
		r, err := ParseReason(text)
		if err != nil {
			return false, err
		}
		t.s.Reason = r
	case slotJustification:
		if x := extract(text, sl); x.target != "" || x.targetErr != nil {
			return false, nil // a new request, not a note
		}
		j, err := CleanJustification(text)
		if err != nil {
			t.sayText(refusalText(err))
			t.ask(sl)
			return true, nil
		}
		t.s.Justification = &j
	case slotZone:
		z, err := ParseZone(text, t.mine)
		if err != nil {
			return false, err
		}
		t.setZone(z)
	case slotStart:
		x := extract(text, slotStart)
		if !x.hasStart || x.ambiguous != "" || x.found() && (x.target != "" || x.hasLife || x.reason != "" || x.hasOnce || x.hasJust) {
			_, err := ParseStart(text, StartOptions{Now: t.in.Now, Zone: t.mine})
			return false, err
		}
		if len(x.unknown) > 0 {
			return false, tap.Refuse(tap.ErrInvalidInput, fmtStartSyntax(text))
		}
		t.apply(x, text)
		return true, nil
	case slotLifetime:
		d, err := ParseLifetime(text)
		if err != nil {
			return false, err
		}
		t.setLifetime(d)
	case slotOneTime:
		b, err := ParseOneTime(text)
		if err != nil {
			return false, err
		}
		t.s.OneTime = &b
	}
	t.advance()
	return true, nil
}

// apply stores every slot a message gave, reports refused values and
// moves on: to the lookup if a new target was named, else to the first
// refused slot, else to the next missing one or the summary.
func (t *turn) apply(x extraction, text string) {
	if x.ambiguous != "" {
		t.s.Pending = text
		if t.move(evClarify) {
			t.askClarify(x.ambiguous)
		}
		return
	}
	before := map[slot]string{}
	for _, sl := range slotOrder {
		before[sl] = t.current(sl)
	}
	asked, _ := slotOf(t.s.State)
	defer func() {
		if t.s.State == StateConfirm || t.s.State == StateResolving && t.out.Resolve == "" {
			return
		}
		var changed []string
		for _, sl := range slotOrder {
			if sl != asked && sl != slotTarget && before[sl] != "" && t.current(sl) != before[sl] {
				changed = append(changed, fmtChange(sl, t.current(sl)))
			}
		}
		if len(changed) > 0 {
			t.out.Replies = append([]chat.Message{{Text: fmtChanged(changed)}}, t.out.Replies...)
		}
	}()
	if x.targetErr != nil {
		t.sayText(refusalText(x.targetErr))
		t.fail(slotTarget)
	}
	if x.justErr != nil {
		t.sayText(refusalText(x.justErr))
		t.fail(slotJustification)
	}
	if x.reason != "" {
		t.s.Reason = x.reason
	}
	if x.hasJust {
		j := x.just
		t.s.Justification = &j
	}
	zone := x.zone
	if zone == zoneMine {
		zone = t.mine
	}
	if zone != "" {
		t.setZone(zone)
	}
	if x.hasLife {
		t.setLifetime(x.lifetime)
	}
	if x.hasOnce {
		b := x.oneTime
		t.s.OneTime = &b
	}
	if x.hasStart {
		t.setStart(x.start, zone)
	}
	if x.target != "" && (t.s.Target == nil || !strings.EqualFold(t.s.Target.UPN, x.target) && !strings.EqualFold(t.s.Target.Mail, x.target)) {
		t.s.Next = string(t.failed)
		t.lookup(x.target)
		return
	}
	if t.failed != "" {
		t.goTo(t.failed)
		return
	}
	t.advance()
}

func (t *turn) fail(sl slot) {
	if t.failed == "" {
		t.failed = sl
	}
}

// lookup asks the router to resolve a target.
func (t *turn) lookup(upn string) {
	t.s.PendingTarget = upn
	t.s.Target = nil
	if t.move(evLookup) {
		t.out.Resolve = upn
	}
}

// setZone sets the new hire's zone; a start given as a wall-clock time
// keeps its wall clock in the new zone.
func (t *turn) setZone(z string) {
	z = zoneOrUTC(z)
	if t.s.HasStart && t.s.StartWall && t.s.HireZone != z {
		old := t.s.Start.In(location(t.wallZone()))
		moved := time.Date(old.Year(), old.Month(), old.Day(), old.Hour(), old.Minute(), 0, 0, location(z))
		if err := t.cfg.checkStart(moved, t.in.Now, t.mine); err != nil {
			t.sayText(refusalText(err))
			t.s.HasStart = false
			t.fail(slotStart)
		}
		t.s.Start = moved.UTC()
	}
	t.s.HireZone = z
}

// wallZone is the zone the start's wall clock was given in.
func (t *turn) wallZone() string {
	if t.s.HireZone != "" {
		return t.s.HireZone
	}
	return t.mine
}

// setStart places sp in zone (or the hire zone, or the requester's) and
// stores it unless it is refused.
func (t *turn) setStart(sp startSpec, zone string) {
	if zone == "" {
		zone = t.wallZone()
	}
	p, err := t.placeStart(sp, zone, t.s.Reason)
	if err != nil {
		t.sayText(refusalText(err))
		t.fail(slotStart)
		return
	}
	t.s.HasStart, t.s.StartNow, t.s.Start, t.s.StartWall = true, p.now, p.at, p.wall
	if p.wall && t.s.HireZone == "" {
		t.s.HireZone = zone
	}
}

// placeStart resolves sp in zone (a date alone means the reason's lead
// before the working day) and checks it is neither past nor too far.
func (t *turn) placeStart(sp startSpec, zone string, reason tap.Reason) (placed, error) {
	var lead time.Duration
	if reason != "" {
		lead = t.cfg.reasonDefaults(reason).StartLead
	}
	at, now, err := sp.resolve(t.in.Now, location(zone), t.cfg.DayStart, lead)
	if err == nil && !now {
		err = t.cfg.checkStart(at, t.in.Now, t.mine)
	}
	if err != nil {
		return placed{}, err
	}
	return placed{at: at, now: now, wall: !now && !sp.hasAbs && !sp.hasRel}, nil
}

// parseStartField reads a start typed alone (a form field), in zone
// unless it names its own.
func (t *turn) parseStartField(v, zone string, reason tap.Reason) (placed, error) {
	x := extract(v, slotStart)
	if x.ambiguous != "" {
		return placed{}, tap.Refuse(tap.ErrInvalidInput, fmtZoneAmbiguous(x.ambiguous, ambiguousZones[x.ambiguous]))
	}
	if !x.hasStart || len(x.unknown) > 0 || x.target != "" || x.hasLife || x.reason != "" || x.hasOnce || x.hasJust {
		return placed{}, tap.Refuse(tap.ErrInvalidInput, fmtStartSyntax(v))
	}
	if x.zone == zoneMine {
		zone = t.mine
	} else if x.zone != "" {
		zone = x.zone
	}
	return t.placeStart(x.start, zone, reason)
}

// setLifetime stores d unless the policy refuses it.
func (t *turn) setLifetime(d time.Duration) {
	if err := t.cfg.checkLifetime(d); err != nil {
		t.sayText(refusalText(err))
		t.fail(slotLifetime)
		return
	}
	t.s.Lifetime = d
}

// advance asks the next missing slot or shows the summary.
func (t *turn) advance() {
	if sl := t.s.missing(); sl != "" {
		t.goTo(sl)
		return
	}
	if t.move(evSummarise) {
		t.say(t.summary())
	}
}

// goTo asks sl.
func (t *turn) goTo(sl slot) {
	if t.move(evAskPrefix + string(sl)) {
		t.ask(sl)
	}
}

// reask repeats the current question.
func (t *turn) reask() {
	switch t.s.State {
	case StateConfirm:
		t.say(t.summary())
	case StateClarify:
		x := extract(t.s.Pending, slotStart)
		t.askClarify(x.ambiguous)
	case StateResolving:
		t.out.Resolve = t.s.PendingTarget
	default:
		if sl, ok := slotOf(t.s.State); ok {
			t.ask(sl)
		}
	}
}

// back returns to the previous question.
func (t *turn) back() {
	n := len(t.s.History)
	if n == 0 {
		t.sayText(textNothingBack)
		t.reask()
		return
	}
	prev := t.s.History[n-1]
	keep := append([]State(nil), t.s.History[:n-1]...)
	sl, _ := slotOf(prev)
	t.goTo(sl)
	t.s.History = keep
}

func (t *turn) cancel() {
	t.move(evCancel)
	*t.s = *New()
	t.sayText(textCancelled)
	t.out.Ended = true
}

// clarify reads the answer to "which zone did you mean?" and re-reads the
// held message in it.
func (t *turn) clarify(text string) {
	z, err := ParseZone(text, t.mine)
	if err != nil {
		if x := extract(text, slotStart); x.found() && x.ambiguous == "" {
			t.s.Pending = ""
			t.apply(x, text)
			return
		}
		if x := extract(text, slotStart); x.change != "" {
			t.s.Pending = ""
			t.goTo(x.change)
			return
		}
		t.sayText(refusalText(err))
		t.reask()
		return
	}
	pending := t.s.Pending
	t.s.Pending = ""
	x := extract(pending, slotStart)
	x.ambiguous, x.zone = "", z
	t.apply(x, pending)
}

// confirm handles the answer to the summary.
func (t *turn) confirm(text, w string) {
	if confirmWords[w] {
		t.submit()
		return
	}
	if yes, err := ParseYesNo(w); err == nil && !yes {
		t.say(t.changeMenu())
		return
	}
	x := extract(text, "")
	if x.found() {
		t.apply(x, text)
		return
	}
	if x.change != "" {
		t.goTo(x.change)
		return
	}
	t.sayText(fmtNotUnderstood(text))
	t.say(t.summary())
}

// submit re-checks what time may have changed and hands the draft over.
func (t *turn) submit() {
	if t.s.HasStart && !t.s.StartNow {
		if err := t.cfg.checkStart(t.s.Start, t.in.Now, t.mine); err != nil {
			t.sayText(refusalText(err))
			t.s.HasStart = false
			t.goTo(slotStart)
			return
		}
	}
	if err := t.cfg.checkLifetime(t.s.Lifetime); err != nil {
		t.sayText(refusalText(err))
		t.s.Lifetime = 0
		t.goTo(slotLifetime)
		return
	}
	if t.s.missing() != "" {
		t.advance()
		return
	}
	d := t.s.draft(t.mine)
	if t.move(evSubmit) {
		t.out.Submit = d
		t.out.Ended = true
		*t.s = *New()
	}
}

// resolved handles the router's answer to Output.Resolve.
func (t *turn) resolved() {
	if t.s.State != StateResolving {
		t.reask() // a stale answer: repeat the question
		t.out.Ended = t.s.State == StateIdle
		return
	}
	pending := t.s.PendingTarget
	t.s.PendingTarget = ""
	if t.in.ResolveErr != nil {
		msg := resolveErrText(t.in.ResolveErr, pending)
		if t.s.Form != nil {
			vals := t.s.Form
			t.s.Form = nil
			if t.move(evAskPrefix + string(slotTarget)) {
				f := RequestForm(t.cfg, vals)
				setFieldError(&f, FieldTarget, msg)
				t.say(chat.Message{Text: textFormFix, Form: &f})
			}
			return
		}
		t.sayText(msg)
		t.goTo(slotTarget)
		return
	}
	u := *t.in.Resolved
	t.s.Target = &u
	t.s.Form = nil
	t.say(targetCard(u))
	next := slot(t.s.Next)
	t.s.Next = ""
	if next != "" && !t.s.filled(next) {
		t.goTo(next)
		return
	}
	t.advance()
}

// resolveErrText turns a failed lookup into a sentence: a refusal as is,
// otherwise by its sentinel. Internals never reach the chat.
func resolveErrText(err error, upn string) string {
	var r *tap.Refusal
	switch {
	case errors.As(err, &r):
		return r.Msg
	case errors.Is(err, tap.ErrUserNotFound), errors.Is(err, tap.ErrNotFound):
		return fmtUserNotFound(upn)
	case errors.Is(err, tap.ErrConflict):
		return fmtUserAmbiguous(upn)
	}
	return textLookupFailed
}

// refusalText is the sentence of a parser's refusal.
func refusalText(err error) string {
	var r *tap.Refusal
	if errors.As(err, &r) {
		return r.Msg
	}
	return textInternal
}

func firstWord(w string) string {
	if i := strings.IndexByte(w, ' '); i >= 0 {
		return w[:i]
	}
	return w
}
