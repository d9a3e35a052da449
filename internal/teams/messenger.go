package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/teams/connector"
)

// convRef is the conversation reference kept in the store so the bot can
// reach a person or channel proactively after a restart.
type convRef struct {
	ServiceURL     string `json:"service_url"`
	ConversationID string `json:"conversation_id"`
	Type           string `json:"conversation_type,omitempty"`
	TenantID       string `json:"tenant_id,omitempty"`
	UserID         string `json:"user_id,omitempty"`
	AADObjectID    string `json:"aad_object_id,omitempty"`
	BotID          string `json:"bot_id,omitempty"`
	// Zone is the person's IANA zone last seen on their activities
	// (localTimezone / clientInfo), so replies to activities without one
	// and proactive notices still know it.
	Zone string `json:"zone,omitempty"`
}

// Store keys of conversation references.
func userKey(entraID string) string   { return "teams:user:" + strings.ToLower(entraID) }
func chatUserKey(id string) string    { return "teams:chatuser:" + id }
func channelKey(convID string) string { return "teams:channel:" + baseConversation(convID) }

// baseConversation strips a channel thread suffix (";messageid=…").
func baseConversation(id string) string {
	base, _, _ := strings.Cut(id, ";")
	return base
}

// capture stores (or refreshes) the reference of the activity's
// conversation: 1:1 chats by the user's Entra id and chat id, channels by
// conversation id. Unchanged references are not rewritten.
func (a *Adapter) capture(ctx context.Context, act *activity) {
	if act.Recipient.ID != "" {
		if cur, _ := a.botID.Load().(string); cur == "" {
			a.botID.Store(act.Recipient.ID)
		}
	}
	a.lastZone(ctx, act)
	if act.Conversation.ID == "" || act.ServiceURL == "" {
		return
	}
	tid, _ := act.tenant()
	ref := convRef{
		ServiceURL: act.ServiceURL, ConversationID: act.Conversation.ID, Type: act.Conversation.ConversationType,
		TenantID: tid, BotID: act.Recipient.ID,
	}
	switch act.Conversation.ConversationType {
	case "personal":
		ref.UserID, ref.AADObjectID = act.From.ID, act.From.AadObjectID
		ref.Zone = act.zone
		if ref.AADObjectID != "" {
			a.putRef(ctx, userKey(ref.AADObjectID), ref)
		}
		if ref.UserID != "" {
			a.putRef(ctx, chatUserKey(ref.UserID), ref)
		}
	case "channel":
		ref.ConversationID = baseConversation(act.Conversation.ID)
		a.putRef(ctx, channelKey(ref.ConversationID), ref)
	}
}

// lastZone sets act.zone to the zone the activity carries, else the one
// kept with the sender's conversation reference, and returns it.
func (a *Adapter) lastZone(ctx context.Context, act *activity) string {
	if act.zone = act.sentZone(); act.zone != "" || act.From.AadObjectID == "" {
		return act.zone
	}
	key := userKey(act.From.AadObjectID)
	if prev, ok := a.refSeen.Load(key); ok {
		var ref convRef
		if json.Unmarshal([]byte(prev.(string)), &ref) == nil {
			act.zone = ref.Zone
			return act.zone
		}
	}
	if ref, ok, err := a.getRef(ctx, key); err == nil && ok {
		act.zone = ref.Zone
	}
	return act.zone
}

func (a *Adapter) putRef(ctx context.Context, key string, ref convRef) {
	b, err := json.Marshal(ref)
	if err != nil {
		return
	}
	if prev, ok := a.refSeen.Load(key); ok && prev.(string) == string(b) {
		return
	}
	if err := a.store.PutConversation(ctx, key, b); err != nil {
		a.log.WarnContext(ctx, "teams store conversation reference", "err", err)
		return
	}
	a.refSeen.Store(key, string(b))
}

// refreshOf is the card's Universal Actions refresh for p (nil for
// none): an Action.Execute sent back as p's action by each reader's
// client, automatically for the listed users — the Teams ids (29:…) of
// p's viewers the bot has a personal conversation with, at most
// chat.MaxViewers — and from the message's menu for anyone else.
func (a *Adapter) refreshOf(ctx context.Context, p *chat.Personal) obj {
	if p == nil {
		return nil
	}
	ids := []string{}
	for _, v := range p.Viewers {
		if len(ids) == chat.MaxViewers {
			break
		}
		ref, ok, err := a.getRef(ctx, userKey(string(v)))
		if err == nil && ok && strings.HasPrefix(ref.UserID, "29:") && !slices.Contains(ids, ref.UserID) {
			ids = append(ids, ref.UserID)
		}
	}
	return refreshCard(p, ids)
}

