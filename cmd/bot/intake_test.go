package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/intake"
	"github.com/tapbot/tapbot/internal/simtenant"
)

// The wired program serves the intake API when api.enabled is set: a
// signed webhook opens a request for Sarah on behalf of her manager; an
// unsigned call is refused.
func TestIntakeAPIWired(t *testing.T) {
	const secret = "local-hr-webhook-secret-0123456789abcdef"
	base, stop := startLocal(t, map[string]string{"TAPBOT_API_ENABLED": "true", "TAPBOT_API_HMAC_SECRET": secret,
		"TAPBOT_API_NOTIFY_PLATFORM": "teams"})
	defer stop()
	body, _ := json.Marshal(map[string]any{"target": simtenant.DemoSarahUPN, "requester": "manager",
		"hire_date": time.Now().AddDate(0, 0, 3).Format("2006-01-02"), "external_ref": "HIRE-1"})
	post := func(sign bool) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/requests", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(intake.HeaderIdempotencyKey, "wired-1")
		if sign {
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			req.Header.Set(intake.HeaderTimestamp, ts)
			req.Header.Set(intake.HeaderSignature, intake.Sign([]byte(secret), ts, http.MethodPost, "/api/v1/requests", body))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, b := post(false); code != http.StatusUnauthorized || !strings.Contains(b, "problems/unauthorized") {
		t.Fatalf("unsigned = %d %s", code, b)
	}
	if code, b := post(true); code != http.StatusCreated || !strings.Contains(b, `"state":"pending"`) {
		t.Fatalf("signed = %d %s", code, b)
	}
}

func TestConfigAPINeedsAuthentication(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(t.Context(), []string{"check-config"}, envMap(map[string]string{"TAPBOT_DATA_DIR": t.TempDir(),
		"TAPBOT_API_ENABLED": "true"}), &out, &errb)
	if code != 2 || !strings.Contains(errb.String()+out.String(), "neither Entra tokens") {
		t.Fatalf("exit %d; output:\n%s%s", code, out.String(), errb.String())
	}
}

// api.notify_platform must name a chat platform that is on: check-config
// says so (exit 2) instead of the API telling hiring managers nowhere.
func TestConfigAPINotifyPlatform(t *testing.T) {
	const secret = "local-hr-webhook-secret-0123456789abcdef"
	for _, c := range []struct {
		platform, want string
	}{
		{"slak", `"slak" must be slack or teams`},
		{"slack", "Slack is not on"},
		{"teams", ""}, // local mode: Teams (the playground) is on
		{"", ""},      // the one platform on
	} {
		t.Run(c.platform, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(t.Context(), []string{"check-config"}, envMap(map[string]string{"TAPBOT_DATA_DIR": t.TempDir(),
				"TAPBOT_API_ENABLED": "true", "TAPBOT_API_HMAC_SECRET": secret, "TAPBOT_API_NOTIFY_PLATFORM": c.platform}), &out, &errb)
			got := errb.String() + out.String()
			if c.want == "" {
				if code != 0 || strings.Contains(got, "notify_platform") {
					t.Fatalf("exit %d; output:\n%s", code, got)
				}
				return
			}
			if code != 2 || !strings.Contains(got, c.want) {
				t.Fatalf("exit %d; output:\n%s", code, got)
			}
		})
	}
}
