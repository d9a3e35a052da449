package teamsbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/store/sqlite"
	"github.com/tapbot/tapbot/internal/teams"
	"github.com/tapbot/tapbot/internal/teams/botauth"
	"github.com/tapbot/tapbot/internal/teams/botauth/authtest"
	"github.com/tapbot/tapbot/internal/teams/connector"
	"github.com/tapbot/tapbot/internal/teams/connector/connectortest"
	"github.com/tapbot/tapbot/internal/workq"
)

const (
	appID    = "0b6e8f47-4c43-4f8a-9d0e-2d1c7b5a9e11"
	tenantID = "6f0e3c4a-7b1d-4c2e-9a8f-3d5b7e9c1a20"
)

type staticCred struct{}

func (staticCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "bench", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

type rig struct {
	srv     *httptest.Server
	client  *http.Client
	idp     *authtest.IdP
	svcURL  string
	tmpl    []byte
	seq     atomic.Int64
	handled atomic.Int64
	cached  string
}

func newRig(b *testing.B) *rig { return newRigWith(b, 0, true) }

func newRigWith(b testing.TB, delay time.Duration, lift bool) *rig {
	b.Helper()
	r := &rig{idp: authtest.New(b, appID)}
	conn := connectortest.Start(b)
	r.svcURL = conn.URL
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	v, err := botauth.New(r.idp.Config())
	if err != nil {
		b.Fatal(err)
	}
	cc, err := connector.New(connector.Config{AppID: appID, TenantID: tenantID, Credential: staticCred{},
		AllowedServiceURLHosts: []string{"127.0.0.1"}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	var opts []teams.Option
	if lift {
		// Every activity comes from one person in one conversation: lift the
		// per-person rate and the per-conversation queue so that the ack path
		// (JWT, de-dup, hand-off) is what is measured, not the refusals.
		opts = append(opts, teams.WithWork(workq.New(workq.Config{PerKey: 1 << 20, Queue: 1 << 20}), workq.NewSenders(1e9, 1<<30)))
	}
	a, err := teams.New(teams.Config{AppID: appID, TenantID: tenantID, ApproversConversation: "19:approvers",
		ServiceURL: conn.URL, AllowedServiceURLHosts: []string{"127.0.0.1"}}, st,
		chat.HandlerFunc(func(context.Context, chat.Event) { time.Sleep(delay); r.handled.Add(1) }), nil,
		append([]teams.Option{teams.WithValidator(v), teams.WithConnector(cc)}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	r.srv = httptest.NewServer(a.HTTPHandler())
	b.Cleanup(func() { r.srv.Close(); a.Wait() })
	r.client = &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
	r.tmpl, _ = json.Marshal(map[string]any{
		"type": "message", "id": "ACTIVITY", "channelId": "msteams", "serviceUrl": conn.URL, "text": "status",
		"from":         map[string]any{"id": "29:megan", "name": "Megan Bowen", "aadObjectId": "a1f4c1e2-0000-4000-8000-000000000001"},
		"recipient":    map[string]any{"id": "28:" + appID, "name": "tapbot"},
		"conversation": map[string]any{"id": "a:megan-chat", "conversationType": "personal", "tenantId": tenantID},
		"channelData":  map[string]any{"tenant": map[string]any{"id": tenantID}},
	})
	r.cached = r.idp.Header(conn.URL)
	return r
}

// tokens mints n distinct tokens ahead of the measurement (signing is
// the Bot Connector's cost, not ours): each one makes the bot run the full
// RS256 signature check once.
func (r *rig) tokens(n int) []string {
	out := make([]string, n)
	for i := range out {
		c := r.idp.Claims(r.svcURL)
		c["jti"] = fmt.Sprintf("t-%d", i)
		out[i] = "Bearer " + r.idp.Mint(c)
	}
	return out
}

// post sends one unique activity with auth ("" = the Bot Connector's
// reused token).
func (r *rig) post(b *testing.B, auth string) time.Duration {
	id := fmt.Sprintf("bench-%d", r.seq.Add(1))
	body := bytes.Replace(r.tmpl, []byte(`"ACTIVITY"`), []byte(`"`+id+`"`), 1)
	if auth == "" {
		auth = r.cached
	}
	req, _ := http.NewRequest(http.MethodPost, r.srv.URL+"/api/messages", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", auth)
	t0 := time.Now()
	res, err := r.client.Do(req)
	if err != nil {
		b.Error(err)
		return 0
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	if res.StatusCode/100 != 2 {
		b.Errorf("status %d", res.StatusCode)
	}
	return time.Since(t0)
}

func p99(lat []time.Duration) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	slices.Sort(lat)
	return lat[len(lat)*99/100]
}

// BenchmarkActivityThroughput: closed loop, GOMAXPROCS*8 clients, signed
// activities over loopback, SQLite de-duplication, acknowledged.
func BenchmarkActivityThroughput(b *testing.B) {
	for _, fresh := range []bool{false, true} {
		name := "reused-token"
		if fresh {
			name = "fresh-token-each"
		}
		b.Run(name, func(b *testing.B) {
			r := newRig(b)
			var toks []string
			if fresh {
				toks = r.tokens(b.N)
			}
			var next atomic.Int64
			var mu sync.Mutex
			var lat []time.Duration
			b.SetParallelism(8)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				local := make([]time.Duration, 0, 1024)
				for pb.Next() {
					auth := ""
					if fresh {
						auth = toks[next.Add(1)-1]
					}
					local = append(local, r.post(b, auth))
				}
				mu.Lock()
				lat = append(lat, local...)
				mu.Unlock()
			})
			el := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(len(lat))/el.Seconds(), "req/s")
			b.ReportMetric(float64(p99(lat).Microseconds()), "p99_µs")
		})
	}
}

// BenchmarkActivityAt1000PerSecond: open loop at 1,000 activities/s,
// every one with its own token (the full signature check each time),
// p50 and p99 latency.
func BenchmarkActivityAt1000PerSecond(b *testing.B) {
	r := newRig(b)
	toks := r.tokens(b.N)
	lat := make([]time.Duration, b.N)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		time.Sleep(time.Until(start.Add(time.Duration(i) * time.Millisecond)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat[i] = r.post(b, toks[i])
		}()
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50_µs")
	b.ReportMetric(float64(p99(lat).Microseconds()), "p99_µs")
}
