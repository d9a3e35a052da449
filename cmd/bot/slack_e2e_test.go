package main

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/slack/slackfake"
	"github.com/tapbot/tapbot/internal/testutil"
)

const slackSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// slackWorld is the bot in local mode with Slack in HTTP mode against
// the fake Slack Web API; requests are signed as Slack signs them.
type slackWorld struct {
	t    *testing.T
	base string
	fake *slackfake.Server
	logs *testutil.SyncBuffer
}

func newSlackWorld(t *testing.T) *slackWorld {
	w, _ := newSlackWorldWith(t, slackfake.New(), nil)
	return w
}

// newSlackWorldWith runs the bot against fake with env added, and returns
// its stop function too (a restart reuses the fake and the data dir).
func newSlackWorldWith(t *testing.T, fake *slackfake.Server, env map[string]string) (*slackWorld, func() int) {
	t.Cleanup(fake.Close)
	for _, u := range []struct{ id, name, mail string }{
		{"UMEGAN", "Megan Bowen", simtenant.DemoMeganUPN},
		{"UALEX", "Alex Wilber", simtenant.DemoAlexUPN},
		{"USARAH", "Sarah Johnson", simtenant.DemoSarahUPN},
		{"UDIEGO", "Diego Siciliani", simtenant.DemoDiegoUPN},
	} {
		fake.AddUser(u.id, u.name, u.mail, false)
	}
	fake.AddUser("UGUEST", "Guest Approver", "guest@fabrikam.com", true)
	fake.AddChannel("CAPPROVERS", "UALEX", "UGUEST")
	all := map[string]string{
		"TAPBOT_SLACK_BOT_TOKEN":         "xoxb-test",
		"TAPBOT_SLACK_SIGNING_SECRET":    slackSecret,
		"TAPBOT_SLACK_API_URL":           fake.URL(),
		"TAPBOT_SLACK_APPROVERS_CHANNEL": "CAPPROVERS",
	}
	for k, v := range env {
		all[k] = v
	}
	b := startBot(t, all)
	return &slackWorld{t: t, base: b.base, fake: fake, logs: b.logs}, b.stop
}

