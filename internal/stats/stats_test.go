package stats

import (
	"context"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/chat"
	"github.com/tapbot/tapbot/internal/store/memstore"
	"github.com/tapbot/tapbot/internal/tap"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// req builds a request created at t0+day days+off, with the later
// timestamps given as offsets from creation (negative: unset).
func req(id string, st tap.State, created time.Duration, decided, issued, revealed, closed time.Duration) *tap.Request {
	at := func(d time.Duration) time.Time {
		if d < 0 {
			return time.Time{}
		}
		return t0.Add(created + d)
	}
	r := &tap.Request{
		ID: tap.RequestID(id), State: st, ApprovalsNeeded: 1,
		CreatedAt: t0.Add(created), DecidedAt: at(decided), IssuedAt: at(issued),
		RevealedAt: at(revealed), ClosedAt: at(closed),
	}
	if issued >= 0 {
		r.MethodID = "method-" + id // Graph created a pass
	}
	return r
}

const (
	m    = time.Minute
	h    = time.Hour
	day  = 24 * time.Hour
	none = -1
)

func noPass(r *tap.Request) *tap.Request { r.MethodID = ""; return r }

// history is a seeded week; the expected numbers below are worked out by
// hand from it.
func history() []*tap.Request {
	return []*tap.Request{
		// 1-3 confirmed. approve 10m/30m/5m, reveal 30m/60m/10m, setup 2h/45m/3h.
		req("r1", tap.StateConfirmed, 0, 10*m, 10*m, 40*m, 40*m+2*h),
		req("r2", tap.StateConfirmed, day, 30*m, 31*m, 91*m, 91*m+45*m),
		req("r3", tap.StateConfirmed, 2*day, 5*m, 5*m, 15*m, 15*m+3*h),
		// 4 revealed, setup not done yet (open). approve 20m, reveal 20m.
		req("r4", tap.StateDelivered, 3*day, 20*m, 20*m, 40*m, none),
		// 5 revealed, then the pass ran out unconfirmed. approve 60m, reveal 2h.
		req("r5", tap.StateExpired, 3*day+h, 60*m, 60*m, 3*h, 5*h),
		// 6 nobody approved in time.
		req("r6", tap.StateExpired, 4*day, none, none, none, day),
		// 7 denied (a decision, but not an approval).
		req("r7", tap.StateDenied, 4*day+h, 15*m, none, none, 15*m),
		// 8 approved (40m), issued, revoked before reveal.
		req("r8", tap.StateRevoked, 5*day, 40*m, 40*m, none, 2*h),
		// 9 approved (50m), claimed for issue (IssuedAt set), Graph refused:
		// failed, no pass created.
		noPass(req("r9", tap.StateFailed, 5*day+h, 50*m, 50*m, none, 50*m)),
		// 10 still pending; 11 cancelled.
		req("r10", tap.StatePending, 5*day+2*h, none, none, none, none),
		req("r11", tap.StateCancelled, 5*day+3*h, none, none, none, 5*m),
		// Outside [Nov 1, Nov 8): before, and exactly at the exclusive end.
		req("old", tap.StateConfirmed, -3*day, 10*m, 10*m, 20*m, 30*m),
		req("late", tap.StateConfirmed, 6*day-9*h, 10*m, 10*m, 20*m, 30*m),
	}
}

func TestComputeSeededWeek(t *testing.T) {
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC)
	got := Compute(history(), from, to)

	counts := []struct {
		name      string
		got, want int
	}{
		{"created", got.Created, 11},
		{"approved", got.Approved, 7}, // r1-r5, r8, r9
		{"denied", got.Denied, 1},
		{"cancelled", got.Cancelled, 1},
		{"issued", got.Issued, 6},     // r1-r5, r8
		{"revealed", got.Revealed, 5}, // r1-r5
		{"confirmed", got.Confirmed, 3},
		{"expired pending", got.ExpiredPending, 1},
		{"expired unused", got.ExpiredUnused, 1},
		{"revoked", got.Revoked, 1},
		{"failed", got.Failed, 1},
		{"open", got.Open, 2}, // r4, r10
	}
	for _, c := range counts {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	medians := []struct {
		name string
		got  Median
		want Median
	}{
		// 5 10 20 30 40 50 60 minutes
		{"approve", got.TimeToApprove, Median{D: 30 * m, P90: 60 * m, N: 7}},
		// 10 20 30 60 120 minutes
		{"reveal", got.TimeToReveal, Median{D: 30 * m, P90: 120 * m, N: 5}},
		// 45m 2h 3h
		{"confirm", got.TimeToConfirm, Median{D: 2 * h, P90: 3 * h, N: 3}},
	}
	for _, c := range medians {
		if c.got != c.want {
			t.Errorf("median time to %s = %+v, want %+v", c.name, c.got, c.want)
		}
	}
	if a, ok := got.Adoption(); !ok || a != 0.6 {
		t.Errorf("adoption = %v, %v; want 0.6 (3 of 5)", a, ok)
	}

	want := map[string]string{
		"Period":                 "1 Nov 2026 to 7 Nov 2026",
		"Requests":               "11 made, 7 approved, 1 denied, 1 cancelled",
		"Passes created vs used": "6 created, 3 used for setup (50%)",
		"Median time to approve": "30m (over 7)",
		"Median time to reveal":  "30m (over 5)",
		"Median time to set up":  "2h (over 3)",
		"Passwordless adoption":  "60% (3 of 5 revealed passes led to a strong method)",
		"Expired":                "1 unused after issue, 1 waiting for approval",
		"Still open":             "2",
	}
	checkFacts(t, got.Facts(), want)
}

func checkFacts(t *testing.T, facts []chat.Fact, want map[string]string) {
	t.Helper()
	seen := map[string]string{}
	for _, f := range facts {
		seen[f.Label] = f.Value
	}
	for label, v := range want {
		if seen[label] != v {
			t.Errorf("fact %q = %q, want %q", label, seen[label], v)
		}
	}
}

func TestComputeEmpty(t *testing.T) {
	got := Compute(nil, time.Time{}, time.Time{})
	if got.Created != 0 || got.TimeToApprove.N != 0 {
		t.Fatalf("empty report = %+v", got)
	}
	if _, ok := got.Adoption(); ok {
		t.Error("adoption defined with nothing revealed")
	}
	checkFacts(t, got.Facts(), map[string]string{
		"Period":                 "all time",
		"Passes created vs used": "0 created",
		"Median time to approve": "no data",
		"Passwordless adoption":  "no passes revealed",
	})
}

func TestMedianEvenCount(t *testing.T) {
	got := median([]time.Duration{40 * m, 10 * m, 30 * m, 20 * m})
	if want := (Median{D: 25 * m, P90: 40 * m, N: 4}); got != want {
		t.Fatalf("median = %+v, want %+v", got, want)
	}
}

func TestExpiredAfterApprovalWithoutPass(t *testing.T) {
	// Issue on reveal: approved, never revealed, expired; no pass minted.
	r := req("x", tap.StateExpired, 0, 10*m, none, none, day)
	r.Approvals = []tap.Decision{{Approver: tap.Actor{EntraID: "a"}, At: t0}}
	got := Compute([]*tap.Request{r}, time.Time{}, time.Time{})
	if got.ExpiredUnused != 1 || got.ExpiredPending != 0 || got.Approved != 1 {
		t.Fatalf("report = %+v", got)
	}
	// Two approvers needed, one given: it expired pending.
	r.ApprovalsNeeded = 2
	got = Compute([]*tap.Request{r}, time.Time{}, time.Time{})
	if got.ExpiredPending != 1 || got.Approved != 0 {
		t.Fatalf("two-approver report = %+v", got)
	}
}

func TestHuman(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{45 * time.Second, "45s"},
		{12 * m, "12m"},
		{65 * m, "1h 5m"},
		{2 * h, "2h"},
		{51*h + 20*m, "2d 3h"},
		{-5 * m, "-5m"},
	} {
		if got := Human(c.d); got != c.want {
			t.Errorf("Human(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestLoadFromStore(t *testing.T) {
	s := memstore.New()
	defer s.Close()
	ctx := context.Background()
	for _, r := range history() {
		if err := s.CreateRequest(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC)
	got, err := Load(ctx, s, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if got.Created != 11 || got.Confirmed != 3 || got.TimeToConfirm != (Median{D: 2 * h, P90: 3 * h, N: 3}) {
		t.Fatalf("Load = %+v", got)
	}
}

func TestP90NearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 20; i++ {
		ds = append(ds, time.Duration(i)*m)
	}
	if got := median(ds); got.P90 != 18*m || got.D != 10*m+30*time.Second {
		t.Fatalf("20 samples: %+v", got)
	}
	if got := median([]time.Duration{7 * m}); got.P90 != 7*m || got.D != 7*m {
		t.Fatalf("one sample: %+v", got)
	}
}

func TestByReason(t *testing.T) {
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC)
	all := Compute(history(), from, to)
	by := ByReason(history(), from, to)
	sum := 0
	for reason, rep := range by {
		if rep.Created == 0 {
			t.Errorf("%s: an empty report", reason)
		}
		sum += rep.Created
	}
	if sum != all.Created || len(by) == 0 {
		t.Fatalf("per reason %d requests in %d reasons, all %d", sum, len(by), all.Created)
	}
}

// The article's adoption ratio (confirmed ÷ used) is given only when the
// sign-in logs saw at least every confirmed setup's use.
func TestAdoptionOfUsed(t *testing.T) {
	for _, c := range []struct {
		used, confirmed int
		want            float64
		ok              bool
	}{
		{5, 4, 0.8, true},
		{0, 0, 0, false},
		{2, 3, 0, false}, // no sign-in logs: only one-time uses seen
		{4, 4, 1, true},
	} {
		got, ok := Report{Used: c.used, Confirmed: c.confirmed}.AdoptionOfUsed()
		if ok != c.ok || got != c.want {
			t.Errorf("used %d, confirmed %d: %v %v, want %v %v", c.used, c.confirmed, got, ok, c.want, c.ok)
		}
	}
}
