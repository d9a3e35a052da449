package zone_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/tapbot/tapbot/internal/tap"
	"github.com/tapbot/tapbot/internal/zone"
)

// BenchmarkResolverCached is the per-message cost once a person's zone is
// known (no Graph call).
func BenchmarkResolverCached(b *testing.B) {
	ctx := context.Background()
	mb := &mailbox{zones: map[tap.UserID]string{}}
	for i := range 1000 {
		mb.zones[tap.UserID(fmt.Sprint(i))] = "Pacific Standard Time"
	}
	r := zone.NewResolver(zone.Config{Mailbox: mb})
	for i := range 1000 {
		r.Zone(ctx, tap.UserID(fmt.Sprint(i)))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r.Zone(ctx, tap.UserID(fmt.Sprint(i%1000)))
	}
	if mb.calls != 1000 {
		b.Fatalf("%d mailbox calls, want 1000 (one per person)", mb.calls)
	}
}

// BenchmarkNormalizeWindows converts a Windows zone name to IANA.
func BenchmarkNormalizeWindows(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if zone.Normalize("Pacific Standard Time") != "America/Los_Angeles" {
			b.Fatal("wrong zone")
		}
	}
}
