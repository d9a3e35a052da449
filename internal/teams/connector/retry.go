package connector

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/tapbot/tapbot/internal/tap"
)

// maxResponseBytes caps how much of a response body is read.
const maxResponseBytes = 1 << 20

// Backoff without Retry-After: base·2^(n-1), capped, ±20 % jitter.
const (
	backoffBase = time.Second
	backoffCap  = 10 * time.Second
)

// request is one logical operation; do may send it several times.
type request struct {
	op, method, url string
	conv            string // rate-limit key
	body            []byte
	idempotent      bool // PUT/DELETE: safe to retry after a transport error
}

// retryable reports the statuses Microsoft says to retry.
func retryable(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusPreconditionFailed, http.StatusBadGateway, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// do sends r with rate limiting and bounded retries and returns the body of
// the 2xx response.
func (c *Client) do(ctx context.Context, r request) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.maxElapsed)
	defer cancel()
	for attempt := 1; ; attempt++ {
		if err := c.limit.wait(ctx, r.conv); err != nil {
			return nil, fmt.Errorf("connector %s: %w", r.op, err)
		}
		status, hdr, body, err := c.attempt(ctx, r)
		var delay time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil || attempt >= c.maxAttempts || !(r.idempotent || isDialError(err)) || errors.Is(err, errTokenBackoff) {
				return nil, transportError(r, err)
			}
			delay = backoff(attempt)
		case status >= 200 && status < 300:
			return body, nil
		case retryable(status) && attempt < c.maxAttempts:
			delay = retryAfter(hdr.Get("Retry-After"), time.Now())
			if delay < 0 {
				delay = backoff(attempt)
			}
		default:
			return nil, apiError(r.op, status, body)
		}
		if dl, ok := ctx.Deadline(); ok && time.Now().Add(delay).After(dl) {
			if err != nil {
				return nil, transportError(r, err)
			}
			return nil, apiError(r.op, status, body)
		}
		c.log.Warn("bot connector retry", "op", r.op, "status", status, "attempt", attempt,
			"delay_ms", delay.Milliseconds(), "transport_error", err != nil)
		if err := sleep(ctx, delay); err != nil {
			return nil, fmt.Errorf("connector %s: %w: %w", r.op, tap.ErrUnavailable, err)
		}
	}
}

// attempt sends r once with a fresh token and body.
func (c *Client) attempt(ctx context.Context, r request) (int, http.Header, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	tok, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: c.scopes})
	if err != nil {
		return 0, nil, nil, &tokenError{err: err}
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, r.url, body)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, b, nil
}

// tokenError marks a failure to get an outbound token; nothing was sent.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "get token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// isDialError reports a failure before any byte reached the server (safe
// to retry even a POST): connection refused, DNS, or no token.
func isDialError(err error) bool {
	var te *tokenError
	if errors.As(err, &te) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func transportError(r request, err error) error {
	var te *tokenError
	switch {
	case errors.As(err, &te):
		return fmt.Errorf("connector %s: %w: %w", r.op, tap.ErrUnavailable, err)
	case r.method == http.MethodPost && !isDialError(err):
		// The post may have landed; the caller must not assume either way.
		return fmt.Errorf("connector %s: %w: %w: %w", r.op, tap.ErrUncertain, tap.ErrUnavailable, err)
	default:
		return fmt.Errorf("connector %s: %w: %w", r.op, tap.ErrUnavailable, err)
	}
}

// retryAfter parses a Retry-After value (delta seconds or HTTP date); -1
// when absent or unparsable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return -1
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return -1
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
		return 0
	}
	return -1
}

// backoff is the delay before retry number attempt (1-based).
func backoff(attempt int) time.Duration {
	d := backoffBase << (attempt - 1)
	if d > backoffCap || d <= 0 {
		d = backoffCap
	}
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * jitter)
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
