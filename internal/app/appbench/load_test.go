//go:build load

package appbench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/teams/botauth/authtest"
	"github.com/tapbot/tapbot/internal/teams/connector/connectortest"
)

// The external load: the real binary (go build ./cmd/bot) in local mode,
// 2,000 messages a second into one conversation for TAPBOT_LOAD_SECONDS
// (default 60), then idle as long; the process's VmRSS sampled every
// 100 ms; the acknowledgement of each message timed; a second person
// sends a message a second and the delay of the bot's reply to them is
// timed at the fake platform.
//
//	go test -tags load -run Load -v -timeout 30m ./internal/app/appbench
//
// TestLoadSlack: Slack in HTTP mode (signed events) against slackfake.
// TestLoadTeamsOutage: Teams with JWT checks (authtest) while the Entra
// token endpoint cannot be reached: no reply can be sent.

type loadResult struct {
	sent, behind      int64
	codes             map[int]int
	acks              []time.Duration
	peakRSS, rssAfter int64 // kB
	replyDelays       []time.Duration
	secondSent        int
	rate              float64
	metricsAtEnd      string
	botCPU            time.Duration // the bot's user+system CPU during the load
}

// cpu is the process's user+system CPU time so far.
func cpu(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

func loadSeconds() time.Duration {
	secs := 60
	if v := os.Getenv("TAPBOT_LOAD_SECONDS"); v != "" {
		secs, _ = strconv.Atoi(v)
	}
	return time.Duration(secs) * time.Second
}

// bot is the built program running.
type bot struct {
	cmd           *exec.Cmd
	base, metrics string
}

var buildOnce sync.Once
var binPath string

func startBinary(t *testing.T, env map[string]string) *bot {
	t.Helper()
	buildOnce.Do(func() {
		binPath = filepath.Join(os.TempDir(), "tapbot-load-bin")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/tapbot/tapbot/cmd/bot").CombinedOutput()
		if err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	})
	cmd := exec.Command(binPath)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TAPBOT_DATA_DIR=" + t.TempDir(),
		"TAPBOT_LISTEN=127.0.0.1:0", "TAPBOT_METRICS_LISTEN=127.0.0.1:0", "TAPBOT_LOG_LEVEL=warn"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for _, k := range []string{"GOGC", "GOMEMLIMIT", "GOMAXPROCS"} { // the runtime's knobs, for experiments
		if v := os.Getenv("TAPBOT_LOAD_" + k); v != "" {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	stdout, _ := cmd.StdoutPipe()
	logs, err := os.Create(filepath.Join(os.TempDir(), fmt.Sprintf("tapbot-load-%s.log", strings.ReplaceAll(t.Name(), "/", "_"))))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Graceful shutdown drains in-flight work; in an outage that is
		// every queued reply's retries. Report how long, then stop it.
		t0 := time.Now()
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
			t.Logf("stopped %s after the interrupt", time.Since(t0).Round(time.Millisecond))
		case <-time.After(20 * time.Second):
			t.Logf("still draining 20 s after the interrupt; killed")
			_ = cmd.Process.Kill()
			<-done
		}
		_ = logs.Close()
	})
	b := &bot{cmd: cmd}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "listening on "); i >= 0 {
			b.base = strings.TrimSpace(line[i+len("listening on "):])
		}
		if i := strings.Index(line, "metrics on "); i >= 0 {
			b.metrics = strings.TrimSpace(line[i+len("metrics on "):])
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	if b.base == "" {
		t.Fatalf("the program did not start; log in %s", logs.Name())
	}
	return b
}

