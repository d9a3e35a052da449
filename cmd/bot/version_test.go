package main

import (
	"bytes"
	"testing"
)

func TestVersionCommandPrintsLinkTimeValues(t *testing.T) {
	oldV, oldR := version, revision
	t.Cleanup(func() { version, revision = oldV, oldR })
	version, revision = "v1.2.3", "0123456789abcdef"
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"version"}, envMap(nil), &out, &errb); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	if got, want := out.String(), "tapbot v1.2.3 (revision 0123456789abcdef)\n"; got != want {
		t.Fatalf("version output = %q, want %q", got, want)
	}
}

func TestBuildInfoFallsBackWhenNotLinked(t *testing.T) {
	oldV, oldR := version, revision
	t.Cleanup(func() { version, revision = oldV, oldR })
	version, revision = "", ""
	v, rev := buildInfo()
	// A test binary records no module version and (with -buildvcs=false)
	// no revision, so both fall back to the documented placeholders.
	if v != "dev" {
		t.Errorf("version = %q, want dev", v)
	}
	if rev == "" {
		t.Errorf("revision is empty, want a value or %q", "unknown")
	}
}
