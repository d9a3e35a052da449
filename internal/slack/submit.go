package slack

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
)

// onViewSubmission handles a modal submission synchronously: Slack waits
// (3 s) for a response_action, so the handler runs at once and its first
// answer decides it. A reply whose form has field errors keeps the modal
// open with the errors inline; a new form or a private message replaces the
// modal; anything else closes it and is sent as a message. Replies after
// the wait go out as messages.
func (a *Adapter) onViewSubmission(ctx context.Context, in *interaction) ack {
	if in.User.ID == "" || in.View.ID == "" {
		return ackOK
	}
	// Each submission carries a fresh trigger_id; a resubmission after
	// inline errors keeps the view's id and hash, so those only serve when
	// the trigger is missing.
	key := "view:" + in.View.ID + ":" + in.View.Hash
	if in.TriggerID != "" {
		key = "view:" + in.TriggerID
	}
	first, err := a.seen(ctx, key)
	if err != nil {
		a.log.Error("slack de-duplication", "err", err)
		return ackRetry
	}
	if !first {
		return ackOK
	}
	meta := decodeMeta(in.View.PrivateMetadata)
	team := in.User.TeamID
	if team == "" {
		team = in.Team.ID
	}
	rp := &submitReplier{base: &replier{a: a, user: in.User.ID, channel: meta.Channel, direct: isIM(meta.Channel)}}
	ev := chat.Event{
		Kind:         chat.KindForm,
		User:         chat.User{Platform: Platform, ID: in.User.ID, Name: in.User.Name, Team: team},
		Conversation: tap.Ref{Platform: Platform, Conversation: meta.Channel},
		Direct:       isIM(meta.Channel),
		Form:         in.View.CallbackID,
		Fields:       formFields(in.View.State.Values),
		State:        meta.State,
		DeliveryID:   key,
		Reply:        rp.reply,
	}
	done := make(chan struct{})
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer close(done)
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.timeout)
		defer cancel()
		if !a.fillUser(hctx, &ev.User) {
			return
		}
		a.handle(hctx, ev)
	}()
	wait := time.NewTimer(a.submitWait)
	select {
	case <-done:
	case <-wait.C:
	}
	wait.Stop()
	return ack{body: rp.respond()}
}

// submitReplier buffers replies until the submission is answered.
type submitReplier struct {
	base *replier

	mu        sync.Mutex
	responded bool
	errors    map[string]string
	view      *slack.ModalViewRequest
	pending   []chat.Message
}

func (s *submitReplier) reply(ctx context.Context, m chat.Message) error {
	s.mu.Lock()
	if s.responded {
		s.mu.Unlock()
		return s.base.reply(ctx, m)
	}
	defer s.mu.Unlock()
	switch errs := formErrors(m.Form); {
	case len(errs) > 0 && s.errors == nil:
		s.errors = errs
	case m.Form != nil && s.view == nil:
		v := formView(*m.Form, s.base.channel)
		s.view = &v
	case m.HasSecret() && s.view == nil:
		v := contentView(m)
		s.view = &v
	case m.HasSecret():
		return chat.ErrSecretInPersistent
	default:
		s.pending = append(s.pending, m)
	}
	return nil
}

// respond fixes the response_action; later replies go out as messages.
func (s *submitReplier) respond() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.responded = true
	var res *slack.ViewSubmissionResponse
	switch {
	case s.errors != nil:
		res = slack.NewErrorsViewSubmissionResponse(s.errors)
	case s.view != nil:
		res = slack.NewUpdateViewSubmissionResponse(s.view)
	default:
		res = slack.NewClearViewSubmissionResponse()
	}
	if pending := s.pending; len(pending) > 0 {
		b := s.base
		b.a.wg.Add(1)
		go func() {
			defer b.a.wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), b.a.timeout)
			defer cancel()
			for _, m := range pending {
				if err := b.a.postPrivate(ctx, b.user, b.channel, b.direct, m); err != nil {
					b.a.log.Warn("slack reply after form submission", "slack_user", b.user, "err", err)
				}
			}
		}()
	}
	out, _ := json.Marshal(res)
	return out
}
