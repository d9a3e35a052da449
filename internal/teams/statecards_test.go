package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/tapbot/tapbot/internal/chat"
)

// stateCard is one entry of internal/bot/testdata/state_cards.json, the
// core's cards for every request state and audience.
type stateCard struct {
	Name    string
	Title   string
	Text    string
	Facts   []chat.Fact
	Buttons []chat.Button
	Note    string
}

// TestGoldenStateCards draws every request state's card for every
// audience as an Adaptive Card, into testdata/cards/states (go test
// -update to refresh). The table is kept by the bot package's
// TestGoldenStateCards.
func TestGoldenStateCards(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "bot", "testdata", "state_cards.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cards []stateCard
	if err := json.Unmarshal(raw, &cards); err != nil || len(cards) == 0 {
		t.Fatalf("state cards: %v (%d)", err, len(cards))
	}
	dir := filepath.Join("testdata", "cards", "states")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	type drawn struct {
		name string
		card *card
	}
	var all []drawn
	for _, sc := range cards {
		m := chat.Message{Title: sc.Title, Text: sc.Text, Facts: sc.Facts, Buttons: sc.Buttons, Note: sc.Note}
		c, err := renderCard(m, false)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, drawn{sc.Name, c})
		if sc.Name == "issued_approvers" {
			// A late approver's click: the invoke answer is the decided
			// card with the one-line answer above it.
			rep := &invokeReply{}
			if err := rep.redraw(context.Background(), m, "Alex Wilber already approved this at 17:05 UTC."); err != nil {
				t.Fatal(err)
			}
			late, _ := rep.close()
			all = append(all, drawn{"issued_approvers_late_click", late})
		}
	}
	for _, d := range all {
		c, name := d.card, d.name
		got, err := json.MarshalIndent(c, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, '\n')
		path := filepath.Join(dir, name+".json")
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run TestGoldenStateCards -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("card %s differs from %s (go test -update to accept):\n%s", name, path, got)
		}
	}
}
