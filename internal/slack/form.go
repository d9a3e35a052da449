package slack

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/text"
)

// A chat.FieldDateTime is drawn as a date picker and a time picker (block
// ids <field>__date and <field>__time): they return the wall-clock date and
// time as typed, which is what the field carries ("2006-01-02T15:04", local
// to the form's zone field). A datetimepicker would return an instant in
// the clicker's own Slack time zone instead.
const (
	dateSuffix = "__date"
	timeSuffix = "__time"
)

const (
	maxLabel       = 2000
	maxPlaceholder = 150
	maxOptionText  = 75
	maxOptions     = 100
	maxMetadata    = 3000
)

// viewMeta is what tapbot keeps in a modal's private_metadata: the form's
// opaque state and the conversation the form was opened from.
type viewMeta struct {
	Channel string `json:"c,omitempty"`
	State   string `json:"s,omitempty"`
}

func encodeMeta(channel, state string) string {
	b, _ := json.Marshal(viewMeta{Channel: channel, State: state})
	if len(b) > maxMetadata {
		b, _ = json.Marshal(viewMeta{State: state})
	}
	return string(b)
}

func decodeMeta(s string) viewMeta {
	var m viewMeta
	if json.Unmarshal([]byte(s), &m) != nil {
		return viewMeta{State: s}
	}
	return m
}

