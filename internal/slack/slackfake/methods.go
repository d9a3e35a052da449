package slackfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The method handlers run with s.mu held. They return the response body
// or a Slack error code.

func (s *Server) authTest(map[string]string) (any, string) {
	return map[string]any{"ok": true, "url": "https://fake.slack.test/", "team": "Fake", "user": "tapbot",
		"team_id": s.TeamID, "user_id": s.BotUser, "bot_id": DefaultBotID}, ""
}

func (s *Server) usersInfo(args map[string]string) (any, string) {
	u, ok := s.users[args["user"]]
	if !ok {
		return nil, "user_not_found"
	}
	user := map[string]any{
		"id": u.ID, "team_id": u.TeamID, "name": strings.ToLower(strings.ReplaceAll(u.Name, " ", ".")),
		"real_name": u.Name, "deleted": u.Deleted, "is_bot": u.Bot,
		"is_restricted": u.Guest || u.UltraGuest, "is_ultra_restricted": u.UltraGuest,
		"is_stranger": u.Stranger, "is_email_confirmed": !u.Unconfirmed && u.Email != "",
		"profile": map[string]any{"real_name": u.Name, "email": u.Email},
	}
	if u.Zone != "" {
		user["tz"] = u.Zone
		if loc, err := time.LoadLocation(u.Zone); err == nil {
			name, off := time.Now().In(loc).Zone()
			user["tz_label"], user["tz_offset"] = name, off
		}
	}
	if u.Enterprise != "" {
		user["enterprise_user"] = map[string]any{"id": u.ID, "enterprise_id": u.Enterprise, "teams": []string{u.TeamID}}
	}
	return map[string]any{"ok": true, "user": user}, ""
}

func (s *Server) conversationsOpen(args map[string]string) (any, string) {
	users := strings.Split(args["users"], ",")
	if len(users) != 1 || users[0] == "" {
		return nil, "invalid_arguments"
	}
	u, ok := s.users[users[0]]
	switch {
	case !ok:
		return nil, "user_not_found"
	case u.Bot:
		return nil, "cannot_dm_bot"
	case u.Deleted:
		return nil, "user_disabled"
	}
	return map[string]any{"ok": true, "channel": map[string]any{"id": s.dm(u.ID)}}, ""
}

// postable returns the channel the bot can post in, or an error code.
func (s *Server) postable(id string) (*channel, string) {
	c, ok := s.channels[id]
	switch {
	case !ok:
		return nil, "channel_not_found"
	case !c.members[s.BotUser]:
		return nil, "not_in_channel"
	}
	return c, ""
}

func (s *Server) postMessage(args map[string]string) (any, string) {
	c, code := s.postable(args["channel"])
	if code != "" {
		return nil, code
	}
	blocks, code := checkBlocks(args["blocks"], 50)
	if code != "" {
		return nil, code
	}
	if args["text"] == "" && blocks == nil {
		return nil, "no_text"
	}
	m := &Message{Channel: args["channel"], TS: s.ts(), User: s.BotUser, Text: args["text"], Blocks: blocks}
	c.msgs = append(c.msgs, m)
	return map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS,
		"message": map[string]any{"text": m.Text, "ts": m.TS, "user": m.User}}, ""
}

func (s *Server) chatUpdate(args map[string]string) (any, string) {
	c, code := s.postable(args["channel"])
	if code != "" {
		return nil, code
	}
	blocks, code := checkBlocks(args["blocks"], 50)
	if code != "" {
		return nil, code
	}
	for _, m := range c.msgs {
		if m.TS == args["ts"] && !m.Ephemeral {
			if m.User != s.BotUser {
				return nil, "cant_update_message"
			}
			m.Text, m.Blocks = args["text"], blocks
			m.Edits++
			return map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS, "text": m.Text}, ""
		}
	}
	return nil, "message_not_found"
}

func (s *Server) postEphemeral(args map[string]string) (any, string) {
	c, code := s.postable(args["channel"])
	if code != "" {
		return nil, code
	}
	if _, ok := s.users[args["user"]]; !ok {
		return nil, "user_not_found"
	}
	if !c.members[args["user"]] {
		return nil, "user_not_in_channel"
	}
	blocks, code := checkBlocks(args["blocks"], 50)
	if code != "" {
		return nil, code
	}
	m := &Message{Channel: args["channel"], TS: s.ts(), User: s.BotUser, Text: args["text"], Blocks: blocks, Ephemeral: true, To: args["user"]}
	c.msgs = append(c.msgs, m)
	return map[string]any{"ok": true, "message_ts": m.TS}, ""
}

// modal is the part of a view definition the fake checks.
type modal struct {
	Type            string          `json:"type"`
	Title           *textObj        `json:"title"`
	CallbackID      string          `json:"callback_id"`
	PrivateMetadata string          `json:"private_metadata"`
	Blocks          json.RawMessage `json:"blocks"`
}

type textObj struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

func parseModal(raw string) (*modal, json.RawMessage, string) {
	var m modal
	if json.Unmarshal([]byte(raw), &m) != nil || m.Type != "modal" || m.Title == nil {
		return nil, nil, "invalid_arguments"
	}
	if len([]rune(m.Title.Text)) > 24 || len(m.PrivateMetadata) > 3000 || len(m.CallbackID) > 255 {
		return nil, nil, "invalid_arguments"
	}
	blocks, code := checkBlocks(string(m.Blocks), 100)
	if code != "" {
		return nil, nil, code
	}
	return &m, blocks, ""
}

