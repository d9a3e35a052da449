// Package authtest is a test identity provider for botauth: it serves Bot
// Framework style OpenID metadata and a JWKS (with channel endorsements)
// from an httptest server, and mints real RS256 tokens, plus the malformed
// and forged ones the negative tests need. Use it in tests of the Teams
// adapter and of cmd/bot to sign activities exactly as the Bot Connector does.
package authtest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tapbot/tapbot/internal/teams/botauth"
)

// Issuer is the Bot Framework issuer the IdP signs as.
const Issuer = botauth.DefaultIssuer

// DefaultServiceURL is the serviceurl claim Claims puts in by default.
const DefaultServiceURL = "https://smba.trafficmanager.net/amer/"

// ChannelID is the Teams channel id, endorsed on the default key.
const ChannelID = "msteams"

// Key is an RSA signing key with a kid and its endorsements. A nil
// Endorsements slice means the JWK has no "endorsements" member.
type Key struct {
	Kid          string
	Private      *rsa.PrivateKey
	Endorsements []string
}

// IdP is a fake Bot Framework token issuer.
type IdP struct {
	// AppID is the audience Claims uses.
	AppID string
	// Server serves /v1/.well-known/openidconfiguration and /v1/.well-known/keys.
	Server *httptest.Server

	mu         sync.Mutex
	signing    *Key
	served     []*Key
	failMeta   bool
	failJWKS   bool
	metaHits   atomic.Int64
	jwksHits   atomic.Int64
	now        func() time.Time
	jwksURIOvr string
	made       atomic.Int64
}

// New starts an IdP for appID whose JWKS serves one key, "key-1", endorsed
// for msteams, used by Mint. The server closes when tb's test ends.
func New(tb testing.TB, appID string) *IdP {
	tb.Helper()
	p := &IdP{AppID: appID, now: time.Now}
	k := p.NewKey("key-1", []string{ChannelID})
	p.signing = k
	p.served = []*Key{k}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/.well-known/openidconfiguration", p.serveMetadata)
	mux.HandleFunc("GET /v1/.well-known/keys", p.serveJWKS)
	p.Server = httptest.NewServer(mux)
	tb.Cleanup(p.Server.Close)
	return p
}

// MetadataURL is the OpenID configuration URL to put in botauth.Config.
func (p *IdP) MetadataURL() string {
	return p.Server.URL + "/v1/.well-known/openidconfiguration"
}

// Config returns a botauth.Config that trusts this IdP.
func (p *IdP) Config() botauth.Config {
	return botauth.Config{AppID: p.AppID, MetadataURL: p.MetadataURL(), HTTPClient: p.Server.Client()}
}

// SetClock sets the clock Claims uses for iat/nbf/exp (default time.Now).
func (p *IdP) SetClock(now func() time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.now = now
}

// Claims returns a valid claim set for serviceURL: iss, aud = AppID,
// serviceurl, nbf and iat now, exp in one hour.
func (p *IdP) Claims(serviceURL string) jwt.MapClaims {
	p.mu.Lock()
	now := p.now()
	p.mu.Unlock()
	return jwt.MapClaims{
		"iss":        Issuer,
		"aud":        p.AppID,
		"serviceurl": serviceURL,
		"nbf":        now.Unix(),
		"iat":        now.Unix(),
		"exp":        now.Add(time.Hour).Unix(),
	}
}

// Mint signs claims with the current signing key (RS256, its kid).
func (p *IdP) Mint(claims jwt.MapClaims) string {
	p.mu.Lock()
	k := p.signing
	p.mu.Unlock()
	return MintWith(k, jwt.SigningMethodRS256, claims)
}

// Header returns an Authorization header carrying a token for serviceURL.
func (p *IdP) Header(serviceURL string) string {
	return "Bearer " + p.Mint(p.Claims(serviceURL))
}

// MintWith signs claims with key k and method m, putting k.Kid in the header
// (omitted when empty).
func MintWith(k *Key, m jwt.SigningMethod, claims jwt.MapClaims) string {
	t := jwt.NewWithClaims(m, claims)
	if k.Kid != "" {
		t.Header["kid"] = k.Kid
	}
	s, err := t.SignedString(k.Private)
	if err != nil {
		panic(fmt.Sprintf("authtest: sign: %v", err))
	}
	return s
}

