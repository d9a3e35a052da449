// Package logthrottle rate-limits repeated identical log records: a
// slog.Handler wrapper that passes the first WARN (or higher) record with a
// given level, message and attributes, swallows its repeats, and once a
// window (default a minute) has passed logs one record carrying how many
// were swallowed. A flood of rejected deliveries then writes a line a
// minute, not one per delivery.
package logthrottle

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// DefaultWindow is how often a repeated record's count is logged.
const DefaultWindow = time.Minute

// maxKeys bounds the table of records seen in the current window.
const maxKeys = 4096

// Handler wraps a slog.Handler. Records below MinLevel pass untouched.
type Handler struct {
	next  slog.Handler
	group string // the WithGroup/WithAttrs path, part of the key
	st    *state
}

type state struct {
	window time.Duration
	min    slog.Level

	mu   sync.Mutex
	seen map[string]*entry
}

type entry struct {
	rec        slog.Record
	next       slog.Handler
	suppressed int
	timer      *time.Timer
}

// New wraps next; window ≤ 0 means DefaultWindow. Records of level
// slog.LevelWarn and above are throttled.
func New(next slog.Handler, window time.Duration) *Handler {
	if window <= 0 {
		window = DefaultWindow
	}
	return &Handler{next: next, st: &state{window: window, min: slog.LevelWarn, seen: map[string]*entry{}}}
}

// Enabled reports whether next handles level.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// WithAttrs returns a handler sharing h's table.
func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	return &Handler{next: h.next.WithAttrs(as), group: h.group + "|" + attrsKey(as), st: h.st}
}

// WithGroup returns a handler sharing h's table.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{next: h.next.WithGroup(name), group: h.group + "|g:" + name, st: h.st}
}

// Handle passes r on unless an identical record was passed in the current
// window, in which case r is counted.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < h.st.min {
		return h.next.Handle(ctx, r)
	}
	key := h.key(r)
	st := h.st
	st.mu.Lock()
	if e := st.seen[key]; e != nil {
		e.suppressed++
		st.mu.Unlock()
		return nil
	}
	if len(st.seen) >= maxKeys {
		st.mu.Unlock()
		return h.next.Handle(ctx, r) // table full: never lose a line
	}
	e := &entry{rec: r.Clone(), next: h.next}
	st.seen[key] = e
	e.timer = time.AfterFunc(st.window, func() { st.flush(key) })
	st.mu.Unlock()
	return h.next.Handle(ctx, r)
}

// flush ends key's window: the count of swallowed repeats is logged, and
// the next identical record starts a new window.
func (st *state) flush(key string) {
	st.mu.Lock()
	e := st.seen[key]
	delete(st.seen, key)
	st.mu.Unlock()
	if e == nil || e.suppressed == 0 {
		return
	}
	r := slog.NewRecord(time.Now(), e.rec.Level, e.rec.Message, 0)
	e.rec.Attrs(func(a slog.Attr) bool { r.AddAttrs(a); return true })
	r.AddAttrs(slog.Int("repeated", e.suppressed), slog.Duration("repeated_within", st.window))
	_ = e.next.Handle(context.Background(), r)
}

func (h *Handler) key(r slog.Record) string {
	var b strings.Builder
	b.WriteString(h.group)
	b.WriteString("|")
	b.WriteString(r.Level.String())
	b.WriteString("|")
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString("|")
		b.WriteString(a.String())
		return true
	})
	return b.String()
}

func attrsKey(as []slog.Attr) string {
	var b strings.Builder
	for _, a := range as {
		b.WriteString(a.String())
		b.WriteString(",")
	}
	return b.String()
}
