// Command image builds tapbot's container image without a Docker daemon
// and checks it.
//
//	image build  -binary tapbot -out tapbot.tar [-version v -revision r -source url -tag name]
//	image verify -in tapbot.tar        config, labels, no shell; prints the size
//	image unpack -in tapbot.tar -dir rootfs
//
// The tarball is an OCI image layout (also loadable by `docker load`,
// `podman load`, `crane push`, `skopeo copy oci-archive:…`): a base layer
// like distroless/static (passwd and group with nonroot 65532, CA
// certificates, /tmp, the /data volume) and a layer with the static binary.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: image build|verify|unpack [flags]")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	var s spec
	fs.StringVar(&s.Binary, "binary", "", "static linux binary (build)")
	fs.StringVar(&s.Certs, "certs", "/etc/ssl/certs/ca-certificates.crt", "CA certificate bundle (build)")
	fs.StringVar(&s.Version, "version", "dev", "image version label (build)")
	fs.StringVar(&s.Revision, "revision", "unknown", "VCS revision label (build)")
	fs.StringVar(&s.Source, "source", "https://github.com/tapbot/tapbot", "source repository label (build)")
	fs.StringVar(&s.Tag, "tag", "", "image reference name, default tapbot:<version> (build)")
	fs.StringVar(&s.Arch, "arch", runtime.GOARCH, "GOARCH of the binary (build)")
	out := fs.String("out", "tapbot-image.tar", "tarball to write (build)")
	in := fs.String("in", "tapbot-image.tar", "tarball to read (verify, unpack)")
	dir := fs.String("dir", "", "directory to unpack the root filesystem into (unpack)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch args[0] {
	case "build":
		return buildCmd(s, *out, getenv)
	case "verify":
		img, err := open(*in)
		if err != nil {
			return err
		}
		if err := img.verify(); err != nil {
			return fmt.Errorf("%s:\n%w", *in, err)
		}
		c := img.config.Config
		fmt.Fprintf(stdout, "%s ok: user %s, entrypoint %v, no shell, version %s, revision %s, %d layers, %.1f MB compressed\n",
			*in, c.User, c.Entrypoint, c.Labels["org.opencontainers.image.version"],
			c.Labels["org.opencontainers.image.revision"], len(img.layers), float64(img.size)/1e6)
		return nil
	case "unpack":
		if *dir == "" {
			return errors.New("unpack: -dir is required")
		}
		img, err := open(*in)
		if err != nil {
			return err
		}
		return img.unpack(*dir)
	default:
		return fmt.Errorf("unknown command %q: want build, verify or unpack", args[0])
	}
}

func buildCmd(s spec, out string, getenv func(string) string) error {
	if s.Binary == "" {
		return errors.New("build: -binary is required")
	}
	if s.Tag == "" {
		s.Tag = "tapbot:" + s.Version
	}
	// SOURCE_DATE_EPOCH (reproducible-builds.org) fixes every timestamp;
	// scripts/image.sh sets it to the commit time.
	s.Created = time.Unix(0, 0).UTC()
	if v := getenv("SOURCE_DATE_EPOCH"); v != "" {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("SOURCE_DATE_EPOCH %q: not a number of seconds", v)
		}
		s.Created = time.Unix(sec, 0).UTC()
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := build(s, f); err != nil {
		f.Close()
		os.Remove(out)
		return err
	}
	return f.Close()
}

func open(name string) (*image, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readImage(f)
}
