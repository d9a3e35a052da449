package bot

import (
	"testing"

	"github.com/tapbot/tapbot/internal/tap"
)

// TestMatchesPerson lists what names a request's new hire.
func TestMatchesPerson(t *testing.T) {
	q := &tap.Request{ID: "r-1", Target: tap.User{UPN: "sarah.johnson@contoso.com", Mail: "sarah@contoso.com", DisplayName: "Sarah Johnson"}}
	for who, want := range map[string]bool{
		"sarah.johnson@contoso.com": true, "SARAH.JOHNSON": true, "sarah": true, "Sarah Johnson": true,
		"r-1": true, "johnson": false, "sara": false, "": false, "megan": false,
	} {
		if got := matchesPerson(q, who); got != want {
			t.Errorf("matchesPerson(%q) = %t, want %t", who, got, want)
		}
	}
}
