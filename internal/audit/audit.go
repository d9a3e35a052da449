// Package audit is tapbot's append-only, hash-chained audit trail. Every
// record carries the SHA-256 of its predecessor, so Verify can name the
// record that was altered, removed or moved, and Export streams the chain
// as JSON lines for a SIEM. Records never hold a pass value.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

// maxAttempts bounds the append retries when other replicas win the
// next sequence number.
const maxAttempts = 50

// pageSize is how many records Verify and Export read at a time.
const pageSize = 500

// Log is where the chain is kept (any tap.Store): the three audit
// methods of tap.Store, with the same contracts.
type Log interface {
	// LastAudit returns the newest record; tap.ErrNotFound if none.
	LastAudit(ctx context.Context) (tap.AuditRecord, error)
	// AppendAudit inserts rec at LastAudit().Seq+1; tap.ErrConflict if
	// that seq is taken.
	AppendAudit(ctx context.Context, rec tap.AuditRecord) error
	// ListAudit returns records with Seq > after, in order, at most limit.
	ListAudit(ctx context.Context, after int64, limit int) ([]tap.AuditRecord, error)
}

// Trail appends to and checks the audit chain kept in a Log. It is
// safe for concurrent use; appends from several replicas are ordered by
// the store's unique sequence number.
type Trail struct {
	store Log
	now   func() time.Time
	log   *slog.Logger
	mu    sync.Mutex // serialises this process's appends to avoid self-conflicts
}

// New returns a Trail over store. now defaults to time.Now and log to
// slog.Default().
func New(store Log, now func() time.Time, log *slog.Logger) *Trail {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Trail{store: store, now: now, log: log}
}

// Record appends rec to the chain: it sets At (when zero), Seq, PrevHash
// and Hash, and retries when another writer took the sequence number. An
// error wraps tap.ErrAudit and means nothing was recorded; the caller must
// not go on with the action (fail closed).
func (t *Trail) Record(ctx context.Context, rec tap.AuditRecord) error {
	if rec.Action == "" {
		return fmt.Errorf("record audit: empty action: %w", tap.ErrAudit)
	}
	if rec.At.IsZero() {
		rec.At = t.now()
	}
	// Stores keep microseconds (PostgreSQL timestamptz); hash what they keep.
	rec.At = rec.At.UTC().Truncate(time.Microsecond)
	if len(rec.Detail) == 0 {
		rec.Detail = nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var lastErr error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("record audit %s: %w: %w", rec.Action, tap.ErrAudit, err)
		}
		last, err := t.store.LastAudit(ctx)
		switch {
		case errors.Is(err, tap.ErrNotFound):
			rec.Seq, rec.PrevHash = 1, ""
		case err != nil:
			return fmt.Errorf("record audit %s: read chain head: %w: %w", rec.Action, tap.ErrAudit, err)
		default:
			rec.Seq, rec.PrevHash = last.Seq+1, last.Hash
		}
		rec.Hash = Hash(rec)
		err = t.store.AppendAudit(ctx, rec)
		if err == nil {
			return nil
		}
		if !errors.Is(err, tap.ErrConflict) {
			return fmt.Errorf("record audit %s: append: %w: %w", rec.Action, tap.ErrAudit, err)
		}
		lastErr = err
		t.log.DebugContext(ctx, "audit append lost a race", "seq", rec.Seq, "attempt", attempt+1)
	}
	return fmt.Errorf("record audit %s: %d conflicting appends: %w: %w", rec.Action, maxAttempts, tap.ErrAudit, lastErr)
}

// Hash returns the hex SHA-256 of rec's canonical encoding: every field
// but Hash, each length-prefixed, Detail in key order, At in UTC with
// microseconds. It does not depend on JSON field order or map order.
func Hash(rec tap.AuditRecord) string {
	sum := sha256.Sum256(canonical(rec))
	return hex.EncodeToString(sum[:])
}

func canonical(rec tap.AuditRecord) []byte {
	var b strings.Builder
	b.WriteString("tapbot-audit-v1\n")
	field := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
		b.WriteByte('\n')
	}
	field(strconv.FormatInt(rec.Seq, 10))
	field(rec.At.UTC().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.000000Z"))
	field(rec.Actor)
	field(rec.Action)
	field(string(rec.Request))
	field(rec.MethodID)
	field(rec.Outcome)
	keys := make([]string, 0, len(rec.Detail))
	for k := range rec.Detail {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	field(strconv.Itoa(len(keys)))
	for _, k := range keys {
		field(k)
		field(rec.Detail[k])
	}
	field(rec.PrevHash)
	return []byte(b.String())
}
