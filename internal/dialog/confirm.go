package dialog

import (
	"errors"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

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
			t.changeTo(x)
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
		t.changeTo(x)
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
				t.say(chat.Message{Text: text.DialogFormFix, Form: &f})
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
	t.say(targetCard(u, location(t.wallZone())))
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
	return text.DialogLookupFailed
}

// refusalText is the sentence of a parser's refusal.
func refusalText(err error) string {
	var r *tap.Refusal
	if errors.As(err, &r) {
		return r.Msg
	}
	return text.DialogInternal
}