func (s *Server) viewsOpen(args map[string]string) (any, string) {
	t, ok := s.triggers[args["trigger_id"]]
	switch {
	case !ok:
		return nil, "invalid_trigger_id"
	case t.used:
		return nil, "exchanged_trigger_id"
	case time.Since(t.issued) > s.TriggerTTL:
		return nil, "expired_trigger_id"
	}
	m, blocks, code := parseModal(args["view"])
	if code != "" {
		return nil, code
	}
	t.used = true
	v := &View{ID: fmt.Sprintf("V%06d", s.next()), User: t.user, TriggerID: args["trigger_id"]}
	s.setView(v, m, blocks, args["view"])
	s.views[v.ID] = v
	return map[string]any{"ok": true, "view": viewJSON(v)}, ""
}

func (s *Server) viewsUpdate(args map[string]string) (any, string) {
	v, ok := s.views[args["view_id"]]
	if !ok {
		return nil, "not_found"
	}
	if h := args["hash"]; h != "" && h != v.Hash {
		return nil, "hash_conflict"
	}
	m, blocks, code := parseModal(args["view"])
	if code != "" {
		return nil, code
	}
	s.setView(v, m, blocks, args["view"])
	v.Updates++
	return map[string]any{"ok": true, "view": viewJSON(v)}, ""
}

func (s *Server) setView(v *View, m *modal, blocks json.RawMessage, raw string) {
	v.Hash = fmt.Sprintf("%d.h%06d", time.Now().Unix(), s.next())
	v.CallbackID, v.PrivateMetadata, v.Type, v.Title = m.CallbackID, m.PrivateMetadata, m.Type, m.Title.Text
	v.Blocks, v.Raw = blocks, json.RawMessage(raw)
}

func viewJSON(v *View) map[string]any {
	return map[string]any{"id": v.ID, "hash": v.Hash, "type": v.Type, "callback_id": v.CallbackID,
		"private_metadata": v.PrivateMetadata, "blocks": v.Blocks, "team_id": DefaultTeam,
		"state": map[string]any{"values": map[string]any{}}}
}

// block is the part of a Block Kit block the fake checks.
type block struct {
	Type     string          `json:"type"`
	BlockID  string          `json:"block_id"`
	Text     *textObj        `json:"text"`
	Fields   []textObj       `json:"fields"`
	Elements json.RawMessage `json:"elements"`
	Element  json.RawMessage `json:"element"`
}

type element struct {
	Type     string `json:"type"`
	ActionID string `json:"action_id"`
	Value    string `json:"value"`
}

// checkBlocks validates blocks as Slack does for the limits tapbot
// relies on; it returns invalid_blocks when they are broken.
func checkBlocks(raw string, limit int) (json.RawMessage, string) {
	if raw == "" {
		return nil, ""
	}
	var bs []block
	if json.Unmarshal([]byte(raw), &bs) != nil || len(bs) > limit {
		return nil, "invalid_blocks"
	}
	actions, blockIDs := map[string]bool{}, map[string]bool{}
	for _, b := range bs {
		if b.BlockID != "" {
			if blockIDs[b.BlockID] {
				return nil, "invalid_blocks"
			}
			blockIDs[b.BlockID] = true
		}
		if b.Text != nil && len(b.Text.Text) > 3000 || len(b.Fields) > 10 {
			return nil, "invalid_blocks"
		}
		for _, f := range b.Fields {
			if len(f.Text) > 2000 {
				return nil, "invalid_blocks"
			}
		}
		if b.Type != "actions" {
			continue
		}
		var els []element
		if json.Unmarshal(b.Elements, &els) != nil || len(els) > 25 {
			return nil, "invalid_blocks"
		}
		for _, e := range els {
			if actions[e.ActionID] || len(e.ActionID) > 255 || len(e.Value) > 2000 {
				return nil, "invalid_blocks"
			}
			actions[e.ActionID] = true
		}
	}
	return json.RawMessage(raw), ""
}

// conversationsInfo answers for a channel the fake knows; a channel the bot
// is not in answers as Slack does for a private one: channel_not_found.
func (s *Server) conversationsInfo(args map[string]string) (any, string) {
	id := args["channel"]
	c, ok := s.channels[id]
	if !ok || (c.im == "" && !c.members[s.BotUser] && strings.HasPrefix(id, "G")) {
		return nil, "channel_not_found"
	}
	return map[string]any{"ok": true, "channel": map[string]any{
		"id": id, "name": strings.ToLower(id), "is_channel": c.im == "", "is_im": c.im != "",
		"is_private": strings.HasPrefix(id, "G"), "is_member": c.members[s.BotUser], "is_archived": false,
	}}, ""
}

// connectionsOpen is apps.connections.open: an app-level token (xapp-)
// gets a Socket Mode URL.
func (s *Server) connectionsOpen(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	s.calls = append(s.calls, Call{Method: "apps.connections.open", Args: map[string]string{}, At: time.Now()})
	var f *fault
	if q := s.faults["apps.connections.open"]; len(q) > 0 {
		f = &q[0]
		s.faults["apps.connections.open"] = q[1:]
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case f != nil:
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": f.err})
	case !strings.HasPrefix(token, "xapp-"):
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "not_allowed_token_type"})
	default:
		_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": "wss://fake.slack.test/link/?ticket=1"})
	}
}
