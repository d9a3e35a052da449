package connector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Token backoff after a failed fetch: tokenBackoffBase·2^(n-1), capped.
const (
	tokenBackoffBase = time.Second
	tokenBackoffCap  = 30 * time.Second
	tokenFetchLimit  = 15 * time.Second
)

// tokenGate shares one token fetch among every waiting call and, after a
// failure, answers every call with that failure until the backoff period
// ends: when the token endpoint is unreachable (an Entra outage) it is
// asked once per period, not once per reply.
type tokenGate struct {
	cred azcore.TokenCredential
	now  func() time.Time

	mu        sync.Mutex
	inflight  *tokenCall
	failUntil time.Time
	lastErr   error
	fails     int
}

// errTokenBackoff marks a call answered from the backoff period: the
// endpoint failed moments ago and is not asked again yet. A reply gets it
// at once and is not retried (an outage: retrying each reply for seconds
// would hold every conversation's queue for minutes).
var errTokenBackoff = errors.New("token endpoint in backoff")

type tokenCall struct {
	done chan struct{}
	tok  azcore.AccessToken
	err  error
}

func newTokenGate(cred azcore.TokenCredential) *tokenGate {
	return &tokenGate{cred: cred, now: time.Now}
}

// GetToken implements azcore.TokenCredential.
func (g *tokenGate) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	g.mu.Lock()
	if g.now().Before(g.failUntil) {
		err := g.lastErr
		g.mu.Unlock()
		return azcore.AccessToken{}, fmt.Errorf("%w after %d failures: %w", errTokenBackoff, g.fails, err)
	}
	c := g.inflight
	if c == nil {
		c = &tokenCall{done: make(chan struct{})}
		g.inflight = c
		go g.fetch(c, opts)
	}
	g.mu.Unlock()
	select {
	case <-c.done:
		return c.tok, c.err
	case <-ctx.Done():
		return azcore.AccessToken{}, ctx.Err()
	}
}

// fetch runs one fetch for every caller waiting on c, bounded on its own
// (no caller's cancellation ends it for the others).
func (g *tokenGate) fetch(c *tokenCall, opts policy.TokenRequestOptions) {
	ctx, cancel := context.WithTimeout(context.Background(), tokenFetchLimit)
	defer cancel()
	c.tok, c.err = g.cred.GetToken(ctx, opts)
	g.mu.Lock()
	g.inflight = nil
	if c.err != nil {
		g.fails++
		d := tokenBackoffBase << (g.fails - 1)
		if d > tokenBackoffCap || d <= 0 {
			d = tokenBackoffCap
		}
		g.failUntil = g.now().Add(d)
		g.lastErr = c.err
	} else {
		g.fails, g.lastErr = 0, nil
	}
	g.mu.Unlock()
	close(c.done)
}
