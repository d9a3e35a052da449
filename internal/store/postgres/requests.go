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
	sealed                   []byte // nil → NULL
}

// encode returns r's columns as stored at version v (document and
// sealed bytes from reqdoc).
func encode(r *tap.Request, v int64) (row, error) {
	doc, sealed, err := reqdoc.Encode(r, v)
	if err != nil {
		return row{}, err
	}
	return row{
		state: string(r.State), requester: string(r.Requester.EntraID), target: string(r.Target.ID),
		created: nanos(r.CreatedAt), next: nullNanos(r.NextTimer), doc: doc, sealed: sealed,
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
	tag, err := s.pool.Exec(ctx, `INSERT INTO requests
		(id, version, state, requester, target, created_at, next_timer, doc, sealed)
		VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
		string(r.ID), w.state, w.requester, w.target, w.created, w.next, string(w.doc), w.sealed)
	if err != nil {
		return fmt.Errorf("create request %s: %w", r.ID, err)
	}
	if tag.RowsAffected() == 0 {
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
	err := s.pool.QueryRow(ctx, `SELECT version, doc::text, sealed FROM requests WHERE id = $1`, string(id)).
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
	tag, err := s.pool.Exec(ctx, `UPDATE requests SET version = version + 1,
		state = $3, requester = $4, target = $5, created_at = $6, next_timer = $7, doc = $8, sealed = $9
		WHERE id = $1 AND version = $2`,
		string(r.ID), r.Version, w.state, w.requester, w.target, w.created, w.next, string(w.doc), w.sealed)
	if err != nil {
		return fmt.Errorf("update request %s: %w", r.ID, err)
	}
	if tag.RowsAffected() == 0 {
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
		where = append(where, "state = ANY("+arg(states)+")")
	}
	if f.Requester != "" {
		where = append(where, "requester = "+arg(string(f.Requester)))
	}
	if f.Target != "" {
		where = append(where, "target = "+arg(string(f.Target)))
	}
	if !f.DueBefore.IsZero() {
		where = append(where, "next_timer IS NOT NULL AND next_timer <= "+arg(nanos(f.DueBefore)))
	}
	if !f.Since.IsZero() {
		where = append(where, "created_at >= "+arg(nanos(f.Since)))
	}
	q := `SELECT version, doc::text, sealed FROM requests`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY created_at, id"
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
