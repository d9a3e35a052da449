package logthrottle

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// syncBuf is a bytes.Buffer safe to write from the timer's goroutine.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func lines(t *testing.T, buf *syncBuf) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("bad line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestRepeatedWarningsAreCountedEachMinute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf syncBuf
		log := slog.New(New(slog.NewJSONHandler(&buf, nil), time.Minute)).With("platform", "slack")
		for range 26000 {
			log.Warn("slack request rejected", "reason", "signature")
		}
		log.Warn("slack request rejected", "reason", "body too large") // different attrs: its own line
		log.Info("hello")                                              // below WARN: never throttled
		log.Info("hello")
		if got := len(lines(t, &buf)); got != 4 {
			t.Fatalf("lines before the minute = %d, want 4:\n%s", got, buf.String())
		}
		time.Sleep(time.Minute + time.Second)
		synctest.Wait()
		ls := lines(t, &buf)
		if len(ls) != 5 {
			t.Fatalf("lines after the minute = %d, want 5:\n%s", len(ls), buf.String())
		}
		last := ls[4]
		if last["msg"] != "slack request rejected" || last["reason"] != "signature" || last["repeated"] != float64(25999) || last["platform"] != "slack" {
			t.Fatalf("count line = %v", last)
		}
		// A new window starts: the next one is logged again.
		log.Warn("slack request rejected", "reason", "signature")
		if got := len(lines(t, &buf)); got != 6 {
			t.Fatalf("first record of a new window not logged: %d lines", got)
		}
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		if got := len(lines(t, &buf)); got != 6 {
			t.Fatalf("a window without repeats logged a count: %d lines", got)
		}
	})
}