// MintNone returns an unsigned token with alg "none" and the given kid.
func MintNone(kid string, claims jwt.MapClaims) string {
	t := jwt.NewWithClaims(jwt.SigningMethodNone, claims)
	t.Header["kid"] = kid
	s, err := t.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		panic(fmt.Sprintf("authtest: sign none: %v", err))
	}
	return s
}

// MintHS256WithPublicKey forges the key-confusion attack: an HS256 token
// whose HMAC secret is the signing key's public key, as PEM and as DER is
// equally rejected; PEM is what naive verifiers load.
func (p *IdP) MintHS256WithPublicKey(claims jwt.MapClaims) string {
	p.mu.Lock()
	k := p.signing
	p.mu.Unlock()
	der, err := x509.MarshalPKIXPublicKey(&k.Private.PublicKey)
	if err != nil {
		panic(err)
	}
	secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	hdr, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT", "kid": k.Kid})
	body, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString(hdr) + "." + enc.EncodeToString(body)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

// NewKey makes a key that is not served until AddKey or Rotate.
// Each key is distinct from the IdP's other keys.
func (p *IdP) NewKey(kid string, endorsements []string) *Key {
	n := int(p.made.Add(1)) - 1
	return &Key{Kid: kid, Private: pooledKey(n), Endorsements: endorsements}
}

// AddKey serves k in the JWKS (alongside the others).
func (p *IdP) AddKey(k *Key) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.served = append(p.served, k)
}

// Rotate serves only k from now on and signs with it.
func (p *IdP) Rotate(k *Key) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.served = []*Key{k}
	p.signing = k
}

// SigningKey returns the key Mint uses.
func (p *IdP) SigningKey() *Key {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.signing
}

// FailMetadata makes the metadata endpoint answer 503 while on.
func (p *IdP) FailMetadata(on bool) { p.mu.Lock(); p.failMeta = on; p.mu.Unlock() }

// FailJWKS makes the JWKS endpoint answer 503 while on.
func (p *IdP) FailJWKS(on bool) { p.mu.Lock(); p.failJWKS = on; p.mu.Unlock() }

// SetJWKSURI overrides the jwks_uri the metadata names ("" restores it).
func (p *IdP) SetJWKSURI(u string) { p.mu.Lock(); p.jwksURIOvr = u; p.mu.Unlock() }

// MetadataHits and JWKSHits count requests to each endpoint.
func (p *IdP) MetadataHits() int64 { return p.metaHits.Load() }

// JWKSHits counts requests to the JWKS endpoint.
func (p *IdP) JWKSHits() int64 { return p.jwksHits.Load() }

func (p *IdP) serveMetadata(w http.ResponseWriter, r *http.Request) {
	p.metaHits.Add(1)
	p.mu.Lock()
	fail, ovr := p.failMeta, p.jwksURIOvr
	p.mu.Unlock()
	if fail {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	jwksURI := p.Server.URL + "/v1/.well-known/keys"
	if ovr != "" {
		jwksURI = ovr
	}
	writeJSON(w, map[string]any{
		"issuer":                                Issuer,
		"authorization_endpoint":                "https://invalid.botframework.com",
		"jwks_uri":                              jwksURI,
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"private_key_jwt"},
	})
}

func (p *IdP) serveJWKS(w http.ResponseWriter, r *http.Request) {
	p.jwksHits.Add(1)
	p.mu.Lock()
	fail := p.failJWKS
	keys := make([]map[string]any, 0, len(p.served))
	for _, k := range p.served {
		pub := k.Private.PublicKey
		m := map[string]any{
			"kty": "RSA",
			"use": "sig",
			"kid": k.Kid,
			"n":   base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		}
		if k.Endorsements != nil {
			m["endorsements"] = k.Endorsements
		}
		keys = append(keys, m)
	}
	p.mu.Unlock()
	if fail {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, map[string]any{"keys": keys})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// keyPool holds generated keys. The n-th key an IdP makes is keyPool[n],
// so IdPs share keys (they are isolated by their servers) and a test binary
// pays for only as many RSA generations as one IdP needs.
var keyPool struct {
	mu   sync.Mutex
	keys []*rsa.PrivateKey
}

func pooledKey(n int) *rsa.PrivateKey {
	keyPool.mu.Lock()
	defer keyPool.mu.Unlock()
	for len(keyPool.keys) <= n {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(fmt.Sprintf("authtest: generate key: %v", err))
		}
		keyPool.keys = append(keyPool.keys, k)
	}
	return keyPool.keys[n]
}
