package chat

import "strings"

// User-supplied text inside Message.Text is wrapped in these private-use
// runes by Esc, so each adapter escapes exactly those spans for its markup.
const (
	escOpen  = '\uE000'
	escClose = '\uE001'
)

// Esc marks s as user-supplied text to be shown literally (no markup, no
// mentions, no links). Use it when interpolating user text into
// Message.Text. Facts values are always literal and need no Esc.
func Esc(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == escOpen || r == escClose {
			return -1
		}
		return r
	}, s)
	return string(escOpen) + s + string(escClose)
}

// Expand rewrites text for a platform: spans marked by Esc are passed
// through escape; the rest (core-authored markup) through markup (nil
// keeps it as is).
func Expand(text string, escape, markup func(string) string) string {
	if markup == nil {
		markup = func(s string) string { return s }
	}
	var b strings.Builder
	for {
		i := strings.IndexRune(text, escOpen)
		if i < 0 {
			b.WriteString(markup(text))
			return b.String()
		}
		b.WriteString(markup(text[:i]))
		rest := text[i+len(string(escOpen)):]
		j := strings.IndexRune(rest, escClose)
		if j < 0 {
			b.WriteString(escape(rest))
			return b.String()
		}
		b.WriteString(escape(rest[:j]))
		text = rest[j+len(string(escClose)):]
	}
}

// Plain returns text with Esc marks removed and no escaping, for logs and
// plain-text transcripts.
func Plain(text string) string {
	return Expand(text, func(s string) string { return s }, nil)
}
