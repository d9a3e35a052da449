package dialog

import (
	"strings"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// Field ids of the request form (chat.FormRequest). Submitted values go
// through the same parsers as typed answers.
const (
	FieldTarget        = "target"
	FieldReason        = "reason"
	FieldJustification = "justification"
	FieldZone          = "zone"
	FieldStart         = "start" // chat.FieldDateTime: "2006-01-02T15:04" in the zone field's zone
	FieldLifetime      = "lifetime"
	FieldOneTime       = "one_time" // "default", "yes" or "no"
)

// formFields lists the form's field ids in order.
var formFields = []string{FieldTarget, FieldReason, FieldJustification, FieldZone, FieldStart, FieldLifetime, FieldOneTime}

// RequestForm builds the request form (a Slack modal, a Teams card).
// prefill maps field ids to initial values; nil leaves the defaults.
func RequestForm(cfg Config, prefill map[string]string) chat.Form {
	cfg = cfg.withDefaults()
	reasons := make([]chat.Option, 0, len(tap.Reasons))
	for _, r := range tap.Reasons {
		reasons = append(reasons, chat.Option{Value: string(r), Label: reasonLabel(r)})
	}
	f := chat.Form{ID: chat.FormRequest, Title: text.DialogFormTitle, Submit: text.DialogFormSubmit, Fields: []chat.Field{
		{ID: FieldTarget, Label: text.DialogFormLabelTarget, Kind: chat.FieldText, Placeholder: text.DialogFormHintTarget},
		{ID: FieldReason, Label: text.FactReason, Kind: chat.FieldSelect, Options: reasons, Value: string(tap.ReasonOnboarding)},
		{ID: FieldJustification, Label: text.DialogLabelNote, Kind: chat.FieldTextArea, Optional: true, Placeholder: text.DialogFormHintNote},
		{ID: FieldZone, Label: text.DialogLabelZone, Kind: chat.FieldText, Optional: true, Placeholder: text.DialogFormHintZone},
		{ID: FieldStart, Label: text.FactStarts, Kind: chat.FieldDateTime, Optional: true, Placeholder: text.DialogFormHintStart},
		{ID: FieldLifetime, Label: text.DialogLabelLasts, Kind: chat.FieldText, Optional: true,
			Placeholder: fmtFormHintLifetime(cfg.MinLifetime, cfg.MaxLifetime)},
		{ID: FieldOneTime, Label: text.DialogLabelUse, Kind: chat.FieldSelect, Value: "default", Options: []chat.Option{
			{Value: "default", Label: text.DialogFormOneTimeDefault}, {Value: "yes", Label: oneTimeLabel(true)},
			{Value: "no", Label: oneTimeLabel(false)}}},
	}}
	for i := range f.Fields {
		if v, ok := prefill[f.Fields[i].ID]; ok {
			f.Fields[i].Value = v
		}
	}
	return f
}

// setFieldError marks field id of f with msg.
func setFieldError(f *chat.Form, id, msg string) {
	for i := range f.Fields {
		if f.Fields[i].ID == id {
			f.Fields[i].Error = msg
		}
	}
}

// isDefault reports whether a form value asks for the default.
func isDefault(v string) bool {
	v = strings.ToLower(strings.TrimSpace(v))
	return v == "" || v == "default"
}

// form handles a submitted request form: every field through the same
// parser and checks as in conversation; any error returns the form with
// the field marked.
func (t *turn) form() {
	vals := map[string]string{}
	for _, id := range formFields {
		vals[id] = t.in.Fields[id]
	}
	f := RequestForm(t.cfg, vals)
	bad := false
	mark := func(id string, err error) {
		setFieldError(&f, id, refusalText(err))
		bad = true
	}
	target, err := ParseTarget(vals[FieldTarget])
	if err != nil {
		mark(FieldTarget, err)
	}
	reason := tap.ReasonOnboarding
	if !isDefault(vals[FieldReason]) {
		if reason, err = ParseReason(vals[FieldReason]); err != nil {
			mark(FieldReason, err)
		}
	}
	just, err := CleanJustification(vals[FieldJustification])
	if err != nil {
		mark(FieldJustification, err)
	}
	zone := t.mine
	if !isDefault(vals[FieldZone]) {
		if zone, err = ParseZone(vals[FieldZone], t.mine); err != nil {
			mark(FieldZone, err)
			zone = t.mine
		}
	}
	rd := t.cfg.reasonDefaults(reason)
	life := rd.Lifetime
	if !isDefault(vals[FieldLifetime]) {
		if life, err = ParseLifetime(vals[FieldLifetime]); err == nil {
			err = t.cfg.checkLifetime(life)
		}
		if err != nil {
			mark(FieldLifetime, err)
		}
	}
	once := rd.OneTime
	if !isDefault(vals[FieldOneTime]) {
		if once, err = ParseOneTime(vals[FieldOneTime]); err != nil {
			mark(FieldOneTime, err)
		}
	}
	var st placed
	if !isDefault(vals[FieldStart]) {
		if st, err = t.parseStartField(vals[FieldStart], zone, reason); err != nil {
			mark(FieldStart, err)
		}
	}
	if bad {
		t.out.Ended = t.s.State == StateIdle
		t.say(chat.Message{Text: text.DialogFormFix, Form: &f})
		return
	}
	prev := t.s.Target
	t.s.reset()
	t.s.Reason, t.s.Justification, t.s.HireZone, t.s.Lifetime, t.s.OneTime = reason, &just, zone, life, &once
	if isDefault(vals[FieldStart]) {
		t.fillDefault(slotStart)
	} else {
		t.s.HasStart, t.s.StartNow, t.s.Start, t.s.StartWall = true, st.now, st.at, st.wall
	}
	if prev != nil && strings.EqualFold(prev.UPN, target) {
		t.s.Target = prev
		t.advance()
		return
	}
	t.s.Form = vals
	t.lookup(target)
}

// placed is a start placed in a zone.
type placed struct {
	at   time.Time
	now  bool
	wall bool
}
