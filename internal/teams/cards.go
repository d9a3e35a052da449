package teams

import (
	"errors"
	"strconv"
	"strings"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/text"
)

// Adaptive Card constants.
const (
	cardContentType = "application/vnd.microsoft.card.adaptive"
	cardSchema      = "http://adaptivecards.io/schemas/adaptive-card.json"
	cardVersion     = "1.5"
)

// Keys of the data an Action.Execute / Action.Submit carries. Form inputs
// are merged into the same object by the client under their field ids, so
// field ids must not use these names.
const (
	dataAction = "action" // button action id
	dataValue  = "value"  // button value
	dataForm   = "form"   // form id
	dataState  = "state"  // form state
)

// Suffixes of the two inputs a FieldDateTime is drawn with.
const (
	dateSuffix = "_date"
	timeSuffix = "_time"
)

var reservedData = map[string]bool{dataAction: true, dataValue: true, dataForm: true, dataState: true, "msteams": true}

// card is an Adaptive Card. Elements are maps so the JSON stays exactly
// what we build (no empty objects).
type card struct {
	Schema  string `json:"$schema"`
	Type    string `json:"type"`
	Version string `json:"version"`
	Body    []obj  `json:"body"`
	Actions []obj  `json:"actions,omitempty"`
	MSTeams obj    `json:"msteams,omitempty"`
	// Refresh asks Teams for each listed reader's own view (Universal
	// Actions: an adaptiveCard/action invoke with the action's verb).
	Refresh obj `json:"refresh,omitempty"`
}

type obj = map[string]any

// errSecretNotAllowed is returned by renderCard when asked to draw a secret
// on a persisted surface.
var errSecretNotAllowed = errors.New("secret on a persisted card")

// renderCard draws m as an Adaptive Card 1.5. private is true only for an
// invoke response (seen by the clicking client alone); only then may m
// carry a Secret.
func renderCard(m chat.Message, private bool) (*card, error) {
	if m.HasSecret() && !private {
		return nil, errSecretNotAllowed
	}
	c := &card{Schema: cardSchema, Type: "AdaptiveCard", Version: cardVersion, MSTeams: obj{"width": "Full"}}
	title := m.Title
	if title == "" && m.Form != nil {
		title = m.Form.Title
	}
	if title != "" {
		c.Body = append(c.Body, obj{"type": "TextBlock", "text": literal(title), "weight": "Bolder", "size": "Medium", "wrap": true, "style": "heading"})
	}
	if m.HasSecret() {
		// The pass comes first, under the title, with its times: it is
		// what the reader opened the card for; the guide follows.
		c.Body = append(c.Body, secretBlock(m))
		c.Body = append(c.Body, factSet(m.Facts)...)
		c.Body = append(c.Body, textBlocks(m.Text)...)
	} else {
		c.Body = append(c.Body, textBlocks(m.Text)...)
		c.Body = append(c.Body, factSet(m.Facts)...)
	}
	if m.Form != nil {
		c.Body = append(c.Body, formInputs(m.Form)...)
		c.Actions = append(c.Actions, submitAction(m.Form))
	}
	for _, b := range m.Buttons {
		c.Actions = append(c.Actions, buttonAction(b))
	}
	if m.Note != "" {
		c.Body = append(c.Body, obj{"type": "TextBlock", "text": cardText(m.Note), "size": "Small", "isSubtle": true, "wrap": true, "spacing": "Medium"})
	}
	if len(c.Body) == 0 {
		c.Body = append(c.Body, obj{"type": "TextBlock", "text": " ", "wrap": true})
	}
	return c, nil
}

// factSet draws facts as one FactSet (none for no facts).
func factSet(fs []chat.Fact) []obj {
	if len(fs) == 0 {
		return nil
	}
	facts := make([]obj, 0, len(fs))
	for _, f := range fs {
		facts = append(facts, obj{"title": literal(f.Label), "value": literal(f.Value)})
	}
	return []obj{{"type": "FactSet", "facts": facts}}
}

// textBlocks draws core text line by line (card markdown joins single
// newlines, so each line is its own block).
func textBlocks(text string) []obj {
	if strings.TrimSpace(chat.Plain(text)) == "" {
		return nil
	}
	expanded := cardText(text)
	var out []obj
	gap := false
	for _, line := range strings.Split(expanded, "\n") {
		if strings.TrimSpace(line) == "" {
			gap = true
			continue
		}
		tb := obj{"type": "TextBlock", "text": line, "wrap": true}
		if gap && len(out) > 0 {
			tb["spacing"] = "Medium"
		} else if len(out) > 0 {
			tb["spacing"] = "None"
		}
		gap = false
		out = append(out, tb)
	}
	return out
}

