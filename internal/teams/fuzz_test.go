package teams

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/chat"
)

// FuzzEscapeCardMarkdown checks that escaped user text has every markdown
// special character backslash-escaped and no bare web address.
func FuzzEscapeCardMarkdown(f *testing.F) {
	for _, s := range []string{"[x](https://e.example)", "**b** _i_ `c` ~s~", "<at>x</at>", "1. a\n- b\n# c", `\*`, "www.x.y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := escapeCardMarkdown(s)
		if strings.Contains(out, "://") || strings.Contains(strings.ToLower(out), "www.") {
			t.Fatalf("bare address survives: %q -> %q", s, out)
		}
		for i := 0; i < len(out); i++ {
			if !strings.ContainsRune("*_`~[]<>", rune(out[i])) {
				continue
			}
			n := 0
			for j := i - 1; j >= 0 && out[j] == '\\'; j-- {
				n++
			}
			if n%2 == 0 {
				t.Fatalf("unescaped %q at %d: %q -> %q", out[i], i, s, out)
			}
		}
	})
}

// FuzzActivityMapping feeds arbitrary activity values to the mapping; it
// must not panic and must never produce an event without a kind.
func FuzzActivityMapping(f *testing.F) {
	f.Add(`{"type":"invoke","name":"adaptiveCard/action","value":{"action":{"verb":"v","data":{"form":"f","x_date":"2026-01-01","x_time":"08:00"}}}}`)
	f.Add(`{"type":"message","text":"<at>bot</at> hi","value":{"action":"a","value":1}}`)
	f.Add(`{"type":"conversationUpdate","membersAdded":[{"id":"b"}],"recipient":{"id":"b"}}`)
	a := &Adapter{cfg: Config{TenantID: "t"}}
	f.Fuzz(func(t *testing.T, raw string) {
		var act activity
		if json.Unmarshal([]byte(raw), &act) != nil {
			return
		}
		ev, ok := a.event(&act)
		if ok && ev.Kind == "" {
			t.Fatalf("event without kind from %s", raw)
		}
		if ok && ev.Kind == chat.KindForm && ev.Fields == nil {
			t.Fatalf("form event without fields from %s", raw)
		}
	})
}
