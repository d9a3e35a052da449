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

// The request writes, prepared at Open into Store.writes (txExec runs
// them in a transaction on the one writer connection).
const (
	insertRequest = `INSERT INTO requests (id, version, state, requester, target, created_at, next_timer, doc)
		VALUES (?, 1, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`
	updateRequest = `UPDATE requests SET version = version + 1,
		state = ?, requester = ?, target = ?, created_at = ?, next_timer = ?, doc = ?
		WHERE id = ? AND version = ?`
	insertSealed = `INSERT INTO sealed_passes (id, sealed) VALUES (?, ?)`
	upsertSealed = `INSERT INTO sealed_passes (id, sealed) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET sealed = excluded.sealed WHERE sealed_passes.sealed <> excluded.sealed`
	deleteSealed = `DELETE FROM sealed_passes WHERE id = ?`
)

// writeQueries are the statements Open prepares on the writer.
var writeQueries = []string{insertRequest, updateRequest, insertSealed, upsertSealed, deleteSealed}

// row is a request's stored columns.
type row struct {
	state, requester, target string
	created                  int64
	next                     sql.NullInt64
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
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := s.txExec(ctx, tx, insertRequest, string(r.ID), w.state, w.requester, w.target, w.created, w.next, string(w.doc))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return tap.ErrConflict
		}
		if w.sealed == nil {
			return nil
		}
		_, err = s.txExec(ctx, tx, insertSealed, string(r.ID), w.sealed)
		return err
	})
	if err != nil {
		return fmt.Errorf("create request %s: %w", r.ID, err)
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
	err := s.queryRow(ctx, s.r, `SELECT r.version, r.doc, p.sealed
		FROM requests r LEFT JOIN sealed_passes p ON p.id = r.id WHERE r.id = ?`, string(id)).
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
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := s.txExec(ctx, tx, updateRequest, w.state, w.requester, w.target, w.created, w.next, string(w.doc), string(r.ID), r.Version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errLostCAS
		}
		return s.putSealed(ctx, tx, r.ID, w.sealed)
	})
	if errors.Is(err, errLostCAS) {
		return s.whyNotUpdated(ctx, r)
	}
	if err != nil {
		return fmt.Errorf("update request %s: %w", r.ID, err)
	}
	r.Version++
	return nil
}

// errLostCAS means UpdateRequest's compare-and-swap matched no row.
var errLostCAS = errors.New("no row at that version")

// putSealed makes id's sealed_passes row match sealed: deleted when
// sealed is nil (revealed, expired, revoked), inserted or replaced when it
// differs, untouched when it is the same.
func (s *Store) putSealed(ctx context.Context, tx *sql.Tx, id tap.RequestID, sealed []byte) error {
	if sealed == nil {
		_, err := s.txExec(ctx, tx, deleteSealed, string(id))
		return err
	}
	_, err := s.txExec(ctx, tx, upsertSealed, string(id), sealed)
	return err
}

// whyNotUpdated tells a lost compare-and-swap (ErrConflict) from an
// absent request (ErrNotFound).
func (s *Store) whyNotUpdated(ctx context.Context, r *tap.Request) error {
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

// ListRequests returns matching requests, oldest first (created_at, id).
func (s *Store) ListRequests(ctx context.Context, f tap.RequestFilter) ([]*tap.Request, error) {
	var (
		where []string
		args  []any
	)
	if len(f.States) > 0 {
		where = append(where, "r.state IN (?"+strings.Repeat(", ?", len(f.States)-1)+")")
		for _, st := range f.States {
			args = append(args, string(st))
		}
	}
	if f.Requester != "" {
		where = append(where, "r.requester = ?")
		args = append(args, string(f.Requester))
	}
	if f.Target != "" {
		where = append(where, "r.target = ?")
		args = append(args, string(f.Target))
	}
	if !f.DueBefore.IsZero() {
		where = append(where, "r.next_timer IS NOT NULL AND r.next_timer <= ?")
		args = append(args, nanos(f.DueBefore))
	}
	if f.Queued {
		where = append(where, "json_extract(r.doc, '$.issue_queued') IS NOT NULL")
	}
	if !f.Since.IsZero() {
		where = append(where, "r.created_at >= ?")
		args = append(args, nanos(f.Since))
	}
	if f.Batch != "" {
		// The expression of the requests_batch index (migration 0007).
		where = append(where, "json_extract(r.doc, '$.batch.id') = ?")
		args = append(args, f.Batch)
	}
	q := `SELECT r.version, r.doc, p.sealed FROM requests r LEFT JOIN sealed_passes p ON p.id = r.id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY r.created_at, r.id"
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
