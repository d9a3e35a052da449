package slack

import "strings"

// User text (names, justifications, reasons, anything a chat.Esc span or
// a chat.Fact value carries) is shown inert: no formatting, no link, no
// mention. Every mrkdwn text object is sent with verbatim: true, so Slack
// neither turns addresses into links nor words like @here into mentions;
// & < > are escaped, so no <url|label> link or <!channel> forms. On top of
// that, inert neutralises what verbatim does not cover (formatting
// markers, a leading quote) and what a client might still recognise
// (addresses, @here), for plain_text objects too: Slack documents
// plain_text as unformatted, but not every client agrees.

const (
	// wordJoiner is an invisible character; placed inside "://", a host
	// name's dots or "@here" it keeps clients from seeing an address or a
	// mention. Teams breaks addresses the same way.
	wordJoiner = "\u2060"
	// softHyphen is an invisible character; before a line's leading ">"
	// it keeps the line from being drawn as a quote.
	softHyphen = "\u00ad"
)

// lookAlikes replace mrkdwn's formatting markers, which Slack offers no
// escape for: ∗ (asterisk operator), ˍ (modifier low macron), ∼ (tilde
// operator), ˋ (modifier grave accent).
var lookAlikes = [256]string{'*': "∗", '_': "ˍ", '~': "∼", '`': "ˋ"}

// broadcasts are the words a client may turn into a channel-wide mention
// after "@".
var broadcasts = []string{"here", "channel", "everyone"}

// inert returns user text for a plain_text object, shown as typed except:
//   - a formatting marker (* _ ~ `) that could open or close a span, i.e.
//     one without an ASCII letter or digit on both sides, becomes its
//     look-alike ("snake_case" keeps its underscore, "*bold*" does not);
//   - "://" and a dot inside a host name ("evil.com") get a word joiner;
//     an e-mail address (a UPN) is left whole, so it stays exact to copy;
//   - "@here", "@channel" and "@everyone" get a word joiner after "@";
//   - a ">" starting a line gets a soft hyphen before it.
func inert(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	lineStart := true
	for i := 0; i < len(s); {
		if isSpace(s[i]) {
			b.WriteByte(s[i])
			if s[i] == '\n' {
				lineStart = true
			}
			i++
			continue
		}
		j := i
		for j < len(s) && !isSpace(s[j]) {
			j++
		}
		inertWord(&b, s, i, j, lineStart)
		lineStart = false
		i = j
	}
	return b.String()
}

// inertMrkdwn returns user text for a mrkdwn text object: inert, with
// Slack's control characters & < > escaped.
func inertMrkdwn(s string) string { return escapeMrkdwn(inert(s)) }

// inertWord writes the word s[from:to] made inert; the bytes around it in
// s decide whether a marker at its edge could format.
func inertWord(b *strings.Builder, s string, from, to int, lineStart bool) {
	email := isEmailAddress(s[from:to])
	for k := from; k < to; k++ {
		c := s[k]
		prev, next := byteAt(s, k-1), byteAt(s, k+1)
		switch {
		case lookAlikes[c] != "" && !(isASCIIAlnum(prev) && isASCIIAlnum(next)):
			b.WriteString(lookAlikes[c])
		case c == '>' && k == from && lineStart:
			b.WriteString(softHyphen + ">")
		case c == ':' && strings.HasPrefix(s[k+1:to], "//"):
			b.WriteString(":" + wordJoiner)
		case c == '.' && !email && isHostByte(prev) && isHostLetter(next):
			b.WriteString("." + wordJoiner)
		case c == '@' && broadcastFollows(s[k+1:to]):
			b.WriteString("@" + wordJoiner)
		default:
			b.WriteByte(c)
		}
	}
}

// isEmailAddress reports whether word, without surrounding punctuation,
// is shaped like an e-mail address: one "@", a dotted domain, and nothing
// that belongs to a URL.
func isEmailAddress(word string) bool {
	w := strings.Trim(word, `()[]{}<>,;:!?"'.`)
	at := strings.IndexByte(w, '@')
	return at > 0 && strings.Count(w, "@") == 1 && strings.Contains(w[at+1:], ".") && !strings.ContainsAny(w, `/\:?#%&=`)
}

func broadcastFollows(rest string) bool {
	for _, w := range broadcasts {
		if len(rest) >= len(w) && strings.EqualFold(rest[:len(w)], w) && !isASCIIAlnum(byteAt(rest, len(w))) {
			return true
		}
	}
	return false
}

// byteAt returns s[i], or 0 outside s.
func byteAt(s string, i int) byte {
	if i < 0 || i >= len(s) {
		return 0
	}
	return s[i]
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isHostByte reports whether c can end a host name label (a byte of a
// non-ASCII rune counts: internationalised names).
func isHostByte(c byte) bool { return isASCIIAlnum(c) || c == '-' || c >= 0x80 }

// isHostLetter reports whether c can start a top-level domain.
func isHostLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80 }
