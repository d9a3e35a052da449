package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/tapbot/tapbot/internal/store/reqdoc"
	"github.com/tapbot/tapbot/internal/tap"
)

// row is a request's stored columns.
type row struct {
	state, requester, target string
	created                  int64
	next                     sql.NullInt64
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
	res, err := s.exec(ctx, s.w, `INSERT INTO requests
		(id, version, state, requester, target, created_at, next_timer, doc, sealed)
		VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		string(r.ID), w.state, w.requester, w.target, w.created, w.next, string(w.doc), w.sealed)
	if err != nil {
		return fmt.Errorf("create request %s: %w", r.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("create request %s: %w", r.ID, err)
	} else if n == 0 {
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
	err := s.queryRow(ctx, s.r, `SELECT version, doc, sealed FROM requests WHERE id = ?`, string(id)).
		Scan(&version, &doc, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
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
// (UPDATE … WHERE id=? AND version=?), then increments r.Version.
// ErrConflict if another writer won; ErrNotFound if absent.
func (s *Store) UpdateRequest(ctx context.Context, r *tap.Request) error {
	w, err := encode(r, r.Version+1)
	if err != nil {
		return err
	}
	res, err := s.exec(ctx, s.w, `UPDATE requests SET version = version + 1,
		state = ?, requester = ?, target = ?, created_at = ?, next_timer = ?, doc = ?, sealed = ?
		WHERE id = ? AND version = ?`,
		w.state, w.requester, w.target, w.created, w.next, string(w.doc), w.sealed, string(r.ID), r.Version)
	if err != nil {
		return fmt.Errorf("update request %s: %w", r.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update request %s: %w", r.ID, err)
	}
	if n == 0 {
		var one int
		err := s.queryRow(ctx, s.w, `SELECT 1 FROM requests WHERE id = ?`, string(r.ID)).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("update request %s: %w", r.ID, tap.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("update request %s: %w", r.ID, err)
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
	if len(f.States) > 0 {
		where = append(where, "state IN (?"+strings.Repeat(", ?", len(f.States)-1)+")")
		for _, st := range f.States {
			args = append(args, string(st))
		}
	}
	if f.Requester != "" {
		where = append(where, "requester = ?")
		args = append(args, string(f.Requester))
	}
	if f.Target != "" {
		where = append(where, "target = ?")
		args = append(args, string(f.Target))
	}
	if !f.DueBefore.IsZero() {
		where = append(where, "next_timer IS NOT NULL AND next_timer <= ?")
		args = append(args, nanos(f.DueBefore))
	}
	if !f.Since.IsZero() {
		where = append(where, "created_at >= ?")
		args = append(args, nanos(f.Since))
	}
	q := `SELECT version, doc, sealed FROM requests`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY created_at, id"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := s.query(ctx, s.r, q, args...)
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
