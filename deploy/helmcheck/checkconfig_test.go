package helmcheck

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// secretFiles are stand-ins for what an operator puts in the Secret, in
// the shapes the bot checks.
func secretFiles(t *testing.T, dir string) {
	t.Helper()
	key := func() string {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		return base64.StdEncoding.EncodeToString(b)
	}
	files := map[string]string{
		"seal-key": key(), "audit-key": key(),
		"slack-bot-token": "xoxb-1234-5678-abcdefabcdef", "slack-signing-secret": "0123456789abcdef0123456789abcdef",
		"teams-client-secret": "a-client-secret-value", "database-url": "postgres://tapbot@db.example.com/tapbot?sslmode=require",
		"graph-certificate.pem": selfSignedPEM(t), "azure-token": "eyJ.fake.token",
	}
	for name, v := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func selfSignedPEM(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tapbot"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})) +
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
}

// TestRenderedConfigPassesCheckConfig runs the real binary's check-config
// on each example's rendered config file and environment, so the chart
// never writes a configuration the bot refuses. TAPBOT_BIN names the
// binary (deploy/ci.sh passes the one from the image).
func TestRenderedConfigPassesCheckConfig(t *testing.T) {
	bin := os.Getenv("TAPBOT_BIN")
	if bin == "" {
		t.Skip("TAPBOT_BIN not set; deploy/ci.sh sets it to the image's binary")
	}
	helm := helmBin(t)
	examples, _ := filepath.Glob(filepath.Join(chart, "examples", "*.yaml"))
	for _, ex := range examples {
		t.Run(filepath.Base(ex), func(t *testing.T) {
			out, err := render(t, helm, "-f", ex)
			if err != nil {
				t.Fatal(err)
			}
			objs := decodeAll(t, out)
			dir := t.TempDir()
			secretFiles(t, dir)
			secrets := dir + "/"
			cfg := strings.ReplaceAll(objs["ConfigMap"].(*corev1.ConfigMap).Data["config.yaml"], "/secrets/", secrets)
			cfg = strings.ReplaceAll(cfg, "data_dir: /data", "data_dir: "+filepath.Join(dir, "data"))
			cfgPath := filepath.Join(dir, "config.yaml")
			if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			env := []string{"AZURE_FEDERATED_TOKEN_FILE=" + filepath.Join(dir, "azure-token")}
			for _, e := range objs["Deployment"].(*appsv1.Deployment).Spec.Template.Spec.Containers[0].Env {
				env = append(env, e.Name+"="+strings.Replace(e.Value, "/secrets/", secrets, 1))
			}
			cmd := exec.Command(bin, "--config", cfgPath, "check-config")
			cmd.Env = env
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("check-config: %v\n%s\nconfig:\n%s", err, b, cfg)
			}
		})
	}
}
