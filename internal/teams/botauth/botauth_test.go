package botauth_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tapbot/tapbot/internal/teams/botauth"
	"github.com/tapbot/tapbot/internal/teams/botauth/authtest"
)

const (
	appID      = "8a3f1c2e-0000-4000-8000-00000000b07a"
	serviceURL = authtest.DefaultServiceURL
	channel    = authtest.ChannelID
	emulatorIs = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/"
)

// clock is a settable clock shared by the IdP and the validator.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

type env struct {
	idp *authtest.IdP
	clk *clock
	v   *botauth.Validator
}

func setup(t *testing.T, mod func(*botauth.Config)) *env {
	t.Helper()
	idp := authtest.New(t, appID)
	clk := newClock()
	idp.SetClock(clk.Now)
	cfg := idp.Config()
	cfg.Now = clk.Now
	if mod != nil {
		mod(&cfg)
	}
	v, err := botauth.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return &env{idp: idp, clk: clk, v: v}
}

func (e *env) validate(header string) (*botauth.Claims, error) {
	return e.v.Validate(context.Background(), header, serviceURL, channel)
}

// mustReject asserts a generic unauthorized error whose reason mentions want.
func mustReject(t *testing.T, c *botauth.Claims, err error, want string) {
	t.Helper()
	mustRefuse(t, c, err, botauth.ErrUnauthorized, want)
}

// mustRefuse asserts an error of class (ErrUnauthorized or ErrForbidden),
// with the class's bare text, whose reason mentions want.
func mustRefuse(t *testing.T, c *botauth.Claims, err, class error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted (claims %+v); want rejection %q", c, want)
	}
	if c != nil {
		t.Errorf("claims returned with error")
	}
	other := botauth.ErrForbidden
	if class == botauth.ErrForbidden {
		other = botauth.ErrUnauthorized
	}
	if !errors.Is(err, class) || errors.Is(err, other) {
		t.Errorf("error %v: want it to match %v only", err, class)
	}
	if err.Error() != class.Error() {
		t.Errorf("error text %q leaks detail; want %q", err.Error(), class.Error())
	}
	if r := botauth.Reason(err); !strings.Contains(r, want) {
		t.Errorf("reason %q; want it to mention %q", r, want)
	}
}

func TestValidTokenPasses(t *testing.T) {
	e := setup(t, func(c *botauth.Config) { c.TenantID = "tenant-1" })
	claims := e.idp.Claims(serviceURL)
	claims["tid"] = "tenant-1"
	c, err := e.validate("Bearer " + e.idp.Mint(claims))
	if err != nil {
		t.Fatalf("valid token rejected: %v (%s)", err, botauth.Reason(err))
	}
	if c.AppID != appID || c.ServiceURL != serviceURL || c.KeyID != "key-1" || c.TenantID != "tenant-1" ||
		c.Issuer != botauth.DefaultIssuer || !c.ExpiresAt.Equal(e.clk.Now().Add(time.Hour)) {
		t.Errorf("claims = %+v", c)
	}
}

func TestNewRequiresAppID(t *testing.T) {
	if _, err := botauth.New(botauth.Config{}); err == nil {
		t.Fatal("New with empty app id succeeded; it must refuse (no anonymous mode)")
	}
	if _, err := botauth.New(botauth.Config{AppID: appID, MetadataURL: "file:///etc/passwd"}); err == nil {
		t.Fatal("New accepted a non-http metadata url")
	}
}

