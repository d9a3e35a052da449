package testutil_test

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/testutil"
)

// TestSyncBufferConcurrentWrites: writes from many goroutines, interleaved
// with reads, all land (run with -race).
func TestSyncBufferConcurrentWrites(t *testing.T) {
	var buf testutil.SyncBuffer
	const writers, lines = 8, 100
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < lines; i++ {
				fmt.Fprintf(&buf, "w%d-%d\n", w, i)
				_ = buf.String()
				_ = buf.Bytes()
			}
		}(w)
	}
	wg.Wait()
	got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(got) != writers*lines {
		t.Fatalf("got %d lines, want %d", len(got), writers*lines)
	}
	if string(buf.Bytes()) != buf.String() {
		t.Fatal("Bytes and String disagree")
	}
}

// TestSyncBufferBytesIsACopy: changing the returned slice leaves the buffer alone.
func TestSyncBufferBytesIsACopy(t *testing.T) {
	var buf testutil.SyncBuffer
	buf.Write([]byte("abc"))
	b := buf.Bytes()
	b[0] = 'x'
	if buf.String() != "abc" {
		t.Fatalf("buffer changed through Bytes: %q", buf.String())
	}
}

// TestEventuallySucceedsAfterConditionFlips: Eventually returns once a
// condition set by another goroutine becomes true.
func TestEventuallySucceedsAfterConditionFlips(t *testing.T) {
	var flag atomic.Bool
	go func() {
		time.Sleep(30 * time.Millisecond)
		flag.Store(true)
	}()
	start := time.Now()
	testutil.Eventually(t, 5*time.Second, "the flag", flag.Load)
	if !flag.Load() {
		t.Fatal("Eventually returned before the condition held")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Eventually took %v", d)
	}
}

// fakeTB records Fatalf and stops its goroutine, as testing.T does.
type fakeTB struct {
	testing.TB
	msg string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// TestEventuallyFailsWithWhat: on timeout the failure names what was awaited.
func TestEventuallyFailsWithWhat(t *testing.T) {
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		testutil.Eventually(f, 30*time.Millisecond, "the impossible", func() bool { return false })
	}()
	<-done
	if !strings.Contains(f.msg, "the impossible") {
		t.Fatalf("failure message %q does not name what was awaited", f.msg)
	}
}
