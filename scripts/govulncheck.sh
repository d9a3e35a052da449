#!/usr/bin/env bash
# govulncheck without reaching vuln.go.dev: the vulnerability database comes
# from the golang.org/x/vulndb module (served by the Go module proxy) and is
# laid out for -db file:// by scripts/vulndb. Fails when code calls a
# vulnerable symbol of a module this project can upgrade; findings in the
# standard library are printed as a warning (they are fixed by upgrading the
# Go toolchain, which the machine provides).
set -euo pipefail
cd "$(dirname "$0")/.."
VULNDB_VERSION="${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}"
GOVULNCHECK_VERSION="${GOVULNCHECK_VERSION:-v1.9.0}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dir="$(go mod download -json "golang.org/x/vulndb@${VULNDB_VERSION}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
go run ./scripts/vulndb -osv "$dir/data/osv" -out "$work/db"
GOBIN="$work/bin" go install "golang.org/x/vuln/cmd/govulncheck@${GOVULNCHECK_VERSION}"
"$work/bin/govulncheck" -db "file://$work/db" -format json ./... > "$work/report.json"
python3 - "$work/report.json" <<'PY'
import json, sys
text = open(sys.argv[1]).read()
dec, i, called = json.JSONDecoder(), 0, {}
while i < len(text):
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    obj, i = dec.raw_decode(text, i)
    f = obj.get("finding")
    if f and f.get("trace") and f["trace"][0].get("function"):
        top = f["trace"][0]
        called.setdefault((f["osv"], top.get("module", "")), f.get("fixed_version", ""))
fail = False
for (osv, mod), fixed in sorted(called.items()):
    std = mod in ("stdlib", "toolchain")
    print(f"{'warning' if std else 'VULNERABLE'}: {osv} in {mod} (fixed in {fixed or 'no fix yet'})"
          + (" — upgrade the Go toolchain" if std else ""))
    fail = fail or not std
print("govulncheck: no called vulnerable symbol in any module dependency" if not fail else "govulncheck: FAILED")
sys.exit(1 if fail else 0)
PY
