package slack

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/text"
)

// ack is the answer to one delivery: an HTTP response or a Socket Mode ack.
type ack struct {
	status int    // HTTP status; 0 means 200
	body   []byte // JSON body, nil for none
}

var (
	ackOK  = ack{}
	ackBad = ack{status: http.StatusBadRequest}
	// ackTooLarge and ackMediaType: a body over maxBody, or neither JSON
	// nor a form.
	ackTooLarge  = ack{status: http.StatusRequestEntityTooLarge}
	ackMediaType = ack{status: http.StatusUnsupportedMediaType}
	ackRetry     = ack{status: http.StatusInternalServerError} // Slack retries events
)

// HTTPHandler serves POST /slack/events: Events API requests,
// interactivity payloads and slash commands, each verified against the
// signing secret before anything else happens.
func (a *Adapter) HTTPHandler() http.Handler { return http.HandlerFunc(a.serveHTTP) }

func (a *Adapter) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	body, err := a.verify.read(w, r)
	if errors.Is(err, errTooLarge) {
		a.log.Warn("slack request rejected", "reason", "body too large", "content_length", r.ContentLength)
		writeAck(w, ackTooLarge)
		return
	}
	if err != nil {
		// Never echo why: a verifier's message can hold the computed MAC.
		a.log.Warn("slack request rejected", "reason", "signature")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var res ack
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/json"):
		res = a.onEvents(r.Context(), body)
	case strings.HasPrefix(ct, "application/x-www-form-urlencoded"):
		if p, ok := formPayload(body); ok {
			res = a.onInteraction(r.Context(), []byte(p))
			break
		}
		v, err := url.ParseQuery(string(body))
		switch {
		case err != nil:
			res = ackBad
		case v.Get("ssl_check") == "1": // Slack checking the certificate
			res = ackOK
		default:
			res = a.onCommand(r.Context(), parseCommandForm(v))
		}
	default:
		a.log.Warn("slack request rejected", "reason", "content type", "content_type", ct)
		res = ackMediaType
	}
	writeAck(w, res)
}

func writeAck(w http.ResponseWriter, res ack) {
	if res.status >= 400 && res.status < 500 {
		w.Header().Set("X-Slack-No-Retry", "1") // a retry would be refused the same way
	}
	if res.body != nil {
		w.Header().Set("Content-Type", "application/json")
	}
	if res.status != 0 {
		w.WriteHeader(res.status)
	}
	if res.body != nil {
		_, _ = w.Write(res.body)
	}
}

// onEvents handles an Events API body.
func (a *Adapter) onEvents(ctx context.Context, raw []byte) ack {
	var env eventEnvelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return ackBad
	}
	switch env.Type {
	case "url_verification":
		b, _ := json.Marshal(map[string]string{"challenge": env.Challenge})
		return ack{body: b}
	case "event_callback":
	default:
		return ackOK
	}
	if res := a.admit(ctx, env.TeamID, env.EnterpriseID); res != nil {
		return *res
	}
	e := env.Event
	ev := chat.Event{
		Kind:         chat.KindMessage,
		User:         chat.User{Platform: Platform, ID: e.User, Team: env.TeamID},
		Conversation: tap.Ref{Platform: Platform, Conversation: e.Channel, Message: e.TS},
		Text:         unwrapText(e.Text),
		DeliveryID:   "ev:" + env.EventID,
	}
	switch {
	case e.Type == "message" && e.ChannelType == "im":
		shared := e.Subtype == "file_share" && len(e.Files) > 0
		if (e.Subtype != "" && !shared) || e.BotID != "" || e.User == "" || a.ids.isBotUser(e.User) {
			return ackOK // edits, joins, bot messages (ours included)
		}
		ev.Direct = true
		if shared {
			ev.File = a.sharedFile(e.Files[0])
		}
	case e.Type == "app_mention":
		if e.BotID != "" || e.User == "" {
			return ackOK
		}
	default:
		return ackOK
	}
	if env.EventID == "" {
		return ackBad
	}
	// The per-person rate comes before the durable de-duplication, so a
	// flood from one person costs no database write per message.
	rp := &replier{a: a, user: e.User, channel: e.Channel, direct: ev.Direct}
	if !a.withinRate(env.TeamID, e.User, rp) {
		return ackOK
	}
	first, err := a.seen(ctx, ev.DeliveryID)
	if err != nil {
		a.log.Error("slack de-duplication", "err", err)
		return ackRetry
	}
	if !first {
		a.log.Debug("duplicate slack delivery dropped", "delivery_id", ev.DeliveryID)
		return ackOK
	}
	ev.Reply = rp.reply
	a.spawn(ctx, ev)
	return ackOK
}

