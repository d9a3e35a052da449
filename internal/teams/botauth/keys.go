package botauth

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// maxDocBytes caps the metadata and JWKS documents we read.
const maxDocBytes = 1 << 20

// minRSABits is the smallest RSA modulus accepted from the JWKS.
const minRSABits = 2048

// signingKey is one RSA key from the JWKS with its channel endorsements.
type signingKey struct {
	pub *rsa.PublicKey
	// endorsed is nil when the JWK carries no "endorsements" member; then
	// no channel check applies. An empty, non-nil set endorses nothing.
	endorsed map[string]struct{}
}

// endorses reports whether the key may sign activities for channelID.
func (k *signingKey) endorses(channelID string) bool {
	if k.endorsed == nil {
		return true
	}
	_, ok := k.endorsed[channelID]
	return ok
}

// keySet is an immutable snapshot of the JWKS.
type keySet struct {
	keys    map[string]*signingKey
	fetched time.Time
	gen     uint64
}

// fetchCall is one in-flight JWKS fetch that concurrent callers join.
type fetchCall struct {
	done chan struct{}
	err  error
}

// errRefreshLimited means a fetch was wanted but the rate limit forbids it.
var errRefreshLimited = errors.New("key refresh rate limited")

// keyCache holds the JWKS and fetches it at most as often as the limits allow:
// on first use, when the set is older than ttl (in the background while it
// is younger than maxAge), and for an unknown kid at most once per
// forcedEvery. A failed fetch is not retried for failBackoff.
type keyCache struct {
	metadataURL string
	client      *http.Client
	now         func() time.Time
	ttl         time.Duration
	maxAge      time.Duration
	forcedEvery time.Duration
	failBackoff time.Duration
	timeout     time.Duration

	cur atomic.Pointer[keySet]

	mu          sync.Mutex
	call        *fetchCall // in-flight fetch, nil when idle
	lastAttempt time.Time  // start of the last fetch, successful or not
	lastFailed  bool
	lastForced  time.Time // start of the last unknown-kid fetch
	gen         uint64
	fetches     atomic.Int64
}

// lookup returns the key for kid, fetching the JWKS when the rules allow.
func (c *keyCache) lookup(ctx context.Context, kid string) (*signingKey, uint64, error) {
	now := c.now()
	ks := c.cur.Load()
	switch {
	case ks == nil || now.Sub(ks.fetched) >= c.maxAge:
		// No usable keys: wait for a fetch (fail closed if it fails).
		if err := c.refresh(ctx, false, true); err != nil {
			return nil, 0, err
		}
		ks = c.cur.Load()
	case now.Sub(ks.fetched) >= c.ttl:
		// Stale but usable: refresh in the background, serve what we have.
		_ = c.refresh(ctx, false, false)
	}
	if k, ok := ks.keys[kid]; ok {
		return k, ks.gen, nil
	}
	// Unknown kid: maybe the keys rotated. One forced fetch per forcedEvery.
	if err := c.refresh(ctx, true, true); err != nil {
		if errors.Is(err, errRefreshLimited) {
			return nil, 0, errUnknownKid
		}
		return nil, 0, err
	}
	ks = c.cur.Load()
	if k, ok := ks.keys[kid]; ok {
		return k, ks.gen, nil
	}
	return nil, 0, errUnknownKid
}

// generation returns the current key set generation (0 before any load).
func (c *keyCache) generation() uint64 {
	if ks := c.cur.Load(); ks != nil {
		return ks.gen
	}
	return 0
}

// refresh fetches the key set unless the rate limits forbid it, joining a
// fetch already in flight. With wait false it returns without waiting.
func (c *keyCache) refresh(ctx context.Context, forced, wait bool) error {
	c.mu.Lock()
	call := c.call
	if call == nil {
		now := c.now()
		if forced && !c.lastForced.IsZero() && now.Sub(c.lastForced) < c.forcedEvery {
			c.mu.Unlock()
			return errRefreshLimited
		}
		if c.lastFailed && now.Sub(c.lastAttempt) < c.failBackoff {
			c.mu.Unlock()
			if forced {
				return errRefreshLimited
			}
			return fmt.Errorf("%w: last fetch failed, retrying later", ErrKeysUnavailable)
		}
		if forced {
			c.lastForced = now
		}
		c.lastAttempt = now
		call = &fetchCall{done: make(chan struct{})}
		c.call = call
		go c.fetch(call)
	}
	c.mu.Unlock()
	if !wait {
		return nil
	}
	select {
	case <-call.done:
		return call.err
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrKeysUnavailable, ctx.Err())
	}
}

