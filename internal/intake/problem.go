package intake

import (
	"cmp"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/tapbot/tapbot/internal/bot"
	"github.com/tapbot/tapbot/internal/tap"
)

// ProblemType is the base of the problem type URIs; the last segment
// names the problem ("idempotency-key-reused", "refused", …).
const ProblemType = "https://tapbot.dev/problems/"

// Problem is an RFC 9457 problem details object. Detail is the plain
// sentence the chat would give.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance,omitempty"`
}

// writeProblem sends p as application/problem+json.
func writeProblem(w http.ResponseWriter, r *http.Request, status int, kind, detail string) {
	p := Problem{Type: ProblemType + kind, Title: http.StatusText(status), Status: status, Detail: detail, Instance: r.URL.Path}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

// problemFor turns an error from the lifecycle or the directory into a
// status, a problem kind and bot.Say's sentence: the one function that
// turns errors into words, so the API says what the chat would.
func problemFor(log *slog.Logger, err error) (status int, kind, detail string) {
	var ae *authError
	if errors.As(err, &ae) {
		kind := map[int]string{http.StatusForbidden: "forbidden", http.StatusServiceUnavailable: "unavailable"}[ae.status]
		return ae.status, cmp.Or(kind, "unauthorized"), ae.detail
	}
	detail = bot.Say(log, err)
	switch {
	case errors.Is(err, errMalformed):
		return http.StatusBadRequest, "bad-request", detail
	case errors.Is(err, tap.ErrNotFound) && !errors.Is(err, tap.ErrUserNotFound):
		return http.StatusNotFound, "not-found", detail
	case errors.Is(err, tap.ErrQuota), errors.Is(err, tap.ErrInvalidTransition), errors.Is(err, tap.ErrConflict):
		return http.StatusConflict, "conflict", detail
	case errors.Is(err, tap.ErrForbidden):
		return http.StatusForbidden, "forbidden", detail
	case errors.Is(err, tap.ErrThrottled), errors.Is(err, tap.ErrUnavailable),
		errors.Is(err, tap.ErrPermission), errors.Is(err, tap.ErrAudit):
		return http.StatusServiceUnavailable, "unavailable", detail
	}
	var ref *tap.Refusal
	if errors.As(err, &ref) || errors.Is(err, tap.ErrUserNotFound) {
		return http.StatusUnprocessableEntity, "refused", detail
	}
	return http.StatusInternalServerError, "internal", detail
}

// fail writes the problem for err.
func fail(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status, kind, detail := problemFor(log, err)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(60))
	}
	writeProblem(w, r, status, kind, detail)
}
