package simtenant

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

// SignIn is a simulated sign-in, recorded by RecordSignIn and served by
// GET /beta/auditLogs/signIns in Graph's wire format.
type SignIn struct {
	UserID  string    // object id or UPN
	At      time.Time // createdDateTime
	IP      string
	City    string
	State   string
	Country string // two-letter countryOrRegion
	OS      string
	Browser string
	// ErrorCode: 0 succeeded; else e.g. 50126 (wrong credentials).
	ErrorCode int
	// Method is the authenticationDetails method, default
	// "Temporary Access Pass".
	Method string
}

// maxSignIns bounds the simulated log.
const maxSignIns = 10000

// RecordSignIn adds s to the sign-in log and returns its id. A successful
// sign-in with a one-time pass marks that pass used (OneTimeUsed).
func (t *Tenant) RecordSignIn(s SignIn) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	uid, ok := t.lookupLocked(s.UserID)
	if !ok {
		return "", fmt.Errorf("sign-in: no user %q", s.UserID)
	}
	s.UserID = uid
	if s.IP == "" {
		return "", fmt.Errorf("sign-in: an IP address is required")
	}
	if s.At.IsZero() {
		s.At = t.now()
	}
	if s.Method == "" {
		s.Method = "Temporary Access Pass"
	}
	if len(t.signIns) >= maxSignIns {
		t.signIns = append(t.signIns[:0], t.signIns[len(t.signIns)-maxSignIns/2:]...)
	}
	t.signInSeq++
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", t.signInSeq)
	t.signIns = append(t.signIns, storedSignIn{id: id, SignIn: s})
	if p := t.passes[s.UserID]; p != nil && s.ErrorCode == 0 && s.Method == "Temporary Access Pass" && !s.At.Before(p.start) {
		p.uses++
	}
	if err := t.saveLocked(); err != nil {
		t.saveErr = err
	}
	return id, nil
}

type storedSignIn struct {
	id string
	SignIn
}

var (
	userIDFilter = regexp.MustCompile(`userId eq '([^']+)'`)
	sinceFilter  = regexp.MustCompile(`createdDateTime ge (\S+)`)
)

// listSignIns answers GET /beta/auditLogs/signIns?$filter=userId eq 'x'
// and createdDateTime ge T, newest first (Graph's order).
func (t *Tenant) listSignIns(w http.ResponseWriter, r *http.Request) {
	f := r.URL.Query().Get("$filter")
	var user string
	var since time.Time
	if m := userIDFilter.FindStringSubmatch(f); m != nil {
		user = m[1]
	}
	if m := sinceFilter.FindStringSubmatch(f); m != nil {
		v, err := time.Parse(time.RFC3339, m[1])
		if err != nil {
			writeError(w, r, http.StatusBadRequest, "BadRequest", "Invalid filter clause: createdDateTime.")
			return
		}
		since = v
	}
	if strings.TrimSpace(f) != "" && user == "" && since.IsZero() {
		writeError(w, r, http.StatusBadRequest, "BadRequest", "Invalid filter clause.")
		return
	}
	t.mu.Lock()
	var out []map[string]any
	for _, s := range t.signIns {
		if (user != "" && s.UserID != user) || s.At.Before(since) {
			continue
		}
		out = append(out, t.signInWire(s))
	}
	t.mu.Unlock()
	sort.SliceStable(out, func(i, j int) bool {
		return out[i]["createdDateTime"].(string) > out[j]["createdDateTime"].(string)
	})
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context": "https://graph.microsoft.com/beta/$metadata#auditLogs/signIns", "value": out})
}

// signInWire is s in Graph beta's signIn shape. Callers hold t.mu.
func (t *Tenant) signInWire(s storedSignIn) map[string]any {
	upn := ""
	if u := t.users[s.UserID]; u != nil {
		upn = u.UPN
	}
	at := s.At.UTC().Format(time.RFC3339)
	reason := ""
	if s.ErrorCode != 0 {
		reason = "Invalid username or password or Invalid on-premise username or password."
	}
	return map[string]any{
		"id": s.id, "createdDateTime": at, "userId": s.UserID, "userPrincipalName": upn,
		"appDisplayName": "My Sign-Ins", "ipAddress": s.IP, "clientAppUsed": "Browser", "isInteractive": true,
		"status":       map[string]any{"errorCode": s.ErrorCode, "failureReason": reason},
		"deviceDetail": map[string]any{"operatingSystem": s.OS, "browser": s.Browser},
		"location":     map[string]any{"city": s.City, "state": s.State, "countryOrRegion": s.Country},
		"authenticationDetails": []map[string]any{{
			"authenticationStepDateTime": at, "authenticationMethod": s.Method,
			"authenticationMethodDetail": "", "succeeded": s.ErrorCode == 0,
			"authenticationStepResultDetail": map[bool]string{true: "MFA successfully completed", false: "Incorrect credentials"}[s.ErrorCode == 0],
		}},
	}
}