// formView draws f as a modal. channel is remembered in the metadata so
// replies to the submission go back where the form was asked for.
func formView(f chat.Form, channel string) slack.ModalViewRequest {
	title := f.Title
	if title == "" {
		title = "tapbot"
	}
	submit := f.Submit
	if submit == "" {
		submit = text.SubmitLabel
	}
	var blocks []slack.Block
	for _, fd := range f.Fields {
		blocks = append(blocks, inputBlocks(fd)...)
	}
	if len(blocks) > maxBlocksModal {
		blocks = blocks[:maxBlocksModal]
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      truncateID(f.ID, maxActionID),
		Title:           plain(title, maxModalTitle),
		Submit:          plain(submit, maxModalTitle),
		Close:           plain(text.CancelLabel, maxModalTitle),
		PrivateMetadata: encodeMeta(channel, f.State),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// inputBlocks draws one field as one input block (two for a date-time).
func inputBlocks(fd chat.Field) []slack.Block {
	var ph *slack.TextBlockObject
	if fd.Placeholder != "" {
		ph = plain(fd.Placeholder, maxPlaceholder)
	}
	var hint *slack.TextBlockObject
	if fd.Error != "" {
		hint = plain("⚠ "+fd.Error, maxLabel)
	}
	label := plain(fd.Label, maxLabel)
	input := func(id string, lbl *slack.TextBlockObject, el slack.BlockElement, optional bool) *slack.InputBlock {
		return slack.NewInputBlock(id, lbl, hint, el).WithOptional(optional)
	}
	switch fd.Kind {
	case chat.FieldTextArea:
		el := slack.NewPlainTextInputBlockElement(ph, fd.ID)
		el.Multiline = true
		el.InitialValue = fd.Value
		return []slack.Block{input(fd.ID, label, el, fd.Optional)}
	case chat.FieldDateTime:
		d := slack.NewDatePickerBlockElement(fd.ID + dateSuffix)
		t := slack.NewTimePickerBlockElement(fd.ID + timeSuffix)
		if date, tm, ok := strings.Cut(fd.Value, "T"); ok {
			d.InitialDate, t.InitialTime = date, truncateID(tm, 5)
		}
		dateHint := hint
		if dateHint == nil && fd.Placeholder != "" {
			dateHint = plain(fd.Placeholder, maxLabel) // free-text examples read as a hint here
		}
		return []slack.Block{
			slack.NewInputBlock(fd.ID+dateSuffix, plain(fd.Label+" (date)", maxLabel), dateHint, d).WithOptional(fd.Optional),
			slack.NewInputBlock(fd.ID+timeSuffix, plain(fd.Label+" (time)", maxLabel), nil, t).WithOptional(fd.Optional),
		}
	case chat.FieldNumber:
		el := slack.NewNumberInputBlockElement(ph, fd.ID, true)
		el.InitialValue = fd.Value
		return []slack.Block{input(fd.ID, label, el, fd.Optional)}
	case chat.FieldToggle:
		text := fd.Placeholder
		if text == "" {
			text = fd.Label
		}
		opt := slack.NewOptionBlockObject("true", plain(text, maxOptionText), nil)
		el := slack.NewCheckboxGroupsBlockElement(fd.ID, opt)
		if fd.Value == "true" {
			el.InitialOptions = []*slack.OptionBlockObject{opt}
		}
		// Always optional: an unticked box is a valid "false".
		return []slack.Block{input(fd.ID, label, el, true)}
	case chat.FieldSelect:
		opts := make([]*slack.OptionBlockObject, 0, len(fd.Options))
		var initial *slack.OptionBlockObject
		for _, o := range fd.Options[:min(len(fd.Options), maxOptions)] {
			ob := slack.NewOptionBlockObject(truncateID(o.Value, 150), plain(o.Label, maxOptionText), nil)
			if o.Value == fd.Value {
				initial = ob
			}
			opts = append(opts, ob)
		}
		el := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, ph, fd.ID, opts...)
		el.InitialOption = initial
		return []slack.Block{input(fd.ID, label, el, fd.Optional)}
	default: // chat.FieldText and unknown kinds
		el := slack.NewPlainTextInputBlockElement(ph, fd.ID)
		el.InitialValue = fd.Value
		return []slack.Block{input(fd.ID, label, el, fd.Optional)}
	}
}

// formFields maps view.state.values back to the form's field ids.
func formFields(values map[string]map[string]stateValue) map[string]string {
	out := make(map[string]string, len(values))
	dates, times := map[string]string{}, map[string]string{}
	for blockID, acts := range values {
		for _, v := range acts {
			switch v.Type {
			case "datepicker":
				dates[strings.TrimSuffix(blockID, dateSuffix)] = v.SelectedDate
			case "timepicker":
				times[strings.TrimSuffix(blockID, timeSuffix)] = v.SelectedTime
			case "checkboxes":
				out[blockID] = "false"
				for _, o := range v.SelectedOptions {
					if o.Value == "true" {
						out[blockID] = "true"
					}
				}
			case "static_select", "radio_buttons":
				out[blockID] = ""
				if v.SelectedOption != nil {
					out[blockID] = v.SelectedOption.Value
				}
			default: // plain_text_input, number_input, email/url inputs
				out[blockID] = ""
				if v.Value != nil {
					out[blockID] = *v.Value
				}
			}
		}
	}
	for id, d := range dates {
		t := times[id]
		switch {
		case d == "":
			out[id] = ""
		case t == "":
			out[id] = d + "T00:00"
		default:
			out[id] = d + "T" + t
		}
	}
	for id := range times {
		if _, ok := dates[id]; !ok {
			out[id] = ""
		}
	}
	return out
}

// formErrors returns Slack's response_action errors map for the fields of
// f that carry an error, keyed by block id; nil when none do.
func formErrors(f *chat.Form) map[string]string {
	if f == nil {
		return nil
	}
	var errs map[string]string
	for _, fd := range f.Fields {
		if fd.Error == "" {
			continue
		}
		if errs == nil {
			errs = map[string]string{}
		}
		id := fd.ID
		if fd.Kind == chat.FieldDateTime {
			id += dateSuffix
		}
		errs[id] = truncate(inert(fd.Error), maxLabel) // may echo what the user typed
	}
	return errs
}

// contentView draws a message (possibly holding the pass) as a modal.
func contentView(m chat.Message) slack.ModalViewRequest {
	title := m.Title
	if title == "" || len(title) > maxModalTitle {
		title = text.PassTitleShort
	}
	return slack.ModalViewRequest{
		Type:   slack.VTModal,
		Title:  plain(title, maxModalTitle),
		Close:  plain(text.CloseLabel, maxModalTitle),
		Blocks: slack.Blocks{BlockSet: messageBlocks(m, true, maxBlocksModal)},
	}
}

// loadingView is opened at once for a private action or a bare /tap while
// the core works.
func loadingView() slack.ModalViewRequest {
	return slack.ModalViewRequest{
		Type:  slack.VTModal,
		Title: plain(text.PassTitleShort, maxModalTitle),
		Close: plain(text.CloseLabel, maxModalTitle),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(markdown(":hourglass_flowing_sand: "+text.Loading, maxSectionText), nil, nil),
		}},
	}
}

// sortedKeys returns m's keys in order (stable logs and tests).
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
