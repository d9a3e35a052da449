package zone_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/zone"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"America/Los_Angeles":     "America/Los_Angeles",
		"Pacific Standard Time":   "America/Los_Angeles",
		"pacific standard time":   "America/Los_Angeles",
		"Eastern Standard Time":   "America/New_York",
		"W. Europe Standard Time": "Europe/Berlin",
		"GMT Standard Time":       "Europe/London",
		"India Standard Time":     "Asia/Calcutta",
		"UTC":                     "UTC",
		"Etc/UTC":                 "Etc/UTC",
		" Europe/Paris ":          "Europe/Paris",
		"Narnia Standard Time":    "",
		"Mars/Olympus_Mons":       "",
		"":                        "",
		"../../etc/passwd":        "",
	} {
		if got := zone.Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWindowsTableLoads checks every IANA zone of the generated CLDR table
// is one this Go's zone database knows.
func TestWindowsTableLoads(t *testing.T) {
	for _, w := range []string{"Dateline Standard Time", "Pacific Standard Time", "Line Islands Standard Time", "Tokyo Standard Time"} {
		iana, ok := zone.FromWindows(w)
		if !ok {
			t.Fatalf("FromWindows(%q): not in the table", w)
		}
		if _, err := time.LoadLocation(iana); err != nil {
			t.Errorf("%q → %q: %v", w, iana, err)
		}
	}
	if n := zone.TableSize(); n < 130 {
		t.Errorf("table has %d Windows zones, want the whole CLDR list (≥ 130)", n)
	}
	zone.EachWindows(func(w, iana string) {
		if _, err := time.LoadLocation(iana); err != nil {
			t.Errorf("%q → %q: %v", w, iana, err)
		}
	})
}

// mailbox is a Mailbox answering from a map and counting its calls.
type mailbox struct {
	mu    sync.Mutex
	zones map[tap.UserID]string
	err   error
	calls int
	// during, when set, runs while a read is in flight.
	during func()
}

func (m *mailbox) MailboxZone(_ context.Context, id tap.UserID) (string, error) {
	if m.during != nil {
		m.during()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.err != nil {
		return "", m.err
	}
	z, ok := m.zones[id]
	if !ok {
		return "", fmt.Errorf("user %s: %w", id, tap.ErrUserNotFound)
	}
	return z, nil
}

func TestResolverOrder(t *testing.T) {
	ctx := context.Background()
	mb := &mailbox{zones: map[tap.UserID]string{"anna": "W. Europe Standard Time", "ben": "America/New_York"}}
	r := zone.NewResolver(zone.Config{Mailbox: mb, Default: "Europe/London"})
	if got := r.Learn(ctx, "anna", "America/Los_Angeles"); got != "America/Los_Angeles" {
		t.Errorf("platform zone: got %q", got)
	}
	if got := r.Zone(ctx, "anna"); got != "America/Los_Angeles" || mb.calls != 0 {
		t.Errorf("after Learn: %q with %d mailbox calls, want the platform's and none", got, mb.calls)
	}
	if got := r.Learn(ctx, "ben", "Not/AZone"); got != "America/New_York" {
		t.Errorf("bad platform zone falls back to the mailbox: got %q", got)
	}
	if got := r.Zone(ctx, "nobody"); got != "Europe/London" {
		t.Errorf("unknown person: got %q, want the default", got)
	}
	calls := mb.calls
	for range 5 {
		r.Zone(ctx, "ben")
	}
	if mb.calls != calls {
		t.Errorf("cached answer re-read the mailbox %d times", mb.calls-calls)
	}
}

// A zone the person's client reports while the mailbox is being read wins
// over the mailbox's answer that lands after it.
func TestPlatformZoneWinsOverALateMailboxRead(t *testing.T) {
	ctx := context.Background()
	mb := &mailbox{zones: map[tap.UserID]string{"anna": "W. Europe Standard Time"}}
	r := zone.NewResolver(zone.Config{Mailbox: mb, Default: "Europe/London"})
	mb.during = func() { r.Learn(ctx, "anna", "America/Los_Angeles") }
	r.Find(ctx, "anna")
	mb.during = nil
	if got := r.Zone(ctx, "anna"); got != "America/Los_Angeles" {
		t.Fatalf("zone after a mailbox read raced a platform report: %q", got)
	}
}

func TestResolverTTLAndBound(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	mb := &mailbox{zones: map[tap.UserID]string{}}
	for i := range 20 {
		mb.zones[tap.UserID(fmt.Sprint(i))] = "Tokyo Standard Time"
	}
	r := zone.NewResolver(zone.Config{Mailbox: mb, TTL: time.Hour, Size: 5, Now: func() time.Time { return now }})
	for i := range 20 {
		if got := r.Zone(ctx, tap.UserID(fmt.Sprint(i))); got != "Asia/Tokyo" {
			t.Fatalf("user %d: %q", i, got)
		}
	}
	if n := r.Len(); n > 5 {
		t.Errorf("cache holds %d people, bound is 5", n)
	}
	calls := mb.calls
	r.Zone(ctx, "19")
	if mb.calls != calls {
		t.Error("fresh entry re-read")
	}
	now = now.Add(2 * time.Hour)
	r.Zone(ctx, "19")
	if mb.calls != calls+1 {
		t.Error("expired entry not re-read")
	}
}

func TestResolverPermissionDeniedOnce(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	mb := &mailbox{err: fmt.Errorf("mailboxSettings: %w", tap.ErrPermission)}
	r := zone.NewResolver(zone.Config{Mailbox: mb, Default: "America/Chicago", Log: slog.New(slog.NewJSONHandler(&logs, nil))})
	for _, id := range []tap.UserID{"a", "b", "c"} {
		if got := r.Zone(ctx, id); got != "America/Chicago" {
			t.Errorf("%s: %q, want default_zone", id, got)
		}
	}
	if mb.calls != 1 {
		t.Errorf("mailbox asked %d times after a 403, want once", mb.calls)
	}
	if n := strings.Count(logs.String(), "MailboxSettings.Read"); n != 1 {
		t.Errorf("permission logged %d times, want once:\n%s", n, logs.String())
	}
}

func TestResolverTransientErrorNotCached(t *testing.T) {
	ctx := context.Background()
	mb := &mailbox{err: errors.New("connection reset")}
	r := zone.NewResolver(zone.Config{Mailbox: mb})
	if got := r.Zone(ctx, "a"); got != "UTC" {
		t.Errorf("got %q, want UTC", got)
	}
	mb.err = nil
	mb.zones = map[tap.UserID]string{"a": "Pacific Standard Time"}
	if got := r.Zone(ctx, "a"); got != "America/Los_Angeles" {
		t.Errorf("after recovery got %q", got)
	}
}
