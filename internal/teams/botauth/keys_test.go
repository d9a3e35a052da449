package botauth_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tapbot/tapbot/internal/teams/botauth"
	"github.com/tapbot/tapbot/internal/teams/botauth/authtest"
	"github.com/tapbot/tapbot/internal/testutil"
)

func TestUnknownKidRefreshesOnceThenRejects(t *testing.T) {
	e := setup(t, nil)
	if _, err := e.validate(e.idp.Header(serviceURL)); err != nil {
		t.Fatalf("warm-up: %s", botauth.Reason(err))
	}
	if got := e.idp.JWKSHits(); got != 1 {
		t.Fatalf("jwks hits after first token = %d; want 1", got)
	}
	stranger := e.idp.NewKey("kid-unknown", []string{channel})
	tok := func() string {
		return "Bearer " + authtest.MintWith(stranger, jwt.SigningMethodRS256, e.idp.Claims(serviceURL))
	}
	_, err := e.validate(tok())
	mustReject(t, nil, err, "unknown signing key")
	if got := e.idp.JWKSHits(); got != 2 {
		t.Fatalf("jwks hits after unknown kid = %d; want 2 (one refresh)", got)
	}
	for range 20 {
		_, err := e.validate(tok())
		mustReject(t, nil, err, "unknown signing key")
	}
	e.clk.Advance(4*time.Minute + 59*time.Second)
	_, err = e.validate(tok())
	mustReject(t, nil, err, "unknown signing key")
	if got := e.idp.JWKSHits(); got != 2 {
		t.Fatalf("jwks hits within 5 min = %d; want still 2", got)
	}
	e.clk.Advance(time.Second)
	_, err = e.validate(tok())
	mustReject(t, nil, err, "unknown signing key")
	if got := e.idp.JWKSHits(); got != 3 {
		t.Fatalf("jwks hits after 5 min = %d; want 3", got)
	}
}