// onInteraction handles a block_actions or view_submission payload.
func (a *Adapter) onInteraction(ctx context.Context, raw []byte) ack {
	pk, ok := peekInteraction(raw)
	if !ok {
		return ackBad
	}
	if res := a.admit(ctx, pk.team, pk.enterprise); res != nil {
		return *res
	}
	switch pk.typ {
	case "block_actions":
		return a.onBlockAction(ctx, pk)
	case "view_submission":
		in, err := decodeInteraction(raw)
		if err != nil {
			return ackBad
		}
		return a.onViewSubmission(ctx, in)
	}
	return ackOK
}

func isIM(channel string) bool { return strings.HasPrefix(channel, "D") }

// onBlockAction acknowledges a click after de-duplicating it, all on what
// peek read: the payload is scanned once.
func (a *Adapter) onBlockAction(ctx context.Context, pk peek) ack {
	if pk.actionID == "" || pk.user == "" {
		return ackOK
	}
	key := "act:" + pk.team + ":" + pk.user + ":" + pk.actionTS + ":" + pk.actionID
	first, err := a.seen(ctx, key)
	if err != nil {
		a.log.Error("slack de-duplication", "err", err)
		return ackRetry
	}
	if !first {
		a.log.Debug("duplicate slack delivery dropped", "delivery_id", key)
		return ackOK
	}
	channel := pk.containerCh
	if channel == "" {
		channel = pk.channel
	}
	value := pk.value
	if pk.hasSelected {
		value = pk.selected
	}
	team := pk.userTm
	if team == "" {
		team = pk.team
	}
	action := baseAction(pk.actionID)
	rp := &replier{a: a, user: pk.user, channel: channel, trigger: pk.trigger, direct: isIM(channel)}
	// The place on the pool is taken before a loading modal opens, so a
	// full pool never leaves one open; the dropped click was not acted on
	// and can be made again.
	slot, ok := a.reserve(channel, pk.user)
	if !ok {
		return ackOK
	}
	if chat.PrivateActions[action] {
		// The trigger lives 3 s: open the private surface before the ack.
		// Without it the answer (a pass) could be shown nowhere, so the
		// core is not asked: the click is not consumed and can be repeated.
		if !rp.openLoading(ctx) {
			a.wg.Add(1)
			go func() {
				defer a.wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), a.timeout)
				defer cancel()
				if err := a.postPrivate(ctx, pk.user, channel, isIM(channel), chat.Message{Text: text.SlackNoPrivateWindow}); err != nil {
					a.log.Warn("slack reveal notice", "slack_user", pk.user, "err", err)
				}
			}()
			slot.Release()
			return ackOK
		}
	}
	ev := chat.Event{
		Kind:         chat.KindAction,
		User:         chat.User{Platform: Platform, ID: pk.user, Name: pk.userName, Team: team},
		Conversation: tap.Ref{Platform: Platform, Conversation: channel},
		Direct:       isIM(channel),
		Action:       action,
		Value:        value,
		DeliveryID:   key,
		Reply:        rp.reply,
	}
	if pk.messageTS != "" {
		ev.Message = tap.Ref{Platform: Platform, Conversation: channel, Message: pk.messageTS}
	}
	a.spawnIn(ctx, slot, ev, rp.closeLoading)
	return ackOK
}

// onCommand handles the /tap slash command.
func (a *Adapter) onCommand(ctx context.Context, c slashCommand) ack {
	if c.Command != Command || c.UserID == "" || c.TriggerID == "" {
		return ackBad
	}
	if res := a.admit(ctx, c.TeamID, c.EnterpriseID); res != nil {
		return *res
	}
	rp := &replier{a: a, user: c.UserID, channel: c.ChannelID, trigger: c.TriggerID, direct: isIM(c.ChannelID)}
	if !a.withinRate(c.TeamID, c.UserID, rp) {
		return ackOK
	}
	key := "cmd:" + c.TriggerID
	first, err := a.seen(ctx, key)
	if err != nil {
		a.log.Error("slack de-duplication", "err", err)
		return ackRetry
	}
	if !first {
		return ackOK
	}
	slot, ok := a.reserve(c.ChannelID, c.UserID)
	if !ok {
		// Answered in the command's own response: no API call, no modal
		// left loading.
		return ack{body: []byte(`{"response_type":"ephemeral","text":"` + text.Busy + `"}`)}
	}
	if strings.TrimSpace(c.Text) == "" {
		// A bare /tap asks for the request form: open the modal now, while
		// the trigger lives (3 s); the form replaces "Loading…" once the
		// core has checked who is asking.
		rp.openLoading(ctx)
	}
	a.spawnIn(ctx, slot, chat.Event{
		Kind:         chat.KindCommand,
		User:         chat.User{Platform: Platform, ID: c.UserID, Name: c.UserName, Team: c.TeamID},
		Conversation: tap.Ref{Platform: Platform, Conversation: c.ChannelID},
		Direct:       isIM(c.ChannelID),
		Text:         unwrapText(c.Text),
		DeliveryID:   key,
		Reply:        rp.reply,
	}, rp.closeLoading)
	return ackOK
}
