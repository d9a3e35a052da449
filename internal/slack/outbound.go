package slack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
)

// Send posts m to a user's DM (conversations.open + chat.postMessage) or
// to a channel. A chat.ToChannel address with an empty ID means the
// approvers channel. It refuses a Message with a Secret.
func (a *Adapter) Send(ctx context.Context, addr chat.Address, m chat.Message) (tap.Ref, error) {
	if m.HasSecret() {
		return tap.Ref{}, fmt.Errorf("slack send: %w", chat.ErrSecretInPersistent)
	}
	if addr.Platform != "" && addr.Platform != Platform {
		return tap.Ref{}, fmt.Errorf("slack send to a %s address: %w", addr.Platform, tap.ErrInvalidInput)
	}
	var channel string
	switch addr.Kind {
	case chat.ToUser:
		user, err := a.userFor(ctx, addr)
		if err != nil {
			return tap.Ref{}, err
		}
		if channel, err = a.openDM(ctx, user); err != nil {
			return tap.Ref{}, err
		}
	case chat.ToChannel:
		channel = addr.ID
		if channel == "" {
			channel = a.cfg.ApproversChannel
		}
		if channel == "" {
			return tap.Ref{}, fmt.Errorf("slack send: no approvers channel configured: %w", chat.ErrUnreachable)
		}
	default:
		return tap.Ref{}, fmt.Errorf("slack send: address kind %q: %w", addr.Kind, tap.ErrInvalidInput)
	}
	ch, ts, err := a.post(ctx, channel, m)
	if err != nil {
		return tap.Ref{}, err
	}
	return tap.Ref{Platform: Platform, Conversation: ch, Message: ts}, nil
}

// Update replaces the message at ref (chat.update) for everyone. It
// refuses a Message with a Secret.
func (a *Adapter) Update(ctx context.Context, ref tap.Ref, m chat.Message) error {
	if m.HasSecret() {
		return fmt.Errorf("slack update: %w", chat.ErrSecretInPersistent)
	}
	if ref.Platform != Platform || ref.Conversation == "" || ref.Message == "" {
		return fmt.Errorf("slack update: bad ref: %w", tap.ErrInvalidInput)
	}
	blocks := messageBlocks(m, false, maxBlocksMessage)
	err := a.do(ctx, func(ctx context.Context) error {
		_, _, _, err := a.api.UpdateMessageContext(ctx, ref.Conversation, ref.Message,
			slack.MsgOptionBlocks(blocks...), slack.MsgOptionText(notifyText(m), false))
		return err
	})
	return classify("chat.update", err)
}

// userFor returns the Slack user id an address names: its ID, or the one
// the admin map or a stored conversation reference gives for its EntraID.
func (a *Adapter) userFor(ctx context.Context, addr chat.Address) (string, error) {
	if addr.ID != "" {
		return addr.ID, nil
	}
	if addr.EntraID == "" {
		return "", fmt.Errorf("slack send: empty address: %w", tap.ErrInvalidInput)
	}
	if id, ok := a.ids.slack[addr.EntraID]; ok {
		return id, nil
	}
	ref, err := a.store.GetConversation(ctx, "slack:user:"+string(addr.EntraID))
	if errors.Is(err, tap.ErrNotFound) {
		return "", fmt.Errorf("slack send: no slack user known for %s: %w", addr.EntraID, chat.ErrUnreachable)
	}
	if err != nil {
		return "", fmt.Errorf("slack send: conversation for %s: %w", addr.EntraID, err)
	}
	return string(ref), nil
}

// Learned implements chat.Learner: it stores which Slack user an Entra
// user is, so a message addressed by Entra id alone reaches them.
func (a *Adapter) Learned(ctx context.Context, u chat.User, id tap.UserID) {
	if id == "" || u.ID == "" || u.Platform != Platform {
		return
	}
	if prev, ok := a.learned.Load(id); ok && prev == u.ID {
		return
	}
	if err := a.store.PutConversation(ctx, "slack:user:"+string(id), []byte(u.ID)); err != nil {
		a.log.Warn("slack remember user", "slack_user", u.ID, "err", err)
		return
	}
	a.learned.Store(id, u.ID)
}