func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// drive sends post() at rate per second for d with a pool of senders (the
// generator's own limit: a send that finds every sender busy is counted
// as "behind" and skipped), runs second() once a second, samples RSS,
// then idles d and samples RSS at the end.
func drive(t *testing.T, b *bot, d time.Duration, rate int, post func() (int, time.Duration), second func()) *loadResult {
	r := &loadResult{codes: map[int]int{}}
	pid := b.cmd.Process.Pid
	var peak atomic.Int64
	stopRSS := make(chan struct{})
	rssDone := make(chan struct{})
	go func() {
		defer close(rssDone)
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-stopRSS:
				return
			case <-tk.C:
				peak.Store(max(peak.Load(), rss(pid)))
			}
		}
	}()
	jobs := make(chan struct{}, 256)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 128 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				code, lat := post()
				mu.Lock()
				r.codes[code]++
				r.acks = append(r.acks, lat)
				mu.Unlock()
			}
		}()
	}
	secondDone := make(chan struct{})
	stopSecond := make(chan struct{})
	go func() {
		defer close(secondDone)
		tk := time.NewTicker(time.Second)
		defer tk.Stop()
		for {
			select {
			case <-stopSecond:
				return
			case <-tk.C:
				second()
				r.secondSent++
			}
		}
	}()
	start, cpu0 := time.Now(), cpu(pid)
	const step = 10 * time.Millisecond
	perStep := rate * int(step) / int(time.Second)
	for next := start; time.Since(start) < d; next = next.Add(step) {
		time.Sleep(time.Until(next))
		for range perStep {
			select {
			case jobs <- struct{}{}:
				r.sent++
			default:
				r.behind++
			}
		}
	}
	close(jobs)
	wg.Wait()
	r.rate = float64(r.sent) / time.Since(start).Seconds()
	r.botCPU = cpu(pid) - cpu0
	// The platform's connections end with the burst; idle keep-alive
	// connections held open by this generator would keep their buffers
	// in the bot.
	loadClient.CloseIdleConnections()
	close(stopSecond)
	<-secondDone
	time.Sleep(d)
	close(stopRSS)
	<-rssDone
	r.peakRSS, r.rssAfter = peak.Load(), rss(pid)
	if res, err := http.Get(b.metrics); err == nil {
		body, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		for _, l := range strings.Split(string(body), "\n") {
			if strings.HasPrefix(l, "tapbot_inbound") || strings.HasPrefix(l, "tapbot_outbound") || strings.HasPrefix(l, "go_goroutines") || strings.HasPrefix(l, "tapbot_http_requests_total") {
				r.metricsAtEnd += "\n  " + l
			}
		}
	}
	return r
}

func pct(lat []time.Duration, p int) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}

func (r *loadResult) report(t *testing.T) {
	t.Logf("sent %d (%.0f/s; the generator skipped %d it could not send in time), status %v", r.sent, r.rate, r.behind, r.codes)
	t.Logf("ack p50 %s, p99 %s, max %s; the bot used %s of CPU", pct(r.acks, 50), pct(r.acks, 99), pct(r.acks, 100), r.botCPU)
	t.Logf("RSS peak %.1f MB, after a minute idle %.1f MB", float64(r.peakRSS)/1024, float64(r.rssAfter)/1024)
	t.Logf("second conversation: %d sent, %d replies, delay p50 %s, max %s", r.secondSent, len(r.replyDelays), pct(r.replyDelays, 50), pct(r.replyDelays, 100))
	t.Logf("metrics at the end:%s", r.metricsAtEnd)
}

var loadClient = &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second}

