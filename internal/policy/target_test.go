package policy

import (
	"context"
	"errors"
	"testing"

	"github.com/tapbot/tapbot/internal/tap"
)

// TestCheckTarget: the early target vetting the router runs right after
// the dialog resolves the target gives the same answers as CheckSubmit.
func TestCheckTarget(t *testing.T) {
	e := newEnv(t)
	c := e.checker()
	ctx := context.Background()
	for _, tc := range []struct {
		requester, target string
		want              error
	}{
		{"mia", "sarah", nil},
		{"hal", "sarah", nil},
		{"mia", "mia", tap.ErrForbidden},
		{"mia", "dan", tap.ErrDisabled},
		{"mia", "lee", tap.ErrGuest},
		{"mia", "ada", tap.ErrPrivileged},
		{"mia", "eli", tap.ErrPrivileged},
		{"mia", "gus", tap.ErrPrivileged},
		{"mia", "xena", tap.ErrMethodDisabled},
		{"sam", "sarah", tap.ErrForbidden},
	} {
		u, err := e.dir.User(ctx, string(e.ids[tc.target]))
		if err != nil {
			t.Fatal(err)
		}
		err = c.CheckTarget(ctx, e.ids[tc.requester], u)
		if tc.want == nil {
			if err != nil {
				t.Errorf("%s for %s: refused: %v", tc.requester, tc.target, err)
			}
			continue
		}
		var ref *tap.Refusal
		if !errors.As(err, &ref) || !errors.Is(err, tc.want) {
			t.Errorf("%s for %s: err = %v, want a refusal wrapping %v", tc.requester, tc.target, err, tc.want)
		}
	}
}
