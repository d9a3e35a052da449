package main

import (
	"runtime/debug"

	// The image has no zoneinfo; policy lifetimes and requester zones
	// need the IANA database, so it is embedded (about 450 KB).
	_ "time/tzdata"
)

// version and revision are set at link time by the image build
// (scripts/image.sh: -ldflags "-X main.version=… -X main.revision=…").
// A plain `go build` falls back to what the Go toolchain recorded.
var (
	version  = ""
	revision = ""
)

// buildInfo returns the version and the VCS revision this binary was
// built from, "dev" and "unknown" when neither was recorded.
func buildInfo() (v, rev string) {
	v, rev = version, revision
	bi, ok := debug.ReadBuildInfo()
	if ok && v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	if ok && rev == "" {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				rev = s.Value
			}
		}
	}
	if v == "" {
		v = "dev"
	}
	if rev == "" {
		rev = "unknown"
	}
	return v, rev
}
