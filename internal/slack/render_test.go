package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/internal/chat"
)

var update = flag.Bool("update", false, "rewrite the golden Block Kit files in testdata/")

// hostile is user text that is live markup in mrkdwn: a URL, a labelled
// link, a bare domain Slack would link, formatting, broadcasts, a user
// mention and a quote.
const hostile = "see https://evil.example/login or <https://evil.example|Click to approve>, evil.com " +
	"*bold* ~strike~ _it_ `code` <!channel> @here <@U123>\n> quoted"

// approvalCard is an approval card with hostile user text in every place
// user text goes: title, sentence, facts and the confirmation.
func approvalCard() chat.Message {
	return chat.Message{
		Title: "Temporary Access Pass request for Sarah *Johnson* evil.com",
		Text: "*" + chat.Esc("Alice Manager") + "* asks for a pass for *" + chat.Esc("Sarah Johnson") + "*.\n" +
			"Justification: " + chat.Esc(hostile),
		Facts: []chat.Fact{
			{Label: "Target", Value: "Sarah Johnson (sarah.johnson@contoso.com), Sales"},
			{Label: "Requester", Value: "Alice @channel Manager (evil.com)"},
			{Label: "Start", Value: "Mon 1 Dec 08:00 CET (07:00 UTC)"},
			{Label: "Lifetime", Value: "8 hours"},
			{Label: "One-time", Value: "No"},
			{Label: "Reason", Value: "Onboarding"},
			{Label: "Justification", Value: hostile},
			{Label: "Warning", Value: "Approving replaces a live pass <!here>"},
		},
		Buttons: []chat.Button{
			{Action: chat.ActionApprove, Label: "Approve", Value: "req-1", Style: chat.StylePrimary, Confirm: "Create a pass for Sarah *Johnson* evil.com now?"},
			{Action: chat.ActionDeny, Label: "Deny", Value: "req-1", Style: chat.StyleDanger},
		},
		Note: "Request req-1 · expires in 24 h if nobody decides",
	}
}

func golden(t *testing.T, name string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	// The invisible characters that keep user text inert are written as
	// JSON escapes, so a reviewer sees them in the golden files.
	got := []byte(strings.NewReplacer(wordJoiner, `\u2060`, softHyphen, `\u00ad`).Replace(buf.String()))
	path := filepath.Join("testdata", name+".json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file; got:\n%s", path, got)
	}
}

func TestGoldenBlockKit(t *testing.T) {
	golden(t, "approval_card", messageBlocks(approvalCard(), false, maxBlocksMessage))
	golden(t, "approval_card_decided", messageBlocks(decidedCard(), false, maxBlocksMessage))
	golden(t, "summary", messageBlocks(summaryMessage(), false, maxBlocksMessage))
	golden(t, "notice", messageBlocks(noticeMessage(), false, maxBlocksMessage))
	golden(t, "status", messageBlocks(statusMessage(), false, maxBlocksMessage))
	golden(t, "reveal_view", contentView(revealMessage()))
	golden(t, "request_form", formView(*requestForm(), "D0ALICE"))
	golden(t, "request_form_errors", formView(*formWithErrors(), "D0ALICE"))
	golden(t, "loading_view", loadingView())
	golden(t, "deny_form", formView(chat.Form{ID: chat.FormDeny, Title: "Deny request", Submit: "Deny", State: "req-1",
		Fields: []chat.Field{{ID: "reason", Label: "Reason", Kind: chat.FieldTextArea}}}, approvers))
}

