package dialog_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/dialog"
	"github.com/tapbot/tapbot/internal/tap"
)

// The router's loop: restore the session, step, run the lookups it asks
// for, submit, store or delete the session.
func ExampleSession_Step() {
	cfg := dialog.Config{MinLifetime: time.Hour, MaxLifetime: 24 * time.Hour}
	now := time.Date(2026, 11, 27, 13, 25, 0, 0, time.UTC)
	stored := []byte(`{"v":1,"state":"idle"}`) // from tap.Store.GetSession

	for _, text := range []string{"TAP for sarah@contoso.com Monday 7am Pacific, 8 hours, onboarding, multi-use", "skip", "confirm"} {
		var s dialog.Session
		_ = json.Unmarshal(stored, &s)
		out := s.Step(cfg, dialog.Input{Now: now, Zone: "Europe/London", Text: text})
		for out.Resolve != "" { // look the target up in Entra
			u := tap.User{ID: "u1", UPN: out.Resolve, DisplayName: "Sarah Johnson"}
			out = s.Step(cfg, dialog.Input{Now: now, Zone: "Europe/London", Resolved: &u})
		}
		for _, m := range out.Replies {
			if m.Title != "" {
				fmt.Println(m.Title)
			} else {
				fmt.Println(chat.Plain(m.Text))
			}
		}
		if out.Submit != nil {
			fmt.Println("submit:", out.Submit.Target.UPN, out.Submit.Start.Format(time.RFC3339), out.Submit.Lifetime)
		}
		stored, _ = json.Marshal(&s) // tap.Store.PutSession, or DeleteSession when out.Ended
	}
	// Output:
	// I found this person in the directory. Check it's the right one:
	// Anything the approver should know, like "starts in Finance on Monday"? Say skip for nothing.
	// Check your request
	// submit: sarah@contoso.com 2026-11-30T15:00:00Z 8h0m0s
}
