package slack

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/chat"
)

// decidedCard is the approval card after a denial with a hostile reason.
func decidedCard() chat.Message {
	return chat.Message{Title: "Temporary Access Pass request for Sarah Johnson",
		Text:  "⛔ Denied by *" + chat.Esc("Bob <@U0BOB> Approver") + "* at 14:02 UTC: " + chat.Esc(hostile),
		Facts: approvalCard().Facts[:3]}
}

// summaryMessage is the requester's summary before sending.
func summaryMessage() chat.Message {
	return chat.Message{Title: "Your request", Text: "Check the request and confirm it.",
		Facts: []chat.Fact{
			{Label: "New hire", Value: "Sarah Johnson (sarah.johnson@contoso.com)"},
			{Label: "Justification", Value: hostile},
		},
		Buttons: []chat.Button{
			{Action: chat.ActionSay, Label: "Confirm and send", Value: "yes", Style: chat.StylePrimary},
			{Action: chat.ActionSay, Label: "Cancel", Value: "cancel", Style: chat.StyleDanger},
		}}
}

// noticeMessage is a notice to the requester quoting an approver.
func noticeMessage() chat.Message {
	return chat.Message{Text: "Your request for *" + chat.Esc("Sarah Johnson") + "* was denied by " +
		chat.Esc("Bob @everyone") + ": " + chat.Esc(hostile), Note: "Request " + chat.Esc("req-1 evil.com")}
}

// statusMessage is the requester's status view of one request.
func statusMessage() chat.Message {
	return chat.Message{Text: "Your requests:",
		Facts:   []chat.Fact{{Label: "Sarah Johnson evil.com", Value: "pending — " + hostile}},
		Buttons: []chat.Button{{Action: chat.ActionCancel, Label: "Cancel request", Value: "req-1"}}}
}

// formWithErrors is the request form echoing hostile input in its errors.
func formWithErrors() *chat.Form {
	f := requestForm()
	f.Fields[0].Value = "https://evil.example"
	f.Fields[0].Error = "I can't find " + hostile + " in the directory."
	f.Fields[6].Error = "Too long: " + hostile
	return f
}

// textObject is a Block Kit text object found in rendered JSON.
type textObject struct {
	Type     string
	Text     string
	Verbatim bool
}

// textObjects returns every text object in a JSON document.
func textObjects(t *testing.T, v any) []textObject {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var out []textObject
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			typ, _ := x["type"].(string)
			text, isText := x["text"].(string)
			if isText && (typ == "mrkdwn" || typ == "plain_text") {
				verbatim, _ := x["verbatim"].(bool)
				out = append(out, textObject{Type: typ, Text: text, Verbatim: verbatim})
				return
			}
			for _, k := range sortedKeys(x) {
				walk(x[k])
			}
		}
	}
	walk(doc)
	return out
}

// liveMarkup names what in a text object Slack (or a client) would turn
// into a link, a mention or formatting. In plain_text, < and > are
// characters (Slack stores them escaped), so only mrkdwn is checked for
// Slack's <…> links and mentions.
func liveMarkup(o textObject) string {
	bad := []string{
		"https://", "http://", "evil.com", "evil.example", // addresses clients link
		"@here", "@channel", "@everyone", // broadcasts
		"*bold*", "~strike~", "_it_", "`code`", // formatting
	}
	if o.Type == "mrkdwn" {
		bad = append(bad, "<http", "<!channel>", "<!here>", "<@U") // manual links and mentions
	}
	for _, b := range bad {
		if strings.Contains(o.Text, b) {
			return b
		}
	}
	for _, line := range strings.Split(o.Text, "\n") {
		line = strings.TrimLeft(line, " \t")
		if strings.HasPrefix(line, "&gt;") || strings.HasPrefix(line, ">") {
			return "a quote"
		}
	}
	return ""
}

