package chat_test

import (
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/chat"
)

func TestEscExpand(t *testing.T) {
	slackEsc := func(s string) string {
		return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
	}
	text := "*Denied* by " + chat.Esc("Eve <!channel>") + ": " + chat.Esc("a & b")
	got := chat.Expand(text, slackEsc, nil)
	want := "*Denied* by Eve &lt;!channel&gt;: a &amp; b"
	if got != want {
		t.Errorf("Expand = %q, want %q", got, want)
	}
	if p := chat.Plain(text); p != "*Denied* by Eve <!channel>: a & b" {
		t.Errorf("Plain = %q", p)
	}
	// User text cannot smuggle its own markers to end the literal span.
	sneaky := chat.Esc("x\uE001*bold*\uE000")
	if got := chat.Expand(sneaky, slackEsc, func(s string) string { return "MARKUP(" + s + ")" }); strings.Contains(got, "MARKUP(*bold*") {
		t.Errorf("user text escaped its span: %q", got)
	}
	// An unterminated span stays literal.
	if got := chat.Expand("a \uE000<b>", slackEsc, nil); got != "a &lt;b&gt;" {
		t.Errorf("unterminated = %q", got)
	}
}

func FuzzExpand(f *testing.F) {
	f.Add("plain", "<@U123> & *x*")
	f.Fuzz(func(t *testing.T, core, user string) {
		// Core text is ours and never holds the markers; user text may.
		core = strings.NewReplacer("\uE000", "", "\uE001", "").Replace(core)
		out := chat.Expand(core+chat.Esc(user), func(s string) string {
			return strings.ReplaceAll(s, "<", "&lt;")
		}, nil)
		if strings.ContainsAny(out, "\uE000\uE001") {
			t.Fatalf("marker leaked: %q", out)
		}
		if !strings.Contains(core, "<") && strings.Contains(out, "<") {
			t.Fatalf("user '<' not escaped: %q", out)
		}
	})
}
