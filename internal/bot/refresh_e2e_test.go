package bot_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/policy"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/teams"
)

// teamsRefresh is the automatic Universal Actions refresh of the card
// cardID in conv by aad's client, as Teams sends it: the card's refresh
// action with trigger "automatic". It returns the invoke answer.
func (w *zoneWorld) teamsRefresh(id, aad, conv, cardID string, refresh map[string]any) string {
	w.t.Helper()
	action, _ := refresh["action"].(map[string]any)
	act := map[string]any{
		"type": "invoke", "name": "adaptiveCard/action", "id": id, "channelId": "msteams",
		"serviceUrl": w.conn.URL, "replyToId": cardID,
		"from":         map[string]any{"id": "29:" + aad, "aadObjectId": aad},
		"recipient":    map[string]any{"id": "28:tapbot"},
		"conversation": map[string]any{"id": conv, "tenantId": simtenant.DemoTenantID},
		"channelData":  map[string]any{"tenant": map[string]any{"id": simtenant.DemoTenantID}},
		"value":        map[string]any{"action": action, "trigger": "automatic"},
	}
	code, body := postActivity(w.t, w.teams, act)
	if code != 200 {
		w.t.Fatalf("teams refresh: %d %s", code, body)
	}
	w.teams.Wait()
	w.router.Wait()
	return body
}

// cardRefresh is the refresh property of the card in a Teams activity or
// invoke answer (nil for none).
func cardRefresh(t *testing.T, raw string) map[string]any {
	t.Helper()
	var v struct {
		Attachments []struct {
			Content map[string]any `json:"content"`
		} `json:"attachments"`
		Value map[string]any `json:"value"`
	}
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	c := v.Value
	if len(v.Attachments) > 0 {
		c = v.Attachments[0].Content
	}
	r, _ := c["refresh"].(map[string]any)
	return r
}

func userIDs(r map[string]any) []string {
	var out []string
	ids, _ := r["userIds"].([]any)
	for _, id := range ids {
		out = append(out, id.(string))
	}
	slices.Sort(out)
	return out
}

// TestTeamsEachApproverSeesTheirOwnCard: the pending approval card on
// Teams carries a Universal Actions refresh (Action.Execute, the refresh
// verb) listing the Teams ids of the people whose own view differs — the
// requester and each approver who already approved — and the refresh
// invoke is answered with the reader's own card: Approve and Deny only
// for an approver who may still decide. Once decided, the card has no
// refresh (everyone sees the same).
func TestTeamsEachApproverSeesTheirOwnCard(t *testing.T) {
	w := newZoneWorld(t, saturday, nil, nil, func(c *policy.Config) {
		c.TwoApprovers = policy.TwoApprovers{Reasons: []tap.Reason{tap.ReasonOnboarding}}
	})
	// Irvin and Alex have talked to the bot: their conversations are known.
	w.teamsSay("hi-irvin", simtenant.DemoIrvinID, "", "help")
	w.teamsSay("hi-alex", simtenant.DemoAlexID, "", "help")
	w.teamsSay("act-1", simtenant.DemoMeganID, "", laRequest)
	w.teamsSay("act-2", simtenant.DemoMeganID, "", "defaults")
	w.teamsSay("act-3", simtenant.DemoMeganID, "", "yes")
	conv := teams.LocalApproversConversation
	card := w.teamsCard(conv, chat.ActionApprove)
	id := value(t, string(card.Raw), chat.ActionApprove)

	r := cardRefresh(t, w.teamsNow(conv, card.ID))
	action, _ := r["action"].(map[string]any)
	if r == nil || action["type"] != "Action.Execute" || action["verb"] != chat.ActionRefresh {
		t.Fatalf("the pending card has no refresh: %v", r)
	}
	if got := userIDs(r); !slices.Equal(got, []string{"29:" + simtenant.DemoMeganID}) {
		t.Errorf("refresh userIds %v, want the requester's", got)
	}

	w.teamsClickOn("c-1", simtenant.DemoIrvinID, conv, card.ID, chat.ActionApprove, id)
	r = cardRefresh(t, w.teamsNow(conv, card.ID))
	if got, want := userIDs(r), []string{"29:" + simtenant.DemoMeganID, "29:" + simtenant.DemoIrvinID}; !slices.Equal(got, want) {
		t.Errorf("after Irvin's approval, refresh userIds %v, want %v", got, want)
	}
	for _, c := range []struct {
		who     string
		buttons bool
	}{
		{simtenant.DemoIrvinID, false}, // approved already
		{simtenant.DemoAlexID, true},   // may still decide
		{simtenant.DemoMeganID, false}, // the requester
		{simtenant.DemoAdeleID, false}, // not an approver
		{simtenant.DemoSarahID, false}, // the new hire
	} {
		got := w.teamsRefresh("r-"+c.who, c.who, conv, card.ID, r)
		if !strings.Contains(got, "second approver") || strings.Contains(got, chat.ActionApprove) != c.buttons ||
			strings.Contains(got, chat.ActionDeny) != c.buttons {
			t.Errorf("%s's refresh (buttons %v): %s", c.who, c.buttons, got)
		}
		if cardRefresh(t, got) == nil {
			t.Errorf("%s's own card lost its refresh: %s", c.who, got)
		}
	}
	if now := w.teamsNow(conv, card.ID); !strings.Contains(now, chat.ActionApprove) {
		t.Errorf("a refresh changed the shared card: %s", now)
	}

	w.teamsClickOn("c-2", simtenant.DemoAlexID, conv, card.ID, chat.ActionApprove, id)
	if now := w.teamsNow(conv, card.ID); cardRefresh(t, now) != nil || strings.Contains(now, chat.ActionApprove) {
		t.Errorf("the decided card still asks for refreshes: %s", now)
	}
	if got := w.teamsRefresh("r-late", simtenant.DemoIrvinID, conv, card.ID, r); strings.Contains(got, chat.ActionApprove) || !strings.Contains(got, "Pass issued") {
		t.Errorf("a late refresh: %s", got)
	}
}
