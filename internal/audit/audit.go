// Package audit is tapbot's append-only audit trail. Every record carries
// the MAC of its predecessor: HMAC-SHA256 under an audit key kept outside
// the database (WithKey), so someone who can write the database cannot
// rewrite a record and recompute the chain. Verify names the record that
// was altered, removed, moved or written without the key; an Anchor (the
// head's sequence number and MAC, logged every hour and exported by
// 'bot audit anchor') kept elsewhere proves later that the trail up to it
// was neither rewritten nor cut off. Export streams the chain as JSON
// lines for a SIEM. Records never hold a pass value.
//
// Records written before the key existed carry a plain SHA-256 (64 hex
// digits, format v1); keyed records carry "hmac-sha256:" and the MAC
// (format v2). Verify accepts v1 records only as a legacy prefix: the
// first keyed record's MAC covers the last legacy hash and so the whole
// prefix; an unkeyed record after a keyed one, or an unkeyed newest
// record once the bot has adopted the key (AdoptKey), is reported.
package audit

import (
	"context"
	"crypto/hmac"
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

// MACPrefix starts the stored hash of a keyed (v2) record; an unkeyed
// (v1, legacy) record's hash is 64 hex digits with no prefix.
const MACPrefix = "hmac-sha256:"

// MinKeyLen is the shortest audit key WithKey accepts, in bytes.
const MinKeyLen = 32

// ErrBadKey means the audit key given to WithKey is missing or shorter
// than MinKeyLen. A Trail built with it records nothing (fail closed).
var ErrBadKey = errors.New("audit key missing or shorter than 32 bytes")

// RotateAction is the action of the record AdoptKey appends when the
// chain's head is keyed under a previous key.
const RotateAction = "audit_key_rotated"

// AdoptAction is the action of the record AdoptKey appends.
const AdoptAction = "audit_key_adopted"

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
	store  Log
	now    func() time.Time
	log    *slog.Logger
	key    []byte     // nil: unkeyed (v1) trail
	prev   [][]byte   // previous keys: verify only (WithPreviousKeys)
	keyErr error      // set by WithKey or WithPreviousKeys with a bad key
	mu     sync.Mutex // serialises this process's appends to avoid self-conflicts
}

// Option configures a Trail.
type Option func(*Trail)

// WithKey makes the trail keyed: records are chained with HMAC-SHA256
// under key (at least MinKeyLen bytes, kept outside the database), and
// Verify checks every keyed record's MAC. A shorter or nil key makes
// Record and Verify fail with ErrBadKey instead of writing unkeyed
// records.
func WithKey(key []byte) Option {
	return func(t *Trail) {
		if len(key) < MinKeyLen {
			t.key, t.keyErr = nil, ErrBadKey
			return
		}
		t.key, t.keyErr = slices.Clone(key), nil
	}
}

// WithPreviousKeys lets Verify accept records keyed before the audit key
// was rotated: the chain up to the rotation verifies under these keys,
// and AdoptKey seals it under the current one (RotateAction). A record
// under a previous key after one under the current key is reported.
func WithPreviousKeys(keys ...[]byte) Option {
	return func(t *Trail) {
		for _, k := range keys {
			if len(k) < MinKeyLen {
				t.keyErr = ErrBadKey
				return
			}
			t.prev = append(t.prev, slices.Clone(k))
		}
	}
}

// New returns a Trail over store. now defaults to time.Now and log to
// slog.Default(). Without WithKey the trail is unkeyed (format v1).
func New(store Log, now func() time.Time, log *slog.Logger, opts ...Option) *Trail {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	t := &Trail{store: store, now: now, log: log}
	for _, o := range opts {
		o(t)
	}
	return t
}

// Keyed reports whether the trail writes and checks MACs.
func (t *Trail) Keyed() bool { return t.key != nil }

