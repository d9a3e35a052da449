package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

var (
	errNoConversation = errors.New("connector: conversation id is required")
	errNoActivityID   = errors.New("connector: activity id is required")
	errNoActivity     = errors.New("connector: activity is required")
)

// Send posts a new activity to a conversation and returns its id.
func (c *Client) Send(ctx context.Context, serviceURL, conversationID string, a *Activity) (string, error) {
	if conversationID == "" {
		return "", errNoConversation
	}
	return c.post(ctx, "send", serviceURL, conversationID, a, func(base string) string {
		return activitiesURL(base, conversationID)
	}, "")
}

// Reply posts a as a reply to activity replyToID and returns the new id.
func (c *Client) Reply(ctx context.Context, serviceURL, conversationID, replyToID string, a *Activity) (string, error) {
	if conversationID == "" {
		return "", errNoConversation
	}
	if replyToID == "" {
		return "", errNoActivityID
	}
	return c.post(ctx, "reply", serviceURL, conversationID, a, func(base string) string {
		return activitiesURL(base, conversationID, replyToID)
	}, replyToID)
}

func (c *Client) post(ctx context.Context, op, serviceURL, conversationID string, a *Activity, path func(string) string, replyTo string) (string, error) {
	if a == nil {
		return "", errNoActivity
	}
	base, err := c.baseURL(serviceURL)
	if err != nil {
		return "", fmt.Errorf("connector %s: %w", op, err)
	}
	act := *a
	if act.Type == "" {
		act.Type = TypeMessage
	}
	if replyTo != "" {
		act.ReplyToID = replyTo
	}
	body, err := json.Marshal(&act)
	if err != nil {
		return "", fmt.Errorf("connector %s: encode activity: %w", op, err)
	}
	resp, err := c.do(ctx, request{op: op, method: http.MethodPost, url: path(base), conv: conversationID, body: body})
	if err != nil {
		return "", err
	}
	var out struct {
		ID string `json:"id"`
	}
	if len(resp) > 0 {
		if err := json.Unmarshal(resp, &out); err != nil {
			return "", fmt.Errorf("connector %s: decode response: %w", op, err)
		}
	}
	return out.ID, nil
}

// Update replaces the content of activity activityID in place.
func (c *Client) Update(ctx context.Context, serviceURL, conversationID, activityID string, a *Activity) error {
	if conversationID == "" {
		return errNoConversation
	}
	if activityID == "" {
		return errNoActivityID
	}
	if a == nil {
		return errNoActivity
	}
	base, err := c.baseURL(serviceURL)
	if err != nil {
		return fmt.Errorf("connector update: %w", err)
	}
	act := *a
	if act.Type == "" {
		act.Type = TypeMessage
	}
	act.ID = activityID
	body, err := json.Marshal(&act)
	if err != nil {
		return fmt.Errorf("connector update: encode activity: %w", err)
	}
	_, err = c.do(ctx, request{op: "update", method: http.MethodPut, url: activitiesURL(base, conversationID, activityID),
		conv: conversationID, body: body, idempotent: true})
	return err
}

// Delete removes activity activityID from the conversation.
func (c *Client) Delete(ctx context.Context, serviceURL, conversationID, activityID string) error {
	if conversationID == "" {
		return errNoConversation
	}
	if activityID == "" {
		return errNoActivityID
	}
	base, err := c.baseURL(serviceURL)
	if err != nil {
		return fmt.Errorf("connector delete: %w", err)
	}
	_, err = c.do(ctx, request{op: "delete", method: http.MethodDelete, url: activitiesURL(base, conversationID, activityID),
		conv: conversationID, idempotent: true})
	return err
}

// CreateConversation starts a proactive 1:1 chat (Members = [user],
// TenantID, IsGroup false; Teams returns the existing chat when there is
// one) or a new thread in a channel (ChannelData.Channel.ID and the first
// post in Activity), and returns the conversation id.
func (c *Client) CreateConversation(ctx context.Context, serviceURL string, p ConversationParameters) (string, error) {
	res, err := c.StartConversation(ctx, serviceURL, p)
	if err != nil {
		return "", err
	}
	return res.ID, nil
}

// StartConversation is CreateConversation returning the whole answer,
// including the first post's activity id (to update a channel thread's
// root card later).
func (c *Client) StartConversation(ctx context.Context, serviceURL string, p ConversationParameters) (*ConversationResource, error) {
	base, err := c.baseURL(serviceURL)
	if err != nil {
		return nil, fmt.Errorf("connector create conversation: %w", err)
	}
	var key string
	switch {
	case p.ChannelData != nil && p.ChannelData.Channel != nil && p.ChannelData.Channel.ID != "":
		key = "channel:" + p.ChannelData.Channel.ID
	case len(p.Members) == 1 && p.Members[0].ID != "":
		key = "user:" + p.Members[0].ID
	default:
		return nil, errors.New("connector create conversation: need one member or a channel id")
	}
	if p.Activity != nil && p.Activity.Type == "" {
		act := *p.Activity
		act.Type = TypeMessage
		p.Activity = &act
	}
	body, err := json.Marshal(&p)
	if err != nil {
		return nil, fmt.Errorf("connector create conversation: encode: %w", err)
	}
	resp, err := c.do(ctx, request{op: "create conversation", method: http.MethodPost, url: base + "/v3/conversations", conv: key, body: body})
	if err != nil {
		return nil, err
	}
	var out ConversationResource
	if err := json.Unmarshal(resp, &out); err != nil {
		return nil, fmt.Errorf("connector create conversation: decode response: %w", err)
	}
	if out.ID == "" {
		return nil, errors.New("connector create conversation: response has no id")
	}
	return &out, nil
}

// Members lists the conversation's members (GET …/members): proof that
// the bot can reach it.
func (c *Client) Members(ctx context.Context, serviceURL, conversationID string) ([]ChannelAccount, error) {
	if conversationID == "" {
		return nil, errNoConversation
	}
	base, err := c.baseURL(serviceURL)
	if err != nil {
		return nil, fmt.Errorf("connector members: %w", err)
	}
	resp, err := c.do(ctx, request{op: "members", method: http.MethodGet,
		url:  base + "/v3/conversations/" + url.PathEscape(conversationID) + "/members",
		conv: conversationID, idempotent: true})
	if err != nil {
		return nil, err
	}
	var out []ChannelAccount
	if err := json.Unmarshal(resp, &out); err != nil {
		return nil, fmt.Errorf("connector members: decode response: %w", err)
	}
	return out, nil
}

// Token fetches a Bot Connector token (proof that the bot's credential
// works); the token itself is not returned.
func (c *Client) Token(ctx context.Context) error {
	_, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: c.scopes})
	return err
}