// refreshCard is the refresh property for p, refreshed automatically for
// the Teams user ids userIDs.
func refreshCard(p *chat.Personal, userIDs []string) obj {
	return obj{
		"action":  obj{"type": "Action.Execute", "verb": p.Action, "data": obj{dataAction: p.Action, dataValue: p.Value}},
		"userIds": userIDs,
	}
}

func (a *Adapter) getRef(ctx context.Context, key string) (convRef, bool, error) {
	b, err := a.store.GetConversation(ctx, key)
	if errors.Is(err, tap.ErrNotFound) {
		return convRef{}, false, nil
	}
	if err != nil {
		return convRef{}, false, fmt.Errorf("teams: load conversation reference: %w", err)
	}
	var ref convRef
	if err := json.Unmarshal(b, &ref); err != nil || ref.ConversationID == "" || ref.ServiceURL == "" {
		return convRef{}, false, nil
	}
	return ref, true, nil
}

// Send posts m to addr as an Adaptive Card and returns a ref for Update.
func (a *Adapter) Send(ctx context.Context, addr chat.Address, m chat.Message) (tap.Ref, error) {
	if m.HasSecret() {
		return tap.Ref{}, fmt.Errorf("teams send: %w", chat.ErrSecretInPersistent)
	}
	act, err := outbound(m, a.refreshOf(ctx, m.Personal))
	if err != nil {
		return tap.Ref{}, err
	}
	var serviceURL, conv string
	switch addr.Kind {
	case chat.ToChannel:
		serviceURL, conv, err = a.channelTarget(ctx, addr.ID)
	case chat.ToUser:
		serviceURL, conv, err = a.userTarget(ctx, addr)
	default:
		err = fmt.Errorf("teams send: unknown address kind %q", addr.Kind)
	}
	if err != nil {
		return tap.Ref{}, err
	}
	id, err := a.conn.Send(ctx, serviceURL, conv, act)
	if err != nil && addr.Kind == chat.ToChannel && a.cfg.ServiceURL != "" && serviceURL != a.cfg.ServiceURL && ctx.Err() == nil {
		// The service URL stored when the channel last wrote to the bot
		// does not answer (a region moved, a stale capture): the
		// configured one wins, so an approval card is not held back by
		// an address the bot cannot reach any more.
		a.log.WarnContext(ctx, "teams: stored service URL failed for the channel; using the configured one",
			"conversation", conv, "stored", serviceURL, "err", err)
		serviceURL = a.cfg.ServiceURL
		id, err = a.conn.Send(ctx, serviceURL, conv, act)
	}
	if err != nil {
		return tap.Ref{}, classify("send", err)
	}
	return tap.Ref{Platform: Platform, Conversation: conv, Message: id, Extra: serviceURL}, nil
}

// Update replaces the card at ref for everyone.
func (a *Adapter) Update(ctx context.Context, ref tap.Ref, m chat.Message) error {
	if m.HasSecret() {
		return fmt.Errorf("teams update: %w", chat.ErrSecretInPersistent)
	}
	if ref.Conversation == "" || ref.Message == "" {
		return fmt.Errorf("teams update: incomplete message ref: %w", tap.ErrInvalidInput)
	}
	act, err := outbound(m, a.refreshOf(ctx, m.Personal))
	if err != nil {
		return err
	}
	serviceURL := ref.Extra
	if serviceURL == "" {
		serviceURL, _, err = a.channelTarget(ctx, ref.Conversation)
		if err != nil {
			return err
		}
	}
	if err := a.conn.Update(ctx, serviceURL, ref.Conversation, ref.Message, act); err != nil {
		return classify("update", err)
	}
	return nil
}

// outbound builds the message activity carrying m's card, with refresh
// (nil for none: see refreshOf).
func outbound(m chat.Message, refresh obj) (*connector.Activity, error) {
	c, err := renderCard(m, false)
	if err != nil {
		return nil, fmt.Errorf("teams: %w: %w", chat.ErrSecretInPersistent, err)
	}
	c.Refresh = refresh
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("teams: encode card: %w", err)
	}
	act := &connector.Activity{Type: connector.TypeMessage, Attachments: []connector.Attachment{connector.AdaptiveCard(b)}}
	if m.Title != "" {
		act.Summary = chat.Plain(m.Title)
	}
	return act, nil
}

