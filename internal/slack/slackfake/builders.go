package slackfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Sign returns Slack's X-Slack-Signature for body sent at ts.
func Sign(secret string, ts time.Time, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "v0:%d:%s", ts.Unix(), body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

// SignedRequest builds the POST /slack/events request Slack would send
// with body at ts: JSON bodies (events) as application/json, others
// (interactivity, slash commands) as a form.
func SignedRequest(secret, body string, ts time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/slack/events", strings.NewReader(body))
	r.Header.Set("Content-Type", ContentType(body))
	r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts.Unix(), 10))
	r.Header.Set("X-Slack-Signature", Sign(secret, ts, body))
	return r
}

// ContentType is the content type Slack sends body with.
func ContentType(body string) string {
	if strings.HasPrefix(body, "{") {
		return "application/json"
	}
	return "application/x-www-form-urlencoded"
}

// Deliver signs body as of now, serves it with h and returns the response.
func Deliver(h http.Handler, secret, body string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, SignedRequest(secret, body, time.Now()))
	return w
}

// DM builds an Events API message.im body: user wrote text to the bot. The
// message is also added to the DM channel.
func (s *Server) DM(user, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := s.dm(user)
	ts := s.ts()
	s.channels[ch].msgs = append(s.channels[ch].msgs, &Message{Channel: ch, TS: ts, User: user, Text: text})
	return s.eventBody(map[string]any{"type": "message", "channel": ch, "user": user, "text": text,
		"ts": ts, "event_ts": ts, "channel_type": "im"})
}

// Mention builds an Events API app_mention body: user mentioned the bot in
// channel.
func (s *Server) Mention(user, channel, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.ts()
	return s.eventBody(map[string]any{"type": "app_mention", "channel": channel, "user": user,
		"text": "<@" + s.BotUser + "> " + text, "ts": ts, "event_ts": ts})
}

func (s *Server) eventBody(ev map[string]any) string {
	b, _ := json.Marshal(map[string]any{
		"token": "unused-verification-token", "team_id": s.TeamID, "api_app_id": DefaultAppID,
		"type": "event_callback", "event_id": fmt.Sprintf("Ev%08d", s.next()), "event_time": time.Now().Unix(),
		"event": ev, "authorizations": []map[string]any{{"team_id": s.TeamID, "user_id": s.BotUser, "is_bot": true}},
	})
	return string(b)
}

// SlashCommand builds a /tap slash command form body from user in channel.
func (s *Server) SlashCommand(user, channel, text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[user]
	return url.Values{
		"token": {"unused-verification-token"}, "team_id": {s.TeamID}, "team_domain": {"fake"},
		"channel_id": {channel}, "channel_name": {"directmessage"}, "user_id": {user}, "user_name": {u.Name},
		"command": {"/tap"}, "text": {text}, "api_app_id": {DefaultAppID},
		"response_url": {"https://hooks.slack.com/commands/" + s.TeamID + "/1/x"}, "trigger_id": {s.trigger(user)},
	}.Encode()
}

// BlockAction builds a block_actions form body: user clicked the element
// actionID (with value) on the message ts in channel.
func (s *Server) BlockAction(user, channel, ts, actionID, value string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.blockAction(user, map[string]any{"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": false},
		map[string]any{"id": channel}, actionID, value)
}

// Click finds the button with action id (or label) actionOrLabel on the
// message ts in channel and builds the block_actions body for user
// clicking it.
func (s *Server) Click(user, channel, ts, actionOrLabel string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.channels[channel]
	if !ok {
		return "", fmt.Errorf("no channel %s", channel)
	}
	for _, m := range c.msgs {
		if m.TS != ts {
			continue
		}
		id, value, err := findButton(m.Blocks, actionOrLabel)
		if err != nil {
			return "", err
		}
		return s.blockAction(user, map[string]any{"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": m.Ephemeral},
			map[string]any{"id": channel}, id, value), nil
	}
	return "", fmt.Errorf("no message %s in %s", ts, channel)
}

// ClickInView builds the block_actions body for user clicking a button in
// the modal viewID.
func (s *Server) ClickInView(user, viewID, actionOrLabel string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.views[viewID]
	if !ok {
		return "", fmt.Errorf("no view %s", viewID)
	}
	id, value, err := findButton(v.Blocks, actionOrLabel)
	if err != nil {
		return "", err
	}
	return s.blockAction(user, map[string]any{"type": "view", "view_id": viewID}, nil, id, value), nil
}

func findButton(blocks json.RawMessage, actionOrLabel string) (string, string, error) {
	var bs []struct {
		Type     string `json:"type"`
		Elements []struct {
			Type     string  `json:"type"`
			ActionID string  `json:"action_id"`
			Value    string  `json:"value"`
			Text     textObj `json:"text"`
		} `json:"elements"`
	}
	_ = json.Unmarshal(blocks, &bs)
	for _, b := range bs {
		for _, e := range b.Elements {
			if e.Type == "button" && (e.ActionID == actionOrLabel || e.Text.Text == actionOrLabel) {
				return e.ActionID, e.Value, nil
			}
		}
	}
	return "", "", fmt.Errorf("no button %q", actionOrLabel)
}

func (s *Server) blockAction(user string, container, channel map[string]any, actionID, value string) string {
	u := s.users[user]
	p := map[string]any{
		"type": "block_actions", "api_app_id": DefaultAppID, "token": "unused-verification-token",
		"team":      map[string]any{"id": s.TeamID, "domain": "fake"},
		"user":      map[string]any{"id": user, "username": u.Name, "name": u.Name, "team_id": u.TeamID},
		"container": container, "trigger_id": s.trigger(user),
		"response_url": "https://hooks.slack.com/actions/" + s.TeamID + "/1/x",
		"actions": []map[string]any{{"type": "button", "action_id": actionID, "block_id": "b",
			"value": value, "action_ts": fmt.Sprintf("%d.%06d", time.Now().Unix(), s.next())}},
	}
	if channel != nil {
		p["channel"] = channel
	}
	return formPayload(p)
}

func formPayload(p any) string {
	b, _ := json.Marshal(p)
	return url.Values{"payload": {string(b)}}.Encode()
}

// Envelope wraps an inbound body (as built above for HTTP) in a Socket
// Mode envelope with envelopeID; retryAttempt > 0 marks a redelivery.
func Envelope(body, envelopeID string, retryAttempt int) string {
	env := map[string]any{"envelope_id": envelopeID, "accepts_response_payload": true}
	if retryAttempt > 0 {
		env["retry_attempt"], env["retry_reason"] = retryAttempt, "timeout"
	}
	switch v, _ := url.ParseQuery(body); {
	case strings.HasPrefix(body, "{"):
		env["type"], env["payload"] = "events_api", json.RawMessage(body)
	case v.Get("payload") != "":
		env["type"], env["payload"] = "interactive", json.RawMessage(v.Get("payload"))
	default:
		cmd := map[string]string{}
		for k := range v {
			cmd[k] = v.Get(k)
		}
		env["type"], env["payload"] = "slash_commands", cmd
	}
	b, _ := json.Marshal(env)
	return string(b)
}
