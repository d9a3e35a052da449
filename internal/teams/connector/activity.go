package connector

import "encoding/json"

// Outbound Bot Framework schema. Every member is omitempty and every nested
// object is a pointer or slice, so a marshalled activity never carries an
// empty object, array, string or null ("suggestedActions":{} breaks Teams
// clients).

// ContentTypeAdaptiveCard is the attachment content type of an Adaptive Card.
const ContentTypeAdaptiveCard = "application/vnd.microsoft.card.adaptive"

// Activity types the bot sends.
const (
	TypeMessage = "message"
	TypeTyping  = "typing"
)

// Activity is a message (or typing indicator) the bot sends.
type Activity struct {
	Type             string            `json:"type,omitempty"`
	ID               string            `json:"id,omitempty"`
	From             *ChannelAccount   `json:"from,omitempty"`
	Recipient        *ChannelAccount   `json:"recipient,omitempty"`
	Conversation     *ConversationRef  `json:"conversation,omitempty"`
	ReplyToID        string            `json:"replyToId,omitempty"`
	TextFormat       string            `json:"textFormat,omitempty"` // "markdown", "plain", "xml"
	Text             string            `json:"text,omitempty"`
	Summary          string            `json:"summary,omitempty"`
	Locale           string            `json:"locale,omitempty"`
	InputHint        string            `json:"inputHint,omitempty"`
	AttachmentLayout string            `json:"attachmentLayout,omitempty"` // "list", "carousel"
	Attachments      []Attachment      `json:"attachments,omitempty"`
	SuggestedActions *SuggestedActions `json:"suggestedActions,omitempty"`
	Entities         []json.RawMessage `json:"entities,omitempty"`
	ChannelData      *ChannelData      `json:"channelData,omitempty"`
	Value            json.RawMessage   `json:"value,omitempty"`
	Name             string            `json:"name,omitempty"`
	ValueType        string            `json:"valueType,omitempty"`
}

// Attachment is a card or file. For Adaptive Cards use ContentType
// ContentTypeAdaptiveCard and the card JSON as Content.
type Attachment struct {
	ContentType string          `json:"contentType,omitempty"`
	ContentURL  string          `json:"contentUrl,omitempty"`
	Content     json.RawMessage `json:"content,omitempty"`
	Name        string          `json:"name,omitempty"`
}

// AdaptiveCard wraps card JSON as an attachment.
func AdaptiveCard(card json.RawMessage) Attachment {
	return Attachment{ContentType: ContentTypeAdaptiveCard, Content: card}
}

// ChannelAccount identifies a user or bot (Teams "29:…" id, Entra object id).
type ChannelAccount struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name,omitempty"`
	AADObjectID string `json:"aadObjectId,omitempty"`
	Role        string `json:"role,omitempty"`
}

// ConversationRef identifies a conversation in an activity.
type ConversationRef struct {
	ID               string `json:"id,omitempty"`
	IsGroup          bool   `json:"isGroup,omitempty"`
	ConversationType string `json:"conversationType,omitempty"`
	TenantID         string `json:"tenantId,omitempty"`
	Name             string `json:"name,omitempty"`
}

// SuggestedActions are quick replies. Only send it with at least one action.
type SuggestedActions struct {
	To      []string     `json:"to,omitempty"`
	Actions []CardAction `json:"actions,omitempty"`
}

// CardAction is one suggested action.
type CardAction struct {
	Type  string          `json:"type,omitempty"` // "imBack", "messageBack", …
	Title string          `json:"title,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
	Text  string          `json:"text,omitempty"`
}

// ChannelData is the Teams-specific channelData subset the bot sends.
type ChannelData struct {
	Tenant       *IDRef        `json:"tenant,omitempty"`
	Channel      *IDRef        `json:"channel,omitempty"`
	Team         *IDRef        `json:"team,omitempty"`
	Notification *Notification `json:"notification,omitempty"`
}

// IDRef is a {"id": …} object.
type IDRef struct {
	ID string `json:"id,omitempty"`
}

// Notification asks Teams to alert the recipient.
type Notification struct {
	Alert bool `json:"alert,omitempty"`
}

// ConversationParameters creates a conversation: a proactive 1:1 chat
// (Members = [user], TenantID, IsGroup false) or a new thread in a channel
// (ChannelData.Channel.ID, with the first post in Activity).
type ConversationParameters struct {
	IsGroup     bool             `json:"isGroup"`
	Bot         *ChannelAccount  `json:"bot,omitempty"`
	Members     []ChannelAccount `json:"members,omitempty"`
	TopicName   string           `json:"topicName,omitempty"`
	TenantID    string           `json:"tenantId,omitempty"`
	Activity    *Activity        `json:"activity,omitempty"`
	ChannelData *ChannelData     `json:"channelData,omitempty"`
}

// ConversationResource is the Bot Connector's answer to a create.
type ConversationResource struct {
	// ID is the new (or existing 1:1) conversation id.
	ID string `json:"id"`
	// ActivityID is the first post's id when Activity was sent (a channel
	// thread's root message, needed to update it later).
	ActivityID string `json:"activityId,omitempty"`
	// ServiceURL is set when the connector wants later calls elsewhere.
	ServiceURL string `json:"serviceUrl,omitempty"`
}
