package simtenant

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SetWriteLimit makes the tenant throttle writes as Graph does for
// identity and authentication-method writes (about 3,000 per 150 s per app
// and tenant): once n writes (POST, PATCH, DELETE) arrived within the
// sliding window d, each further write is answered 429 with Retry-After
// (whole seconds until the oldest write leaves the window) until one does.
// The window runs on the wall clock, not SetNow's, since clients really
// wait. n = 0 removes the limit.
func (t *Tenant) SetWriteLimit(n int, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.writeLimit, t.writeWindow, t.writes = n, d, nil
}

// Throttled is how many writes the write limit refused.
func (t *Tenant) Throttled() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.throttled
}

// admitWrite applies the write limit to r; false means it answered 429.
func (t *Tenant) admitWrite(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || readAction(r.URL.Path) {
		return true
	}
	t.mu.Lock()
	if t.writeLimit <= 0 {
		t.mu.Unlock()
		return true
	}
	now := time.Now()
	cut := 0
	for cut < len(t.writes) && !t.writes[cut].After(now.Add(-t.writeWindow)) {
		cut++
	}
	t.writes = t.writes[cut:]
	if len(t.writes) < t.writeLimit {
		t.writes = append(t.writes, now)
		t.mu.Unlock()
		return true
	}
	wait := t.writes[0].Add(t.writeWindow).Sub(now)
	t.throttled++
	t.mu.Unlock()
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	writeError(w, r, http.StatusTooManyRequests, "TooManyRequests", "Too many requests, please try after some time.")
	return false
}

// readAction reports the POST actions that only read (group checks).
func readAction(p string) bool {
	for _, a := range []string{"/checkMemberGroups", "/checkMemberObjects", "/getMemberGroups", "/getMemberObjects"} {
		if strings.HasSuffix(p, a) {
			return true
		}
	}
	return false
}