// secretBlock draws the pass. A RichTextBlock TextRun is never processed as
// markdown, so the value shows exactly as issued, in monospace.
func secretBlock(m chat.Message) obj {
	caption := m.SecretCap
	if caption == "" {
		caption = text.PassTitleShort
	}
	return obj{
		"type":  "Container",
		"style": "emphasis",
		"items": []obj{
			{"type": "TextBlock", "text": literal(caption), "weight": "Bolder", "wrap": true},
			{"type": "RichTextBlock", "inlines": []obj{{
				"type": "TextRun", "text": m.Secret.Reveal(), "fontType": "Monospace", "size": "ExtraLarge", "weight": "Bolder",
			}}},
		},
	}
}

func actionStyle(s chat.Style) string {
	switch s {
	case chat.StylePrimary:
		return "positive"
	case chat.StyleDanger:
		return "destructive"
	}
	return ""
}

// execute builds an Action.Execute with an Action.Submit fallback for
// clients without Universal Actions; both carry the same data.
func execute(title, verb string, data obj, style string) obj {
	a := obj{"type": "Action.Execute", "title": title, "verb": verb, "data": data}
	fb := obj{"type": "Action.Submit", "title": title, "data": data}
	if style != "" {
		a["style"] = style
		fb["style"] = style
	}
	a["fallback"] = fb
	return a
}

func buttonAction(b chat.Button) obj {
	data := obj{dataAction: b.Action, dataValue: b.Value}
	act := execute(escapePlain(b.Label), b.Action, data, actionStyle(b.Style))
	if b.Confirm == "" {
		return act
	}
	return obj{
		"type":  "Action.ShowCard",
		"title": escapePlain(b.Label),
		"card": obj{
			"type":    "AdaptiveCard",
			"body":    []obj{{"type": "TextBlock", "text": cardText(b.Confirm), "wrap": true}},
			"actions": []obj{execute(text.ConfirmLabel, b.Action, data, actionStyle(b.Style))},
		},
	}
}

// escapePlain is for plain-text properties (titles of actions, labels of
// inputs): no markdown there, only control characters removed.
func escapePlain(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' {
			return ' '
		}
		return r
	}, chat.Plain(s))
}

func submitAction(f *chat.Form) obj {
	title := f.Submit
	if title == "" {
		title = text.SubmitLabel
	}
	return execute(escapePlain(title), f.ID, obj{dataForm: f.ID, dataState: f.State}, "positive")
}

// formInputs draws a form's fields as inputs with labels and error text.
func formInputs(f *chat.Form) []obj {
	var out []obj
	for _, fd := range f.Fields {
		label := escapePlain(fd.Label)
		base := func(typ, id string) obj {
			in := obj{"type": typ, "id": id, "label": label}
			if !fd.Optional {
				in["isRequired"] = true
				in["errorMessage"] = text.Required(label)
			}
			return in
		}
		switch fd.Kind {
		case chat.FieldTextArea, chat.FieldText, "":
			in := base("Input.Text", fd.ID)
			if fd.Kind == chat.FieldTextArea {
				in["isMultiline"] = true
			}
			if fd.Placeholder != "" {
				in["placeholder"] = escapePlain(fd.Placeholder)
			}
			if fd.Value != "" {
				in["value"] = fd.Value
			}
			out = append(out, in)
		case chat.FieldDateTime:
			d := base("Input.Date", fd.ID+dateSuffix)
			t := base("Input.Time", fd.ID+timeSuffix)
			t["label"] = label + " (time)"
			if date, clock, ok := strings.Cut(fd.Value, "T"); ok {
				d["value"] = date
				t["value"] = clock
			}
			out = append(out, d, t)
		case chat.FieldNumber:
			in := base("Input.Number", fd.ID)
			if v, err := strconv.ParseFloat(fd.Value, 64); err == nil {
				in["value"] = v
			}
			if fd.Placeholder != "" {
				in["placeholder"] = escapePlain(fd.Placeholder)
			}
			out = append(out, in)
		case chat.FieldToggle:
			in := base("Input.Toggle", fd.ID)
			delete(in, "isRequired")
			delete(in, "errorMessage")
			in["title"] = label
			in["valueOn"] = "true"
			in["valueOff"] = "false"
			in["value"] = "false"
			if fd.Value == "true" {
				in["value"] = "true"
			}
			out = append(out, in)
		case chat.FieldSelect:
			in := base("Input.ChoiceSet", fd.ID)
			in["style"] = "compact"
			choices := make([]obj, 0, len(fd.Options))
			for _, o := range fd.Options {
				choices = append(choices, obj{"title": escapePlain(o.Label), "value": o.Value})
			}
			in["choices"] = choices
			if fd.Value != "" {
				in["value"] = fd.Value
			}
			out = append(out, in)
		default:
			out = append(out, base("Input.Text", fd.ID))
		}
		if fd.Error != "" {
			out = append(out, obj{"type": "TextBlock", "text": cardText(fd.Error), "color": "Attention", "size": "Small", "wrap": true, "spacing": "None"})
		}
	}
	return out
}
