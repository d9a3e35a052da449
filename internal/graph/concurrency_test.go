package graph_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/simtenant"
	"github.com/tapbot/tapbot/internal/tap"
)

// TestConcurrentUse runs reads and creates on one client from many
// goroutines (meaningful under -race).
func TestConcurrentUse(t *testing.T) {
	f := setup(t)
	users := []string{simtenant.DemoSarahID, simtenant.DemoDiegoID, simtenant.DemoMeganID, simtenant.DemoAlexID}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx := context.Background()
			id := users[i%len(users)]
			if _, err := f.c.User(ctx, id); err != nil {
				errs <- err
			}
			if _, err := f.c.Roles(ctx, tap.UserID(id)); err != nil {
				errs <- err
			}
			if _, err := f.c.CreatePass(ctx, tap.UserID(id), tap.PassSpec{Lifetime: time.Hour}); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := f.tn.TotalCreates(); got != 16 {
		t.Errorf("TotalCreates = %d, want 16", got)
	}
	for _, u := range users {
		if n := len(f.tn.Passes(u)); n != 1 {
			t.Errorf("%s holds %d passes, want 1 (one per user)", u, n)
		}
	}
}