// TestNegativeMatrix is platforms-security.md §2.2: every row must be refused.
func TestNegativeMatrix(t *testing.T) {
	e := setup(t, func(c *botauth.Config) { c.TenantID = "tenant-1" })
	now := e.clk.Now()
	with := func(k string, v any) jwt.MapClaims {
		c := e.idp.Claims(serviceURL)
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	mint := func(c jwt.MapClaims) string { return "Bearer " + e.idp.Mint(c) }
	other := e.idp.NewKey("key-1", []string{channel}) // same kid, different key

	cases := []struct {
		name, header, serviceURL, channel, reason string
	}{
		{"alg none", "Bearer " + authtest.MintNone("key-1", e.idp.Claims(serviceURL)), serviceURL, channel, "signature or algorithm"},
		{"HS256 signed with the public key", "Bearer " + e.idp.MintHS256WithPublicKey(e.idp.Claims(serviceURL)), serviceURL, channel, "signature or algorithm"},
		{"RS512 not allowed", "Bearer " + authtest.MintWith(e.idp.SigningKey(), jwt.SigningMethodRS512, e.idp.Claims(serviceURL)), serviceURL, channel, "signature or algorithm"},
		{"PS256 not allowed", "Bearer " + authtest.MintWith(e.idp.SigningKey(), jwt.SigningMethodPS256, e.idp.Claims(serviceURL)), serviceURL, channel, "signature or algorithm"},
		{"signed by another key with a served kid", "Bearer " + authtest.MintWith(other, jwt.SigningMethodRS256, e.idp.Claims(serviceURL)), serviceURL, channel, "signature"},
		{"no kid", "Bearer " + authtest.MintWith(&authtest.Key{Private: e.idp.SigningKey().Private}, jwt.SigningMethodRS256, e.idp.Claims(serviceURL)), serviceURL, channel, "no kid"},
		{"empty channel id", mint(e.idp.Claims(serviceURL)), serviceURL, "", "no channelId"},
		{"serviceurl mismatch", mint(e.idp.Claims("https://evil.example.com/")), serviceURL, channel, "serviceurl"},
		{"serviceurl other path", mint(e.idp.Claims("https://smba.trafficmanager.net/emea/")), serviceURL, channel, "serviceurl"},
		{"missing serviceurl", mint(with("serviceurl", nil)), serviceURL, channel, "no serviceurl"},
		{"empty serviceurl", mint(with("serviceurl", "")), serviceURL, channel, "no serviceurl"},
		{"non-string serviceurl", mint(with("serviceurl", 42)), serviceURL, channel, "malformed"},
		{"activity without serviceUrl", mint(e.idp.Claims(serviceURL)), "", channel, "no serviceUrl"},
		{"expired exactly at the 5 min skew", mint(with("exp", now.Add(-5*time.Minute).Unix())), serviceURL, channel, "expired"},
		{"expired beyond the skew", mint(with("exp", now.Add(-5*time.Minute-time.Second).Unix())), serviceURL, channel, "expired"},
		{"expired 5 days ago", mint(with("exp", now.Add(-5*24*time.Hour).Unix())), serviceURL, channel, "expired"},
		{"nbf just beyond the skew", mint(with("nbf", now.Add(5*time.Minute+time.Second).Unix())), serviceURL, channel, "not valid yet"},
		{"iat beyond the skew", mint(with("iat", now.Add(5*time.Minute+time.Second).Unix())), serviceURL, channel, "issued in the future"},
		{"missing exp", mint(with("exp", nil)), serviceURL, channel, "exp"},
		{"string exp", mint(with("exp", "tomorrow")), serviceURL, channel, "malformed"},
		{"array aud containing the app id", mint(with("aud", []string{appID})), serviceURL, channel, "single string"},
		{"array aud with two values", mint(with("aud", []string{appID, "other"})), serviceURL, channel, "single string"},
		{"wrong aud", mint(with("aud", "00000000-0000-0000-0000-000000000000")), serviceURL, channel, "not the app id"},
		{"api:// aud", mint(with("aud", "api://"+appID)), serviceURL, channel, "not the app id"},
		{"missing aud", mint(with("aud", nil)), serviceURL, channel, "single string"},
		{"wrong iss", mint(with("iss", "https://api.botframework.us")), serviceURL, channel, "issuer"},
		{"iss with trailing slash", mint(with("iss", botauth.DefaultIssuer+"/")), serviceURL, channel, "issuer"},
		{"iss upper case", mint(with("iss", strings.ToUpper(botauth.DefaultIssuer))), serviceURL, channel, "issuer"},
		{"missing iss", mint(with("iss", nil)), serviceURL, channel, "issuer"},
		{"emulator issuer", mint(with("iss", emulatorIs)), serviceURL, channel, "issuer"},
		{"lowercase bearer", "bearer " + e.idp.Mint(e.idp.Claims(serviceURL)), serviceURL, channel, "not Bearer"},
		{"upper case BEARER", "BEARER " + e.idp.Mint(e.idp.Claims(serviceURL)), serviceURL, channel, "not Bearer"},
		{"missing Bearer", e.idp.Mint(e.idp.Claims(serviceURL)), serviceURL, channel, "not Bearer"},
		{"Bearer without space", "Bearer" + e.idp.Mint(e.idp.Claims(serviceURL)), serviceURL, channel, "not Bearer"},
		{"Bearer with two spaces", "Bearer  " + e.idp.Mint(e.idp.Claims(serviceURL)), serviceURL, channel, "malformed bearer"},
		{"two tokens", mint(e.idp.Claims(serviceURL)) + " " + e.idp.Mint(e.idp.Claims(serviceURL)), serviceURL, channel, "malformed bearer"},
		{"two tokens comma", mint(e.idp.Claims(serviceURL)) + "," + e.idp.Mint(e.idp.Claims(serviceURL)), serviceURL, channel, "malformed bearer"},
		{"Basic scheme", "Basic dXNlcjpwYXNz", serviceURL, channel, "not Bearer"},
		{"empty header", "", serviceURL, channel, "no authorization"},
		{"Bearer only", "Bearer ", serviceURL, channel, "malformed bearer"},
		{"oversized header", "Bearer " + strings.Repeat("a", 16<<10), serviceURL, channel, "too long"},
		{"garbage token", "Bearer not.a.jwt", serviceURL, channel, "malformed"},
		{"trailing newline", mint(e.idp.Claims(serviceURL)) + "\n", serviceURL, channel, "malformed bearer"},
		{"non-canonical base64 signature", nonCanonical(mint(e.idp.Claims(serviceURL))), serviceURL, channel, "malformed"},
		{"truncated signature", mint(e.idp.Claims(serviceURL))[:200], serviceURL, channel, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := e.v.Validate(context.Background(), tc.header, tc.serviceURL, tc.channel)
			mustReject(t, c, err, tc.reason)
		})
	}
}

