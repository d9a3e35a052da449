package connector

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// unreachable is a token endpoint that cannot be reached, counting calls.
type unreachable struct{ calls atomic.Int64 }

func (u *unreachable) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	u.calls.Add(1)
	time.Sleep(20 * time.Millisecond)
	return azcore.AccessToken{}, errors.New("dial tcp: connection refused")
}

func TestTokenFetchedOncePerBackoffPeriod(t *testing.T) {
	u := &unreachable{}
	g := newTokenGate(u)
	now := time.Unix(1_700_000_000, 0)
	var mu sync.Mutex
	g.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var wg sync.WaitGroup
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := g.GetToken(context.Background(), policy.TokenRequestOptions{}); err == nil {
				t.Error("token from an unreachable endpoint")
			}
		}()
	}
	wg.Wait()
	if n := u.calls.Load(); n != 1 {
		t.Fatalf("200 waiting replies fetched the token %d times, want 1", n)
	}
	for range 100 { // within the backoff period: answered without a fetch
		if _, err := g.GetToken(context.Background(), policy.TokenRequestOptions{}); err == nil {
			t.Fatal("token during backoff")
		}
	}
	if n := u.calls.Load(); n != 1 {
		t.Fatalf("fetches during backoff: %d, want 1", n)
	}
	mu.Lock()
	now = now.Add(tokenBackoffBase + time.Millisecond)
	mu.Unlock()
	_, _ = g.GetToken(context.Background(), policy.TokenRequestOptions{})
	if n := u.calls.Load(); n != 2 {
		t.Fatalf("fetches after the period: %d, want 2", n)
	}
}

func TestTokenGatePassesATokenThrough(t *testing.T) {
	g := newTokenGate(StaticCredential("t0k"))
	tok, err := g.GetToken(context.Background(), policy.TokenRequestOptions{})
	if err != nil || tok.Token != "t0k" {
		t.Fatalf("GetToken = %q, %v", tok.Token, err)
	}
}
