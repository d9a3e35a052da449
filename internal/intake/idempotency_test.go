package intake_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tapbot/tapbot/internal/intake"
	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

// lostCompletion fails the first n CompleteIntakeKey calls, as a database
// that is briefly locked or a crash right after the request was stored.
type lostCompletion struct {
	intake.Store
	n atomic.Int32
}

func (l *lostCompletion) CompleteIntakeKey(ctx context.Context, caller, key, bodyHash string, id tap.RequestID, ref string) error {
	if l.n.Add(-1) >= 0 {
		return errors.New("database is locked")
	}
	return l.Store.CompleteIntakeKey(ctx, caller, key, bodyHash, id, ref)
}

// TestRetryAfterLostCompletion: the request was made but recording it
// against the Idempotency-Key failed; the HR system's retry with the same
// key and body gets that request (201, replayed), not "in flight" or the
// one-open-request refusal, and no second request is made.
func TestRetryAfterLostCompletion(t *testing.T) {
	lost := &lostCompletion{}
	lost.n.Store(1)
	h := newHarnessWith(t, func(s intake.Store) intake.Store { lost.Store = s; return lost })
	auth := h.token()
	first := h.post(auth, "key-lost", sarah("HIRE-9"))
	if first.status != http.StatusCreated {
		t.Fatalf("first = %d %s", first.status, first.body)
	}
	for i := range 2 {
		again := h.post(auth, "key-lost", sarah("HIRE-9"))
		if again.status != http.StatusCreated || again.header.Get(intake.HeaderReplayed) != "true" || again.view(t).ID != first.view(t).ID {
			t.Fatalf("retry %d = %d %s", i+1, again.status, again.body)
		}
	}
	rs, err := h.st.ListRequests(h.ctx, tap.RequestFilter{Target: simtenant.DemoSarahID})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 {
		t.Fatalf("%d requests for Sarah, want 1", len(rs))
	}
}

// With api.requesters: manager, a caller can name only the new hire's
// manager in Entra as the hiring manager (who reveals the pass): a
// compromised HR system cannot route a pass to someone else.
func TestRequestersManagerOnly(t *testing.T) {
	h := newHarnessWith(t, nil, func(c *intake.Config) { c.Requesters = intake.RequestersManager })
	auth := h.token()
	diego := sarah("HIRE-D")
	diego["target"] = simtenant.DemoDiegoUPN
	diego["requester"] = simtenant.DemoAlexUPN
	p := h.post(auth, "d-1", diego)
	if p.status != http.StatusForbidden || !strings.Contains(p.problem(t).Detail, "Only Diego Siciliani's manager in Entra") {
		t.Fatalf("another person as hiring manager = %d %s", p.status, p.body)
	}
	diego["requester"] = simtenant.DemoMeganUPN
	if p := h.post(auth, "d-2", diego); p.status != http.StatusCreated {
		t.Fatalf("the manager by name = %d %s", p.status, p.body)
	}
	if p := h.post(auth, "s-1", sarah("HIRE-S")); p.status != http.StatusCreated {
		t.Fatalf(`requester "manager" = %d %s`, p.status, p.body)
	}
}

func TestRequestersSetting(t *testing.T) {
	err := intake.Config{Enabled: true, HMACSecret: hmacSecret, Requesters: "anyone"}.Validate()
	if err == nil || !strings.Contains(err.Error(), `api.requesters "anyone" must be any or manager`) {
		t.Fatalf("Validate = %v", err)
	}
}