// TestForbiddenMatrix: a valid token for a tenant or channel that is not
// allowed is forbidden (403), not unauthenticated (401).
func TestForbiddenMatrix(t *testing.T) {
	e := setup(t, func(c *botauth.Config) { c.TenantID = "tenant-1" })
	unendorsed := e.idp.NewKey("key-slack", []string{"slack"})
	e.idp.AddKey(unendorsed)
	noChannels := e.idp.NewKey("key-empty", []string{})
	e.idp.AddKey(noChannels)
	otherTenant := e.idp.Claims(serviceURL)
	otherTenant["tid"] = "tenant-2"
	cases := []struct {
		name, header, channel, reason string
	}{
		{"unendorsed channel", e.idp.Header(serviceURL), "slack", "not endorsed"},
		{"key endorsed for another channel", "Bearer " + authtest.MintWith(unendorsed, jwt.SigningMethodRS256, e.idp.Claims(serviceURL)), channel, "not endorsed"},
		{"key with empty endorsements", "Bearer " + authtest.MintWith(noChannels, jwt.SigningMethodRS256, e.idp.Claims(serviceURL)), channel, "not endorsed"},
		{"tid of another tenant", "Bearer " + e.idp.Mint(otherTenant), channel, "tenant"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := e.v.Validate(context.Background(), tc.header, serviceURL, tc.channel)
			mustRefuse(t, c, err, botauth.ErrForbidden, tc.reason)
		})
	}
}

