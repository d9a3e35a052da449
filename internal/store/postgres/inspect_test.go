package postgres

import (
	"context"

	"github.com/tapbot/tapbot/internal/store/storetest"
	"github.com/tapbot/tapbot/internal/tap"
)

var _ storetest.Inspector = (*Store)(nil)

// SealedRows counts id's rows in sealed_passes.
func (s *Store) SealedRows(ctx context.Context, id tap.RequestID) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM sealed_passes WHERE id = $1`, string(id)).Scan(&n)
	return n, err
}

// RequestsHold reads the files of the requests table and of its TOAST
// table as PostgreSQL wrote them after a CHECKPOINT: every row version
// not yet vacuumed away, live and dead, is in them. It needs a superuser
// (pg_read_binary_file, CHECKPOINT), which the test DSN is.
func (s *Store) RequestsHold(ctx context.Context, b []byte) (bool, error) {
	if _, err := s.pool.Exec(ctx, `CHECKPOINT`); err != nil {
		return false, err
	}
	var held bool
	err := s.pool.QueryRow(ctx, `SELECT coalesce(bool_or(position($1::bytea IN pg_read_binary_file(pg_relation_filepath(c.oid))) > 0), false)
		FROM pg_class c
		WHERE c.oid = 'requests'::regclass OR c.oid = (SELECT reltoastrelid FROM pg_class WHERE oid = 'requests'::regclass)`, b).Scan(&held)
	return held, err
}
