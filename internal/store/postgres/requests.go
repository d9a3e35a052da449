package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tapbot/tapbot/internal/store/reqdoc"
	"github.com/tapbot/tapbot/internal/tap"
)

// row is a request's stored columns.
type row struct {
	state, requester, target string
	created                  int64
	next                     *int64
	doc                      []byte
	sealed                   []byte // nil → no sealed_passes row
}

// encode returns r's columns as stored at version v (document and
// sealed bytes from reqdoc). The sealed bytes go to sealed_passes, never
// to the requests row.
func encode(r *tap.Request, v int64) (row, error) {
	doc, sealed, err := reqdoc.Encode(r, v)
	if err != nil {
		return row{}, err
	}
	return row{
		state: string(r.State), requester: string(r.Requester.EntraID), target: string(r.Target.ID),
		created: nanos(r.CreatedAt), next: nullNanos(r.Due()), doc: doc, sealed: sealed,
	}, nil
}

func decode(version int64, doc, sealed []byte) (*tap.Request, error) {
	return reqdoc.Decode(version, doc, sealed)
}

// CreateRequest inserts r and sets r.Version to 1. ErrConflict if the id
// exists; ErrInvalidInput if r has no id or a non-zero version.
func (s *Store) CreateRequest(ctx context.Context, r *tap.Request) error {
	if r.ID == "" || r.Version != 0 {
		return fmt.Errorf("create request %q version %d: %w", r.ID, r.Version, tap.ErrInvalidInput)
	}
	w, err := encode(r, 1)
	if err != nil {
		return err
	}
	// One statement: the request row, and the sealed pass's own row when
	// there is one, only if the request row went in.
	var n int
	err = s.pool.QueryRow(ctx, `WITH r AS (
			INSERT INTO requests (id, version, state, requester, target, created_at, next_timer, doc)
			VALUES ($1, 1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id
		), sealed AS (
			INSERT INTO sealed_passes (id, sealed) SELECT id, $8::bytea FROM r WHERE $8::bytea IS NOT NULL
		)
		SELECT count(*) FROM r`,
		string(r.ID), w.state, w.requester, w.target, w.created, w.next, string(w.doc), w.sealed).Scan(&n)
	if err != nil {
		return fmt.Errorf("create request %s: %w", r.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("create request %s: %w", r.ID, tap.ErrConflict)
	}
	r.Version = 1
	return nil
}

// GetRequest returns the stored request. ErrNotFound if absent.
func (s *Store) GetRequest(ctx context.Context, id tap.RequestID) (*tap.Request, error) {
	var (
		version     int64
		doc, sealed []byte
	)
	err := s.pool.QueryRow(ctx, `SELECT r.version, r.doc::text, p.sealed
		FROM requests r LEFT JOIN sealed_passes p ON p.id = r.id WHERE r.id = $1`, string(id)).
		Scan(&version, &doc, &sealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("get request %s: %w", id, tap.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get request %s: %w", id, err)
	}
	r, err := decode(version, doc, sealed)
	if err != nil {
		return nil, fmt.Errorf("get request %s: %w", id, err)
	}
	return r, nil
}

// UpdateRequest saves r if the stored version equals r.Version
// (UPDATE … WHERE id=$1 AND version=$2), then increments r.Version.
// ErrConflict if another writer won; ErrNotFound if absent.
func (s *Store) UpdateRequest(ctx context.Context, r *tap.Request) error {
	w, err := encode(r, r.Version+1)
	if err != nil {
		return err
	}
	// One statement, so the sealed row changes only with a won CAS: the
	// request row; then the sealed pass's row deleted when r has none
	// (revealed, expired, revoked), inserted when r has a new one, and not
	// touched when it is unchanged (no new row version).
	var n int64
	err = s.pool.QueryRow(ctx, `WITH u AS (
			UPDATE requests SET version = version + 1,
				state = $3, requester = $4, target = $5, created_at = $6, next_timer = $7, doc = $8
			WHERE id = $1 AND version = $2 RETURNING id
		), gone AS (
			DELETE FROM sealed_passes p USING u WHERE p.id = u.id AND $9::bytea IS NULL
		), put AS (
			INSERT INTO sealed_passes (id, sealed) SELECT u.id, $9::bytea FROM u
			WHERE $9::bytea IS NOT NULL
				AND NOT EXISTS (SELECT 1 FROM sealed_passes p WHERE p.id = u.id AND p.sealed = $9::bytea)
			ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed
		)
		SELECT count(*) FROM u`,
		string(r.ID), r.Version, w.state, w.requester, w.target, w.created, w.next, string(w.doc), w.sealed).Scan(&n)
	if err != nil {
		return fmt.Errorf("update request %s: %w", r.ID, err)
	}
	if n == 0 {
		var exists bool
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM requests WHERE id = $1)`, string(r.ID)).Scan(&exists); err != nil {
			return fmt.Errorf("update request %s: %w", r.ID, err)
		}
		if !exists {
			return fmt.Errorf("update request %s: %w", r.ID, tap.ErrNotFound)
		}
		return fmt.Errorf("update request %s at version %d: %w", r.ID, r.Version, tap.ErrConflict)
	}
	r.Version++
	return nil
}

// ListRequests returns matching requests, oldest first (created_at, id).
func (s *Store) ListRequests(ctx context.Context, f tap.RequestFilter) ([]*tap.Request, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if len(f.States) > 0 {
		states := make([]string, len(f.States))
		for i, st := range f.States {
			states[i] = string(st)
		}
		where = append(where, "r.state = ANY("+arg(states)+")")
	}
	if f.Requester != "" {
		where = append(where, "r.requester = "+arg(string(f.Requester)))
	}
	if f.Target != "" {
		where = append(where, "r.target = "+arg(string(f.Target)))
	}
	if !f.DueBefore.IsZero() {
		where = append(where, "r.next_timer IS NOT NULL AND r.next_timer <= "+arg(nanos(f.DueBefore)))
	}
	if f.Queued {
		where = append(where, "r.doc->>'issue_queued' IS NOT NULL")
	}
	if !f.Since.IsZero() {
		where = append(where, "r.created_at >= "+arg(nanos(f.Since)))
	}
	if f.Batch != "" {
		// The expression of the requests_batch index (migration 0006).
		where = append(where, "(r.doc->'batch'->>'id') = "+arg(f.Batch))
	}
	q := `SELECT r.version, r.doc::text, p.sealed FROM requests r LEFT JOIN sealed_passes p ON p.id = r.id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY r.created_at, r.id"
	if f.Limit > 0 {
		q += " LIMIT " + arg(f.Limit)
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	defer rows.Close()
	var out []*tap.Request
	for rows.Next() {
		var (
			version     int64
			doc, sealed []byte
		)
		if err := rows.Scan(&version, &doc, &sealed); err != nil {
			return nil, fmt.Errorf("list requests: %w", err)
		}
		r, err := decode(version, doc, sealed)
		if err != nil {
			return nil, fmt.Errorf("list requests: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list requests: %w", err)
	}
	return out, nil
}
