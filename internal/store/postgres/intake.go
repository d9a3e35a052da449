package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tapbot/tapbot/internal/tap"
)

var _ tap.IntakeStore = (*Store)(nil)

// ReserveIntakeKey implements tap.IntakeStore by the database clock: one
// upsert that takes the key only when it is free, expired or stale, then
// a read of the holder.
func (s *Store) ReserveIntakeKey(ctx context.Context, k tap.IntakeKey, ttl, stale time.Duration) (tap.IntakeKey, bool, error) {
	var created, expires time.Time
	// One clock reading for both columns: two clock_timestamp() calls
	// differ by a microsecond or more.
	err := s.pool.QueryRow(ctx, `WITH t AS (SELECT clock_timestamp() AS now)
		INSERT INTO intake_keys (caller, key, body_hash, request, created, expires)
		SELECT $1, $2, $3, '', t.now, t.now + $4::bigint * interval '1 microsecond' FROM t
		ON CONFLICT (caller, key) DO UPDATE SET body_hash = excluded.body_hash, request = '',
			created = excluded.created, expires = excluded.expires
		WHERE intake_keys.expires <= clock_timestamp()
			OR (intake_keys.request = '' AND intake_keys.created <= clock_timestamp() - $5::bigint * interval '1 microsecond')
		RETURNING created, expires`,
		k.Caller, k.Key, k.BodyHash, ttl.Microseconds(), stale.Microseconds()).Scan(&created, &expires)
	switch {
	case err == nil:
		k.Request, k.Created, k.Expires = "", created.UTC(), expires.UTC()
		return k, true, nil
	case !errors.Is(err, pgx.ErrNoRows):
		return tap.IntakeKey{}, false, fmt.Errorf("reserve intake key: %w", err)
	}
	var cur tap.IntakeKey
	var req string
	err = s.pool.QueryRow(ctx, `SELECT caller, key, body_hash, request, created, expires FROM intake_keys
		WHERE caller = $1 AND key = $2`, k.Caller, k.Key).Scan(&cur.Caller, &cur.Key, &cur.BodyHash, &req, &created, &expires)
	if err != nil {
		return tap.IntakeKey{}, false, fmt.Errorf("read intake key: %w", err)
	}
	cur.Request, cur.Created, cur.Expires = tap.RequestID(req), created.UTC(), expires.UTC()
	return cur, false, nil
}

// CompleteIntakeKey implements tap.IntakeStore, in one transaction.
func (s *Store) CompleteIntakeKey(ctx context.Context, caller, key, bodyHash string, id tap.RequestID, externalRef string) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE intake_keys SET request = $1
			WHERE caller = $2 AND key = $3 AND body_hash = $4 AND request = ''`, string(id), caller, key, bodyHash)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return tap.ErrNotFound
		}
		if externalRef == "" {
			return nil
		}
		_, err = tx.Exec(ctx, `INSERT INTO intake_refs (caller, external_ref, request)
			VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, caller, externalRef, string(id))
		return err
	})
	if err != nil {
		return fmt.Errorf("complete intake key: %w", err)
	}
	return nil
}

// ReleaseIntakeKey implements tap.IntakeStore.
func (s *Store) ReleaseIntakeKey(ctx context.Context, caller, key, bodyHash string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM intake_keys WHERE caller = $1 AND key = $2 AND body_hash = $3 AND request = ''`,
		caller, key, bodyHash)
	if err != nil {
		return fmt.Errorf("release intake key: %w", err)
	}
	return nil
}

// IntakeRequests implements tap.IntakeStore.
func (s *Store) IntakeRequests(ctx context.Context, caller, externalRef string) ([]tap.RequestID, error) {
	rows, err := s.pool.Query(ctx, `SELECT request FROM intake_refs WHERE caller = $1 AND external_ref = $2
		ORDER BY created, request`, caller, externalRef)
	if err != nil {
		return nil, fmt.Errorf("list intake requests: %w", err)
	}
	ids, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (tap.RequestID, error) {
		var id string
		err := row.Scan(&id)
		return tap.RequestID(id), err
	})
	if err != nil {
		return nil, fmt.Errorf("list intake requests: %w", err)
	}
	return ids, nil
}
