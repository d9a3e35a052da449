package slack

import (
	"regexp"
	"strings"
)

// reSlackLink is one of Slack's angle-bracket forms in message text:
// <@U123>, <#C123|general>, <!here>, <mailto:a@b|a@b>, <https://x|label>.
var reSlackLink = regexp.MustCompile(`<([^<>]*)>`)

// entityDecoder undoes the three entities Slack escapes in text.
var entityDecoder = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// unwrapText turns Slack's wire text back into what the person typed:
// links and e-mail addresses become their label (what was on screen),
// user mentions are dropped (the bot's own, or a person the dialog
// cannot use), channels become #name, and &lt; &gt; &amp; become < > &.
func unwrapText(s string) string {
	s = reSlackLink.ReplaceAllStringFunc(s, func(m string) string {
		inner := m[1 : len(m)-1]
		target, label, hasLabel := strings.Cut(inner, "|")
		switch {
		case strings.HasPrefix(target, "@"):
			return ""
		case strings.HasPrefix(target, "#"):
			if hasLabel {
				return "#" + label
			}
			return target
		case strings.HasPrefix(target, "!"):
			if hasLabel {
				return label
			}
			return "@" + strings.TrimPrefix(target, "!")
		case hasLabel:
			return label
		}
		return strings.TrimPrefix(target, "mailto:")
	})
	return strings.TrimSpace(entityDecoder.Replace(s))
}
