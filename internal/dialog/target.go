package dialog

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// Entra's limits for a userPrincipalName: 64 characters before the @, 48
// after it, 113 in all.
const (
	maxLocal  = 64
	maxDomain = 48
	maxUPN    = 113
)

// hiddenRune reports whether r is a bidi control or an invisible
// character that can make one address look like another.
func hiddenRune(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069: // bidi embeddings, overrides, isolates
		return true
	case r >= 0x200B && r <= 0x200F: // zero-width space/non-joiner/joiner, LRM, RLM
		return true
	case r == 0x061C, r == 0x2060, r == 0xFEFF, r == 0x180E, r == 0x00AD, r == 0x034F:
		return true
	case r >= 0x2061 && r <= 0x2064: // invisible operators
		return true
	}
	return false
}

// ParseTarget checks that s is a userPrincipalName or e-mail address the
// way Entra allows one and returns it trimmed and NFKC-normalised. Slack's
// <mailto:a@b|a@b> form is unwrapped. Bidi controls and zero-width
// characters are refused, as are non-ASCII characters left after NFKC
// (look-alike letters). Errors are *tap.Refusal wrapping
// tap.ErrInvalidInput.
func ParseTarget(s string) (string, error) {
	for _, r := range s {
		if hiddenRune(r) {
			return "", tap.Refuse(tap.ErrInvalidInput, text.DialogTargetHidden)
		}
	}
	s = strings.TrimSpace(norm.NFKC.String(s))
	s = unwrapMailto(s)
	s = strings.TrimRight(strings.Trim(s, "<>\"`()[]"), ".,;:!?")
	if s == "" {
		return "", tap.Refuse(tap.ErrInvalidInput, text.DialogTargetEmpty)
	}
	if !utf8.ValidString(s) {
		return "", tap.Refuse(tap.ErrInvalidInput, fmtTargetSyntax(s))
	}
	for _, r := range s {
		if r > 0x7e || r < 0x21 {
			if r > 0x7e && r != utf8.RuneError {
				return "", tap.Refuse(tap.ErrInvalidInput, fmtTargetNonASCII(s))
			}
			return "", tap.Refuse(tap.ErrInvalidInput, fmtTargetSyntax(s))
		}
	}
	if len(s) > maxUPN {
		return "", tap.Refuse(tap.ErrInvalidInput, fmtTargetTooLong(len(s)))
	}
	at := strings.IndexByte(s, '@')
	if at < 0 || strings.Count(s, "@") != 1 {
		return "", tap.Refuse(tap.ErrInvalidInput, fmtTargetSyntax(s))
	}
	local, domain := s[:at], s[at+1:]
	if !validLocal(local) || !validDomain(domain) {
		return "", tap.Refuse(tap.ErrInvalidInput, fmtTargetSyntax(s))
	}
	if len(local) > maxLocal || len(domain) > maxDomain {
		return "", tap.Refuse(tap.ErrInvalidInput, fmtTargetTooLong(len(s)))
	}
	return s, nil
}

// unwrapMailto drops a pasted "mailto:" prefix.
func unwrapMailto(s string) string {
	if len(s) > 7 && strings.EqualFold(s[:7], "mailto:") {
		return s[7:]
	}
	return s
}

// validLocal checks the part before the @: the characters Entra allows in
// a UPN plus '+' for e-mail addresses; no leading, trailing or double dot.
func validLocal(l string) bool {
	if l == "" || l[0] == '.' || l[len(l)-1] == '.' || strings.Contains(l, "..") {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("'.-_!#^~+", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validDomain checks a DNS name with at least two labels.
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	last := labels[len(labels)-1]
	for i := 0; i < len(last); i++ {
		if last[i] < '0' || last[i] > '9' {
			return true
		}
	}
	return false // all-numeric top-level label: an IP address, not a domain
}
