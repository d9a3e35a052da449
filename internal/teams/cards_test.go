package teams

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// goldenMessages are the card shapes the flow uses; every one is written
// to testdata/cards/<name>.json and parsed by the Adaptive Cards SDK in CI
// (e2e/playground/check-cards.mjs).
func goldenMessages() []struct {
	name    string
	msg     chat.Message
	private bool
} {
	justification := "Starts Monday *urgent* [click](https://evil.example) <b>x</b> _y_ `z` www.evil.example"
	return []struct {
		name    string
		msg     chat.Message
		private bool
	}{
		{"welcome", chat.Message{
			Title: "Hi, I am tapbot",
			Text:  "I request *Temporary Access Passes* for new hires.\nType `request` to start, `help` for more.",
			Buttons: []chat.Button{
				{Action: chat.ActionOpen, Label: "Request a pass", Style: chat.StylePrimary},
			},
		}, false},
		{"request_form", chat.Message{
			Title: "Request a Temporary Access Pass",
			Form: &chat.Form{
				ID: chat.FormRequest, Submit: "Send request", State: "sess-1",
				Fields: []chat.Field{
					{ID: "target", Label: "New hire (e-mail)", Kind: chat.FieldText, Placeholder: "sarah.johnson@contoso.com", Error: "No user " + chat.Esc("bob*@x") + " in the directory."},
					{ID: "start", Label: "Start", Kind: chat.FieldDateTime, Value: "2026-12-01T08:00"},
					{ID: "zone", Label: "Time zone", Kind: chat.FieldSelect, Value: "Europe/Berlin", Options: []chat.Option{{Value: "Europe/Berlin", Label: "Berlin"}, {Value: "America/New_York", Label: "New York"}}},
					{ID: "lifetime", Label: "Lifetime (minutes)", Kind: chat.FieldNumber, Value: "480"},
					{ID: "one_time", Label: "One-time use", Kind: chat.FieldToggle, Optional: true},
					{ID: "justification", Label: "Justification", Kind: chat.FieldTextArea, Optional: true},
				},
			},
		}, false},
		{"approval", chat.Message{
			Title: "Pass requested for " + chat.Esc("Sarah Johnson"),
			Text:  "*" + chat.Esc("Megan Bowen") + "* asks for a pass.\nJustification: " + chat.Esc(justification),
			Facts: []chat.Fact{
				{Label: "New hire", Value: "Sarah Johnson <sarah.johnson@contoso.com>"},
				{Label: "Starts", Value: "Mon 1 Dec 08:00 (Europe/Berlin)"},
				{Label: "Lifetime", Value: "8 h, reusable"},
				{Label: "Reason", Value: "[onboarding](javascript:alert(1))"},
			},
			Buttons: []chat.Button{
				{Action: chat.ActionApprove, Label: "Approve", Value: "req-1", Style: chat.StylePrimary},
				{Action: chat.ActionDeny, Label: "Deny", Value: "req-1", Style: chat.StyleDanger},
			},
			Note: "Request req-1 · only approvers may decide",
		}, false},
		{"approval_refresh", chat.Message{
			Title: "Temporary Access Pass request for " + chat.Esc("Sarah Johnson"),
			Text:  "Waiting for a second approver: " + chat.Esc("Irvin Sayers") + " approved.",
			Buttons: []chat.Button{
				{Action: chat.ActionApprove, Label: "Approve", Value: "req-1", Style: chat.StylePrimary},
				{Action: chat.ActionDeny, Label: "Deny", Value: "req-1", Style: chat.StyleDanger},
			},
			Personal: &chat.Personal{Action: chat.ActionRefresh, Value: "req-1", Viewers: []tap.UserID{"megan", "irvin"}},
		}, false},
		{"decided", chat.Message{
			Title: "Approved",
			Text:  "Approved by *" + chat.Esc("Alex Wilber") + "* at 13:05 UTC.",
			Facts: []chat.Fact{{Label: "New hire", Value: "Sarah Johnson"}},
		}, false},
		{"deny_reason", chat.Message{
			Form: &chat.Form{ID: chat.FormDeny, Title: "Deny the request", Submit: "Deny", State: "req-1",
				Fields: []chat.Field{{ID: "reason", Label: "Reason", Kind: chat.FieldTextArea}}},
		}, false},
		{"reveal_ready", chat.Message{
			Title: "Approved — your pass is ready",
			Text:  "Reveal it when you are with " + chat.Esc("Sarah Johnson") + ". It is shown once.",
			Buttons: []chat.Button{
				{Action: chat.ActionReveal, Label: "Reveal pass", Value: "req-1", Style: chat.StylePrimary},
				{Action: chat.ActionRevoke, Label: "Revoke", Value: "req-1", Style: chat.StyleDanger, Confirm: "Revoke the pass for " + chat.Esc("Sarah Johnson") + "?"},
			},
		}, false},
		{"pass", chat.Message{
			Title:     "Temporary Access Pass for " + chat.Esc("Sarah Johnson"),
			Secret:    tap.NewSecret("4j6-$8*h_2"),
			SecretCap: "Temporary Access Pass",
			Text:      "Valid from *Mon 1 Dec 08:00* (Europe/Berlin) for 8 hours.\n\n- Sign in to Windows with the pass\n- Set up Windows Hello for Business\n- Then tell me `done`",
			Note:      "This card is visible only to you and disappears when you leave the chat.",
		}, true},
		{"notice", chat.Message{Text: "This action was already handled."}, false},
	}
}

