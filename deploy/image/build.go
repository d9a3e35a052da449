package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"time"
)

// The image's fixed shape: what a distroless/static base gives, plus the
// binary. Nothing here can run a shell: there is none.
const (
	nonrootUID = 65532
	binaryPath = "/tapbot"
	dataDir    = "/data"
	certsPath  = "/etc/ssl/certs/ca-certificates.crt"
)

const passwd = `root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
`

const group = `root:x:0:
nobody:x:65534:
nonroot:x:65532:
`

// spec is what one build needs.
type spec struct {
	Binary   string    // static linux binary to put at /tapbot
	Certs    string    // PEM bundle of CA certificates
	Version  string    // org.opencontainers.image.version
	Revision string    // org.opencontainers.image.revision
	Source   string    // org.opencontainers.image.source
	Tag      string    // ref name, e.g. tapbot:v1.0.0
	Arch     string    // GOARCH the binary was built for
	Created  time.Time // all timestamps (reproducible: the commit time)
}

// blob is one content-addressed file of the layout.
type blob struct {
	digest string
	data   []byte
}

func newBlob(data []byte) blob {
	sum := sha256.Sum256(data)
	return blob{digest: "sha256:" + hex.EncodeToString(sum[:]), data: data}
}

// layer is a gzip-compressed tar and the digest of its uncompressed form.
type layer struct {
	blob
	diffID string
}

// layerWriter builds one layer's tar with fixed times and owners.
type layerWriter struct {
	buf     bytes.Buffer
	tw      *tar.Writer
	modTime time.Time
}

func newLayerWriter(t time.Time) *layerWriter {
	w := &layerWriter{modTime: t}
	w.tw = tar.NewWriter(&w.buf)
	return w
}

func (w *layerWriter) dir(name string, mode int64, uid int) error {
	return w.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode,
		Uid: uid, Gid: uid, ModTime: w.modTime, Format: tar.FormatPAX})
}

func (w *layerWriter) file(name string, mode int64, data []byte) error {
	if err := w.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode,
		Size: int64(len(data)), ModTime: w.modTime, Format: tar.FormatPAX}); err != nil {
		return err
	}
	_, err := w.tw.Write(data)
	return err
}

// finish closes the tar and compresses it reproducibly.
func (w *layerWriter) finish() (layer, error) {
	if err := w.tw.Close(); err != nil {
		return layer{}, err
	}
	raw := w.buf.Bytes()
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return layer{}, err
	}
	if _, err := zw.Write(raw); err != nil {
		return layer{}, err
	}
	if err := zw.Close(); err != nil {
		return layer{}, err
	}
	return layer{blob: newBlob(gz.Bytes()), diffID: newBlob(raw).digest}, nil
}

// baseLayer is the distroless/static equivalent: users, groups, CA
// certificates, a sticky /tmp, the nonroot home and the data volume.
func baseLayer(s spec) (layer, error) {
	certs, err := os.ReadFile(s.Certs)
	if err != nil {
		return layer{}, fmt.Errorf("read CA certificates: %w", err)
	}
	if !bytes.Contains(certs, []byte("-----BEGIN CERTIFICATE-----")) {
		return layer{}, fmt.Errorf("CA certificates %s: no PEM certificate in it", s.Certs)
	}
	w := newLayerWriter(s.Created)
	for _, d := range []struct {
		name string
		mode int64
		uid  int
	}{
		{"etc", 0o755, 0}, {"etc/ssl", 0o755, 0}, {"etc/ssl/certs", 0o755, 0},
		{"home", 0o755, 0}, {"home/nonroot", 0o700, nonrootUID},
		{"tmp", 0o1777, 0}, {dataDir[1:], 0o700, nonrootUID},
	} {
		if err := w.dir(d.name, d.mode, d.uid); err != nil {
			return layer{}, err
		}
	}
	for _, f := range []struct {
		name string
		data []byte
	}{
		{"etc/passwd", []byte(passwd)}, {"etc/group", []byte(group)},
		{"etc/nsswitch.conf", []byte("hosts: files dns\n")},
		{certsPath[1:], certs},
	} {
		if err := w.file(f.name, 0o644, f.data); err != nil {
			return layer{}, err
		}
	}
	return w.finish()
}

// appLayer holds only the binary, so a rebuild changes one layer.
func appLayer(s spec) (layer, error) {
	bin, err := os.ReadFile(s.Binary)
	if err != nil {
		return layer{}, fmt.Errorf("read binary: %w", err)
	}
	if len(bin) < 4 || string(bin[:4]) != "\x7fELF" {
		return layer{}, fmt.Errorf("binary %s is not an ELF executable", s.Binary)
	}
	w := newLayerWriter(s.Created)
	if err := w.file(path.Base(binaryPath), 0o755, bin); err != nil {
		return layer{}, err
	}
	return w.finish()
}

