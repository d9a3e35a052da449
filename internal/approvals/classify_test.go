package approvals

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/tapbot/tapbot/internal/tap"
)

func TestCreateFailure(t *testing.T) {
	tests := []struct {
		err      error
		sentinel error
		certain  bool
	}{
		{tap.Refuse(tap.ErrGuest, "Lee Gu is an external guest."), tap.ErrGuest, true},
		{fmt.Errorf("create: %w", tap.Refuse(tap.ErrLifetimeRange, "between 1 and 8 hours")), tap.ErrLifetimeRange, true},
		{fmt.Errorf("create: %w", tap.ErrThrottled), tap.ErrThrottled, true},
		{fmt.Errorf("create: %w", tap.ErrPermission), tap.ErrPermission, true},
		{fmt.Errorf("create: %w", tap.ErrUserNotFound), tap.ErrUserNotFound, true},
		{fmt.Errorf("create: %w", tap.ErrGuest), tap.ErrGuest, true},
		{fmt.Errorf("create: %w", tap.ErrMethodDisabled), tap.ErrMethodDisabled, true},
		{fmt.Errorf("create: %w", tap.ErrLifetimeRange), tap.ErrLifetimeRange, true},
		{fmt.Errorf("create: %w", tap.ErrStartInPast), tap.ErrStartInPast, true},
		{fmt.Errorf("create: %w", tap.ErrUncertain), tap.ErrUncertain, false},
		{fmt.Errorf("create: %w", tap.ErrUnavailable), tap.ErrUncertain, false},
		{context.DeadlineExceeded, tap.ErrUncertain, false},
		{errors.New("connection reset"), tap.ErrUncertain, false},
	}
	for _, tt := range tests {
		reason, sentinel, certain := createFailure(tt.err)
		if sentinel != tt.sentinel || certain != tt.certain || (certain && reason == "") {
			t.Errorf("%v: (%q, %v, %v), want (%v, %v)", tt.err, reason, sentinel, certain, tt.sentinel, tt.certain)
		}
	}
}
