package connector

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
)

func TestAPIErrorClassification(t *testing.T) {
	cases := []struct {
		name     string
		status   int
		body     string
		want     error
		wantCode string
	}{
		{"blocked", 403, `{"error":{"code":"ConversationBlockedByUser","message":"User blocked the conversation with the bot."}}`, ErrUnreachable, "ConversationBlockedByUser"},
		{"nested subCode", 403, `{"error":{"code":"Forbidden","message":"x","innerHttpError":{"statusCode":403,"body":{"error":{"code":"Forbidden","subCode":"MessageWritesBlocked"}}}}}`, ErrUnreachable, "MessageWritesBlocked"},
		{"not in roster", 403, `{"error":{"code":"BotNotInConversationRoster"}}`, ErrUnreachable, "BotNotInConversationRoster"},
		{"conversation gone", 404, `{"error":{"code":"ConversationNotFound"}}`, ErrUnreachable, "ConversationNotFound"},
		{"activity gone", 404, `{"error":{"code":"ActivityNotFound"}}`, tap.ErrNotFound, "ActivityNotFound"},
		{"other 403", 403, `{"error":{"code":"Forbidden"}}`, tap.ErrForbidden, "Forbidden"},
		{"401", 401, `{"message":"Authorization has been denied for this request."}`, tap.ErrPermission, ""},
		{"429", 429, ``, tap.ErrThrottled, ""},
		{"412", 412, `{"error":{"code":"PreconditionFailed"}}`, tap.ErrUnavailable, "PreconditionFailed"},
		{"500 html", 500, `<html>oops</html>`, tap.ErrUnavailable, ""},
		{"400", 400, `{"error":{"code":"BadArgument","message":"Unknown activity type"}}`, tap.ErrInvalidInput, "BadArgument"},
		{"blocked code on a 400 is not unreachable", 400, `{"error":{"code":"ConversationBlockedByUser"}}`, tap.ErrInvalidInput, "ConversationBlockedByUser"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := apiError("send", tc.status, []byte(tc.body))
			if !errors.Is(err, tc.want) {
				t.Fatalf("%v does not match %v", err, tc.want)
			}
			if errors.Is(tc.want, ErrUnreachable) && !errors.Is(err, chat.ErrUnreachable) {
				t.Fatalf("%v does not match chat.ErrUnreachable", err)
			}
			var ae *APIError
			if !errors.As(err, &ae) || ae.Code != tc.wantCode || ae.Status != tc.status {
				t.Fatalf("api error = %+v", ae)
			}
		})
	}
	long := `{"error":{"code":"BadArgument","message":"` + strings.Repeat("é", 500) + `"}}`
	var ae *APIError
	if !errors.As(apiError("send", 400, []byte(long)), &ae) || len([]rune(ae.Message)) != 201 {
		t.Fatalf("message not truncated: %d runes", len([]rune(ae.Message)))
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              -1,
		"0":                             0,
		"3":                             3 * time.Second,
		" 7 ":                           7 * time.Second,
		"-2":                            -1,
		"soon":                          -1,
		"1.5":                           -1,
		"Fri, 27 Nov 2026 12:00:10 GMT": 10 * time.Second,
		"Fri, 27 Nov 2026 11:59:00 GMT": 0,
	}
	for in, want := range cases {
		if got := retryAfter(in, now); got != want {
			t.Errorf("retryAfter(%q) = %s; want %s", in, got, want)
		}
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	for attempt, base := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 9: backoffCap} {
		for range 50 {
			d := backoff(attempt)
			if d < base*8/10 || d > base*12/10 {
				t.Fatalf("backoff(%d) = %s; want %s ±20%%", attempt, d, base)
			}
		}
	}
}

// FuzzAPIError: any error body classifies without panicking and keeps the
// message bounded.
func FuzzAPIError(f *testing.F) {
	f.Add(403, []byte(`{"error":{"code":"ConversationBlockedByUser","message":"m"}}`))
	f.Add(404, []byte(`{"error":{"innerHttpError":{"body":{"error":{"subCode":"MessageWritesBlocked"}}}}}`))
	f.Add(500, []byte(`[[[[[[[[[[{"code":1}]]]]]]]]]]`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		var ae *APIError
		if !errors.As(apiError("send", status, body), &ae) || len([]rune(ae.Message)) > 201 {
			t.Fatalf("bad api error %+v", ae)
		}
	})
}
