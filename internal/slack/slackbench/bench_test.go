package slackbench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/slack"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/store/memstore"
	"github.com/tapbot/tapbot/internal/store/sqlite"
	"github.com/tapbot/tapbot/internal/tap"
)

const secret = "bench-signing-secret"

type stores map[string]func(b *testing.B) tap.Store

var backends = stores{
	"memstore": func(*testing.B) tap.Store { return memstore.New() },
	"sqlite": func(b *testing.B) tap.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		return s
	},
}

// rig is an adapter served over loopback with a counting handler.
type rig struct {
	srv     *httptest.Server
	client  *http.Client
	handled atomic.Int64
	seq     atomic.Int64
	prefix  string // block_actions payload up to the action_ts value
	suffix  string
}

func newRig(b *testing.B, st tap.Store) *rig {
	fake := slackfake.New()
	b.Cleanup(fake.Close)
	fake.AddUser("U0BOB", "Bob Approver", "bob@contoso.com", false)
	r := &rig{}
	a, err := slack.New(slack.Config{BotToken: "xoxb-bench", SigningSecret: secret, APIURL: fake.URL(),
		AllowedTeams: []string{slackfake.DefaultTeam}}, st,
		chat.HandlerFunc(func(context.Context, chat.Event) { r.handled.Add(1) }), nil)
	if err != nil {
		b.Fatal(err)
	}
	r.srv = httptest.NewServer(a.HTTPHandler())
	b.Cleanup(func() { r.srv.Close(); a.Wait() })
	r.client = &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
	// A real block_actions payload; each request gets a unique action_ts.
	body := fake.BlockAction("U0BOB", "C0APPROVERS", "1700000000.000100", chat.ActionApprove, "req-0123456789")
	payload, _ := url.ParseQuery(body)
	p := payload.Get("payload")
	i := strings.Index(p, `"action_ts":"`) + len(`"action_ts":"`)
	j := i + strings.IndexByte(p[i:], '"')
	r.prefix, r.suffix = "payload="+url.QueryEscape(p[:i]), url.QueryEscape(p[j:])
	return r
}

// post sends one signed, unique click and returns its latency.
func (r *rig) post(b *testing.B) time.Duration {
	body := fmt.Sprintf("%s1700000000.%09d%s", r.prefix, r.seq.Add(1), r.suffix)
	now := time.Now()
	req, _ := http.NewRequest(http.MethodPost, r.srv.URL+"/slack/events", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", fmt.Sprint(now.Unix()))
	req.Header.Set("X-Slack-Signature", slackfake.Sign(secret, now, body))
	res, err := r.client.Do(req)
	if err != nil {
		b.Error(err)
		return 0
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b.Errorf("status %d", res.StatusCode)
	}
	return time.Since(now)
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func p99(lat []time.Duration) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	slices.Sort(lat)
	return lat[len(lat)*99/100]
}

// BenchmarkBlockActionThroughput is the closed-loop maximum: as many
// concurrent clients as GOMAXPROCS*8, each posting back to back.
func BenchmarkBlockActionThroughput(b *testing.B) {
	for name, open := range backends {
		b.Run(name, func(b *testing.B) {
			r := newRig(b, open(b))
			r.post(b) // warm: auth-free allowlist, connection, users.info cache
			var mu sync.Mutex
			var all []time.Duration
			b.SetParallelism(8)
			b.ReportAllocs()
			b.ResetTimer()
			start, cpu0 := time.Now(), cpuTime()
			b.RunParallel(func(pb *testing.PB) {
				var lat []time.Duration
				for pb.Next() {
					lat = append(lat, r.post(b))
				}
				mu.Lock()
				all = append(all, lat...)
				mu.Unlock()
			})
			el, cpu := time.Since(start), cpuTime()-cpu0
			b.StopTimer()
			b.ReportMetric(float64(b.N)/el.Seconds(), "req/s")
			// CPU per request (server, client and fake together), which the
			// machine's other load does not inflate much: 2 cores / this is
			// the loopback capacity of an otherwise idle 2-core box.
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu_µs/req")
			b.ReportMetric(float64(p99(all).Microseconds()), "p99_µs")
		})
	}
}

// BenchmarkBlockActionAt1000PerSecond is open-loop: one click every
// millisecond whatever the answers do; it reports the p99 ack latency.
// Run it with -benchtime=3000x (three seconds of load).
func BenchmarkBlockActionAt1000PerSecond(b *testing.B) {
	for name, open := range backends {
		b.Run(name, func(b *testing.B) {
			r := newRig(b, open(b))
			r.post(b)
			lat := make([]time.Duration, b.N)
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for i := range b.N {
				// Absolute schedule: a late send goes at once (open loop,
				// no dropped ticks), so the average rate stays 1000/s.
				time.Sleep(time.Until(start.Add(time.Duration(i) * time.Millisecond)))
				wg.Add(1)
				go func() {
					defer wg.Done()
					lat[i] = r.post(b)
				}()
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
			b.ReportMetric(float64(p99(lat).Microseconds()), "p99_µs")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50_µs")
		})
	}
}

// BenchmarkBlockActionHandler is the adapter's own share, without the
// network: verify, scan, de-duplicate, acknowledge (and the handler
// goroutine), serving a prepared request in process.
func BenchmarkBlockActionHandler(b *testing.B) {
	for name, open := range backends {
		b.Run(name, func(b *testing.B) {
			r := newRig(b, open(b))
			h := r.srv.Config.Handler
			now := time.Now()
			ts := fmt.Sprint(now.Unix())
			bodies := make([]string, b.N)
			sigs := make([]string, b.N)
			for i := range bodies {
				bodies[i] = fmt.Sprintf("%s1700000000.%09d%s", r.prefix, i, r.suffix)
				sigs[i] = slackfake.Sign(secret, now, bodies[i])
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				req := httptest.NewRequest(http.MethodPost, "/slack/events", strings.NewReader(bodies[i]))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Slack-Request-Timestamp", ts)
				req.Header.Set("X-Slack-Signature", sigs[i])
				w := httptest.NewRecorder()
				h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}