func TestGoldenCards(t *testing.T) {
	for _, tc := range goldenMessages() {
		t.Run(tc.name, func(t *testing.T) {
			c, err := renderCard(tc.msg, tc.private)
			if err != nil {
				t.Fatal(err)
			}
			if tc.msg.Personal != nil { // the viewers' Teams ids, as the store gives them
				c.Refresh = refreshCard(tc.msg.Personal, []string{"29:1bSnHZ7Js2STWrgk6ScEErLk1Lp2zQuD5H2qQ960rtvstKp8tKLl", "29:9xQ2irvin"})
			}
			got, err := json.MarshalIndent(c, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "cards", tc.name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGoldenCards -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("card %s differs from %s (go test -update to accept):\n%s", tc.name, path, got)
			}
		})
	}
}

func TestSecretOnlyOnPrivateCard(t *testing.T) {
	m := chat.Message{Title: "x", Secret: tap.NewSecret("S3cr3t-Value")}
	if _, err := renderCard(m, false); !errors.Is(err, errSecretNotAllowed) {
		t.Fatalf("persisted card with secret: err = %v, want errSecretNotAllowed", err)
	}
	c, err := renderCard(m, true)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(c)
	if !strings.Contains(string(b), `"fontType":"Monospace","size":"ExtraLarge","text":"S3cr3t-Value","type":"TextRun"`) {
		t.Fatalf("private card does not show the pass verbatim in monospace: %s", b)
	}
}

func TestUserTextCannotInjectMarkdown(t *testing.T) {
	c, err := renderCard(chat.Message{Text: "Reason: " + chat.Esc("[win](https://evil.example) **bold** <at>x</at>\n# head\n- item\n1. one")}, false)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, el := range c.Body {
		texts = append(texts, el["text"].(string))
	}
	all := strings.Join(texts, "\n")
	for _, bad := range []string{"[win]", " [win", "**bold**", "<at>", "https://evil", "\n# ", "\n- ", "\n1. "} {
		if strings.Contains("\n"+all, bad) {
			t.Errorf("escaped text still contains %q: %q", bad, all)
		}
	}
	if !strings.Contains(all, `\[win\]`) || !strings.Contains(all, `\*\*bold\*\*`) {
		t.Errorf("user text not shown literally: %q", all)
	}
	c, _ = renderCard(chat.Message{Text: "*" + chat.Esc("Megan *B*") + "* asks"}, false)
	if got := c.Body[0]["text"]; got != `**Megan \*B\*** asks` {
		t.Errorf("bold around escaped text = %q", got)
	}
	if false {
		t.Errorf("user text not shown literally: %q", all)
	}
}

func TestCoreMarkupTranslated(t *testing.T) {
	for in, want := range map[string]string{
		"*bold* and _it_": "**bold** and _it_",
		"*x* *y*":         "**x** **y**",
		"no markup":       "no markup",
	} {
		if got := cardMarkup(in); got != want {
			t.Errorf("cardMarkup(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEscapeCardMarkdown(t *testing.T) {
	for in, want := range map[string]string{
		"plain text":           "plain text",
		"a*b_c":                `a\*b\_c`,
		"- item":               `\- item`,
		"x - y":                "x - y",
		"12. twelve":           `12\. twelve`,
		"v1.2":                 "v1.2",
		"https://x.example/":   "https:" + wordJoiner + "//x.example/",
		"see www.x.example":    "see www" + wordJoiner + ".x.example",
		"<script>":             `\<script\>`,
		"back\\slash":          `back\\slash`,
		"line\r\n# heading":    "line\n\\# heading",
		"[a](javascript:x())!": `\[a\](javascript:x())!`,
		"# not heading":        `\# not heading`,
		"issue #5":             "issue #5",
	} {
		if got := escapeCardMarkdown(in); got != want {
			t.Errorf("escapeCardMarkdown(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormFieldsJoinDateTime(t *testing.T) {
	got := formFields(map[string]any{
		"form": "f", "state": "s", "msteams": map[string]any{},
		"start_date": "2026-12-01", "start_time": "08:00",
		"lifetime": float64(480), "one_time": true, "target": "sarah",
	})
	want := map[string]string{"start": "2026-12-01T08:00", "lifetime": "480", "one_time": "true", "target": "sarah"}
	if len(got) != len(want) {
		t.Fatalf("fields = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("field %s = %q, want %q", k, got[k], v)
		}
	}
}

func TestNoEscMarksInCards(t *testing.T) {
	for _, tc := range goldenMessages() {
		c, err := renderCard(tc.msg, tc.private)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(c)
		if strings.ContainsAny(string(b), "\uE000\uE001") {
			t.Errorf("%s: card carries chat.Esc marks: %s", tc.name, b)
		}
	}
}
