// Package outq bounds the replies and notices tapbot sends. It wraps each
// platform's chat.Messenger: sends to one conversation go out one at a
// time, in order, so a conversation whose platform answers 429 or retries
// holds only its own callers; and what waits there is bounded:
//
//   - a reply to a person's message (a context marked with AsReply: help,
//     "I didn't understand", the dialog's next question) waits only while
//     nothing newer is waiting: a newer reply to the same conversation
//     drops the older one (coalesced, the newest answer is the one that
//     matters), and beyond the global cap on waiting replies a new one is
//     dropped at once;
//   - an update of a message (a card redrawn) replaces an update of the
//     same message still waiting, so a click storm on a slow channel holds
//     one caller in flight and one waiting, not one per click;
//   - a notice (everything not marked as a reply: a request submitted,
//     decided, a pass ready, a card posted) is never dropped; it waits its
//     turn. Notices are bounded upstream: each comes from a request's
//     transition, which the inbound pool and the policy's quotas bound.
//
// Dropped replies and replaced updates are counted (Stats).
package outq

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
)

// DefaultMaxReplies is how many replies may wait, all conversations
// together, before a new one is dropped.
const DefaultMaxReplies = 256

// ErrDropped is returned for a reply that was not sent: a newer reply to
// the same conversation took its place, or too many replies were waiting.
var ErrDropped = errors.New("outq: reply dropped, the conversation's outbound is backed up")

type replyKey struct{}

// AsReply marks ctx: what is sent with it is a reply to a person's own
// message, which may be dropped when a newer one waits (never a notice).
func AsReply(ctx context.Context) context.Context { return context.WithValue(ctx, replyKey{}, true) }

func isReply(ctx context.Context) bool { v, _ := ctx.Value(replyKey{}).(bool); return v }

// Stats are a Gate's counters.
type Stats struct {
	// Dropped replies; Replaced updates (superseded before they were sent).
	Dropped, Replaced int64
	// Waiting is how many sends and updates wait for their turn now.
	Waiting int
}

// Gate holds the per-conversation lanes of every messenger it wraps. It
// is safe for concurrent use.
type Gate struct {
	maxReplies int

	mu      sync.Mutex
	lanes   map[string]*lane
	replies int // waiting replies, all lanes
	waiting int

	dropped, replaced atomic.Int64
}

// lane is one conversation: busy while a call is in flight; waiters in
// arrival order.
type lane struct {
	busy    bool
	waiters []*waiter
}

type waiter struct {
	ready  chan error // nil: your turn; ErrDropped or errReplaced: not sent
	reply  bool
	update string // the message ref of an update, "" for a send
}

var errReplaced = errors.New("outq: update replaced by a newer one")

// New returns a gate allowing maxReplies waiting replies (default
// DefaultMaxReplies when ≤ 0).
func New(maxReplies int) *Gate {
	if maxReplies <= 0 {
		maxReplies = DefaultMaxReplies
	}
	return &Gate{maxReplies: maxReplies, lanes: map[string]*lane{}}
}

// Stats returns the counters.
func (g *Gate) Stats() Stats {
	g.mu.Lock()
	w := g.waiting
	g.mu.Unlock()
	return Stats{Dropped: g.dropped.Load(), Replaced: g.replaced.Load(), Waiting: w}
}

// Wrap returns m with its sends and updates going through g.
func (g *Gate) Wrap(m chat.Messenger) chat.Messenger { return &messenger{g: g, m: m} }

type messenger struct {
	g *Gate
	m chat.Messenger
}

func (w *messenger) Platform() tap.Platform { return w.m.Platform() }

// Learned passes chat.Learner on to the wrapped messenger, if it is one.
func (w *messenger) Learned(ctx context.Context, u chat.User, id tap.UserID) {
	if l, ok := w.m.(chat.Learner); ok {
		l.Learned(ctx, u, id)
	}
}

func (w *messenger) Send(ctx context.Context, a chat.Address, m chat.Message) (tap.Ref, error) {
	key := string(w.m.Platform()) + "|" + string(a.Kind) + "|" + a.ID
	if a.ID == "" {
		key += "|entra:" + string(a.EntraID)
	}
	release, err := w.g.acquire(ctx, key, isReply(ctx), "")
	if err != nil {
		return tap.Ref{}, err
	}
	defer release()
	return w.m.Send(ctx, a, m)
}

func (w *messenger) Update(ctx context.Context, ref tap.Ref, m chat.Message) error {
	key := string(w.m.Platform()) + "|" + string(chat.ToChannel) + "|" + ref.Conversation
	release, err := w.g.acquire(ctx, key, false, ref.Message)
	if errors.Is(err, errReplaced) {
		return nil // a newer drawing of the same message is sent instead
	}
	if err != nil {
		return err
	}
	defer release()
	return w.m.Update(ctx, ref, m)
}

// acquire waits for key's turn. A reply drops the reply already waiting
// in the lane; an update replaces a waiting update of the same message.
func (g *Gate) acquire(ctx context.Context, key string, reply bool, update string) (release func(), err error) {
	g.mu.Lock()
	l := g.lanes[key]
	if l == nil {
		l = &lane{}
		g.lanes[key] = l
	}
	if !l.busy && len(l.waiters) == 0 {
		l.busy = true
		g.mu.Unlock()
		return func() { g.next(key, l) }, nil
	}
	for i, w := range l.waiters {
		if (reply && w.reply) || (update != "" && w.update == update) {
			l.waiters = append(l.waiters[:i], l.waiters[i+1:]...)
			g.waiting--
			if w.reply {
				g.replies--
				g.dropped.Add(1)
				w.ready <- ErrDropped
			} else {
				g.replaced.Add(1)
				w.ready <- errReplaced
			}
			break
		}
	}
	if reply && g.replies >= g.maxReplies {
		g.mu.Unlock()
		g.dropped.Add(1)
		return nil, ErrDropped
	}
	w := &waiter{ready: make(chan error, 1), reply: reply, update: update}
	l.waiters = append(l.waiters, w)
	g.waiting++
	if reply {
		g.replies++
	}
	g.mu.Unlock()
	select {
	case err := <-w.ready:
		if err != nil {
			return nil, err
		}
		return func() { g.next(key, l) }, nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		select {
		case err := <-w.ready: // the turn (or a drop) came meanwhile
			if err == nil {
				g.handOn(key, l)
			}
			return nil, ctx.Err()
		default:
		}
		for i, x := range l.waiters {
			if x == w {
				l.waiters = append(l.waiters[:i], l.waiters[i+1:]...)
				g.waiting--
				if reply {
					g.replies--
				}
				break
			}
		}
		return nil, ctx.Err()
	}
}

// next ends the caller's turn in l and hands it on.
func (g *Gate) next(key string, l *lane) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.handOn(key, l)
}

// handOn gives l's turn to its oldest waiter, or frees the lane (g.mu
// held). An idle lane is forgotten, so the table holds only conversations
// with something in flight.
func (g *Gate) handOn(key string, l *lane) {
	if len(l.waiters) == 0 {
		l.busy = false
		delete(g.lanes, key)
		return
	}
	w := l.waiters[0]
	l.waiters = l.waiters[1:]
	g.waiting--
	if w.reply {
		g.replies--
	}
	w.ready <- nil
}