// openDM returns the DM channel with user (conversations.open, cached).
func (a *Adapter) openDM(ctx context.Context, user string) (string, error) {
	a.dmMu.Lock()
	ch, ok := a.dm[user]
	a.dmMu.Unlock()
	if ok {
		return ch, nil
	}
	var c *slack.Channel
	err := a.do(ctx, func(ctx context.Context) error {
		var err error
		c, _, _, err = a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}})
		return err
	})
	if err != nil {
		return "", classify("conversations.open", err)
	}
	a.dmMu.Lock()
	a.dm[user] = c.ID
	a.dmMu.Unlock()
	return c.ID, nil
}

// post sends m with chat.postMessage through the channel's pacing lane.
func (a *Adapter) post(ctx context.Context, channel string, m chat.Message) (string, string, error) {
	if m.HasSecret() {
		return "", "", fmt.Errorf("slack post: %w", chat.ErrSecretInPersistent)
	}
	blocks := messageBlocks(m, false, maxBlocksMessage)
	release, err := a.pace.acquire(ctx, channel)
	if err != nil {
		return "", "", fmt.Errorf("chat.postMessage %s: %w", channel, err)
	}
	defer release()
	var ch, ts string
	err = a.do(ctx, func(ctx context.Context) error {
		var err error
		ch, ts, err = a.api.PostMessageContext(ctx, channel,
			slack.MsgOptionBlocks(blocks...), slack.MsgOptionText(notifyText(m), false),
			slack.MsgOptionDisableLinkUnfurl(), slack.MsgOptionDisableMediaUnfurl())
		return err
	})
	if err != nil {
		return "", "", classify("chat.postMessage", err)
	}
	return ch, ts, nil
}

// do runs call, retrying after a 429 as Retry-After says, at most
// a.retries times and never waiting longer than a.maxWait or past ctx.
func (a *Adapter) do(ctx context.Context, call func(context.Context) error) error {
	for attempt := 0; ; attempt++ {
		err := call(ctx)
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) || attempt >= a.retries {
			return err
		}
		wait := max(rl.RetryAfter, time.Second)
		if wait > a.maxWait {
			return err
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return err
		}
		a.log.Info("slack rate limited, waiting", "retry_after_ms", wait.Milliseconds(), "attempt", attempt+1)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// unreachable are Slack error codes meaning the addressee cannot be reached.
var unreachable = map[string]bool{
	"channel_not_found": true, "not_in_channel": true, "user_not_found": true, "users_not_found": true,
	"cannot_dm_bot": true, "is_archived": true, "user_disabled": true, "user_not_visible": true,
	"user_not_in_channel": true, "messages_tab_disabled": true, "restricted_action": true,
}

// classify wraps a Slack error with the tap/chat sentinel it means. The
// result never holds a token or message content.
func classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var rl *slack.RateLimitedError
	var se slack.SlackErrorResponse
	var sc slack.StatusCodeError
	var ne net.Error
	switch {
	case errors.As(err, &rl):
		return fmt.Errorf("%s: rate limited (retry after %s): %w", op, rl.RetryAfter, tap.ErrThrottled)
	case errors.As(err, &se) && unreachable[se.Err]:
		return fmt.Errorf("%s: %s: %w", op, se.Err, chat.ErrUnreachable)
	case errors.As(err, &se) && se.Err == "ratelimited":
		return fmt.Errorf("%s: %s: %w", op, se.Err, tap.ErrThrottled)
	case errors.As(err, &se):
		return fmt.Errorf("%s: slack error %s: %w", op, se.Err, errors.New(se.Err))
	case errors.As(err, &sc) && sc.Code >= 500:
		return fmt.Errorf("%s: http %d: %w", op, sc.Code, tap.ErrUnavailable)
	case errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w: %w", op, tap.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
