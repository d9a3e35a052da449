package intake

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers of the signed-webhook mode. The signature is
// "v1=" + hex(HMAC-SHA256(secret, "v1:" + X-Timestamp + ":" + body)),
// as Slack signs its requests.
const (
	HeaderSignature = "X-Signature"
	HeaderTimestamp = "X-Timestamp"
)

// Seen records a signature so it is accepted once (tap.Store.MarkSeen).
type Seen interface {
	MarkSeen(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// hmacAuth checks signed webhooks: the signature, the 5-minute window and
// that each signature is used once.
type hmacAuth struct {
	secret []byte
	caller string
	seen   Seen
	now    func() time.Time
}

// Sign returns the X-Signature value for a call: ts (Unix seconds), the
// method, the request URI (path and query, as sent) and the body. Method
// and URI are signed so a captured signature cannot be moved to another
// call (a GET's headers replayed as DELETE of another request).
func Sign(secret []byte, ts, method, requestURI string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "v1:%s:%s:%s:", ts, method, requestURI)
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

func (h *hmacAuth) authenticate(ctx context.Context, r *http.Request, body []byte) (Caller, error) {
	sig, ts := r.Header.Get(HeaderSignature), r.Header.Get(HeaderTimestamp)
	if sig == "" || ts == "" {
		return Caller{}, unauthorized("no signature")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || strings.TrimSpace(ts) != ts {
		return Caller{}, unauthorized("malformed timestamp")
	}
	if d := h.now().Sub(time.Unix(sec, 0)); d > HMACWindow || d < -HMACWindow {
		return Caller{}, unauthorized("timestamp outside the 5-minute window")
	}
	if !hmac.Equal([]byte(sig), []byte(Sign(h.secret, ts, r.Method, r.URL.RequestURI(), body))) {
		return Caller{}, unauthorized("signature mismatch")
	}
	// Inside the window, a captured call could be replayed: each valid
	// signature is accepted once (kept a little longer than the window).
	first, err := h.seen.MarkSeen(ctx, "intake-hmac:"+sig, 2*HMACWindow+time.Minute)
	if err != nil {
		return Caller{}, fmt.Errorf("record signature: %w", err)
	}
	if !first {
		return Caller{}, unauthorized("signature replayed")
	}
	return Caller{ID: h.caller, Via: "hmac"}, nil
}
