package botauth_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tapbot/tapbot/internal/teams/botauth"
	"github.com/tapbot/tapbot/internal/teams/botauth/authtest"
)

// Keys serves the JWKS's RSA keys by kid for other token validators, with
// the Validator's cache rules: one fetch serves many lookups, an unknown
// kid is ErrUnknownKey, and an unreachable provider fails closed.
func TestKeys(t *testing.T) {
	ctx := context.Background()
	idp := authtest.New(t, "api://x")
	k, err := botauth.NewKeys(botauth.KeysConfig{MetadataURL: idp.MetadataURL(), HTTPClient: idp.Server.Client()})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		pub, err := k.Key(ctx, "key-1")
		if err != nil || !pub.Equal(&idp.SigningKey().Private.PublicKey) {
			t.Fatalf("Key(key-1) = %v, %v", pub, err)
		}
	}
	if n := k.Fetches(); n != 1 {
		t.Fatalf("%d fetches for 3 lookups, want 1", n)
	}
	if _, err := k.Key(ctx, "nope"); !errors.Is(err, botauth.ErrUnknownKey) {
		t.Fatalf("unknown kid: %v", err)
	}
	if _, err := k.Key(ctx, ""); !errors.Is(err, botauth.ErrUnknownKey) {
		t.Fatalf("empty kid: %v", err)
	}

	down := authtest.New(t, "api://x")
	down.FailMetadata(true)
	kd, _ := botauth.NewKeys(botauth.KeysConfig{MetadataURL: down.MetadataURL(), HTTPClient: down.Server.Client()})
	if _, err := kd.Key(ctx, "key-1"); !errors.Is(err, botauth.ErrKeysUnavailable) {
		t.Fatalf("provider down: %v", err)
	}
	if _, err := botauth.NewKeys(botauth.KeysConfig{MetadataURL: "ftp://x"}); err == nil {
		t.Fatal("a non-http metadata url was accepted")
	}
}
