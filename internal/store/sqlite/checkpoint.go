package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// checkpointEvery is how often the background checkpointer copies the
// write-ahead log into the database file.
const checkpointEvery = 500 * time.Millisecond

// checkpointLoop moves WAL checkpoints off the commit path. The writer
// connection has wal_autocheckpoint off, so no commit (in particular no
// MarkSeen a chat acknowledgement waits for) ever pays for copying pages
// and syncing the database file; this goroutine does it on its own
// connection with PASSIVE checkpoints, which never block the writer or
// readers. Commits stay durable (WAL, synchronous=NORMAL) either way.
func (s *Store) checkpointLoop(cp *sql.DB) {
	defer s.done.Done()
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			// Fold the WAL into the database on a clean close.
			if _, err := cp.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
				s.log.Warn("sqlite final checkpoint", "err", err)
			}
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if _, err := cp.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
				s.log.Warn("sqlite checkpoint", "err", err)
			}
			cancel()
		}
	}
}
