package connector

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/tap"
)

// ErrUnreachable means Teams cannot deliver to the addressee: the user
// blocked or uninstalled the bot, the bot is not in the conversation, the
// conversation does not exist, or an admin disabled the bot. It matches
// chat.ErrUnreachable with errors.Is.
var ErrUnreachable = fmt.Errorf("teams: %w", chat.ErrUnreachable)

// unreachableCodes are Bot Connector error codes (code or subCode) that
// mean the addressee cannot be reached.
var unreachableCodes = map[string]bool{
	"ConversationBlockedByUser":  true,
	"MessageWritesBlocked":       true,
	"BotNotInConversationRoster": true,
	"ConversationNotFound":       true,
	"BotDisabledByAdmin":         true,
}

// APIError is a non-2xx answer from the Bot Connector. It unwraps to a
// classifying sentinel: ErrUnreachable, tap.ErrThrottled (429),
// tap.ErrUnavailable (412, 5xx), tap.ErrPermission (401), tap.ErrForbidden
// (other 403), tap.ErrNotFound (other 404) or tap.ErrInvalidInput (400).
type APIError struct {
	Op     string
	Status int
	// Code is the connector's error code (subCode when more specific).
	Code string
	// Message is the connector's message, truncated.
	Message  string
	sentinel error
}

// Error describes the failure without any token or activity content.
func (e *APIError) Error() string {
	s := fmt.Sprintf("connector %s: status %d", e.Op, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Unwrap returns the classifying sentinel (nil when none applies).
func (e *APIError) Unwrap() error { return e.sentinel }

func apiError(op string, status int, body []byte) error {
	e := &APIError{Op: op, Status: status}
	codes := errorCodes(body, &e.Message)
	slices.Sort(codes)
	unreachable := false
	for _, c := range codes {
		if unreachableCodes[c] {
			e.Code, unreachable = c, true
			break
		}
	}
	if e.Code == "" && len(codes) > 0 {
		e.Code = codes[0]
	}
	if r := []rune(e.Message); len(r) > 200 {
		e.Message = string(r[:200]) + "…"
	}
	switch {
	case unreachable && (status == http.StatusForbidden || status == http.StatusNotFound):
		e.sentinel = ErrUnreachable
	case status == http.StatusTooManyRequests:
		e.sentinel = tap.ErrThrottled
	case status == http.StatusPreconditionFailed || status >= 500:
		e.sentinel = tap.ErrUnavailable
	case status == http.StatusUnauthorized:
		e.sentinel = tap.ErrPermission
	case status == http.StatusForbidden:
		e.sentinel = tap.ErrForbidden
	case status == http.StatusNotFound:
		e.sentinel = tap.ErrNotFound
	case status == http.StatusBadRequest:
		e.sentinel = tap.ErrInvalidInput
	}
	return e
}

// errorCodes collects every "code" and "subCode" string in an error body
// (they nest, e.g. error.innerHttpError.body.error.code) and the first
// "message".
func errorCodes(body []byte, msg *string) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var codes []string
	var walk func(v any, depth int)
	walk = func(v any, depth int) {
		if depth > 6 {
			return
		}
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				switch s, ok := x.(string); {
				case ok && (k == "code" || k == "subCode"):
					codes = append(codes, s)
				case ok && k == "message" && *msg == "":
					*msg = s
				default:
					walk(x, depth+1)
				}
			}
		case []any:
			for _, x := range t {
				walk(x, depth+1)
			}
		}
	}
	walk(v, 0)
	return codes
}
