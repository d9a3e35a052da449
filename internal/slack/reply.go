package slack

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/text"
)

// triggerBudget bounds a views.open on a trigger_id, which lives 3 s.
const triggerBudget = 2500 * time.Millisecond

// replier implements chat.Event.Reply for one delivery: a modal through
// the delivery's trigger_id when it has one and the message needs it (a
// form, a secret, a private action), otherwise an ephemeral message in the
// channel, a message in the DM the event came from, or a DM.
type replier struct {
	a       *Adapter
	user    string
	channel string
	trigger string
	direct  bool

	mu          sync.Mutex
	triggerUsed bool
	viewID      string
	viewHash    string
	viewFilled  bool
}

// openLoading opens the "Loading…" modal at once and reports whether it
// is open.
func (r *replier) openLoading(ctx context.Context) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.trigger == "" || r.triggerUsed {
		return false
	}
	r.triggerUsed = true
	ctx, cancel := context.WithTimeout(ctx, triggerBudget)
	defer cancel()
	res, err := r.a.api.OpenViewContext(ctx, r.trigger, loadingView())
	if err != nil {
		r.a.log.Warn("slack open loading modal", "slack_user", r.user, "err", classify("views.open", err))
		return false
	}
	r.viewID, r.viewHash = res.View.ID, res.View.Hash
	return true
}

// closeLoading answers a loading modal the handler left unanswered, so
// nobody waits on "Loading…" for ever.
func (r *replier) closeLoading(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.viewID == "" || r.viewFilled {
		return
	}
	r.viewFilled = true
	m := chat.Message{Title: text.PassTitleShort, Text: text.SlackNothingToShow}
	if err := r.updateView(ctx, contentView(m)); err != nil {
		r.a.log.Warn("slack close loading modal", "slack_user", r.user, "err", err)
	}
}

func (r *replier) reply(ctx context.Context, m chat.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.viewID != "" && (!r.viewFilled || m.HasSecret() || m.Form != nil):
		// The loading modal (private to the clicker) takes the first answer,
		// and any later one that must stay private.
		v := contentView(m)
		if m.Form != nil {
			v = formView(*m.Form, r.channel)
		}
		r.viewFilled = true
		return r.updateView(ctx, v)
	case (m.Form != nil || m.HasSecret()) && r.trigger != "" && !r.triggerUsed:
		r.triggerUsed = true
		v := contentView(m)
		if m.Form != nil {
			v = formView(*m.Form, r.channel)
		}
		ctx, cancel := context.WithTimeout(ctx, triggerBudget)
		defer cancel()
		res, err := r.a.api.OpenViewContext(ctx, r.trigger, v)
		if err != nil {
			return classify("views.open", err)
		}
		r.viewID, r.viewHash, r.viewFilled = res.View.ID, res.View.Hash, true
		return nil
	case m.HasSecret():
		return fmt.Errorf("reply with a pass: no private surface: %w", chat.ErrSecretInPersistent)
	}
	return r.a.postPrivate(ctx, r.user, r.channel, r.direct, m)
}

// updateView replaces the open modal, guarded by its hash.
func (r *replier) updateView(ctx context.Context, v slack.ModalViewRequest) error {
	var res *slack.ViewResponse
	err := r.a.do(ctx, func(ctx context.Context) error {
		var err error
		res, err = r.a.api.UpdateViewContext(ctx, v, "", r.viewHash, r.viewID)
		return err
	})
	if err != nil {
		return classify("views.update", err)
	}
	r.viewHash = res.View.Hash
	return nil
}

// postPrivate shows m to user only: in the DM the event came from, as an
// ephemeral message in the channel, or else in a DM.
func (a *Adapter) postPrivate(ctx context.Context, user, channel string, direct bool, m chat.Message) error {
	if m.HasSecret() {
		return fmt.Errorf("reply: %w", chat.ErrSecretInPersistent)
	}
	if direct && channel != "" {
		_, _, err := a.post(ctx, channel, m)
		return err
	}
	if channel != "" {
		blocks := messageBlocks(m, false, maxBlocksMessage)
		err := a.do(ctx, func(ctx context.Context) error {
			_, err := a.api.PostEphemeralContext(ctx, channel, user,
				slack.MsgOptionBlocks(blocks...), slack.MsgOptionText(notifyText(m), false))
			return err
		})
		if err == nil {
			return nil
		}
		if err = classify("chat.postEphemeral", err); !errors.Is(err, chat.ErrUnreachable) {
			return err
		}
		a.log.Info("slack ephemeral not possible, sending a DM", "slack_user", user, "channel", channel)
	}
	dm, err := a.openDM(ctx, user)
	if err != nil {
		return err
	}
	_, _, err = a.post(ctx, dm, m)
	return err
}
