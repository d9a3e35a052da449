package text

import (
	"testing"
	"time"
)

func TestHumanDuration(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{time.Hour, "1 hour"}, {8 * time.Hour, "8 hours"}, {90 * time.Minute, "1 hour 30 minutes"},
		{48 * time.Hour, "2 days"}, {20 * time.Second, "less than a minute"}, {0, "0 minutes"},
	} {
		if got := Duration(c.d); got != c.want {
			t.Errorf("Duration(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}