func TestUnknownKidConcurrentRequestsCoalesce(t *testing.T) {
	e := setup(t, nil)
	if err := e.v.Warm(context.Background()); err != nil {
		t.Fatal(err)
	}
	next := e.idp.NewKey("key-2", []string{channel})
	e.idp.AddKey(next)
	tok := "Bearer " + authtest.MintWith(next, jwt.SigningMethodRS256, e.idp.Claims(serviceURL))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 64 {
		wg.Go(func() {
			_, err := e.validate(tok)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("rejected during rotation: %s", botauth.Reason(err))
		}
	}
	if got := e.idp.JWKSHits(); got != 2 {
		t.Fatalf("jwks hits = %d; want 2 (warm + one coalesced refresh)", got)
	}
}

func TestKeyRotationAcceptedAfterRefresh(t *testing.T) {
	e := setup(t, nil)
	if _, err := e.validate(e.idp.Header(serviceURL)); err != nil {
		t.Fatal(botauth.Reason(err))
	}
	e.idp.Rotate(e.idp.NewKey("key-2", []string{channel}))
	c, err := e.validate(e.idp.Header(serviceURL))
	if err != nil {
		t.Fatalf("rotated key rejected: %s", botauth.Reason(err))
	}
	if c.KeyID != "key-2" {
		t.Errorf("kid = %q", c.KeyID)
	}
}

func TestMetadataDownFailsClosed(t *testing.T) {
	e := setup(t, nil)
	e.idp.FailMetadata(true)
	for range 10 {
		_, err := e.validate(e.idp.Header(serviceURL))
		mustReject(t, nil, err, "signing keys unavailable")
		if !errors.Is(err, botauth.ErrKeysUnavailable) {
			t.Fatalf("error does not match ErrKeysUnavailable: %v", err)
		}
	}
	if got := e.idp.MetadataHits(); got != 1 {
		t.Fatalf("metadata hits while down = %d; want 1 (failed fetches back off)", got)
	}
	e.idp.FailMetadata(false)
	_, err := e.validate(e.idp.Header(serviceURL))
	mustReject(t, nil, err, "signing keys unavailable") // still inside the back-off
	e.clk.Advance(botauth.DefaultFailBackoff)
	if _, err := e.validate(e.idp.Header(serviceURL)); err != nil {
		t.Fatalf("after recovery: %s", botauth.Reason(err))
	}
}

func TestJWKSDownFailsClosed(t *testing.T) {
	e := setup(t, nil)
	e.idp.FailJWKS(true)
	_, err := e.validate(e.idp.Header(serviceURL))
	mustReject(t, nil, err, "signing keys unavailable")
	if e.idp.JWKSHits() != 1 {
		t.Fatalf("jwks hits = %d", e.idp.JWKSHits())
	}
}

func TestJWKSURISchemeChecked(t *testing.T) {
	e := setup(t, nil)
	e.idp.SetJWKSURI("ftp://keys.example/")
	_, err := e.validate(e.idp.Header(serviceURL))
	mustReject(t, nil, err, "jwks_uri")
}

func TestStaleKeysServedWhileRefreshFails(t *testing.T) {
	e := setup(t, nil)
	if _, err := e.validate(e.idp.Header(serviceURL)); err != nil {
		t.Fatal(botauth.Reason(err))
	}
	e.idp.FailMetadata(true)
	e.clk.Advance(botauth.DefaultKeyTTL + time.Minute)
	// Past the TTL the keys still work while a background refresh is tried.
	if _, err := e.validate(e.idp.Header(serviceURL)); err != nil {
		t.Fatalf("stale keys not served: %s", botauth.Reason(err))
	}
	testutil.Eventually(t, 5*time.Second, "a background metadata refresh", func() bool { return e.idp.MetadataHits() == 2 })
	// Past the max age they are dropped: fail closed.
	e.clk.Advance(botauth.DefaultKeyMaxAge)
	_, err := e.validate(e.idp.Header(serviceURL))
	mustReject(t, nil, err, "signing keys unavailable")
}

func TestBackgroundRefreshPicksUpNewKeys(t *testing.T) {
	e := setup(t, nil)
	if _, err := e.validate(e.idp.Header(serviceURL)); err != nil {
		t.Fatal(botauth.Reason(err))
	}
	e.clk.Advance(botauth.DefaultKeyTTL)
	old := e.idp.Header(serviceURL)
	e.idp.Rotate(e.idp.NewKey("key-2", []string{channel}))
	if _, err := e.validate(old); err != nil { // served from the stale set
		t.Fatal(botauth.Reason(err))
	}
	testutil.Eventually(t, 5*time.Second, "a background key fetch", func() bool { return e.v.KeyFetches() == 2 && e.idp.JWKSHits() == 2 })
	testutil.Eventually(t, 5*time.Second, "the old key to be rejected", func() bool {
		_, err := e.validate(old)
		return err != nil
	})
}

// TestVerifiedTokenCacheRechecksActivity shows the token cache never skips
// the per-activity checks and honours expiry.
func TestVerifiedTokenCacheRechecksActivity(t *testing.T) {
	e := setup(t, nil)
	claims := e.idp.Claims(serviceURL)
	claims["exp"] = e.clk.Now().Add(10 * time.Minute).Unix()
	tok := "Bearer " + e.idp.Mint(claims)
	ctx := context.Background()
	for range 3 {
		if _, err := e.v.Validate(ctx, tok, serviceURL, channel); err != nil {
			t.Fatal(botauth.Reason(err))
		}
	}
	_, err := e.v.Validate(ctx, tok, "https://evil.example.com/", channel)
	mustReject(t, nil, err, "serviceurl")
	_, err = e.v.Validate(ctx, tok, serviceURL, "slack")
	mustRefuse(t, nil, err, botauth.ErrForbidden, "not endorsed")
	e.clk.Advance(10*time.Minute + botauth.DefaultLeeway - time.Second)
	if _, err := e.v.Validate(ctx, tok, serviceURL, channel); err != nil {
		t.Fatalf("inside leeway: %s", botauth.Reason(err))
	}
	e.clk.Advance(time.Second)
	_, err = e.v.Validate(ctx, tok, serviceURL, channel)
	mustReject(t, nil, err, "expired")
}

func TestTokenCacheDisabled(t *testing.T) {
	e := setup(t, func(c *botauth.Config) { c.TokenCacheSize = -1 })
	tok := e.idp.Header(serviceURL)
	for range 3 {
		if _, err := e.validate(tok); err != nil {
			t.Fatal(botauth.Reason(err))
		}
	}
}

func TestTokenCacheBounded(t *testing.T) {
	e := setup(t, func(c *botauth.Config) { c.TokenCacheSize = 4 })
	for i := range 20 {
		c := e.idp.Claims(serviceURL)
		c["jti"] = i
		if _, err := e.validate("Bearer " + e.idp.Mint(c)); err != nil {
			t.Fatal(botauth.Reason(err))
		}
	}
}

func TestValidateConcurrent(t *testing.T) {
	e := setup(t, nil)
	toks := make([]string, 8)
	for i := range toks {
		c := e.idp.Claims(serviceURL)
		c["jti"] = i
		toks[i] = "Bearer " + e.idp.Mint(c)
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 50 {
				if _, err := e.validate(toks[(g+i)%len(toks)]); err != nil {
					t.Errorf("rejected: %s", botauth.Reason(err))
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestCachedTokenDroppedWhenItsKeyIsRetired: once a refresh removes a key,
// tokens it signed are no longer served from the verified-token cache.
func TestCachedTokenDroppedWhenItsKeyIsRetired(t *testing.T) {
	e := setup(t, nil)
	old := e.idp.Header(serviceURL)
	if _, err := e.validate(old); err != nil {
		t.Fatal(botauth.Reason(err))
	}
	e.idp.Rotate(e.idp.NewKey("key-2", []string{channel}))
	e.clk.Advance(time.Second)
	if _, err := e.validate(e.idp.Header(serviceURL)); err != nil { // refresh via unknown kid
		t.Fatalf("new key: %s", botauth.Reason(err))
	}
	_, err := e.validate(old)
	mustReject(t, nil, err, "unknown signing key")
}
