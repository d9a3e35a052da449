package teams

import (
	"strings"

	"github.com/tapbot/tapbot/internal/chat"
)

// wordJoiner is an invisible character inserted into "://" and "www." in
// user text so that clients do not turn a pasted address into a link.
const wordJoiner = "\u2060"

// escapeCardMarkdown makes s display literally in an Adaptive Card
// TextBlock: every character the card markdown (a CommonMark subset) could
// read as emphasis, code, a link ("[", "]"; without them parentheses are
// inert) or an HTML tag / autolink ("<", ">") is backslash-escaped, list and
// heading markers at line starts are escaped, and bare web addresses are
// broken with an invisible word joiner so they are not auto-linked.
func escapeCardMarkdown(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	lineStart := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '*', '_', '`', '~', '[', ']', '<', '>':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '-', '+', '=', '#':
			if lineStart {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		case '.':
			// "1. " at a line start is an ordered list marker.
			if precededByLineStartDigits(s, i) {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		case ':':
			b.WriteByte(c)
			if strings.HasPrefix(s[i+1:], "//") {
				b.WriteString(wordJoiner)
			}
		case '\r':
			continue
		default:
			b.WriteByte(c)
		}
		if c == '\n' {
			lineStart = true
		} else if c != ' ' && c != '\t' {
			lineStart = false
		}
		if (c == 'w' || c == 'W') && hasFoldPrefix(s[i:], "www.") {
			b.WriteString(s[i+1 : i+3])
			b.WriteString(wordJoiner)
			i += 2
			lineStart = false
		}
	}
	return b.String()
}

func hasFoldPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// precededByLineStartDigits reports whether s[:i] ends with a line start
// followed only by spaces and at least one digit.
func precededByLineStartDigits(s string, i int) bool {
	j := i
	for j > 0 && s[j-1] >= '0' && s[j-1] <= '9' {
		j--
	}
	if j == i {
		return false
	}
	for j > 0 && (s[j-1] == ' ' || s[j-1] == '\t') {
		j--
	}
	return j == 0 || s[j-1] == '\n'
}

// cardMarkup translates the core's light markup (*bold*, _italic_, `code`)
// into card markdown (**bold**, _italic_, code left as is). A "*" in core
// text is always a bold delimiter; the pair may enclose an Esc span, which
// Expand hands to the escaper separately, so each "*" is doubled on its own.
func cardMarkup(s string) string {
	return strings.ReplaceAll(s, "*", "**")
}

// literal shows core text with no markup at all (titles, facts, captions):
// everything is escaped and Esc marks are removed.
func literal(text string) string {
	return chat.Expand(text, escapeCardMarkdown, escapeCardMarkdown)
}

// cardText expands a chat.Message text for a card: Esc spans escaped,
// core markup translated.
func cardText(text string) string {
	return chat.Expand(text, escapeCardMarkdown, cardMarkup)
}
