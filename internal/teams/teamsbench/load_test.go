//go:build load

package teamsbench

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoadOneConversation sends 2,000 activities a second into one
// conversation (TAPBOT_LOAD_SECONDS, default 10) through the default pool
// and per-person rate, the handler taking 50 ms a message (a slow reply),
// and reports p99 ack, peak goroutines and peak Go heap in use.
//
//	go test -tags load -run Load -v ./internal/teams/teamsbench
func TestLoadOneConversation(t *testing.T) {
	secs := 10
	if v := os.Getenv("TAPBOT_LOAD_SECONDS"); v != "" {
		_, _ = fmt.Sscan(v, &secs)
	}
	r := newLoadRig(t, 50*time.Millisecond)
	var peakG, peakHeap atomic.Int64
	stop := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			peakHeap.Store(max(peakHeap.Load(), int64(ms.HeapInuse)))
			peakG.Store(max(peakG.Load(), int64(runtime.NumGoroutine())))
		}
	}()
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Millisecond / 2)
	end := time.Now().Add(time.Duration(secs) * time.Second)
	codes := map[int]int{}
	for time.Now().Before(end) {
		<-tick.C
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, code := r.postCode()
			mu.Lock()
			lat = append(lat, d)
			codes[code]++
			mu.Unlock()
		}()
	}
	tick.Stop()
	wg.Wait()
	close(stop)
	t.Logf("sent %d in %d s: status %v; p99 ack %s; peak goroutines %d; peak heap in use %.1f MB; handled %d",
		len(lat), secs, codes, p99(lat), peakG.Load(), float64(peakHeap.Load())/(1<<20), r.handled.Load())
}

// newLoadRig is the rig with tapbot's default bounds and a handler that
// takes delay per event.
func newLoadRig(tb testing.TB, delay time.Duration) *rig { return newRigWith(tb, delay, false) }

// postCode sends one unique activity with the reused token and returns
// the ack's latency and status (0: transport error).
func (r *rig) postCode() (time.Duration, int) {
	id := fmt.Sprintf("load-%d", r.seq.Add(1))
	body := bytes.Replace(r.tmpl, []byte(`"ACTIVITY"`), []byte(`"`+id+`"`), 1)
	req, _ := http.NewRequest(http.MethodPost, r.srv.URL+"/api/messages", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", r.cached)
	t0 := time.Now()
	res, err := r.client.Do(req)
	if err != nil {
		return time.Since(t0), 0
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return time.Since(t0), res.StatusCode
}
