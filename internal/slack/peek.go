package slack

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// peek is what tapbot reads of an interaction payload before the ack: the
// type, and for block_actions everything the click event needs. It is read
// by a small scanner that skips the rest (a block_actions payload carries
// the whole message the button sits on), so a click is verified,
// de-duplicated and acknowledged with one cheap pass over the bytes.
//
// The scanner follows encoding/json's rules where they matter: keys match
// case-insensitively, the last duplicate wins, null leaves a field as it
// is (and clears a pointer), invalid UTF-8 becomes U+FFFD. FuzzPeek holds
// it to that.
type peek struct {
	typ, trigger           string
	team, enterprise       string
	user, userName, userTm string
	channel, containerCh   string
	messageTS              string
	actionID, actionTS     string
	value, selected        string
	hasSelected            bool
}

// peekInteraction scans raw for the fields of peek. It reports false for
// anything that is not a well-formed JSON object or has a wrong type in a
// field it reads.
func peekInteraction(raw []byte) (peek, bool) {
	var p peek
	l := lexer{b: raw}
	ok := l.object(func(k []byte) bool {
		switch {
		case is(k, "type"):
			return l.str(&p.typ)
		case is(k, "trigger_id"):
			return l.str(&p.trigger)
		case is(k, "team"):
			return l.fields(field{"id", &p.team})
		case is(k, "enterprise"):
			if l.peekByte() == 'n' {
				p.enterprise = ""
				return l.literal("null")
			}
			return l.fields(field{"id", &p.enterprise})
		case is(k, "user"):
			return l.fields(field{"id", &p.user}, field{"name", &p.userName}, field{"team_id", &p.userTm})
		case is(k, "channel"):
			return l.fields(field{"id", &p.channel})
		case is(k, "container"):
			return l.fields(field{"channel_id", &p.containerCh}, field{"message_ts", &p.messageTS})
		case is(k, "actions"):
			return l.actions(&p)
		}
		return l.skip()
	})
	l.ws()
	return p, ok && l.i == len(l.b)
}

// actions reads the first element of the actions array.
func (l *lexer) actions(p *peek) bool {
	if l.peekByte() == 'n' {
		p.actionID, p.actionTS, p.value, p.selected, p.hasSelected = "", "", "", "", false
		return l.literal("null")
	}
	// A repeated "actions" key replaces the slice: start afresh.
	p.actionID, p.actionTS, p.value, p.selected, p.hasSelected = "", "", "", "", false
	first := true
	return l.array(func() bool {
		if !first {
			return l.skip()
		}
		first = false
		if l.peekByte() == 'n' {
			return l.literal("null")
		}
		return l.object(func(k []byte) bool {
			switch {
			case is(k, "action_id"):
				return l.str(&p.actionID)
			case is(k, "action_ts"):
				return l.str(&p.actionTS)
			case is(k, "value"):
				return l.str(&p.value)
			case is(k, "selected_option"):
				if l.peekByte() == 'n' {
					p.hasSelected, p.selected = false, ""
					return l.literal("null")
				}
				p.hasSelected = true
				return l.fields(field{"value", &p.selected})
			}
			return l.skip()
		})
	})
}

