package main

import (
	"runtime/debug"
	"time"

	"github.com/tapbot/tapbot/internal/workq"
)

// settleEvery is how often the bot looks whether a burst of chat work has
// ended.
const settleEvery = 15 * time.Second

// quiet tells when a burst of chat work has ended: the work pool has
// taken nothing new since the last look and holds nothing. The bot then
// gives the memory the burst used back to the OS (settle): the Go runtime
// keeps freed pages for reuse and returns them slowly, and the code pages
// the burst touched stay resident. Once per burst, so a quiet bot pays
// nothing and a busy one only when it calms down.
type quiet struct {
	last  int64
	dirty bool
}

// look reports whether a burst ended since the previous look.
func (q *quiet) look(s workq.Stats) bool {
	if s.Accepted != q.last || s.Busy > 0 {
		q.last, q.dirty = s.Accepted, true
		return false
	}
	ended := q.dirty
	q.dirty = false
	return ended
}

// settle returns freed memory and the binary's touched read-only pages.
func settle() {
	debug.FreeOSMemory()
	trimStartupPages()
}
