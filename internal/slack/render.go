package slack

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/text"
)

// Block Kit limits (https://docs.slack.dev/reference/block-kit).
const (
	maxBlocksMessage = 50
	maxBlocksModal   = 100
	maxSectionText   = 3000
	maxFieldText     = 2000
	maxFields        = 10
	maxHeaderText    = 150
	maxButtonText    = 75
	maxButtonValue   = 2000
	maxActionID      = 255
	maxActionsPerRow = 25
	maxModalTitle    = 24
	maxNotifyText    = 300
	maxConfirmText   = 300
)

// actionSep separates an action id from the suffix that keeps action ids
// unique within a message (two "tap_say" buttons become tap_say, tap_say~2).
const actionSep = "~"

var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escapeMrkdwn makes s literal in mrkdwn: Slack's control characters
// & < > are replaced, so "<!channel>" or "<https://evil|bank>" in user text
// pings nobody and links nowhere.
func escapeMrkdwn(s string) string {
	if !strings.ContainsAny(s, "&<>") {
		return s
	}
	return mrkdwnEscaper.Replace(s)
}

// markupToMrkdwn translates the core's light markup (*bold*, _italic_,
// `code`, newlines) to mrkdwn. The markup is the same; the control
// characters are still escaped so core text cannot form a mention or link.
func markupToMrkdwn(s string) string { return escapeMrkdwn(s) }

// mrkdwn renders core text with user spans (chat.Esc) made inert.
func mrkdwn(text string) string { return chat.Expand(text, inertMrkdwn, markupToMrkdwn) }

// truncate cuts s to at most n bytes on a rune boundary, ending in "…",
// without leaving half of an &amp;-style entity behind.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ell = "…"
	cut := n - len(ell)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	s = s[:cut]
	if i := strings.LastIndexByte(s, '&'); i >= 0 && i > len(s)-6 && !strings.Contains(s[i:], ";") {
		s = s[:i]
	}
	return s + ell
}

// splitText splits mrkdwn text into chunks of at most n bytes, preferring
// line breaks and never splitting a rune or an &amp;-style entity.
func splitText(s string, n int) []string {
	var out []string
	for len(s) > n {
		if cut := strings.LastIndexByte(s[:n], '\n'); cut > 0 {
			out = append(out, s[:cut])
			s = s[cut+1:]
			continue
		}
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		if i := strings.LastIndexByte(s[:cut], '&'); i > 0 && i > cut-6 && !strings.Contains(s[i:cut], ";") {
			cut = i
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	if strings.TrimSpace(s) != "" {
		out = append(out, s)
	}
	return out
}

// plain is a plain_text object. Its text is taken as user text (titles,
// labels and confirmations can hold names) and made inert.
func plain(s string, n int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, truncate(inert(s), n), false, false)
}

// markdown is a mrkdwn object for text already rendered (mrkdwn, or
// inertMrkdwn for user text). It is verbatim: Slack links and mentions
// nothing by itself.
func markdown(s string, n int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, truncate(s, n), false, true)
}

// notifyText is the top-level fallback text (notifications, screen
// readers). It is mrkdwn that cannot be made verbatim, so user text in it
// is inert; it never holds a secret.
func notifyText(m chat.Message) string {
	t := inertMrkdwn(m.Title)
	if m.Title == "" {
		t, _, _ = strings.Cut(mrkdwn(m.Text), "\n")
	}
	if strings.TrimSpace(t) == "" {
		t = "tapbot"
	}
	return truncate(t, maxNotifyText)
}

