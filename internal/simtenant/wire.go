package simtenant

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// graphTime formats t the way Graph serialises DateTimeOffset values.
func graphTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.9999999Z")
}

// nullableTime returns nil for the zero time so it encodes as JSON null.
func nullableTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return graphTime(t)
}

// nullable returns nil for "" so it encodes as JSON null.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// newID returns a random version-4 UUID.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b[:])
}

// StableID derives a deterministic UUID-shaped object id from name (a
// UPN or group name), so a tenant rebuilt from the same YAML keeps its
// ids across restarts.
func StableID(name string) string {
	sum := sha1.Sum([]byte("tapbot-graphtest:" + strings.ToLower(name)))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func formatUUID(b []byte) string {
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// writeJSON writes v with status and Graph's content type.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// odataError is Graph's error body.
type odataError struct {
	Error odataMain `json:"error"`
}

type odataMain struct {
	Code       string         `json:"code"`
	Message    *string        `json:"message,omitempty"`
	InnerError map[string]any `json:"innerError"`
}

// writeError writes a Graph error body. An empty message is omitted from
// the body altogether (Graph sometimes does that, and the SDK's Error()
// then panics; clients must cope).
func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	body := odataError{Error: odataMain{Code: code, InnerError: map[string]any{
		"date":              time.Now().UTC().Format("2006-01-02T15:04:05"),
		"request-id":        newID(),
		"client-request-id": r.Header.Get("client-request-id"),
	}}}
	if msg != "" {
		body.Error.Message = &msg
	}
	writeJSON(w, status, body)
}

// notFound writes Graph's Request_ResourceNotFound for key.
func notFound(w http.ResponseWriter, r *http.Request, key string) {
	writeError(w, r, http.StatusNotFound, "Request_ResourceNotFound",
		fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", key))
}

// badRequest writes a 400 with Graph's lower-case "badRequest" code, as
// the authentication-methods service uses it.
func badRequest(w http.ResponseWriter, r *http.Request, msg string) {
	writeError(w, r, http.StatusBadRequest, "badRequest", msg)
}
