package main

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const testPEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

func testSpec(t *testing.T) spec {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "tapbot")
	certs := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(bin, append([]byte("\x7fELF"), bytes.Repeat([]byte{1}, 4096)...), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certs, []byte(testPEM), 0o644); err != nil {
		t.Fatal(err)
	}
	return spec{Binary: bin, Certs: certs, Version: "v1.2.3", Revision: "abc123",
		Source: "https://github.com/tapbot/tapbot", Tag: "tapbot:v1.2.3", Arch: "amd64",
		Created: time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)}
}

func buildBytes(t *testing.T, s spec) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := build(s, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestBuildReadsBackAndVerifies(t *testing.T) {
	img, err := readImage(bytes.NewReader(buildBytes(t, testSpec(t))))
	if err != nil {
		t.Fatal(err)
	}
	if err := img.verify(); err != nil {
		t.Fatalf("verify: %v", err)
	}
	c := img.config.Config
	if c.User != "65532:65532" || c.Entrypoint[0] != "/tapbot" || c.WorkingDir != "/data" {
		t.Errorf("config = %+v", c)
	}
	if got := c.Labels["org.opencontainers.image.revision"]; got != "abc123" {
		t.Errorf("revision label = %q", got)
	}
	if img.config.Created != "2026-12-05T00:00:00Z" || len(img.layers) != 2 {
		t.Errorf("created %s, %d layers", img.config.Created, len(img.layers))
	}
}

func TestBuildIsReproducible(t *testing.T) {
	s := testSpec(t)
	if !bytes.Equal(buildBytes(t, s), buildBytes(t, s)) {
		t.Fatal("two builds of the same inputs differ")
	}
}

func TestBuildRefusesBadInputs(t *testing.T) {
	s := testSpec(t)
	if err := os.WriteFile(s.Binary, []byte("#!/bin/sh\necho hi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := build(s, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "not an ELF") {
		t.Errorf("script as binary: err = %v", err)
	}
	s = testSpec(t)
	if err := os.WriteFile(s.Certs, []byte("nothing"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := build(s, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "no PEM") {
		t.Errorf("empty CA bundle: err = %v", err)
	}
}

// rewrite copies a layout tarball, letting edit change one file.
func rewrite(t *testing.T, in []byte, edit func(name string, data []byte) []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	tr, tw := tar.NewReader(bytes.NewReader(in)), tar.NewWriter(&out)
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		var data bytes.Buffer
		_, _ = data.ReadFrom(tr)
		b := edit(h.Name, data.Bytes())
		h.Size = int64(len(b))
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write(b)
	}
	_ = tw.Close()
	return out.Bytes()
}

func TestReadDetectsTamperedBlob(t *testing.T) {
	s := testSpec(t)
	raw := buildBytes(t, s)
	img, _ := readImage(bytes.NewReader(raw))
	target := blobPath(img.manifest.Layers[1].Digest)
	bad := rewrite(t, raw, func(name string, data []byte) []byte {
		if name == target {
			data = append([]byte(nil), data...)
			data[len(data)/2] ^= 0xff
		}
		return data
	})
	if _, err := readImage(bytes.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "hashes to") {
		t.Fatalf("tampered layer: err = %v", err)
	}
}

func TestVerifyFindsShellAndRootUser(t *testing.T) {
	img, err := readImage(bytes.NewReader(buildBytes(t, testSpec(t))))
	if err != nil {
		t.Fatal(err)
	}
	w := newLayerWriter(time.Unix(0, 0))
	_ = w.dir("bin", 0o755, 0)
	_ = w.file("bin/sh", 0o755, []byte("\x7fELF"))
	_ = w.tw.Close()
	img.layers = append(img.layers, w.buf.Bytes())
	img.config.Config.User = "0"
	err = img.verify()
	for _, want := range []string{"contains a shell: /bin/sh", `user is "0"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("verify error %v does not say %q", err, want)
		}
	}
}

func TestUnpackWritesRootFilesystem(t *testing.T) {
	img, err := readImage(bytes.NewReader(buildBytes(t, testSpec(t))))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := img.unpack(dir); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "tapbot"))
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Fatalf("/tapbot: %v %v", fi, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "etc/passwd")); !strings.Contains(string(b), "nonroot:x:65532:65532") {
		t.Errorf("/etc/passwd = %q", b)
	}
	if fi, err := os.Stat(filepath.Join(dir, "tmp")); err != nil || fi.Mode()&os.ModeSticky == 0 {
		t.Errorf("/tmp not sticky: %v %v", fi, err)
	}
}