// labels are the OCI annotations the image carries in its config.
func (s spec) labels() map[string]string {
	return map[string]string{
		"org.opencontainers.image.source":   s.Source,
		"org.opencontainers.image.version":  s.Version,
		"org.opencontainers.image.revision": s.Revision,
		"org.opencontainers.image.title":    "tapbot",
		"org.opencontainers.image.licenses": "Apache-2.0",
	}
}

func (s spec) config(layers []layer) imageConfig {
	created := s.Created.UTC().Format(time.RFC3339)
	c := imageConfig{
		Created: created, Architecture: s.Arch, OS: "linux",
		Config: runConfig{
			User:       fmt.Sprintf("%d:%d", nonrootUID, nonrootUID),
			Entrypoint: []string{binaryPath},
			Cmd:        []string{"serve"},
			Env: []string{"PATH=/", "TAPBOT_DATA_DIR=" + dataDir,
				"SSL_CERT_FILE=" + certsPath},
			WorkingDir:   dataDir,
			ExposedPorts: map[string]struct{}{"3978/tcp": {}, "9464/tcp": {}},
			Volumes:      map[string]struct{}{dataDir: {}},
			Labels:       s.labels(),
		},
		RootFS: rootFS{Type: "layers"},
		History: []historyRow{
			{Created: created, CreatedBy: "deploy/image: base (passwd, group, CA certificates, /tmp, /data)"},
			{Created: created, CreatedBy: "deploy/image: " + binaryPath},
		},
	}
	for _, l := range layers {
		c.RootFS.DiffIDs = append(c.RootFS.DiffIDs, l.diffID)
	}
	return c
}

// build writes the image as an OCI image-layout tarball to out.
func build(s spec, out io.Writer) error {
	base, err := baseLayer(s)
	if err != nil {
		return err
	}
	app, err := appLayer(s)
	if err != nil {
		return err
	}
	layers := []layer{base, app}
	cfgJSON, err := json.Marshal(s.config(layers))
	if err != nil {
		return err
	}
	cfg := newBlob(cfgJSON)
	m := manifest{SchemaVersion: 2, MediaType: mediaManifest,
		Config:      descriptor{MediaType: mediaConfig, Digest: cfg.digest, Size: int64(len(cfg.data))},
		Annotations: s.labels()}
	for _, l := range layers {
		m.Layers = append(m.Layers, descriptor{MediaType: mediaLayerGz, Digest: l.digest, Size: int64(len(l.data))})
	}
	mJSON, err := json.Marshal(m)
	if err != nil {
		return err
	}
	mb := newBlob(mJSON)
	idx := index{SchemaVersion: 2, MediaType: mediaIndex, Manifests: []descriptor{{
		MediaType: mediaManifest, Digest: mb.digest, Size: int64(len(mb.data)),
		Annotations: map[string]string{annotationRefName: s.Tag},
		Platform:    &platform{Architecture: s.Arch, OS: "linux"},
	}}}
	return writeLayout(out, s, idx, []blob{cfg, mb, base.blob, app.blob}, layers, cfg)
}

// writeLayout writes oci-layout, index.json, a docker-load manifest.json
// and the blobs, in that order, with fixed times.
func writeLayout(out io.Writer, s spec, idx index, blobs []blob, layers []layer, cfg blob) error {
	idxJSON, err := json.Marshal(idx)
	if err != nil {
		return err
	}
	dm := []dockerManifest{{Config: blobPath(cfg.digest), RepoTags: []string{s.Tag}}}
	for _, l := range layers {
		dm[0].Layers = append(dm[0].Layers, blobPath(l.digest))
	}
	dmJSON, err := json.Marshal(dm)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(out)
	put := func(name string, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644,
			Size: int64(len(data)), ModTime: s.Created, Format: tar.FormatPAX}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	files := []struct {
		name string
		data []byte
	}{
		{"oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		{"index.json", idxJSON},
		{"manifest.json", dmJSON},
	}
	for _, b := range blobs {
		files = append(files, struct {
			name string
			data []byte
		}{blobPath(b.digest), b.data})
	}
	for _, f := range files {
		if err := put(f.name, f.data); err != nil {
			return fmt.Errorf("write %s: %w", f.name, err)
		}
	}
	return tw.Close()
}

func blobPath(digest string) string {
	return "blobs/sha256/" + digest[len("sha256:"):]
}
