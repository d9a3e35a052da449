// Package chattest is an in-memory chat platform for tests: a Messenger
// that records every message sent and updated, and helpers that build
// events whose private replies are captured, so the whole flow runs
// without Slack or Teams.
package chattest

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
)

// Platform is the test platform's name.
const Platform tap.Platform = "test"

// Posted is a message as it stands now in a conversation.
type Posted struct {
	Ref     tap.Ref
	To      chat.Address
	Message chat.Message
	// Sent is the message as first sent, before any update: what the
	// person was told (Message is what the card shows now).
	Sent    chat.Message
	Updates int
}

// Messenger records messages. It refuses secrets exactly like the real
// adapters and can be told that an address is unreachable.
type Messenger struct {
	mu          sync.Mutex
	seq         int
	posts       []*Posted
	unreachable map[string]bool
	failing     map[tap.Ref]bool // updates refused (an update lost)
	// Log holds every message ever sent or updated (including superseded
	// versions), for "the pass appears nowhere" checks.
	log []chat.Message
}

// New returns an empty Messenger.
func New() *Messenger {
	return &Messenger{unreachable: map[string]bool{}, failing: map[tap.Ref]bool{}}
}

// FailUpdates makes every Update of the message at ref fail (on) or
// succeed again (off): a chat API that loses a card's redraw.
func (m *Messenger) FailUpdates(ref tap.Ref, on bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if on {
		m.failing[ref] = true
	} else {
		delete(m.failing, ref)
	}
}

// Platform returns "test".
func (m *Messenger) Platform() tap.Platform { return Platform }

// SetUnreachable makes Send to the user or channel id fail with chat.ErrUnreachable.
func (m *Messenger) SetUnreachable(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.unreachable[id] = true
}

// SetReachable undoes SetUnreachable: the chat API answers again.
func (m *Messenger) SetReachable(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.unreachable, id)
}

func addrKey(a chat.Address) string {
	if a.ID != "" {
		return a.ID
	}
	return string(a.EntraID)
}

// Send records m.
func (m *Messenger) Send(_ context.Context, a chat.Address, msg chat.Message) (tap.Ref, error) {
	if msg.HasSecret() {
		return tap.Ref{}, chat.ErrSecretInPersistent
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	key := addrKey(a)
	if m.unreachable[key] {
		return tap.Ref{}, fmt.Errorf("send to %s: %w", key, chat.ErrUnreachable)
	}
	m.seq++
	ref := tap.Ref{Platform: Platform, Conversation: string(a.Kind) + ":" + key, Message: fmt.Sprintf("m%d", m.seq)}
	m.posts = append(m.posts, &Posted{Ref: ref, To: a, Message: msg, Sent: msg})
	m.log = append(m.log, msg)
	return ref, nil
}

// Update replaces the message at ref.
func (m *Messenger) Update(_ context.Context, ref tap.Ref, msg chat.Message) error {
	if msg.HasSecret() {
		return chat.ErrSecretInPersistent
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failing[ref] {
		return fmt.Errorf("update %s: the chat API failed", ref.Message)
	}
	for _, p := range m.posts {
		if p.Ref == ref {
			p.Message = msg
			p.Updates++
			m.log = append(m.log, msg)
			return nil
		}
	}
	return fmt.Errorf("update %s: %w", ref.Message, tap.ErrNotFound)
}

// To returns the messages currently shown to the user or channel id, in order.
func (m *Messenger) To(id string) []Posted {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Posted
	for _, p := range m.posts {
		if addrKey(p.To) == id {
			out = append(out, *p)
		}
	}
	return out
}

// Last returns the newest message shown to id, or false.
func (m *Messenger) Last(id string) (Posted, bool) {
	all := m.To(id)
	if len(all) == 0 {
		return Posted{}, false
	}
	return all[len(all)-1], true
}

// All returns every message version ever sent or updated.
func (m *Messenger) All() []chat.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]chat.Message(nil), m.log...)
}

// Replies captures the private replies of events built with Event.
type Replies struct {
	mu  sync.Mutex
	All []chat.Message
}

// Last returns the last private reply.
func (r *Replies) Last() chat.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.All) == 0 {
		return chat.Message{}
	}
	return r.All[len(r.All)-1]
}

// Text joins the plain text of every reply.
func (r *Replies) Text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, m := range r.All {
		b.WriteString(Text(m))
		b.WriteString("\n")
	}
	return b.String()
}

// Event returns ev with Reply wired to capture into a fresh Replies.
func Event(ev chat.Event) (chat.Event, *Replies) {
	r := &Replies{}
	ev.Reply = func(_ context.Context, m chat.Message) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.All = append(r.All, m)
		return nil
	}
	if ev.User.Platform == "" {
		ev.User.Platform = Platform
	}
	if ev.Conversation.Platform == "" {
		ev.Conversation.Platform = Platform
	}
	return ev, r
}

// Text renders a message as plain text (title, text, facts, buttons,
// form fields) for assertions and transcripts. The secret is printed as
// its redaction marker.
func Text(m chat.Message) string {
	var b strings.Builder
	if m.Title != "" {
		b.WriteString(m.Title + "\n")
	}
	if m.Text != "" {
		b.WriteString(chat.Plain(m.Text) + "\n")
	}
	for _, f := range m.Facts {
		b.WriteString(f.Label + ": " + f.Value + "\n")
	}
	if m.HasSecret() {
		b.WriteString(m.SecretCap + ": " + m.Secret.String() + "\n")
	}
	for _, bt := range m.Buttons {
		b.WriteString("[" + bt.Label + "] ")
	}
	if len(m.Buttons) > 0 {
		b.WriteString("\n")
	}
	if m.Form != nil {
		for _, f := range m.Form.Fields {
			b.WriteString("<" + f.Label + ">")
			if f.Error != "" {
				b.WriteString(" ! " + f.Error)
			}
			b.WriteString("\n")
		}
	}
	if m.Note != "" {
		b.WriteString(m.Note + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// ButtonValue returns the value of the first button with action id, or "".
func ButtonValue(m chat.Message, action string) string {
	for _, b := range m.Buttons {
		if b.Action == action {
			return b.Value
		}
	}
	return ""
}
