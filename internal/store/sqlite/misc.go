package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tapbot/tapbot/internal/store/schema"
	"github.com/tapbot/tapbot/internal/tap"
)

// GetSession returns a live session. ErrNotFound if absent or expired. A
// session with a zero Expires never expires.
func (s *Store) GetSession(ctx context.Context, key string) (tap.Session, error) {
	var (
		data    []byte
		expires sql.NullInt64
	)
	err := s.queryRow(ctx, s.r, `SELECT data, expires FROM sessions
		WHERE key = ? AND (expires IS NULL OR expires > ?)`, key, nanos(s.now())).Scan(&data, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return tap.Session{}, fmt.Errorf("get session %s: %w", key, tap.ErrNotFound)
	}
	if err != nil {
		return tap.Session{}, fmt.Errorf("get session %s: %w", key, err)
	}
	ss := tap.Session{Key: key, Data: data}
	if expires.Valid {
		ss.Expires = fromNanos(expires.Int64)
	}
	return ss, nil
}

// PutSession inserts or replaces a session.
func (s *Store) PutSession(ctx context.Context, ss tap.Session) error {
	data := ss.Data
	if data == nil {
		data = []byte{}
	}
	_, err := s.exec(ctx, s.w, `INSERT INTO sessions (key, data, expires) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET data = excluded.data, expires = excluded.expires`,
		ss.Key, data, nullNanos(ss.Expires))
	if err != nil {
		return fmt.Errorf("put session %s: %w", ss.Key, err)
	}
	return nil
}

// DeleteSession removes a session; absent is not an error.
func (s *Store) DeleteSession(ctx context.Context, key string) error {
	if _, err := s.exec(ctx, s.w, `DELETE FROM sessions WHERE key = ?`, key); err != nil {
		return fmt.Errorf("delete session %s: %w", key, err)
	}
	return nil
}

// PutConversation stores ref under key, replacing any earlier one.
func (s *Store) PutConversation(ctx context.Context, key string, ref []byte) error {
	if ref == nil {
		ref = []byte{}
	}
	_, err := s.exec(ctx, s.w, `INSERT INTO conversations (key, ref) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET ref = excluded.ref`, key, ref)
	if err != nil {
		return fmt.Errorf("put conversation %s: %w", key, err)
	}
	return nil
}

// GetConversation returns the ref stored under key. ErrNotFound if absent.
func (s *Store) GetConversation(ctx context.Context, key string) ([]byte, error) {
	var ref []byte
	err := s.queryRow(ctx, s.r, `SELECT ref FROM conversations WHERE key = ?`, key).Scan(&ref)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("get conversation %s: %w", key, tap.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get conversation %s: %w", key, err)
	}
	return ref, nil
}

const auditColumns = `seq, at, actor, action, request_id, method_id, outcome, detail, prev_hash, hash`

func scanAudit(sc interface{ Scan(...any) error }) (tap.AuditRecord, error) {
	var (
		rec    tap.AuditRecord
		at     int64
		detail sql.NullString
	)
	if err := sc.Scan(&rec.Seq, &at, &rec.Actor, &rec.Action, &rec.Request, &rec.MethodID,
		&rec.Outcome, &detail, &rec.PrevHash, &rec.Hash); err != nil {
		return rec, err
	}
	rec.At = fromNanos(at)
	if detail.Valid {
		if err := json.Unmarshal([]byte(detail.String), &rec.Detail); err != nil {
			return rec, fmt.Errorf("audit %d detail: %w", rec.Seq, err)
		}
	}
	return rec, nil
}

// LastAudit returns the newest audit record; ErrNotFound if none.
func (s *Store) LastAudit(ctx context.Context) (tap.AuditRecord, error) {
	rec, err := scanAudit(s.queryRow(ctx, s.r, `SELECT `+auditColumns+` FROM audit ORDER BY seq DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return tap.AuditRecord{}, fmt.Errorf("last audit record: %w", tap.ErrNotFound)
	}
	if err != nil {
		return tap.AuditRecord{}, fmt.Errorf("last audit record: %w", err)
	}
	return rec, nil
}

// AppendAudit inserts rec if rec.Seq is one past the newest record.
// ErrConflict if rec.Seq is taken; ErrInvalidInput if it would leave a gap.
func (s *Store) AppendAudit(ctx context.Context, rec tap.AuditRecord) error {
	if rec.Seq < 1 {
		return fmt.Errorf("append audit seq %d: %w", rec.Seq, tap.ErrInvalidInput)
	}
	var detail sql.NullString
	if rec.Detail != nil {
		b, err := json.Marshal(rec.Detail)
		if err != nil {
			return fmt.Errorf("append audit seq %d: %w", rec.Seq, err)
		}
		detail = sql.NullString{String: string(b), Valid: true}
	}
	res, err := s.exec(ctx, s.w, `INSERT INTO audit (`+auditColumns+`)
		SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE (SELECT coalesce(max(seq), 0) FROM audit) = ?`,
		rec.Seq, nanos(rec.At), rec.Actor, rec.Action, string(rec.Request), rec.MethodID, rec.Outcome,
		detail, rec.PrevHash, rec.Hash, rec.Seq-1)
	if err != nil {
		return fmt.Errorf("append audit seq %d: %w", rec.Seq, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("append audit seq %d: %w", rec.Seq, err)
	} else if n == 1 {
		return nil
	}
	var last int64
	if err := s.queryRow(ctx, s.w, `SELECT coalesce(max(seq), 0) FROM audit`).Scan(&last); err != nil {
		return fmt.Errorf("append audit seq %d: %w", rec.Seq, err)
	}
	if rec.Seq <= last {
		return fmt.Errorf("append audit seq %d: %w", rec.Seq, tap.ErrConflict)
	}
	return fmt.Errorf("append audit seq %d, next is %d: %w", rec.Seq, last+1, tap.ErrInvalidInput)
}

// ListAudit returns records with Seq > after, in order, at most limit (0: all).
func (s *Store) ListAudit(ctx context.Context, after int64, limit int) ([]tap.AuditRecord, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.query(ctx, s.r, `SELECT `+auditColumns+` FROM audit WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	defer rows.Close()
	var out []tap.AuditRecord
	for rows.Next() {
		rec, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("list audit: %w", err)
		}
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list audit: %w", err)
	}
	return out, nil
}

// AcquireLease takes or renews the named lease for holder until now+ttl.
// It returns false if another holder has it unexpired.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := s.now()
	res, err := s.exec(ctx, s.w, `INSERT INTO leases (name, holder, expires) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
		WHERE leases.holder = excluded.holder OR leases.expires <= ?`,
		name, holder, now.Add(ttl).UnixNano(), now.UnixNano())
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	return n == 1, nil
}

// Schema reports the database's schema version and the newest one this
// build's migrations reach (they differ after a downgrade).
func (s *Store) Schema(ctx context.Context) (current, latest int, err error) {
	if err := s.r.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&current); err != nil {
		return 0, 0, fmt.Errorf("schema version: %w", err)
	}
	latest, err = schema.Newest(migrations)
	return current, latest, err
}