// messageBlocks draws m. The secret is drawn only when private is true
// (a modal); callers drawing a persisted message refuse secrets before.
func messageBlocks(m chat.Message, private bool, limit int) []slack.Block {
	var head, tail []slack.Block
	if m.Title != "" {
		head = append(head, slack.NewHeaderBlock(plain(m.Title, maxHeaderText)))
	}
	var body []slack.Block
	for _, chunk := range splitText(mrkdwn(m.Text), maxSectionText) {
		body = append(body, slack.NewSectionBlock(markdown(chunk, maxSectionText), nil, nil))
	}
	if private && m.HasSecret() {
		// The pass first, then its facts, then the (possibly long) guide.
		head = append(head, secretBlocks(m)...)
		head = append(head, factBlocks(m.Facts)...)
		head = append(head, body...)
	} else {
		head = append(head, body...)
		head = append(head, factBlocks(m.Facts)...)
	}
	buttons := m.Buttons
	if m.Form != nil && !private {
		// A form that cannot open as a modal here: say what was wrong and
		// offer a button that asks for it again.
		var errs []chat.Fact
		for _, f := range m.Form.Fields {
			if f.Error != "" {
				errs = append(errs, chat.Fact{Label: f.Label, Value: f.Error})
			}
		}
		head = append(head, factBlocks(errs)...)
		label := m.Form.Title
		if label == "" {
			label = text.OpenForm
		}
		buttons = append(append([]chat.Button(nil), buttons...), chat.Button{Action: chat.ActionOpen, Label: label, Value: m.Form.ID, Style: chat.StylePrimary})
	}
	tail = append(tail, buttonBlocks(buttons)...)
	if m.Note != "" {
		tail = append(tail, slack.NewContextBlock("", markdown(mrkdwn(m.Note), maxSectionText)))
	}
	if len(head)+len(tail) > limit {
		keep := max(limit-len(tail)-1, 0)
		head = append(head[:keep], slack.NewContextBlock("", markdown("_"+text.SlackShortened+"_", maxSectionText)))
	}
	blocks := append(head, tail...)
	if len(blocks) > limit {
		blocks = blocks[:limit]
	}
	return blocks
}

// secretBlocks draws the pass: a caption and the value in a preformatted
// rich-text block, which Slack shows verbatim in monospace (no mrkdwn
// parsing, so no escaping is needed or wanted).
func secretBlocks(m chat.Message) []slack.Block {
	capt := m.SecretCap
	if capt == "" {
		capt = text.PassTitleShort
	}
	pre := &slack.RichTextPreformatted{
		Type:     slack.RTEPreformatted,
		Elements: []slack.RichTextSectionElement{slack.NewRichTextSectionTextElement(m.Secret.Reveal(), nil)},
	}
	return []slack.Block{
		slack.NewSectionBlock(markdown("*"+inertMrkdwn(capt)+"*", maxSectionText), nil, nil),
		slack.NewRichTextBlock("secret", pre),
	}
}

// factBlocks draws facts as section fields, at most ten per section.
// Labels and values are literal (user text), so both are made inert.
func factBlocks(facts []chat.Fact) []slack.Block {
	var out []slack.Block
	for len(facts) > 0 {
		n := min(len(facts), maxFields)
		fields := make([]*slack.TextBlockObject, 0, n)
		for _, f := range facts[:n] {
			v := f.Value
			if v == "" {
				v = "—"
			}
			fields = append(fields, markdown("*"+inertMrkdwn(f.Label)+"*\n"+inertMrkdwn(v), maxFieldText))
		}
		out = append(out, slack.NewSectionBlock(nil, fields, nil))
		facts = facts[n:]
	}
	return out
}

// buttonBlocks draws buttons in actions blocks (25 per block) with unique
// action ids.
func buttonBlocks(buttons []chat.Button) []slack.Block {
	var out []slack.Block
	seen := map[string]int{}
	var row []slack.BlockElement
	for _, b := range buttons {
		id := truncateID(b.Action, maxActionID-4)
		seen[id]++
		if n := seen[id]; n > 1 {
			id += actionSep + strconv.Itoa(n)
		}
		btn := slack.NewButtonBlockElement(id, truncateID(b.Value, maxButtonValue), plain(b.Label, maxButtonText))
		switch b.Style {
		case chat.StylePrimary:
			btn = btn.WithStyle(slack.StylePrimary)
		case chat.StyleDanger:
			btn = btn.WithStyle(slack.StyleDanger)
		}
		if b.Confirm != "" {
			c := slack.NewConfirmationBlockObject(plain(text.ConfirmTitle, 100), plain(b.Confirm, maxConfirmText),
				plain(b.Label, 30), plain(text.CancelLabel, 30))
			if b.Style == chat.StyleDanger {
				c = c.WithStyle(slack.StyleDanger)
			}
			btn = btn.WithConfirm(c)
		}
		row = append(row, btn)
		if len(row) == maxActionsPerRow {
			out = append(out, slack.NewActionBlock("", row...))
			row = nil
		}
	}
	if len(row) > 0 {
		out = append(out, slack.NewActionBlock("", row...))
	}
	return out
}

// truncateID cuts an identifier-like value (no ellipsis) to n bytes.
func truncateID(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// baseAction strips the uniqueness suffix from an action id.
func baseAction(id string) string {
	if i := strings.LastIndex(id, actionSep); i > 0 {
		if _, err := strconv.Atoi(id[i+len(actionSep):]); err == nil {
			return id[:i]
		}
	}
	return id
}