func TestBlockKitLimits(t *testing.T) {
	long := strings.Repeat("word & <b> ", 1500) // ~16 KB once escaped
	var facts []chat.Fact
	for i := range 35 {
		facts = append(facts, chat.Fact{Label: "Label " + strconv.Itoa(i), Value: strings.Repeat("é", 1500)})
	}
	var buttons []chat.Button
	for i := range 30 {
		buttons = append(buttons, chat.Button{Action: chat.ActionSay, Label: strings.Repeat("L", 100), Value: strings.Repeat("v", 3000) + strconv.Itoa(i)})
	}
	buttons = append(buttons, chat.Button{Action: strings.Repeat("a", 300), Label: "long id"})
	m := chat.Message{Title: strings.Repeat("T", 200), Text: chat.Esc(long) + "\n" + long, Facts: facts, Buttons: buttons, Note: "note"}
	for _, limit := range []int{maxBlocksMessage, 12} {
		blocks := messageBlocks(m, false, limit)
		if len(blocks) > limit {
			t.Fatalf("%d blocks, limit %d", len(blocks), limit)
		}
		ids := map[string]bool{}
		var sawActions bool
		for _, b := range blocks {
			switch b := b.(type) {
			case *slack.HeaderBlock:
				if utf8.RuneCountInString(b.Text.Text) > maxHeaderText {
					t.Errorf("header %d chars", len(b.Text.Text))
				}
			case *slack.SectionBlock:
				if b.Text != nil && len(b.Text.Text) > maxSectionText {
					t.Errorf("section text %d bytes", len(b.Text.Text))
				}
				if len(b.Fields) > maxFields {
					t.Errorf("%d fields", len(b.Fields))
				}
				for _, f := range b.Fields {
					if len(f.Text) > maxFieldText {
						t.Errorf("field %d bytes", len(f.Text))
					}
				}
			case *slack.ActionBlock:
				sawActions = true
				if len(b.Elements.ElementSet) > maxActionsPerRow {
					t.Errorf("%d elements in an actions block", len(b.Elements.ElementSet))
				}
				for _, el := range b.Elements.ElementSet {
					btn := el.(*slack.ButtonBlockElement)
					if ids[btn.ActionID] || len(btn.ActionID) > maxActionID || len(btn.Value) > maxButtonValue || len(btn.Text.Text) > maxButtonText {
						t.Errorf("button %q (value %d bytes) breaks a limit or repeats", btn.ActionID, len(btn.Value))
					}
					ids[btn.ActionID] = true
				}
			}
		}
		if !sawActions {
			t.Errorf("limit %d: buttons were dropped to fit", limit)
		}
	}
	// The fake checks Slack's limits as Slack does: the message posts.
	e := newEnv(t)
	if _, err := e.a.Send(context.Background(), chat.Address{Kind: chat.ToChannel}, m); err != nil {
		t.Fatalf("oversized message not fitted: %v", err)
	}
}

func TestTruncateKeepsEntitiesAndRunes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abc&amp;def", 8, "abc…"},
		{"ééééé", 7, "éé…"},
	} {
		if got := truncate(tc.in, tc.n); got != tc.want || len(got) > tc.n {
			t.Errorf("truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
	parts := splitText(strings.Repeat("x", 2998)+"&amp;tail", 3000)
	if len(parts) != 2 || parts[0] != strings.Repeat("x", 2998) || parts[1] != "&amp;tail" {
		t.Errorf("split broke an entity: %q…", parts[len(parts)-1])
	}
}

func TestBaseAction(t *testing.T) {
	for in, want := range map[string]string{"tap_say": "tap_say", "tap_say~2": "tap_say", "a~b": "a~b", "~3": "~3"} {
		if got := baseAction(in); got != want {
			t.Errorf("baseAction(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormInAMessageShowsErrorsAndAButton(t *testing.T) {
	f := requestForm()
	f.Fields[0].Error = "No such user."
	raw, _ := json.Marshal(messageBlocks(chat.Message{Text: "Please check the form.", Form: f}, false, maxBlocksMessage))
	all := texts(raw)
	for _, want := range []string{"No such user.", chat.ActionOpen, "Request a pass"} {
		if !strings.Contains(all, want) {
			t.Errorf("message lacks %q:\n%s", want, all)
		}
	}
}
