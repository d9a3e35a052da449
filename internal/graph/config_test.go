package graph_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tapbot/tapbot/internal/graph"
)

// writeCert writes a self-signed PEM certificate and key.
func writeCert(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tapbot"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tapbot.pem")
	data := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb})...)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfig(t *testing.T) {
	cert := writeCert(t)
	tenant, client := "contoso.onmicrosoft.com", "11111111-2222-3333-4444-555555555555"
	for _, tc := range []struct {
		name    string
		cfg     graph.Config
		wantErr []string // substrings; nil means valid
		base    string   // expected BaseURL when valid
	}{
		{name: "client secret, global", cfg: graph.Config{TenantID: tenant, ClientID: client, ClientSecret: "s3cret"},
			base: "https://graph.microsoft.com/v1.0"},
		{name: "certificate, US Gov", cfg: graph.Config{BaseURL: "https://graph.microsoft.us", TenantID: tenant, ClientID: client, CertificatePath: cert},
			base: "https://graph.microsoft.us/v1.0"},
		{name: "managed identity, DoD", cfg: graph.Config{BaseURL: "https://dod-graph.microsoft.us/v1.0/", ManagedIdentity: true, ManagedIdentityClientID: client},
			base: "https://dod-graph.microsoft.us/v1.0"},
		{name: "workload identity, China", cfg: graph.Config{BaseURL: "https://microsoftgraph.chinacloudapi.cn", WorkloadIdentity: true,
			TenantID: tenant, ClientID: client, TokenFilePath: cert}, base: "https://microsoftgraph.chinacloudapi.cn/v1.0"},
		{name: "static credential on loopback", cfg: graph.Config{BaseURL: "http://127.0.0.1:9/v1.0", Credential: graph.StaticCredential("t")},
			base: "http://127.0.0.1:9/v1.0"},
		{name: "static credential on IPv6 loopback", cfg: graph.Config{BaseURL: "http://[::1]:9/v1.0", Credential: graph.StaticCredential("t")},
			base: "http://[::1]:9/v1.0"},
		{name: "http on another loopback address", cfg: graph.Config{BaseURL: "http://127.0.0.2:9/v1.0", Credential: graph.StaticCredential("t")},
			wantErr: []string{"must use https"}},
		{name: "no credential", cfg: graph.Config{}, wantErr: []string{"credential missing"}},
		{name: "everything wrong at once", cfg: graph.Config{
			BaseURL: "http://graph.example.com/v1.0", AuthorityHost: "login", ClientSecret: "x", ManagedIdentity: true,
			CertificatePassword: "pw", TokenFilePath: "/t", Timeout: -1, MaxRetries: 11, TenantID: "a b"},
			wantErr: []string{"must use https", "authority host", "ambiguous", "client id missing",
				"password set without", "token file path set", "not a tenant id", "timeout", "max retries"}},
		{name: "missing certificate file", cfg: graph.Config{TenantID: tenant, ClientID: client, CertificatePath: "/nonexistent/c.pem"},
			wantErr: []string{"certificate"}},
		{name: "base URL with query", cfg: graph.Config{BaseURL: "https://graph.microsoft.com/v1.0?x=1", ManagedIdentity: true},
			wantErr: []string{"query"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				c, err := graph.New(tc.cfg, nil)
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if c.BaseURL() != tc.base {
					t.Errorf("BaseURL %q, want %q", c.BaseURL(), tc.base)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate accepted it")
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Error("error shows the client secret")
			}
			if _, err := graph.New(tc.cfg, nil); err == nil {
				t.Error("New accepted an invalid config")
			}
		})
	}
}