// Record appends rec to the chain: it sets At (when zero), Seq, PrevHash
// and Hash, and retries when another writer took the sequence number. An
// error wraps tap.ErrAudit and means nothing was recorded; the caller must
// not go on with the action (fail closed).
func (t *Trail) Record(ctx context.Context, rec tap.AuditRecord) error {
	if rec.Action == "" {
		return fmt.Errorf("record audit: empty action: %w", tap.ErrAudit)
	}
	if t.keyErr != nil {
		return fmt.Errorf("record audit %s: %w: %w", rec.Action, tap.ErrAudit, t.keyErr)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	_, err := t.append(ctx, t.normalise(rec), nil)
	return err
}

// AdoptKey seals the legacy records of a trail that was unkeyed until
// now: when the newest record is unkeyed, it appends a keyed record
// (action AdoptAction, actor "system") whose MAC covers the last legacy
// hash and so every legacy record. Likewise after a rotation: when the
// newest record is keyed under a previous key (WithPreviousKeys), it
// appends a RotateAction record under the current key. It does nothing
// (false) on an empty trail, when the head is already under the current
// key (or under no key it knows), or when the trail has no key.
// Run it at start-up: once it has run, an unkeyed newest record can only
// mean that keyed records were removed or rewritten, and Verify says so.
func (t *Trail) AdoptKey(ctx context.Context) (bool, error) {
	if t.keyErr != nil {
		return false, fmt.Errorf("adopt audit key: %w: %w", tap.ErrAudit, t.keyErr)
	}
	if t.key == nil {
		return false, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	rec := t.normalise(tap.AuditRecord{Actor: "system", Action: AdoptAction, Outcome: "ok"})
	return t.append(ctx, rec, func(last tap.AuditRecord, rec *tap.AuditRecord) bool {
		switch {
		case last.Seq == 0:
			return false
		case !isKeyed(last.Hash):
			rec.Action = AdoptAction
			rec.Detail = map[string]string{"legacy_records": strconv.FormatInt(last.Seq, 10)}
			return true
		case t.keyOf(last) > 0:
			rec.Action = RotateAction
			rec.Detail = map[string]string{"previous_key_records": strconv.FormatInt(last.Seq, 10)}
			return true
		}
		return false
	})
}

// normalise sets At and trims it to what the stores keep (PostgreSQL
// timestamptz: microseconds), so the MAC covers what is stored.
func (t *Trail) normalise(rec tap.AuditRecord) tap.AuditRecord {
	if rec.At.IsZero() {
		rec.At = t.now()
	}
	rec.At = rec.At.UTC().Truncate(time.Microsecond)
	if len(rec.Detail) == 0 {
		rec.Detail = nil
	}
	return rec
}

// append links rec to the current head and appends it, retrying when
// another writer took the sequence number. prepare, when not nil, sees the
// head (Seq 0 when the trail is empty) before each attempt and may fill in
// rec; false means append nothing.
func (t *Trail) append(ctx context.Context, rec tap.AuditRecord, prepare func(last tap.AuditRecord, rec *tap.AuditRecord) bool) (bool, error) {
	var lastErr error
	for attempt := 0; attempt < maxAttempts; attempt++ {
		if err := ctx.Err(); err != nil {
			return false, fmt.Errorf("record audit %s: %w: %w", rec.Action, tap.ErrAudit, err)
		}
		last, err := t.store.LastAudit(ctx)
		switch {
		case errors.Is(err, tap.ErrNotFound):
			last = tap.AuditRecord{}
		case err != nil:
			return false, fmt.Errorf("record audit %s: read chain head: %w: %w", rec.Action, tap.ErrAudit, err)
		}
		if prepare != nil && !prepare(last, &rec) {
			return false, nil
		}
		rec.Seq, rec.PrevHash = last.Seq+1, last.Hash
		rec.Hash = t.link(rec)
		err = t.store.AppendAudit(ctx, rec)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, tap.ErrConflict) {
			return false, fmt.Errorf("record audit %s: append: %w: %w", rec.Action, tap.ErrAudit, err)
		}
		lastErr = err
		t.log.DebugContext(ctx, "audit append lost a race", "seq", rec.Seq, "attempt", attempt+1)
	}
	return false, fmt.Errorf("record audit %s: %d conflicting appends: %w: %w", rec.Action, maxAttempts, tap.ErrAudit, lastErr)
}

// link is the stored hash of rec: its MAC on a keyed trail, else its
// legacy SHA-256.
func (t *Trail) link(rec tap.AuditRecord) string {
	if t.key != nil {
		return MAC(t.key, rec)
	}
	return Hash(rec)
}

// isKeyed reports whether a stored hash is a v2 MAC.
func isKeyed(h string) bool { return strings.HasPrefix(h, MACPrefix) }

// Hash returns the legacy (v1, unkeyed) link of rec: the hex SHA-256 of
// its canonical encoding (every field but Hash, each length-prefixed,
// Detail in key order, At in UTC with microseconds). Anyone can recompute
// it, which is why keyed trails use MAC.
func Hash(rec tap.AuditRecord) string {
	sum := sha256.Sum256(canonical("tapbot-audit-v1", rec))
	return hex.EncodeToString(sum[:])
}

// MAC returns the keyed (v2) link of rec: MACPrefix and the hex
// HMAC-SHA256 under key of the same canonical encoding as Hash, with a
// v2 header.
func MAC(key []byte, rec tap.AuditRecord) string {
	m := hmac.New(sha256.New, key)
	m.Write(canonical("tapbot-audit-v2", rec))
	return MACPrefix + hex.EncodeToString(m.Sum(nil))
}

func canonical(version string, rec tap.AuditRecord) []byte {
	var b strings.Builder
	b.WriteString(version)
	b.WriteByte('\n')
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
