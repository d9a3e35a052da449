package dialog

import (
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
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
	// opened means this turn opened the request: a refused message
	// closes it again.
	opened bool
}

func (t *turn) say(m chat.Message) { t.out.Replies = append(t.out.Replies, m) }
func (t *turn) sayText(s string)   { t.say(chat.Message{Text: s}) }

// move fires an event; a refused transition is a bug, reported plainly.
func (t *turn) move(event string) bool {
	if err := t.s.fire(event); err != nil {
		t.sayText(text.DialogInternal)
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
	said := strings.TrimSpace(norm.NFKC.String(raw))
	if len(said) >= 4 && strings.EqualFold(said[:4], "/tap") && (len(said) == 4 || said[4] == ' ') {
		said = "tap" + said[4:] // Teams has no slash commands: a leading /tap is the word
	}
	w := words(tokenize(said))
	if t.s.State == StateIdle {
		t.idle(said, w)
		return
	}
	if w == "" {
		t.reask()
		return
	}
	switch navOf(w) {
	case navCancel:
		t.cancel()
		return
	case navRestart:
		t.s.reset()
		if t.move(evRestart) {
			t.sayText(text.DialogRestart)
			t.ask(slotTarget)
		}
		return
	case navHelp:
		if sl, ok := slotOf(t.s.State); ok {
			t.sayText(slotHelp[sl])
		} else {
			t.sayText(text.DialogHelpInRequest)
		}
		t.reask()
		return
	case navBack:
		t.back()
		return
	case navWrongPerson:
		t.goTo(slotTarget)
		return
	case navDefaults:
		if t.s.State != StateResolving && t.s.State != StateClarify {
			t.fillDefaults()
			t.advance()
			return
		}
	}
	if cmd := commandOf(said, w); cmd != nil && passThrough[cmd.Name] {
		t.out.Command = cmd
		t.sayText(text.DialogDraftKept)
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
		t.clarify(said)
	case StateConfirm:
		t.confirm(said, w)
	default:
		sl, _ := slotOf(t.s.State)
		t.answer(sl, said, w)
	}
}

// idle handles text outside a request: commands, or the start of one.
func (t *turn) idle(said, w string) {
	t.out.Ended = true
	if w == "" || navOf(w) == navHelp || mentionsHelp(w) {
		t.out.Command = &Command{Name: "help"}
		return
	}
	if cmd := commandOf(said, w); cmd != nil {
		t.out.Command = cmd
		return
	}
	if navOf(w) == navCancel {
		t.sayText(text.DialogNothingToCancel)
		return
	}
	if thanksWords[w] {
		t.sayText(text.DialogWelcome)
		return
	}
	begin := asksForPass(w) || navOf(w) == navRestart
	x := extract(said, "")
	if !begin && (!x.found() || offTopic(x)) {
		t.sayText(fmtNotUnderstood(said))
		t.out.Command = &Command{Name: "help"}
		return
	}
	t.out.Ended = false
	t.s.reset()
	if !t.move(evBegin) {
		return
	}
	t.opened = true
	if x.found() {
		t.apply(x, said)
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
func (t *turn) answer(sl slot, said, w string) {
	yes, yerr := ParseYesNo(w)
	acceptsYes := sl == slotReason || sl == slotZone || sl == slotStart || sl == slotLifetime
	if navOf(w) == navDefault || (sl == slotJustification && skipWords[w]) || acceptsYes && yerr == nil && yes {
		if t.s.filled(sl) && navOf(w) == navDefault && w != "" && w != "default" {
			t.advance() // "keep": the current value stays
			return
		}
		if sl == slotTarget {
			t.sayText(text.DialogTargetNoDefault)
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
		handled, focusErr = t.focused(sl, said)
		if handled {
			return
		}
	}
	x := extract(said, sl)
	if x.found() {
		t.apply(x, said)
		return
	}
	if x.change != "" {
		t.changeTo(x)
		return
	}
	if focusErr != nil {
		t.sayText(refusalText(focusErr))
	} else {
		t.sayText(fmtNotUnderstood(said))
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
		if !x.hasStart || x.ambiguous != "" || x.startErr != nil || x.target != "" || x.targetErr != nil ||
			x.hasLife || x.reason != "" || x.hasOnce || x.hasJust {
			// not a start alone: let the whole message be read
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
	if t.failed != "" {
		t.goTo(t.failed)
		return true, nil
	}
	t.advance()
	return true, nil
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
		if x.ambiguous == "" {
			t.s.Pending = ""
			t.goTo(slotZone)
			return
		}
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
		t.sayText(text.DialogNothingBack)
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
	t.sayText(text.DialogCancelled)
	t.out.Ended = true
}

func firstWord(w string) string {
	if i := strings.IndexByte(w, ' '); i >= 0 {
		return w[:i]
	}
	return w
}

// changeTo asks the slot named in "change the lifetime", or reads what
// followed its name ("change lifetime to 4") as the answer to it.
func (t *turn) changeTo(x extraction) {
	if !t.move(evAskPrefix + string(x.change)) {
		return
	}
	if x.changeTo == "" {
		t.ask(x.change)
		return
	}
	t.answer(x.change, x.changeTo, words(tokenize(x.changeTo)))
}
