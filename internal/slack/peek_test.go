package slack

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
)

// peekReference reads the peek fields with encoding/json.
func peekReference(raw []byte) (peek, bool) {
	type id struct {
		ID string `json:"id"`
	}
	var in struct {
		Type       string `json:"type"`
		TriggerID  string `json:"trigger_id"`
		Team       id     `json:"team"`
		Enterprise *id    `json:"enterprise"`
		User       struct {
			ID     string `json:"id"`
			Name   string `json:"name"`
			TeamID string `json:"team_id"`
		} `json:"user"`
		Channel   id `json:"channel"`
		Container struct {
			ChannelID string `json:"channel_id"`
			MessageTS string `json:"message_ts"`
		} `json:"container"`
		Actions []*struct {
			ActionID       string `json:"action_id"`
			ActionTS       string `json:"action_ts"`
			Value          string `json:"value"`
			SelectedOption *struct {
				Value string `json:"value"`
			} `json:"selected_option"`
		} `json:"actions"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		return peek{}, false
	}
	p := peek{typ: in.Type, trigger: in.TriggerID, team: in.Team.ID, user: in.User.ID, userName: in.User.Name,
		userTm: in.User.TeamID, channel: in.Channel.ID, containerCh: in.Container.ChannelID, messageTS: in.Container.MessageTS}
	if in.Enterprise != nil {
		p.enterprise = in.Enterprise.ID
	}
	if len(in.Actions) > 0 && in.Actions[0] != nil {
		a := in.Actions[0]
		p.actionID, p.actionTS, p.value = a.ActionID, a.ActionTS, a.Value
		if a.SelectedOption != nil {
			p.hasSelected, p.selected = true, a.SelectedOption.Value
		}
	}
	return p, true
}

func peekSeeds() [][]byte {
	fake := slackfake.NewUnstarted()
	fake.AddUser(alice, "Alice", "a@contoso.com", false)
	var out [][]byte
	for _, body := range []string{
		fake.BlockAction(alice, "C1", "1.2", chat.ActionApprove, `va"lue\with/escapes`),
		fake.BlockAction(alice, "D1", "1.2", "tap_say~2", "yes"),
	} {
		v, _ := url.ParseQuery(body)
		out = append(out, []byte(v.Get("payload")))
	}
	return append(out,
		[]byte(`{"type":"block_actions","team":{"id":"T\u0031"},"enterprise":null,"user":{"id":"U1","x":[1,2,{"y":null}]},"actions":[{"action_ts":"9","action_id":"a\"b"},{"action_id":"second"}]}`),
		[]byte(`{"type":"view_submission","view":{"state":{"values":{}}},"n":-1.5e3,"b":true}`),
		[]byte(`{"type":1}`), []byte(`[]`), []byte(`{"a":}`), []byte(`{"team":{"id":"T1"}} x`),
	)
}

func TestPeekMatchesEncodingJSON(t *testing.T) {
	for _, raw := range peekSeeds() {
		got, ok := peekInteraction(raw)
		want, wantOK := peekReference(raw)
		if ok != wantOK || (ok && got != want) {
			t.Errorf("%s:\n peek %+v %v\n json %+v %v", raw, got, ok, want, wantOK)
		}
	}
}

// FuzzPeek checks the scanner against encoding/json: whenever the scanner
// accepts a body, encoding/json must too and read the same fields.
func FuzzPeek(f *testing.F) {
	for _, s := range peekSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, ok := peekInteraction(raw)
		if !ok {
			return
		}
		want, wantOK := peekReference(raw)
		if !wantOK || got != want {
			t.Fatalf("%q: peek %+v, json %+v (%v)", raw, got, want, wantOK)
		}
	})
}
