package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tapbot/tapbot/internal/store/schema"
	"github.com/tapbot/tapbot/internal/tap"
)

// GetSession returns a live session. ErrNotFound if absent or expired. A
// session with a zero Expires never expires.
func (s *Store) GetSession(ctx context.Context, key string) (tap.Session, error) {
	var (
		data    []byte
		expires *int64
	)
	err := s.pool.QueryRow(ctx, `SELECT data, expires FROM sessions
		WHERE key = $1 AND (expires IS NULL OR expires > $2)`, key, s.now().UnixNano()).Scan(&data, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return tap.Session{}, fmt.Errorf("get session %s: %w", key, tap.ErrNotFound)
	}
	if err != nil {
		return tap.Session{}, fmt.Errorf("get session %s: %w", key, err)
	}
	ss := tap.Session{Key: key, Data: data}
	if expires != nil {
		ss.Expires = fromNanos(*expires)
	}
	return ss, nil
}

// PutSession inserts or replaces a session.
func (s *Store) PutSession(ctx context.Context, ss tap.Session) error {
	data := ss.Data
	if data == nil {
		data = []byte{}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO sessions (key, data, expires) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET data = excluded.data, expires = excluded.expires`,
		ss.Key, data, nullNanos(ss.Expires))
	if err != nil {
		return fmt.Errorf("put session %s: %w", ss.Key, err)
	}
	return nil
}

// DeleteSession removes a session; absent is not an error.
func (s *Store) DeleteSession(ctx context.Context, key string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE key = $1`, key); err != nil {
		return fmt.Errorf("delete session %s: %w", key, err)
	}
	return nil
}

// PutConversation stores ref under key, replacing any earlier one.
func (s *Store) PutConversation(ctx context.Context, key string, ref []byte) error {
	if ref == nil {
		ref = []byte{}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO conversations (key, ref) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET ref = excluded.ref`, key, ref)
	if err != nil {
		return fmt.Errorf("put conversation %s: %w", key, err)
	}
	return nil
}

// GetConversation returns the ref stored under key. ErrNotFound if absent.
func (s *Store) GetConversation(ctx context.Context, key string) ([]byte, error) {
	var ref []byte
	err := s.pool.QueryRow(ctx, `SELECT ref FROM conversations WHERE key = $1`, key).Scan(&ref)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("get conversation %s: %w", key, tap.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get conversation %s: %w", key, err)
	}
	return ref, nil
}

const auditColumns = `seq, at, actor, action, request_id, method_id, outcome, detail, prev_hash, hash`

func scanAudit(row pgx.Row) (tap.AuditRecord, error) {
	var (
		rec    tap.AuditRecord
		at     int64
		detail []byte
		req    string
	)
	if err := row.Scan(&rec.Seq, &at, &rec.Actor, &rec.Action, &req, &rec.MethodID,
		&rec.Outcome, &detail, &rec.PrevHash, &rec.Hash); err != nil {
		return rec, err
	}
	rec.Request = tap.RequestID(req)
	rec.At = fromNanos(at)
	if detail != nil {
		if err := json.Unmarshal(detail, &rec.Detail); err != nil {
			return rec, fmt.Errorf("audit %d detail: %w", rec.Seq, err)
		}
	}
	return rec, nil
}

// LastAudit returns the newest audit record; ErrNotFound if none.
func (s *Store) LastAudit(ctx context.Context) (tap.AuditRecord, error) {
	rec, err := scanAudit(s.pool.QueryRow(ctx, `SELECT `+auditColumns+` FROM audit ORDER BY seq DESC LIMIT 1`))
	if errors.Is(err, pgx.ErrNoRows) {
		return tap.AuditRecord{}, fmt.Errorf("last audit record: %w", tap.ErrNotFound)
	}
	if err != nil {
		return tap.AuditRecord{}, fmt.Errorf("last audit record: %w", err)
	}
	return rec, nil
}

// AppendAudit inserts rec if rec.Seq is one past the newest record.
// ErrConflict if rec.Seq is taken (also when a concurrent append of the
// same seq commits first); ErrInvalidInput if it would leave a gap.
func (s *Store) AppendAudit(ctx context.Context, rec tap.AuditRecord) error {
	if rec.Seq < 1 {
		return fmt.Errorf("append audit seq %d: %w", rec.Seq, tap.ErrInvalidInput)
	}
	var detail *string
	if rec.Detail != nil {
		b, err := json.Marshal(rec.Detail)
		if err != nil {
			return fmt.Errorf("append audit seq %d: %w", rec.Seq, err)
		}
		d := string(b)
		detail = &d
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO audit (`+auditColumns+`)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10
		WHERE (SELECT coalesce(max(seq), 0) FROM audit) = $1::bigint - 1`,
		rec.Seq, nanos(rec.At), rec.Actor, rec.Action, string(rec.Request), rec.MethodID, rec.Outcome,
		detail, rec.PrevHash, rec.Hash)
	if isUnique(err) {
		return fmt.Errorf("append audit seq %d: %w", rec.Seq, tap.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("append audit seq %d: %w", rec.Seq, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var last int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM audit`).Scan(&last); err != nil {
		return fmt.Errorf("append audit seq %d: %w", rec.Seq, err)
	}
	if rec.Seq <= last {
		return fmt.Errorf("append audit seq %d: %w", rec.Seq, tap.ErrConflict)
	}
	return fmt.Errorf("append audit seq %d, next is %d: %w", rec.Seq, last+1, tap.ErrInvalidInput)
}

// ListAudit returns records with Seq > after, in order, at most limit (0: all).
func (s *Store) ListAudit(ctx context.Context, after int64, limit int) ([]tap.AuditRecord, error) {
	var lim *int
	if limit > 0 {
		lim = &limit
	}
	rows, err := s.pool.Query(ctx, `SELECT `+auditColumns+` FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2`, after, lim)
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

// AcquireLease takes or renews the named lease for holder until now+ttl
// by the database clock. It returns false if another holder has it
// unexpired.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO leases (name, holder, expires)
		VALUES ($1, $2, clock_timestamp() + $3::bigint * interval '1 microsecond')
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires
		WHERE leases.holder = excluded.holder OR leases.expires <= clock_timestamp()`,
		name, holder, ttl.Microseconds())
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Schema reports the database's schema version and the newest one this
// build's migrations reach (they differ after a downgrade).
func (s *Store) Schema(ctx context.Context) (current, latest int, err error) {
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&current); err != nil {
		return 0, 0, fmt.Errorf("schema version: %w", err)
	}
	latest, err = schema.Newest(migrations)
	return current, latest, err
}
