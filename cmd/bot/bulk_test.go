package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/intake"
)

// TestBulk drives `bot bulk` against the running program's intake API:
// every row is validated first and nothing is opened; --send opens the
// ready rows' requests, and running it again opens nothing new.
func TestBulk(t *testing.T) {
	const secret = "local-hr-webhook-secret-0123456789abcdef"
	base, stop := startLocal(t, map[string]string{"TAPBOT_API_ENABLED": "true", "TAPBOT_API_HMAC_SECRET": secret,
		"TAPBOT_API_NOTIFY_PLATFORM": "teams"})
	defer stop()
	day := time.Now().AddDate(0, 0, 3).Format("2006-01-02")
	csv := "\uFEFFupn,start,lifetime,reason,manager,one_time,note\n" +
		"sarah.johnson@contoso.com," + day + ",8h,onboarding,manager,no,Sales desk 4B\n" +
		"diego.siciliani@contoso.com," + day + ",480,onboarding,megan.bowen@contoso.com,,\n" +
		"adele.vance@contoso.com," + day + ",8h,onboarding,manager,,\n" +
		"nobody@contoso.com," + day + ",8h,onboarding,megan.bowen@contoso.com,,\n" +
		"\n" +
		"pradeep.gupta@contoso.com," + day + ",eight hours,onboarding,manager,,\n"
	file := filepath.Join(t.TempDir(), "hires.csv")
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	env := envMap(map[string]string{"TAPBOT_API_HMAC_SECRET": secret})
	bulk := func(args ...string) (int, string) {
		// A signature is accepted once and covers the second it was made
		// in: an identical call (the same row validated again) waits for
		// the next second, as a person re-running the command would.
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
		var out, errb bytes.Buffer
		code := run(t.Context(), append([]string{"bulk", "--url", base}, args...), env, &out, &errb)
		return code, out.String() + errb.String()
	}
	code, out := bulk(file)
	for _, want := range []string{"5 rows: 2 ready, 3 refused", "line 4 (adele.vance@contoso.com): Adele Vance has a privileged account",
		"line 5 (nobody@contoso.com): I can't find", `line 7 (pradeep.gupta@contoso.com): lifetime "eight hours"`,
		"Run again with --send to send the 2 ready rows"} {
		if !strings.Contains(out, want) {
			t.Errorf("validate output lacks %q:\n%s", want, out)
		}
	}
	if code != 1 {
		t.Errorf("exit %d with refused rows, want 1", code)
	}
	if n := requestsFor(t, base, secret, "bulk:line-2"); n != 0 {
		t.Fatalf("validation opened %d requests", n)
	}
	for range 2 { // the second run is a retry: the same requests, none new
		code, out = bulk("--send", file)
		if code != 1 || !strings.Contains(out, "5 rows: 2 sent for approval, 3 refused") || !strings.Contains(out, "Sending 2 requests: 2 done") {
			t.Fatalf("send: exit %d\n%s", code, out)
		}
	}
	for _, ref := range []string{"bulk:line-2", "bulk:line-3"} {
		if n := requestsFor(t, base, secret, ref); n != 1 {
			t.Errorf("%s: %d requests, want 1", ref, n)
		}
	}
	if code, out := bulk(filepath.Join(t.TempDir(), "missing.csv")); code != 2 || !strings.Contains(out, "no such file") {
		t.Errorf("missing file: exit %d\n%s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	_ = os.WriteFile(bad, []byte("email,start\nx@y.z,2026-12-07\n"), 0o600)
	if code, out := bulk(bad); code != 2 || !strings.Contains(out, `unknown column "email"`) {
		t.Errorf("bad header: exit %d\n%s", code, out)
	}
}

// requestsFor counts the requests the HMAC caller made with external_ref.
func requestsFor(t *testing.T, base, secret, ref string) int {
	t.Helper()
	uri := "/api/v1/requests?external_ref=" + ref
	req, _ := http.NewRequest(http.MethodGet, base+uri, nil)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req.Header.Set(intake.HeaderTimestamp, ts)
	req.Header.Set(intake.HeaderSignature, intake.Sign([]byte(secret), ts, http.MethodGet, uri, nil))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Requests []intake.View `json:"requests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("list %s: %d %v", ref, resp.StatusCode, err)
	}
	return len(list.Requests)
}
