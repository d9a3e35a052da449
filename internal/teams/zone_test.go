package teams_test

import (
	"net/http"
	"testing"
)

// TestSenderZone: the sender's zone comes from localTimezone, else the
// clientInfo entity's timezone; a name this host cannot load is ignored;
// an activity without one gets the last zone kept with the person's
// conversation reference.
func TestSenderZone(t *testing.T) {
	f := newFixture(t)
	steps := []struct {
		name      string
		localTZ   string
		clientTZ  string
		wantZone  string
		wantTotal int
	}{
		{"localTimezone", "America/Los_Angeles", "", "America/Los_Angeles", 1},
		{"clientInfo only", "", "Europe/Berlin", "Europe/Berlin", 2},
		{"unknown name falls back to the kept zone", "Narnia/Cair_Paravel", "", "Europe/Berlin", 3},
		{"no zone: the kept one", "", "", "Europe/Berlin", 4},
	}
	for _, s := range steps {
		act := f.personal("status")
		if s.localTZ != "" {
			act["localTimezone"] = s.localTZ
		}
		if s.clientTZ != "" {
			act["entities"] = []any{map[string]any{"type": "clientInfo", "locale": "de-DE", "timezone": s.clientTZ}}
		}
		if status, _ := f.post(act, "valid"); status != http.StatusOK {
			t.Fatalf("%s: status %d", s.name, status)
		}
		evs := f.waitEvents(s.wantTotal)
		if got := evs[len(evs)-1].User.Zone; got != s.wantZone {
			t.Errorf("%s: zone %q, want %q", s.name, got, s.wantZone)
		}
	}
}