// is matches a JSON key to a field name (lower-case ASCII) as
// encoding/json does: case-insensitively, Unicode folding included.
func is(key []byte, name string) bool {
	if len(key) == len(name) {
		i := 0
		for ; i < len(key); i++ {
			c := key[i]
			if c >= utf8.RuneSelf {
				break
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != name[i] {
				return false
			}
		}
		if i == len(key) {
			return true
		}
	}
	return !isASCII(key) && strings.EqualFold(string(key), name)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// field names a string field of an object and where to put it.
type field struct {
	name string
	dst  *string
}

// fields reads the named string fields of an object (or null: no-op).
func (l *lexer) fields(refs ...field) bool {
	if l.peekByte() == 'n' {
		return l.literal("null")
	}
	return l.object(func(k []byte) bool {
		for _, f := range refs {
			if is(k, f.name) {
				return l.str(f.dst)
			}
		}
		return l.skip()
	})
}

// lexer is a minimal JSON scanner over b.
type lexer struct {
	b     []byte
	i     int
	depth int
}

// maxDepth bounds nesting, so a hostile body cannot recurse without end.
const maxDepth = 64

func (l *lexer) ws() {
	for l.i < len(l.b) {
		switch l.b[l.i] {
		case ' ', '\t', '\n', '\r':
			l.i++
		default:
			return
		}
	}
}

// peekByte returns the next non-space byte (0 at the end).
func (l *lexer) peekByte() byte {
	l.ws()
	if l.i >= len(l.b) {
		return 0
	}
	return l.b[l.i]
}

func (l *lexer) expect(c byte) bool {
	if l.peekByte() != c {
		return false
	}
	l.i++
	return true
}

// rawString returns the raw bytes of a string (without quotes) and whether
// it holds escapes.
func (l *lexer) rawString() ([]byte, bool, bool) {
	if !l.expect('"') {
		return nil, false, false
	}
	start, esc := l.i, false
	for l.i < len(l.b) {
		switch c := l.b[l.i]; {
		case c == '\\':
			esc = true
			if l.i+1 >= len(l.b) {
				return nil, false, false
			}
			switch l.b[l.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				l.i += 2
			case 'u':
				if l.i+6 > len(l.b) || !isHex4(l.b[l.i+2:l.i+6]) {
					return nil, false, false
				}
				l.i += 6
			default:
				return nil, false, false
			}
		case c == '"':
			s := l.b[start:l.i]
			l.i++
			return s, esc, true
		case c < 0x20:
			return nil, false, false
		default:
			l.i++
		}
	}
	return nil, false, false
}

// str reads a string into dst; null leaves dst empty.
func (l *lexer) str(dst *string) bool {
	if l.peekByte() == 'n' {
		return l.literal("null")
	}
	s, esc, ok := l.rawString()
	if !ok {
		return false
	}
	if !esc && utf8.Valid(s) {
		*dst = string(s)
		return true
	}
	return json.Unmarshal(l.b[l.i-len(s)-2:l.i], dst) == nil
}

func (l *lexer) literal(word string) bool {
	l.ws()
	if !bytes.HasPrefix(l.b[l.i:], []byte(word)) {
		return false
	}
	l.i += len(word)
	return true
}

// object iterates an object's keys; each call must consume the value.
// key reads an object key. The bytes alias the input unless the key
// needed unescaping.
func (l *lexer) key() ([]byte, bool) {
	s, esc, ok := l.rawString()
	if !ok {
		return nil, false
	}
	if !esc && utf8.Valid(s) {
		return s, true
	}
	var k string
	if json.Unmarshal(l.b[l.i-len(s)-2:l.i], &k) != nil {
		return nil, false
	}
	return []byte(k), true
}

func (l *lexer) object(member func(key []byte) bool) bool {
	if l.depth++; l.depth > maxDepth || !l.expect('{') {
		return false
	}
	defer func() { l.depth-- }()
	if l.expect('}') {
		return true
	}
	for {
		k, ok := l.key()
		if !ok || !l.expect(':') || !member(k) {
			return false
		}
		if l.expect('}') {
			return true
		}
		if !l.expect(',') {
			return false
		}
	}
}

// array iterates an array's elements; each call must consume the element.
func (l *lexer) array(elem func() bool) bool {
	if l.depth++; l.depth > maxDepth || !l.expect('[') {
		return false
	}
	defer func() { l.depth-- }()
	if l.expect(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if l.expect(']') {
			return true
		}
		if !l.expect(',') {
			return false
		}
	}
}

// skip consumes one value of any kind.
func (l *lexer) skip() bool {
	switch c := l.peekByte(); {
	case c == '{':
		return l.object(func([]byte) bool { return l.skip() })
	case c == '[':
		return l.array(l.skip)
	case c == '"':
		_, _, ok := l.rawString()
		return ok
	case c == 't':
		return l.literal("true")
	case c == 'f':
		return l.literal("false")
	case c == 'n':
		return l.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return l.number()
	}
	return false
}

// number consumes -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (l *lexer) number() bool {
	l.accept('-')
	if !l.accept('0') && l.digits() == 0 { // no leading zeros
		return false
	}
	if l.accept('.') && l.digits() == 0 {
		return false
	}
	if l.accept('e') || l.accept('E') {
		if !l.accept('+') {
			l.accept('-')
		}
		if l.digits() == 0 {
			return false
		}
	}
	return true
}

func (l *lexer) accept(c byte) bool {
	if l.i < len(l.b) && l.b[l.i] == c {
		l.i++
		return true
	}
	return false
}

func (l *lexer) digits() int {
	n := 0
	for l.i < len(l.b) && l.b[l.i] >= '0' && l.b[l.i] <= '9' {
		l.i++
		n++
	}
	return n
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
