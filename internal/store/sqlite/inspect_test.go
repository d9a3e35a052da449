package sqlite

import (
	"bytes"
	"context"
	"fmt"

	"github.com/tapbot/tapbot/internal/store/storetest"
	"github.com/tapbot/tapbot/internal/tap"
)

var _ storetest.Inspector = (*Store)(nil)

// SealedRows counts id's rows in sealed_passes.
func (s *Store) SealedRows(ctx context.Context, id tap.RequestID) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM sealed_passes WHERE id = ?`, string(id)).Scan(&n)
	return n, err
}

// RequestsHold looks through every column of every requests row. SQLite
// rewrites a row in place, and secure_delete zeroes what an update or a
// delete frees, so the live rows are every version there is.
func (s *Store) RequestsHold(ctx context.Context, b []byte) (bool, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT * FROM requests`)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return false, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return false, err
		}
		for _, v := range vals {
			var raw []byte
			switch v := v.(type) {
			case []byte:
				raw = v
			case string:
				raw = []byte(v)
			default:
				raw = []byte(fmt.Sprint(v))
			}
			if bytes.Contains(raw, b) {
				return true, nil
			}
		}
	}
	return false, rows.Err()
}