// post delivers a signed payload over HTTP and returns status and body.
func (w *slackWorld) post(body string, ts time.Time, sign bool) (int, string) {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodPost, w.base+"/slack/events", strings.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", slackfake.ContentType(body))
	req.Header.Set("X-Slack-Request-Timestamp", itoa(ts.Unix()))
	if sign {
		req.Header.Set("X-Slack-Signature", slackfake.Sign(slackSecret, ts, body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (w *slackWorld) send(body string) string {
	w.t.Helper()
	code, resp := w.post(body, time.Now(), true)
	if code != http.StatusOK {
		w.t.Fatalf("slack delivery = %d %s", code, resp)
	}
	return resp
}

// submittedByMegan has Megan ask in her DM for an 8-hour pass for target
// and confirm it; it returns the approval card in the approvers channel.
func (w *slackWorld) submittedByMegan(target string) slackfake.Message {
	t, f := w.t, w.fake
	t.Helper()
	w.send(f.DM("UMEGAN", "pass for "+target+" tomorrow 9am, 8 hours, onboarding, multi-use because she starts in Sales"))
	testutil.Eventually(t, 30*time.Second, "the summary", func() bool {
		m, ok := f.LastMessage(f.DMChannel("UMEGAN"))
		return ok && strings.Contains(string(m.Blocks), "Confirm")
	})
	w.send(f.DM("UMEGAN", "yes"))
	testutil.Eventually(t, 30*time.Second, "the approval card", func() bool {
		m, ok := f.LastMessage("CAPPROVERS")
		return ok && strings.Contains(string(m.Blocks), "tap_approve")
	})
	card, _ := f.LastMessage("CAPPROVERS")
	return card
}

// approvedForMegan is submittedByMegan, then Alex approves; it returns
// Megan's DM channel and the message holding the Reveal button.
func (w *slackWorld) approvedForMegan(target string) (dm, revealTS string) {
	w.t.Helper()
	card := w.submittedByMegan(target)
	b, err := w.fake.Click("UALEX", "CAPPROVERS", card.TS, "Approve")
	if err != nil {
		w.t.Fatal(err)
	}
	w.send(b)
	dm = w.fake.DMChannel("UMEGAN")
	return dm, w.revealButton(dm)
}

// revealButton waits for the message in dm that holds the Reveal button.
func (w *slackWorld) revealButton(dm string) (ts string) {
	w.t.Helper()
	testutil.Eventually(w.t, 30*time.Second, "the Reveal button", func() bool {
		for _, m := range w.fake.Messages(dm) {
			if strings.Contains(string(m.Blocks), "tap_reveal") {
				ts = m.TS
				return true
			}
		}
		return false
	})
	return ts
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestSlackEndToEnd: slash command → modal → approval click → reveal in a
// modal → "done" → confirmed, over signed HTTP, through slack-go against
// the fake Slack API; the pass is only ever in views.update.
func TestSlackEndToEnd(t *testing.T) {
	w := newSlackWorld(t)
	f := w.fake

	w.send(f.SlashCommand("UMEGAN", f.DMChannel("UMEGAN"), ""))
	testutil.Eventually(t, 30*time.Second, "the request modal", func() bool {
		vs := f.ViewsOf("UMEGAN")
		return len(vs) > 0 && strings.Contains(string(vs[0].Blocks), `"input"`)
	})
	view := f.ViewsOf("UMEGAN")[0]
	start := time.Now().Add(48*time.Hour).UTC().Format("2006-01-02") + "T09:00"
	body, err := f.ViewSubmission("UMEGAN", view.ID, map[string]string{
		"target": simtenant.DemoSarahUPN, "reason": "onboarding", "zone": "Europe/London",
		"start": start, "lifetime": "8h", "one_time": "default", "justification": "first day <!channel>",
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp := w.send(body); strings.Contains(resp, `"errors"`) {
		t.Fatalf("form refused: %s", resp)
	}
	w.send(f.DM("UMEGAN", "yes"))
	testutil.Eventually(t, 30*time.Second, "the approval card", func() bool {
		m, ok := f.LastMessage("CAPPROVERS")
		return ok && strings.Contains(string(m.Blocks), "Approve")
	})
	card, _ := f.LastMessage("CAPPROVERS")
	if strings.Contains(string(card.Blocks), "<!channel>") {
		t.Error("mrkdwn injection reached the approvers channel unescaped")
	}

	// A guest and the requester cannot approve; Alex can.
	for _, who := range []string{"UGUEST", "UMEGAN"} {
		b, err := f.Click(who, "CAPPROVERS", card.TS, "Approve")
		if err != nil {
			t.Fatal(err)
		}
		w.send(b)
	}
	b, err := f.Click("UALEX", "CAPPROVERS", card.TS, "Approve")
	if err != nil {
		t.Fatal(err)
	}
	w.send(b)
	w.send(b) // the same interaction delivered twice acts once
	defer func() {
		if t.Failed() {
			m, _ := f.LastMessage("CAPPROVERS")
			t.Logf("approvers channel now: edits=%d %s", m.Edits, m.Blocks)
			for _, c := range f.Calls("chat.postEphemeral") {
				t.Logf("ephemeral: %v", c.Args["blocks"])
			}
		}
	}()
	testutil.Eventually(t, 30*time.Second, "the card updated in place", func() bool {
		m, _ := f.LastMessage("CAPPROVERS")
		return m.Edits > 0 && strings.Contains(string(m.Blocks), "Approved by") && !strings.Contains(string(m.Blocks), `"action_id":"tap_approve"`)
	})

	dm := f.DMChannel("UMEGAN")
	revealTS := w.revealButton(dm)
	b, err = f.Click("UDIEGO", dm, revealTS, "Reveal pass")
	if err == nil {
		w.send(b) // someone else: refused, nothing shown
	}
	b, err = f.Click("UMEGAN", dm, revealTS, "Reveal pass")
	if err != nil {
		t.Fatal(err)
	}
	w.send(b)
	var pass string
	testutil.Eventually(t, 30*time.Second, "the pass in the modal", func() bool {
		for _, v := range f.ViewsOf("UMEGAN") {
			if p := preformatted(string(v.Raw)); p != "" {
				pass = p
				return true
			}
		}
		return false
	})
	for _, v := range f.ViewsOf("UDIEGO") {
		if strings.Contains(string(v.Raw), pass) {
			t.Fatal("someone else saw the pass")
		}
	}
	for _, method := range []string{"chat.postMessage", "chat.update", "chat.postEphemeral"} {
		for _, c := range f.Calls(method) {
			for _, v := range c.Args {
				if strings.Contains(v, pass) {
					t.Fatalf("the pass went through %s", method)
				}
			}
		}
	}

	w.expiredPassExplained()

	resp, err := http.PostForm(w.base+"/_local/methods", map[string][]string{"user": {simtenant.DemoSarahUPN}, "kind": {"windows_hello"}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("register method: %v %v", err, resp)
	}
	resp.Body.Close()
	w.send(f.DM("USARAH", "done"))
	testutil.Eventually(t, 30*time.Second, "the confirmation", func() bool {
		for _, m := range f.Messages(dm) {
			if strings.Contains(m.Text+string(m.Blocks), "finished setting up") {
				return true
			}
		}
		return false
	})
}

// expiredPassExplained: "the pass doesn't work". The local helper ends
// Sarah's pass in the simulated tenant; her plea is answered from Entra
// and Megan is told.
func (w *slackWorld) expiredPassExplained() {
	t, f := w.t, w.fake
	t.Helper()
	resp, err := http.PostForm(w.base+"/_local/pass", map[string][]string{"user": {simtenant.DemoSarahUPN}, "do": {"expire"}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("expire pass: %v %v", err, resp)
	}
	resp.Body.Close()
	w.send(f.DM("USARAH", "hi, my pass doesn't work"))
	for who, want := range map[string]string{"USARAH": "Your pass has expired", "UMEGAN": "says the pass does not work: it has expired"} {
		ch := f.DMChannel(who)
		testutil.Eventually(t, 10*time.Second, who+" told of the expired pass", func() bool {
			for _, m := range f.Messages(ch) {
				if strings.Contains(m.Text+string(m.Blocks), want) {
					return true
				}
			}
			return false
		})
	}
}

// preformatted returns the text of a rich_text_preformatted element in a
// view definition, or "".
func preformatted(raw string) string {
	i := strings.Index(raw, `"rich_text_preformatted"`)
	if i < 0 {
		return ""
	}
	rest := raw[i:]
	j := strings.Index(rest, `"text":"`)
	if j < 0 {
		return ""
	}
	rest = rest[j+len(`"text":"`):]
	k := strings.Index(rest, `"`)
	if k < 0 {
		return ""
	}
	return rest[:k]
}

func TestSlackRejectsForgedAndStale(t *testing.T) {
	w := newSlackWorld(t)
	body := w.fake.DM("UMEGAN", "status")
	if code, _ := w.post(body, time.Now(), false); code != http.StatusUnauthorized {
		t.Errorf("unsigned = %d", code)
	}
	if code, _ := w.post(body, time.Now().Add(-301*time.Second), true); code != http.StatusUnauthorized {
		t.Errorf("stale = %d", code)
	}
	req, _ := http.NewRequest(http.MethodPost, w.base+"/slack/events", strings.NewReader(body+" "))
	ts := time.Now()
	req.Header.Set("X-Slack-Request-Timestamp", itoa(ts.Unix()))
	req.Header.Set("X-Slack-Signature", slackfake.Sign(slackSecret, ts, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("re-encoded body = %d", resp.StatusCode)
	}
	if n := len(w.fake.Calls("chat.postMessage")); n != 0 {
		t.Errorf("rejected deliveries caused %d posts", n)
	}
}
