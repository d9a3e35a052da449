package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// image is a layout tarball read back, every blob checked against its digest.
type image struct {
	manifest manifest
	config   imageConfig
	layers   [][]byte // uncompressed layer tars, in order
	size     int64    // bytes of the compressed blobs (what a registry stores)
}

// readImage reads an OCI image-layout tarball with exactly one image.
func readImage(r io.Reader) (*image, error) {
	files := map[string][]byte{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read tarball: %w", err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", h.Name, err)
		}
		files[path.Clean(h.Name)] = data
	}
	var idx index
	if err := decodeJSON(files, "index.json", &idx); err != nil {
		return nil, err
	}
	if len(idx.Manifests) != 1 {
		return nil, fmt.Errorf("index.json: %d manifests, want 1", len(idx.Manifests))
	}
	img := &image{}
	mdata, err := blobOf(files, idx.Manifests[0])
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(mdata, &img.manifest); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	cdata, err := blobOf(files, img.manifest.Config)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(cdata, &img.config); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	img.size = img.manifest.Config.Size
	if len(img.manifest.Layers) != len(img.config.RootFS.DiffIDs) {
		return nil, fmt.Errorf("%d layers but %d diff_ids", len(img.manifest.Layers), len(img.config.RootFS.DiffIDs))
	}
	for i, d := range img.manifest.Layers {
		raw, err := layerOf(files, d, img.config.RootFS.DiffIDs[i])
		if err != nil {
			return nil, err
		}
		img.layers = append(img.layers, raw)
		img.size += d.Size
	}
	return img, nil
}

func decodeJSON(files map[string][]byte, name string, v any) error {
	data, ok := files[name]
	if !ok {
		return fmt.Errorf("%s missing", name)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// blobOf returns a descriptor's blob after checking its size and digest.
func blobOf(files map[string][]byte, d descriptor) ([]byte, error) {
	if !strings.HasPrefix(d.Digest, "sha256:") {
		return nil, fmt.Errorf("digest %q: only sha256 is supported", d.Digest)
	}
	data, ok := files[blobPath(d.Digest)]
	if !ok {
		return nil, fmt.Errorf("blob %s missing", d.Digest)
	}
	if int64(len(data)) != d.Size {
		return nil, fmt.Errorf("blob %s: %d bytes, descriptor says %d", d.Digest, len(data), d.Size)
	}
	if got := digestOf(data); got != d.Digest {
		return nil, fmt.Errorf("blob %s: content hashes to %s", d.Digest, got)
	}
	return data, nil
}

// layerOf decompresses a layer and checks it against its diff_id.
func layerOf(files map[string][]byte, d descriptor, diffID string) ([]byte, error) {
	gz, err := blobOf(files, d)
	if err != nil {
		return nil, err
	}
	if d.MediaType != mediaLayerGz {
		return nil, fmt.Errorf("layer %s: media type %q, want %q", d.Digest, d.MediaType, mediaLayerGz)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", d.Digest, err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", d.Digest, err)
	}
	if got := digestOf(raw); got != diffID {
		return nil, fmt.Errorf("layer %s: uncompressed content hashes to %s, diff_id says %s", d.Digest, got, diffID)
	}
	return raw, nil
}

func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// entry is one file of the image's root filesystem.
type entry struct {
	hdr  *tar.Header
	data []byte
}

// walk calls fn for each entry of each layer, in order.
func (img *image) walk(fn func(e entry) error) error {
	for i, raw := range img.layers {
		tr := tar.NewReader(bytes.NewReader(raw))
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("layer %d: %w", i, err)
			}
			data, err := io.ReadAll(tr)
			if err != nil {
				return fmt.Errorf("layer %d: %s: %w", i, h.Name, err)
			}
			if err := fn(entry{hdr: h, data: data}); err != nil {
				return err
			}
		}
	}
	return nil
}

// shells are programs whose presence means the image is not shell-free.
var shells = []string{"sh", "bash", "ash", "dash", "zsh", "busybox"}

// verify checks what the chart and the security review rely on: a
// non-root user, the entrypoint, the labels, the data volume, the CA
// bundle, and no shell anywhere in the filesystem.
func (img *image) verify() error {
	var errs []error
	c := img.config.Config
	if c.User != fmt.Sprintf("%d:%d", nonrootUID, nonrootUID) {
		errs = append(errs, fmt.Errorf("user is %q, want %d:%d", c.User, nonrootUID, nonrootUID))
	}
	if !slices.Equal(c.Entrypoint, []string{binaryPath}) {
		errs = append(errs, fmt.Errorf("entrypoint is %q, want [%s]", c.Entrypoint, binaryPath))
	}
	for _, k := range []string{"source", "version", "revision"} {
		if c.Labels["org.opencontainers.image."+k] == "" {
			errs = append(errs, fmt.Errorf("label org.opencontainers.image.%s is empty", k))
		}
	}
	if _, ok := c.Volumes[dataDir]; !ok {
		errs = append(errs, fmt.Errorf("%s is not a volume", dataDir))
	}
	seen := map[string]*tar.Header{}
	err := img.walk(func(e entry) error {
		name := "/" + strings.TrimSuffix(path.Clean(e.hdr.Name), "/")
		seen[name] = e.hdr
		if slices.Contains(shells, path.Base(name)) {
			errs = append(errs, fmt.Errorf("image contains a shell: %s", name))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if h := seen[binaryPath]; h == nil || h.Mode&0o111 == 0 {
		errs = append(errs, fmt.Errorf("%s missing or not executable", binaryPath))
	}
	if h := seen[dataDir]; h == nil || h.Uid != nonrootUID {
		errs = append(errs, fmt.Errorf("%s missing or not owned by %d", dataDir, nonrootUID))
	}
	if seen[certsPath] == nil {
		errs = append(errs, fmt.Errorf("%s missing", certsPath))
	}
	return errors.Join(errs...)
}

// unpack writes the root filesystem under dir, with the image's modes
// and owners (owners need root; otherwise they are left as the caller).
func (img *image) unpack(dir string) error {
	return img.walk(func(e entry) error {
		name := path.Clean("/" + e.hdr.Name)
		if name == "/" {
			return nil
		}
		dst := filepath.Join(dir, filepath.FromSlash(name))
		mode := os.FileMode(e.hdr.Mode & 0o777)
		switch e.hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, mode); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.WriteFile(dst, e.data, mode); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: entry type %q not supported", name, e.hdr.Typeflag)
		}
		if err := os.Chmod(dst, mode|sticky(e.hdr.Mode)); err != nil {
			return err
		}
		if os.Geteuid() == 0 {
			return os.Lchown(dst, e.hdr.Uid, e.hdr.Gid)
		}
		return nil
	})
}

func sticky(mode int64) os.FileMode {
	if mode&0o1000 != 0 {
		return os.ModeSticky
	}
	return 0
}
