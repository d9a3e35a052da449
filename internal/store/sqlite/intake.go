package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

var _ tap.IntakeStore = (*Store)(nil)

// ReserveIntakeKey implements tap.IntakeStore: one upsert that takes the
// key only when it is free, expired or stale, then a read of the holder.
func (s *Store) ReserveIntakeKey(ctx context.Context, k tap.IntakeKey, ttl, stale time.Duration) (tap.IntakeKey, bool, error) {
	now := s.now().UTC()
	res, err := s.exec(ctx, s.w, `INSERT INTO intake_keys (caller, key, body_hash, request, created, expires)
		VALUES (?, ?, ?, '', ?, ?)
		ON CONFLICT (caller, key) DO UPDATE SET body_hash = excluded.body_hash, request = '',
			created = excluded.created, expires = excluded.expires
		WHERE intake_keys.expires <= ? OR (intake_keys.request = '' AND intake_keys.created <= ?)`,
		k.Caller, k.Key, k.BodyHash, nanos(now), nanos(now.Add(ttl)), nanos(now), nanos(now.Add(-stale)))
	if err != nil {
		return tap.IntakeKey{}, false, fmt.Errorf("reserve intake key: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return tap.IntakeKey{}, false, fmt.Errorf("reserve intake key: %w", err)
	} else if n == 1 {
		k.Request, k.Created, k.Expires = "", fromNanos(nanos(now)), fromNanos(nanos(now.Add(ttl)))
		return k, true, nil
	}
	var cur tap.IntakeKey
	var created, expires int64
	err = s.queryRow(ctx, s.w, `SELECT caller, key, body_hash, request, created, expires FROM intake_keys
		WHERE caller = ? AND key = ?`, k.Caller, k.Key).Scan(&cur.Caller, &cur.Key, &cur.BodyHash, &cur.Request, &created, &expires)
	if err != nil {
		return tap.IntakeKey{}, false, fmt.Errorf("read intake key: %w", err)
	}
	cur.Created, cur.Expires = fromNanos(created), fromNanos(expires)
	return cur, false, nil
}

// CompleteIntakeKey implements tap.IntakeStore, in one transaction.
func (s *Store) CompleteIntakeKey(ctx context.Context, caller, key, bodyHash string, id tap.RequestID, externalRef string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE intake_keys SET request = ?
			WHERE caller = ? AND key = ? AND body_hash = ? AND request = ''`, string(id), caller, key, bodyHash)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return tap.ErrNotFound
		}
		if externalRef == "" {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO intake_refs (caller, external_ref, request, created)
			VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, caller, externalRef, string(id), nanos(s.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("complete intake key: %w", err)
	}
	return nil
}

// ReleaseIntakeKey implements tap.IntakeStore.
func (s *Store) ReleaseIntakeKey(ctx context.Context, caller, key, bodyHash string) error {
	_, err := s.exec(ctx, s.w, `DELETE FROM intake_keys WHERE caller = ? AND key = ? AND body_hash = ? AND request = ''`,
		caller, key, bodyHash)
	if err != nil {
		return fmt.Errorf("release intake key: %w", err)
	}
	return nil
}

// IntakeRequests implements tap.IntakeStore.
func (s *Store) IntakeRequests(ctx context.Context, caller, externalRef string) ([]tap.RequestID, error) {
	rows, err := s.query(ctx, s.r, `SELECT request FROM intake_refs WHERE caller = ? AND external_ref = ?
		ORDER BY created, request`, caller, externalRef)
	if err != nil {
		return nil, fmt.Errorf("list intake requests: %w", err)
	}
	defer rows.Close()
	var ids []tap.RequestID
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list intake requests: %w", err)
		}
		ids = append(ids, tap.RequestID(id))
	}
	if err := rows.Err(); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("list intake requests: %w", err)
	}
	return ids, nil
}
