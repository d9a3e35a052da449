package approvals

import (
	"context"
	"testing"
	"time"
)

// fakeLeases is a lease table on a fake clock.
type fakeLeases struct {
	now    *time.Time
	leases map[string]struct {
		holder  string
		expires time.Time
	}
}

func (f *fakeLeases) take(_ context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if l, ok := f.leases[name]; ok && l.holder != holder && f.now.Before(l.expires) {
		return false, nil
	}
	f.leases[name] = struct {
		holder  string
		expires time.Time
	}{holder, f.now.Add(ttl)}
	return true, nil
}

// TestPacerSharedSlots: three replicas' pacers on one lease table and a
// fake clock (sleeping advances it) take turns for 3,000 writes under a
// limit of 100 per 5 s: no two writes share a slot, no sliding window
// holds more than the limit, and together they use the slots evenly (the
// rate is the limit less writeMargin).
func TestPacerSharedSlots(t *testing.T) {
	const limit, window = 100, 5 * time.Second
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	leases := &fakeLeases{now: &now, leases: map[string]struct {
		holder  string
		expires time.Time
	}{}}
	var pacers []*pacer
	for _, id := range []string{"a", "b", "c"} {
		p := newPacer(limit, window, leases.take, id)
		p.now = func() time.Time { return now }
		p.sleep = func(_ context.Context, d time.Duration) error {
			if d > 0 {
				now = now.Add(d)
			}
			return nil
		}
		pacers = append(pacers, p)
	}
	var sent []time.Time
	for i := range 3000 {
		if err := pacers[i%3].wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, now)
	}
	slot := pacers[0].slot
	for i := 1; i < len(sent); i++ {
		if sent[i].Sub(sent[i-1]) < slot {
			t.Fatalf("writes %d and %d only %s apart (slot %s)", i-1, i, sent[i].Sub(sent[i-1]), slot)
		}
	}
	for i := range sent {
		j := i
		for j < len(sent) && sent[j].Sub(sent[i]) < window {
			j++
		}
		if j-i > limit {
			t.Fatalf("%d writes in the window from write %d, limit %d", j-i, i, limit)
		}
		if j == len(sent) {
			break
		}
	}
	span := sent[len(sent)-1].Sub(sent[0])
	rate := float64(len(sent)-1) / span.Seconds()
	ceiling := float64(limit) / window.Seconds()
	if rate < ceiling*(1-2*writeMargin) || rate > ceiling {
		t.Fatalf("paced at %.2f writes/s, ceiling %.2f", rate, ceiling)
	}
}

// TestPacerCancelled: a wait whose context ends returns its error, so the
// create is known not to have been sent.
func TestPacerCancelled(t *testing.T) {
	p := newPacer(1, time.Hour, func(context.Context, string, string, time.Duration) (bool, error) { return false, nil }, "a")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.wait(ctx); err == nil {
		t.Fatal("a cancelled wait returned nil")
	}
}
