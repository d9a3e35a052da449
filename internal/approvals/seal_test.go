package approvals

import (
	"bytes"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
)

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{1}, 32)
	s, err := newSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	const value = "+drkzqAD-s3cr3t"
	sealed, err := s.seal("req1", "entra:megan", tap.NewSecret(value))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte(value)) {
		t.Fatal("sealed bytes contain the value")
	}
	again, _ := s.seal("req1", "entra:megan", tap.NewSecret(value))
	if bytes.Equal(sealed, again) || bytes.Equal(sealed[:12], again[:12]) {
		t.Fatal("nonce reused")
	}
	other, _ := newSealer(bytes.Repeat([]byte{2}, 32))
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name      string
		s         *sealer
		id        tap.RequestID
		recipient string
		sealed    []byte
		ok        bool
	}{
		{"right key, request and recipient", s, "req1", "entra:megan", sealed, true},
		{"wrong key", other, "req1", "entra:megan", sealed, false},
		{"other request", s, "req2", "entra:megan", sealed, false},
		{"other recipient", s, "req1", "entra:eve", sealed, false},
		{"boundary shift in associated data", s, "req1\x00entra", "megan", sealed, false},
		{"flipped bit", s, "req1", "entra:megan", flipped, false},
		{"truncated", s, "req1", "entra:megan", sealed[:20], false},
		{"empty", s, "req1", "entra:megan", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.s.open(tt.id, tt.recipient, tt.sealed)
			if tt.ok {
				if err != nil || got.Reveal() != value {
					t.Fatalf("open: %v", err)
				}
				return
			}
			if err != errSeal || !got.IsZero() {
				t.Fatalf("open = %v, want errSeal", err)
			}
		})
	}
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := newSealer(make([]byte, n)); err == nil {
			t.Errorf("%d-byte key accepted", n)
		}
	}
}

// A pass sealed before the seal key was rotated still opens with the old
// key listed as previous; new passes are sealed under the new key only.
func TestSealKeyRotation(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	before, _ := newSealer(oldKey)
	sealed, err := before.seal("req1", "entra:megan", tap.NewSecret("old-pass"))
	if err != nil {
		t.Fatal(err)
	}
	after, err := newSealer(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := after.open("req1", "entra:megan", sealed); err != nil || got.Reveal() != "old-pass" {
		t.Fatalf("a pass sealed under the previous key: %v", err)
	}
	fresh, _ := after.seal("req2", "entra:megan", tap.NewSecret("new-pass"))
	if _, err := before.open("req2", "entra:megan", fresh); err != errSeal {
		t.Fatal("a new pass was sealed under the previous key")
	}
	rotatedOut, _ := newSealer(newKey)
	if _, err := rotatedOut.open("req1", "entra:megan", sealed); err != errSeal {
		t.Fatal("a retired key still opens once it is dropped")
	}
	if _, err := newSealer(newKey, make([]byte, 16)); err == nil {
		t.Fatal("a short previous key accepted")
	}
}

func TestRefusalWording(t *testing.T) {
	now := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	s := &Service{cfg: Config{Now: func() time.Time { return now }}}
	alex := &tap.Actor{Name: "Alex Wilber"}
	at := time.Date(2026, 11, 27, 14, 2, 0, 0, time.UTC)
	tests := []struct {
		r    tap.Request
		want string
	}{
		{tap.Request{State: tap.StateIssued, DecidedBy: alex, DecidedAt: at}, "Alex Wilber already approved this at 14:02 UTC."},
		{tap.Request{State: tap.StateApproved, DecidedAt: at}, "An approver already approved this at 14:02 UTC."},
		{tap.Request{State: tap.StateDenied, DecidedBy: alex, DecidedAt: at.AddDate(0, 0, -1)}, "Alex Wilber already denied this at 26 Nov 14:02 UTC."},
		{tap.Request{State: tap.StateCancelled, Requester: tap.Actor{Name: "Megan Bowen"}, ClosedAt: at}, "Megan Bowen cancelled this request at 14:02 UTC."},
		{tap.Request{State: tap.StateExpired, ClosedAt: at}, "This request expired at 14:02 UTC."},
		{tap.Request{State: tap.StateRevoked, ClosedAt: at}, "This pass was revoked at 14:02 UTC."},
		{tap.Request{State: tap.StateFailed, FailReason: reasonRemoved}, "This request failed: " + reasonRemoved},
		{tap.Request{State: tap.StatePending}, "This request is still waiting for approval."},
	}
	for _, tt := range tests {
		if got := s.moved(&tt.r); got.Msg != tt.want || got.Err != tap.ErrInvalidTransition {
			t.Errorf("%s: %q, want %q", tt.r.State, got.Msg, tt.want)
		}
	}
	if got := sentence(reasonRemoved); got != "The pass could not be delivered safely; it was removed — ask again." {
		t.Errorf("sentence = %q", got)
	}
	for d, want := range map[time.Duration]string{30 * time.Second: "30s", 45 * time.Minute: "45m", 2 * time.Hour: "2h",
		72*time.Minute + 10*time.Second: "1h 12m", 50 * time.Hour: "2d 2h"} {
		if got := span(d); got != want {
			t.Errorf("span(%v) = %q, want %q", d, got, want)
		}
	}
}
