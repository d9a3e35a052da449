package simtenant

import (
	"net/http"
	"path"
	"strings"
	"time"
)

// Fault is what the tenant does instead of (or around) answering a
// matching request.
type Fault struct {
	// Status, when non-zero, answers with this status and a Graph error
	// body without performing the call (e.g. 429, 500, 503, 403).
	Status int
	// RetryAfter is sent as the Retry-After header with Status.
	RetryAfter string
	// Code and Message override the Graph error body (defaults by status).
	Code, Message string
	// OmitMessage leaves error.message out of the body (the SDK's
	// ODataError.Error() panics on such bodies).
	OmitMessage bool
	// EmptyBody sends Status with no body at all.
	EmptyBody bool
	// Delay waits this long (or until the client gives up) before
	// handling. The call is still performed afterwards, as a slow server
	// would: a client timeout then leaves an uncertain outcome.
	Delay time.Duration
	// Drop performs the call, then closes the connection without writing
	// the response ("succeed then drop the response").
	Drop bool
}

type fault struct {
	method, pattern string
	remaining       int
	Fault
}

// Inject applies f to the next n requests whose method equals method
// ("" for any) and whose path below /v1.0 matches pattern (path.Match
// syntax, e.g. "/users/*/authentication/temporaryAccessPassMethods"; ""
// for any). Faults are consumed in the order they were injected.
func (t *Tenant) Inject(method, pattern string, n int, f Fault) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.faults = append(t.faults, &fault{method: method, pattern: pattern, remaining: n, Fault: f})
}

// Throttle answers the next n matching requests with 429 and Retry-After.
func (t *Tenant) Throttle(method, pattern string, n int, retryAfter string) {
	t.Inject(method, pattern, n, Fault{Status: http.StatusTooManyRequests, RetryAfter: retryAfter})
}

// FailWith answers the next n matching requests with status.
func (t *Tenant) FailWith(method, pattern string, n, status int) {
	t.Inject(method, pattern, n, Fault{Status: status})
}

// DelayBy delays the next n matching requests by d.
func (t *Tenant) DelayBy(method, pattern string, n int, d time.Duration) {
	t.Inject(method, pattern, n, Fault{Delay: d})
}

// DropResponse performs the next n matching requests and drops their
// responses by closing the connection.
func (t *Tenant) DropResponse(method, pattern string, n int) {
	t.Inject(method, pattern, n, Fault{Drop: true})
}

// ClearFaults removes every pending fault.
func (t *Tenant) ClearFaults() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.faults = nil
}

// takeFault consumes the first fault matching the request, if any.
func (t *Tenant) takeFault(method, p string) (Fault, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, f := range t.faults {
		if f.method != "" && !strings.EqualFold(f.method, method) {
			continue
		}
		if f.pattern != "" {
			if ok, _ := path.Match(f.pattern, p); !ok {
				continue
			}
		}
		f.remaining--
		if f.remaining <= 0 {
			t.faults = append(t.faults[:i:i], t.faults[i+1:]...)
		}
		return f.Fault, true
	}
	return Fault{}, false
}

// defaultFaultError is the Graph error code and message for a status.
func defaultFaultError(status int) (string, string) {
	switch status {
	case http.StatusTooManyRequests:
		return "TooManyRequests", "Too many requests, please retry after some time."
	case http.StatusForbidden:
		return "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
	case http.StatusUnauthorized:
		return "InvalidAuthenticationToken", "Access token validation failure."
	case http.StatusServiceUnavailable:
		return "serviceNotAvailable", "The service is temporarily unavailable."
	case http.StatusGatewayTimeout:
		return "gatewayTimeout", "The gateway timed out."
	}
	if status >= 500 {
		return "generalException", "An unexpected error occurred."
	}
	return "BadRequest", "Bad request."
}

// writeFault answers r as f says.
func writeFault(w http.ResponseWriter, r *http.Request, f Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.EmptyBody {
		w.WriteHeader(f.Status)
		return
	}
	code, msg := defaultFaultError(f.Status)
	if f.Code != "" {
		code = f.Code
	}
	if f.Message != "" {
		msg = f.Message
	}
	if f.OmitMessage {
		msg = ""
	}
	writeError(w, r, f.Status, code, msg)
}