// readable undoes the invisible breaks, the look-alikes and the entities,
// giving back what a person reads.
func readable(s string) string {
	return strings.NewReplacer(wordJoiner, "", softHyphen, "", "∗", "*", "ˍ", "_", "∼", "~", "ˋ", "`",
		"&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// TestAttack_LiveLinksInSlackCards: requester- and approver-typed text on
// every Slack surface (approval card, decided card, summary, notice,
// status, modal, form errors, notification text) renders inert: every
// mrkdwn object is verbatim, and no text object holds a link, a mention,
// an address a client would link, formatting or a quote. The text stays
// readable, and the core's own markup still formats.
func TestAttack_LiveLinksInSlackCards(t *testing.T) {
	messages := map[string]chat.Message{
		"approval card": approvalCard(), "decided card": decidedCard(), "summary": summaryMessage(),
		"notice": noticeMessage(), "status": statusMessage(),
	}
	surfaces := map[string]any{
		"reveal modal": contentView(revealMessage()),
		"form errors":  formView(*formWithErrors(), "D0ALICE"),
	}
	for name, m := range messages {
		surfaces[name] = messageBlocks(m, false, maxBlocksMessage)
		surfaces[name+" notification"] = []textObject{{Type: "mrkdwn", Text: notifyText(m), Verbatim: true}}
	}
	for _, e := range formErrors(formWithErrors()) {
		surfaces["response_action error"] = []textObject{{Type: "plain_text", Text: e}}
	}
	for name, v := range surfaces {
		for _, o := range textObjects(t, v) {
			if o.Type == "mrkdwn" && !o.Verbatim {
				t.Errorf("%s: mrkdwn without verbatim (Slack links and mentions in it): %q", name, o.Text)
			}
			if bad := liveMarkup(o); bad != "" {
				t.Errorf("%s: %s object holds live %s: %q", name, o.Type, bad, o.Text)
			}
		}
	}
	all := readable(texts(mustJSON(t, messageBlocks(approvalCard(), false, maxBlocksMessage))))
	for _, want := range []string{hostile, "Sarah *Johnson* evil.com", "sarah.johnson@contoso.com"} {
		if !strings.Contains(all, want) {
			t.Errorf("the card does not show %q as typed:\n%s", want, all)
		}
	}
	if blocks := texts(mustJSON(t, messageBlocks(approvalCard(), false, maxBlocksMessage))); !strings.Contains(blocks, "*Alice Manager* asks") {
		t.Errorf("core markup lost its formatting:\n%s", blocks)
	}
}

// TestAttack_LiveLinksInSlackCards_OverTheWire: the approval card as the
// fake Slack API receives it through slack-go: verbatim mrkdwn, no live
// markup in blocks or the notification text, and no link previews.
func TestAttack_LiveLinksInSlackCards_OverTheWire(t *testing.T) {
	e := newEnv(t)
	if _, err := e.a.Send(context.Background(), chat.Address{Kind: chat.ToChannel}, approvalCard()); err != nil {
		t.Fatal(err)
	}
	calls := e.fake.Calls("chat.postMessage")
	if len(calls) != 1 {
		t.Fatalf("%d posts", len(calls))
	}
	args := calls[0].Args
	var blocks any
	if err := json.Unmarshal([]byte(args["blocks"]), &blocks); err != nil {
		t.Fatal(err)
	}
	for _, o := range append(textObjects(t, blocks), textObject{Type: "mrkdwn", Text: args["text"], Verbatim: true}) {
		if o.Type == "mrkdwn" && !o.Verbatim {
			t.Errorf("mrkdwn without verbatim: %q", o.Text)
		}
		if bad := liveMarkup(o); bad != "" {
			t.Errorf("%s object holds live %s: %q", o.Type, bad, o.Text)
		}
	}
	if args["unfurl_links"] != "false" || args["unfurl_media"] != "false" {
		t.Errorf("link previews not turned off: unfurl_links=%q unfurl_media=%q", args["unfurl_links"], args["unfurl_media"])
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestInert(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain words", "plain words"},
		{"snake_case and 2*3", "snake_case and 2*3"},
		{"*bold* _it_ ~s~ `c`", "∗bold∗ ˍitˍ ∼s∼ ˋcˋ"},
		{"https://evil.example/x", "https:" + wordJoiner + "//evil." + wordJoiner + "example/x"},
		{"evil.com, www.evil.co.uk", "evil." + wordJoiner + "com, www." + wordJoiner + "evil." + wordJoiner + "co." + wordJoiner + "uk"},
		{"sarah.johnson@contoso.com (sarah_j@contoso.com)", "sarah.johnson@contoso.com (sarah_j@contoso.com)"},
		{"evil.com/@x", "evil." + wordJoiner + "com/@x"},
		{"version 1.5", "version 1.5"},
		{"@here @Channel @everyone! @hereby", "@" + wordJoiner + "here @" + wordJoiner + "Channel @" + wordJoiner + "everyone! @hereby"},
		{"> quote\nno > quote\n  > again", softHyphen + "> quote\nno > quote\n  " + softHyphen + "> again"},
	} {
		if got := inert(tc.in); got != tc.want {
			t.Errorf("inert(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := inertMrkdwn("<!channel> & <https://x.example|y>"); got != "&lt;!channel&gt; &amp; &lt;https:"+wordJoiner+"//x."+wordJoiner+"example|y&gt;" {
		t.Errorf("inertMrkdwn = %q", got)
	}
}

// FuzzInert: whatever a user types, the mrkdwn form holds no Slack control
// character and no "://", and a reader still sees exactly what was typed.
func FuzzInert(f *testing.F) {
	f.Add(hostile)
	f.Add("sarah.johnson@contoso.com *x* a_b @here")
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsAny(s, "∗ˍ∼ˋ"+wordJoiner+softHyphen) {
			t.Skip("holds the characters inert itself inserts")
		}
		out := inertMrkdwn(s)
		if strings.ContainsAny(out, "<>") || strings.Contains(out, "://") {
			t.Fatalf("inertMrkdwn(%q) = %q is live", s, out)
		}
		if got := readable(out); got != s {
			t.Fatalf("reader sees %q, typed %q", got, s)
		}
	})
}