func postTimed(req *http.Request) (int, time.Duration) {
	t0 := time.Now()
	res, err := loadClient.Do(req)
	if err != nil {
		return 0, time.Since(t0)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res.StatusCode, time.Since(t0)
}

func TestLoadSlack(t *testing.T) {
	fake := slackfake.NewUnstarted()
	fake.AddUser("UMEGAN", "Megan Bowen", simtenant.DemoMeganUPN, false)
	fake.AddUser("UALEX", "Alex Wilber", simtenant.DemoAlexUPN, false)
	fake.AddChannel("CAPPROVERS", "UALEX")
	alexDM, meganDM := fake.DMChannel("UALEX"), fake.DMChannel("UMEGAN")
	// The second conversation's replies are timed as they reach the fake.
	var smu sync.Mutex
	var pending []time.Time
	var delays []time.Duration
	h := fake.Handler()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r)
		if strings.HasSuffix(r.URL.Path, "/chat.postMessage") && strings.Contains(string(body), alexDM) {
			smu.Lock()
			if len(pending) > 0 {
				delays = append(delays, time.Since(pending[0]))
				pending = pending[1:]
			}
			smu.Unlock()
		}
	}))
	defer api.Close()
	b := startBinary(t, map[string]string{
		"TAPBOT_SLACK_BOT_TOKEN": "xoxb-load", "TAPBOT_SLACK_SIGNING_SECRET": slackSecret,
		"TAPBOT_SLACK_API_URL": api.URL + "/", "TAPBOT_SLACK_APPROVERS_CHANNEL": "CAPPROVERS",
	})
	tmpl := fake.DM("UMEGAN", "hello")
	var seq atomic.Int64
	signed := func(body string) *http.Request {
		now := time.Now()
		req, _ := http.NewRequest(http.MethodPost, b.base+"/slack/events", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now.Unix(), 10))
		req.Header.Set("X-Slack-Signature", slackfake.Sign(slackSecret, now, body))
		return req
	}
	post := func() (int, time.Duration) {
		n := seq.Add(1)
		body := strings.Replace(tmpl, `"event_id":"Ev`, fmt.Sprintf(`"event_id":"EvL%d-`, n), 1)
		body = strings.Replace(body, `"ts":"`, fmt.Sprintf(`"ts":"9%d`, n), 1)
		return postTimed(signed(body))
	}
	second := func() {
		body := fake.DM("UALEX", "help")
		smu.Lock()
		pending = append(pending, time.Now())
		smu.Unlock()
		go func() {
			if code, _ := postTimed(signed(body)); code != http.StatusOK {
				t.Logf("second conversation: status %d", code)
			}
		}()
	}
	// Warm: one message each, so both DMs exist.
	postTimed(signed(fake.DM("UMEGAN", "hello")))
	second()
	time.Sleep(2 * time.Second)
	smu.Lock()
	pending, delays = nil, nil
	smu.Unlock()
	_ = meganDM
	r := drive(t, b, loadSeconds(), 2000, post, second)
	smu.Lock()
	r.replyDelays = delays
	smu.Unlock()
	r.report(t)
}

func TestLoadTeamsOutage(t *testing.T) {
	idp := authtest.New(t, teamsAppID)
	conn := connectortest.Start(t)
	b := startBinary(t, map[string]string{
		"TAPBOT_TEAMS_APP_ID": teamsAppID, "TAPBOT_TEAMS_CLIENT_SECRET": "load-secret",
		"TAPBOT_TEAMS_TENANT_ID":            simtenant.DemoTenantID,
		"TAPBOT_TEAMS_OPENID_METADATA_URL":  idp.MetadataURL(),
		"TAPBOT_TEAMS_TOKEN_AUTHORITY_HOST": "https://127.0.0.1:9/", // nothing listens: an Entra outage
		"TAPBOT_TEAMS_SERVICE_URL":          conn.URL, "TAPBOT_TEAMS_ALLOWED_SERVICE_HOSTS": "127.0.0.1",
		"TAPBOT_TEAMS_PLAYGROUND_PORT": conn.URL[strings.LastIndex(conn.URL, ":")+1 : len(conn.URL)-1],
	})
	auth := idp.Header(conn.URL)
	act := func(aad, conv string, n int64) *http.Request {
		body := fmt.Sprintf(`{"type":"message","id":"load-%d","channelId":"msteams","serviceUrl":%q,"text":"hello",
"from":{"id":"29:%s","aadObjectId":%q},"recipient":{"id":"28:%s","name":"tapbot"},
"conversation":{"id":%q,"conversationType":"personal","tenantId":%q},"channelData":{"tenant":{"id":%q}}}`,
			n, conn.URL, aad, aad, teamsAppID, conv, simtenant.DemoTenantID, simtenant.DemoTenantID)
		req, _ := http.NewRequest(http.MethodPost, b.base+"/api/messages", bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", auth)
		return req
	}
	var seq atomic.Int64
	post := func() (int, time.Duration) { return postTimed(act(simtenant.DemoMeganID, "a:megan", seq.Add(1))) }
	second := func() {
		go postTimed(act(simtenant.DemoAlexID, "a:alex", seq.Add(1)))
	}
	if code, _ := postTimed(act(simtenant.DemoMeganID, "a:megan", seq.Add(1))); code/100 != 2 {
		t.Fatalf("warm activity: status %d; log in %s", code, os.TempDir())
	}
	r := drive(t, b, loadSeconds(), 2000, post, second)
	r.report(t)
	t.Logf("connector calls (none can be authorised in an outage): %d", len(conn.Calls()))
}