// fetch runs one metadata+JWKS download detached from any request context.
func (c *keyCache) fetch(call *fetchCall) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	c.fetches.Add(1)
	keys, err := c.download(ctx)

	c.mu.Lock()
	if err != nil {
		c.lastFailed = true
		call.err = fmt.Errorf("%w: %w", ErrKeysUnavailable, err)
	} else {
		c.lastFailed = false
		// Keep the generation when nothing changed, so a refresh (which a
		// forged unknown kid can cause every 5 min) does not flush the
		// verified-token cache.
		if old := c.cur.Load(); old == nil || !sameKeys(old.keys, keys) {
			c.gen++
		}
		c.cur.Store(&keySet{keys: keys, fetched: c.now(), gen: c.gen})
	}
	c.call = nil
	c.mu.Unlock()
	close(call.done)
}

// sameKeys reports whether two key sets have the same kids, keys and
// endorsements.
func sameKeys(a, b map[string]*signingKey) bool {
	if len(a) != len(b) {
		return false
	}
	for kid, ka := range a {
		kb, ok := b[kid]
		if !ok || !ka.pub.Equal(kb.pub) || (ka.endorsed == nil) != (kb.endorsed == nil) || len(ka.endorsed) != len(kb.endorsed) {
			return false
		}
		for e := range ka.endorsed {
			if _, ok := kb.endorsed[e]; !ok {
				return false
			}
		}
	}
	return true
}

// download reads the OpenID metadata, then the JWKS it names.
func (c *keyCache) download(ctx context.Context) (map[string]*signingKey, error) {
	var meta struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := c.getJSON(ctx, c.metadataURL, &meta); err != nil {
		return nil, fmt.Errorf("openid metadata: %w", err)
	}
	jwksURL, err := checkJWKSURI(c.metadataURL, meta.JWKSURI)
	if err != nil {
		return nil, err
	}
	var doc jwks
	if err := c.getJSON(ctx, jwksURL, &doc); err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	keys, err := doc.signingKeys()
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	return keys, nil
}

// checkJWKSURI requires an absolute jwks_uri that is https whenever the
// metadata itself came over https.
func checkJWKSURI(metadataURL, jwksURI string) (string, error) {
	if jwksURI == "" {
		return "", errors.New("openid metadata: no jwks_uri")
	}
	u, err := url.Parse(jwksURI)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return "", errors.New("openid metadata: jwks_uri is not an absolute url")
	}
	m, err := url.Parse(metadataURL)
	if err != nil {
		return "", fmt.Errorf("metadata url: %w", err)
	}
	if u.Scheme != "https" && (m.Scheme == "https" || u.Scheme != "http") {
		return "", errors.New("openid metadata: jwks_uri must be https")
	}
	return u.String(), nil
}

func (c *keyCache) getJSON(ctx context.Context, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDocBytes))
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxDocBytes))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

// jwks is the subset of a JSON Web Key Set we read, with the Bot Framework's
// "endorsements" extension.
type jwks struct {
	Keys []jwk `json:"keys"`
}

type jwk struct {
	Kty          string    `json:"kty"`
	Use          string    `json:"use"`
	Kid          string    `json:"kid"`
	Alg          string    `json:"alg"`
	N            string    `json:"n"`
	E            string    `json:"e"`
	Endorsements *[]string `json:"endorsements"`
}

// signingKeys keeps the usable RSA signature keys; others are skipped. An
// empty result is an error so a broken document never replaces good keys.
func (d jwks) signingKeys() (map[string]*signingKey, error) {
	out := make(map[string]*signingKey, len(d.Keys))
	for _, k := range d.Keys {
		if k.Kty != "RSA" || k.Kid == "" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		if k.Alg != "" && k.Alg != "RS256" {
			continue
		}
		pub, err := rsaKey(k.N, k.E)
		if err != nil {
			continue
		}
		sk := &signingKey{pub: pub}
		if k.Endorsements != nil {
			sk.endorsed = make(map[string]struct{}, len(*k.Endorsements))
			for _, e := range *k.Endorsements {
				sk.endorsed[e] = struct{}{}
			}
		}
		out[k.Kid] = sk
	}
	if len(out) == 0 {
		return nil, errors.New("no usable rsa signing keys")
	}
	return out, nil
}

func rsaKey(n64, e64 string) (*rsa.PublicKey, error) {
	nb, err := decodeB64URL(n64)
	if err != nil {
		return nil, err
	}
	eb, err := decodeB64URL(e64)
	if err != nil {
		return nil, err
	}
	if len(eb) == 0 || len(eb) > 4 {
		return nil, errors.New("bad rsa exponent")
	}
	var e int
	for _, b := range eb {
		e = e<<8 | int(b)
	}
	n := new(big.Int).SetBytes(nb)
	if n.BitLen() < minRSABits || e < 3 || e%2 == 0 {
		return nil, errors.New("weak rsa key")
	}
	return &rsa.PublicKey{N: n, E: e}, nil
}

func decodeB64URL(s string) ([]byte, error) {
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.URLEncoding.DecodeString(s)
}
