package teams_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkAuthenticatedMessage measures an authenticated message activity
// through HTTPHandler: JWT validation, tenant and serviceUrl checks,
// de-duplication in the store, reference capture and the 200 ack (the
// handler runs after the ack). Reports req/s and p99 latency.
func BenchmarkAuthenticatedMessage(b *testing.B) {
	f := newFixture(b)
	h := f.a.HTTPHandler()
	auth := f.idp.Header(f.conn.URL)
	tmpl, _ := json.Marshal(f.personal("status"))
	var seq atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		local := make([]time.Duration, 0, 1024)
		for pb.Next() {
			id := "bench-" + strconv.FormatInt(seq.Add(1), 10)
			body := bytes.Replace(tmpl, []byte(`"act-1"`), []byte(`"`+id+`"`), 1)
			req := httptest.NewRequest(http.MethodPost, "/api/messages", bytes.NewReader(body))
			req.Header.Set("Authorization", auth)
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			t0 := time.Now()
			h.ServeHTTP(rec, req)
			local = append(local, time.Since(t0))
			if rec.Code != http.StatusOK {
				b.Errorf("status %d: %s", rec.Code, rec.Body)
				return
			}
		}
		mu.Lock()
		lat = append(lat, local...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	f.a.Wait()
	if n := f.h.n.Load(); n != int64(len(lat)) {
		b.Fatalf("handled %d of %d activities", n, len(lat))
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	}
}
