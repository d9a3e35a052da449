package main

import (
	"testing"

	"github.com/tapbot/tapbot/internal/workq"
)

// TestQuietOncePerBurst: memory is returned once after each burst of chat
// work ends, never while the bot is quiet or busy.
func TestQuietOncePerBurst(t *testing.T) {
	var q quiet
	for i, step := range []struct {
		stats workq.Stats
		want  bool
	}{
		{workq.Stats{}, false},                      // quiet from the start
		{workq.Stats{Accepted: 40, Busy: 3}, false}, // a burst
		{workq.Stats{Accepted: 90, Busy: 0}, false}, // still taking work
		{workq.Stats{Accepted: 90, Busy: 2}, false}, // nothing new, still running
		{workq.Stats{Accepted: 90, Busy: 0}, true},  // ended
		{workq.Stats{Accepted: 90, Busy: 0}, false}, // quiet: once only
		{workq.Stats{Accepted: 91, Busy: 0}, false}, // one more message
		{workq.Stats{Accepted: 91, Busy: 0}, true},  // ended again
	} {
		if got := q.look(step.stats); got != step.want {
			t.Fatalf("look %d (%+v) = %v, want %v", i, step.stats, got, step.want)
		}
	}
}
