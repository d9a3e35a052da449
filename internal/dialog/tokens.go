package dialog

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one word of a message: raw keeps the user's spelling (trailing
// punctuation removed), w is its lower-case form, off its byte offset in
// the message and colon whether a ':' followed it.
type token struct {
	raw   string
	w     string
	off   int
	colon bool
}

// reRangeToken is a range of two clocks written as one word.
var reRangeToken = regexp.MustCompile(`(?i)^(\d{1,2}(?::\d{2})?(?:am|pm)?)([-–—])(\d{1,2}(?::\d{2})?(?:am|pm)?)$`)

// isSep reports whether r separates words.
func isSep(r rune) bool {
	if unicode.IsSpace(r) {
		return true
	}
	switch r {
	case ',', ';', '(', ')', '!', '?', '"', '\u201c', '\u201d', '[', ']':
		return true
	}
	return false
}

// tokenize splits s into words.
func tokenize(s string) []token {
	var toks []token
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		raw := s[start:end]
		colon := false
		for len(raw) > 0 {
			last := raw[len(raw)-1]
			if last == ':' {
				colon = true
			}
			if last == '.' || last == ':' || last == '\'' {
				raw = raw[:len(raw)-1]
				continue
			}
			break
		}
		if m := reRangeToken.FindStringSubmatchIndex(raw); m != nil && !colon {
			// "1pm-2pm", "9–17": a range written as one word
			for k := 1; k <= 3; k++ {
				part := raw[m[2*k]:m[2*k+1]]
				toks = append(toks, token{raw: part, w: strings.ToLower(part), off: start + m[2*k]})
			}
		} else if raw != "" {
			toks = append(toks, token{raw: raw, w: strings.ToLower(raw), off: start, colon: colon})
		}
		start = -1
	}
	for i, r := range s {
		if isSep(r) {
			flush(i)
			continue
		}
		if start < 0 {
			start = i
		}
	}
	flush(len(s))
	return toks
}

// words returns the lower-case words of toks joined by single spaces.
func words(toks []token) string {
	ws := make([]string, len(toks))
	for i, t := range toks {
		ws[i] = t.w
	}
	return strings.Join(ws, " ")
}

// matchPhrase reports how many tokens starting at i spell phrase (a
// space-separated lower-case phrase), or 0. Words of six letters or more
// may carry one typo.
func matchPhrase(toks []token, i int, phrase string) int {
	ps := strings.Fields(phrase)
	if i+len(ps) > len(toks) {
		return 0
	}
	for k, p := range ps {
		if !sameWord(toks[i+k].w, p) {
			return 0
		}
	}
	return len(ps)
}

// sameWord compares a typed word with a known word, forgiving one typo
// (insertion, deletion, substitution or swap) in words of six letters or
// more (shorter ones are too close to other words: "rest" and "reset").
func sameWord(typed, known string) bool {
	if typed == known {
		return true
	}
	if utf8.RuneCountInString(known) < 6 || utf8.RuneCountInString(typed) < 5 {
		return false
	}
	return editDistance(typed, known, 1) <= 1
}

// editDistance is the optimal-string-alignment distance between a and b,
// giving up (returning max+1) once it exceeds max.
func editDistance(a, b string, max int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > max || -d > max {
		return max + 1
	}
	if len(ra) > 64 || len(rb) > 64 {
		return max + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			best = min(best, v)
		}
		if best > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// numberWords are the spelled-out numbers people use for hours and days.
var numberWords = map[string]int{
	"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
	"seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
	"fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45,
	"sixty": 60, "ninety": 90, "twenty-four": 24, "thirty-six": 36, "forty-eight": 48,
	"seventy-two": 72,
}

// fillers are words that carry no slot value and may be ignored.
var fillers = map[string]bool{
	"a": true, "an": true, "the": true, "for": true, "at": true, "on": true, "from": true,
	"starting": true, "start": true, "starts": true, "beginning": true, "begin": true, "by": true,
	"please": true, "pls": true, "plz": true, "tap": true, "pass": true, "temporary": true,
	"access": true, "need": true, "i": true, "i'd": true, "we": true, "want": true, "like": true,
	"would": true, "could": true, "can": true, "you": true, "get": true, "give": true, "me": true,
	"create": true, "issue": true, "make": true, "it": true, "set": true, "to": true, "and": true,
	"with": true, "valid": true, "lasting": true, "of": true, "in": true, "is": true, "be": true,
	"should": true, "use": true, "actually": true, "sorry": true, "oh": true, "hi": true,
	"hello": true, "hey": true, "thanks": true, "thank": true, "new": true, "request": true,
	"her": true, "his": true, "their": true, "them": true, "him": true, "she": true, "he": true,
	"they": true, "time": true, "morning": true, "first": true, "thing": true, "-": true,
	"&": true, "+": true, "hire": true, "user": true, "account": true, "my": true, "our": true,
	"wait": true, "it's": true, "its": true, "i'm": true, "we're": true, "she's": true, "he's": true, "instead": true, "let's": true, "lets": true, "do": true, "go": true,
	"change": true, "which": true, "who": true, "will": true, "that": true, "this": true,
	"one": true, "just": true, "so": true, "ok": true, "okay": true, "um": true, "hmm": true,
	"as": true, "well": true, "also": true, "then": true, "employee": true, "starter": true, "/tap": true,
}
