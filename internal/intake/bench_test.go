package intake_test

import (
	"net/http"
	"testing"
)

// BenchmarkGetWithEntraToken measures one authenticated read: token
// parse and RS256 check (keys cached), the store read and the JSON answer,
// over a loopback HTTP connection.
func BenchmarkGetWithEntraToken(b *testing.B) {
	h := newHarness(b)
	auth := h.token()
	id := h.post(auth, "bench", sarah("BENCH")).view(b).ID
	b.ResetTimer()
	for b.Loop() {
		if r := h.get(auth, "/api/v1/requests/"+id); r.status != http.StatusOK {
			b.Fatalf("GET = %d", r.status)
		}
	}
}