// channelTarget resolves a channel (default: the approvers channel).
func (a *Adapter) channelTarget(ctx context.Context, id string) (serviceURL, conv string, err error) {
	conv = id
	if conv == "" {
		conv = a.cfg.ApproversConversation
	}
	if conv == "" {
		return "", "", fmt.Errorf("teams: no approvers channel configured: %w", chat.ErrUnreachable)
	}
	ref, ok, err := a.getRef(ctx, channelKey(conv))
	if err != nil {
		return "", "", err
	}
	serviceURL = a.cfg.ServiceURL
	if ok {
		serviceURL = ref.ServiceURL
	}
	if serviceURL == "" {
		return "", "", fmt.Errorf("teams: channel %s has not talked to the bot yet and no service URL is configured: %w", conv, chat.ErrUnreachable)
	}
	return serviceURL, conv, nil
}

// userTarget resolves a person's 1:1 chat: the stored reference, or a new
// proactive conversation created in the tenant.
func (a *Adapter) userTarget(ctx context.Context, addr chat.Address) (serviceURL, conv string, err error) {
	var keys []string
	if addr.EntraID != "" {
		keys = append(keys, userKey(string(addr.EntraID)))
	}
	if addr.ID != "" {
		keys = append(keys, chatUserKey(addr.ID))
	}
	if len(keys) == 0 {
		return "", "", fmt.Errorf("teams send: no recipient id: %w", tap.ErrInvalidInput)
	}
	for _, k := range keys {
		ref, ok, err := a.getRef(ctx, k)
		if err != nil {
			return "", "", err
		}
		if ok {
			return ref.ServiceURL, ref.ConversationID, nil
		}
	}
	serviceURL = a.cfg.ServiceURL
	if serviceURL == "" {
		return "", "", fmt.Errorf("teams: the person has never talked to the bot and no service URL is configured: %w", chat.ErrUnreachable)
	}
	member := connector.ChannelAccount{ID: addr.ID, AADObjectID: string(addr.EntraID)}
	if member.ID == "" {
		member.ID = string(addr.EntraID)
	}
	bot, _ := a.botID.Load().(string)
	p := connector.ConversationParameters{
		IsGroup:  false,
		Members:  []connector.ChannelAccount{member},
		TenantID: a.cfg.TenantID,
	}
	if bot != "" {
		p.Bot = &connector.ChannelAccount{ID: bot}
	}
	if a.cfg.TenantID != "" {
		p.ChannelData = &connector.ChannelData{Tenant: &connector.IDRef{ID: a.cfg.TenantID}}
	}
	conv, err = a.conn.CreateConversation(ctx, serviceURL, p)
	if err != nil {
		err = classify("create conversation", err)
		if !errors.Is(err, chat.ErrUnreachable) && !errors.Is(err, tap.ErrUnavailable) && !errors.Is(err, tap.ErrThrottled) {
			err = fmt.Errorf("%w: %w", chat.ErrUnreachable, err)
		}
		return "", "", err
	}
	ref := convRef{ServiceURL: serviceURL, ConversationID: conv, Type: "personal", TenantID: a.cfg.TenantID,
		UserID: addr.ID, AADObjectID: string(addr.EntraID), BotID: bot}
	for _, k := range keys {
		a.putRef(ctx, k, ref)
	}
	return serviceURL, conv, nil
}

// statusError is implemented by connector errors that carry the HTTP
// status of the Bot Connector's answer.
type statusError interface{ HTTPStatus() int }

// classify marks errors meaning "this addressee cannot be reached"
// (403 blocked / not installed, 404 conversation gone) as ErrUnreachable.
func classify(op string, err error) error {
	if errors.Is(err, chat.ErrUnreachable) {
		return fmt.Errorf("teams %s: %w", op, err)
	}
	var se statusError
	if errors.As(err, &se) {
		switch se.HTTPStatus() {
		case http.StatusForbidden, http.StatusNotFound:
			return fmt.Errorf("teams %s: the bot is blocked, not installed or the conversation is gone: %w: %w", op, chat.ErrUnreachable, err)
		}
	}
	return fmt.Errorf("teams %s: %w", op, err)
}
