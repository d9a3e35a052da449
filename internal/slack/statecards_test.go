package slack

import (
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

// stateCards reads the core's state × audience table (kept by the bot
// package's TestGoldenStateCards).
func stateCards(t *testing.T) []stateCard {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "bot", "testdata", "state_cards.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cards []stateCard
	if err := json.Unmarshal(raw, &cards); err != nil {
		t.Fatal(err)
	}
	if len(cards) == 0 {
		t.Fatal("no state cards")
	}
	return cards
}

// TestGoldenStateCards draws every request state's card for every
// audience as Block Kit, into testdata/states (go test -update to refresh).
func TestGoldenStateCards(t *testing.T) {
	if *update {
		if err := os.MkdirAll(filepath.Join("testdata", "states"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range stateCards(t) {
		m := chat.Message{Title: c.Title, Text: c.Text, Facts: c.Facts, Buttons: c.Buttons, Note: c.Note}
		golden(t, filepath.Join("states", c.Name), messageBlocks(m, false, maxBlocksMessage))
	}
}