// TestSkewBoundariesAccepted pins the inside edges of the 5 min leeway.
func TestSkewBoundariesAccepted(t *testing.T) {
	e := setup(t, nil)
	now := e.clk.Now()
	cases := map[string][2]any{
		"exp 4m59s ago":      {"exp", now.Add(-5*time.Minute + time.Second).Unix()},
		"nbf exactly +5 min": {"nbf", now.Add(5 * time.Minute).Unix()},
		"iat exactly +5 min": {"iat", now.Add(5 * time.Minute).Unix()},
		"no nbf or iat":      {"nbf", nil},
	}
	for name, kv := range cases {
		t.Run(name, func(t *testing.T) {
			c := e.idp.Claims(serviceURL)
			if kv[1] == nil {
				delete(c, "nbf")
				delete(c, "iat")
			} else {
				c[kv[0].(string)] = kv[1]
			}
			if _, err := e.validate("Bearer " + e.idp.Mint(c)); err != nil {
				t.Fatalf("rejected: %s", botauth.Reason(err))
			}
		})
	}
}

func TestServiceURLTrailingSlashNormalised(t *testing.T) {
	e := setup(t, nil)
	tok := "Bearer " + e.idp.Mint(e.idp.Claims("https://smba.trafficmanager.net/amer"))
	if _, err := e.v.Validate(context.Background(), tok, "https://smba.trafficmanager.net/amer/", channel); err != nil {
		t.Fatalf("rejected: %s", botauth.Reason(err))
	}
	tok = "Bearer " + e.idp.Mint(e.idp.Claims("https://smba.trafficmanager.net/amer/"))
	if _, err := e.v.Validate(context.Background(), tok, "https://smba.trafficmanager.net/amer", channel); err != nil {
		t.Fatalf("rejected: %s", botauth.Reason(err))
	}
}

func TestKeyWithoutEndorsementsMemberAccepted(t *testing.T) {
	e := setup(t, nil)
	k := e.idp.NewKey("key-plain", nil)
	e.idp.AddKey(k)
	tok := "Bearer " + authtest.MintWith(k, jwt.SigningMethodRS256, e.idp.Claims(serviceURL))
	if _, err := e.validate(tok); err != nil {
		t.Fatalf("rejected: %s", botauth.Reason(err))
	}
}

func TestEndorsedAmongMany(t *testing.T) {
	e := setup(t, nil)
	k := e.idp.NewKey("key-multi", []string{"webchat", channel, "slack"})
	e.idp.AddKey(k)
	tok := "Bearer " + authtest.MintWith(k, jwt.SigningMethodRS256, e.idp.Claims(serviceURL))
	if _, err := e.validate(tok); err != nil {
		t.Fatalf("rejected: %s", botauth.Reason(err))
	}
}

// TestTenantUnpinnedWithoutTid documents that a token without tid passes the
// pin; the adapter checks the conversation tenant.
func TestTenantUnpinnedWithoutTid(t *testing.T) {
	e := setup(t, func(c *botauth.Config) { c.TenantID = "tenant-1" })
	if _, err := e.validate(e.idp.Header(serviceURL)); err != nil {
		t.Fatalf("rejected: %s", botauth.Reason(err))
	}
}

func TestForgedTokensNeverFetchKeys(t *testing.T) {
	e := setup(t, nil)
	bad := e.idp.Claims(serviceURL)
	bad["iss"] = emulatorIs
	for range 50 {
		_, err := e.validate("Bearer " + e.idp.Mint(bad))
		mustReject(t, nil, err, "issuer")
		_, err = e.validate("Bearer " + authtest.MintNone("kid-x", e.idp.Claims(serviceURL)))
		mustReject(t, nil, err, "algorithm")
	}
	if n := e.idp.MetadataHits() + e.idp.JWKSHits(); n != 0 {
		t.Fatalf("forged tokens caused %d key fetches; want 0", n)
	}
}

// nonCanonical flips an unused low bit of the signature's last base64url
// character: the same signature bytes, spelled differently.
func nonCanonical(h string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, h[len(h)-1])
	return h[:len(h)-1] + string(alphabet[last^1])
}
