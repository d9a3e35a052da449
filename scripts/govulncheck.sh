#!/usr/bin/env bash
# govulncheck without reaching vuln.go.dev: builds a local vulnerability
# database from the golang.org/x/vulndb module (served by the Go module
# proxy) and checks the module against it. Fails on any reachable finding.
set -euo pipefail
cd "$(dirname "$0")/.."
VULNDB_VERSION="${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}"
GOVULNCHECK_VERSION="${GOVULNCHECK_VERSION:-latest}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dir="$(go mod download -json "golang.org/x/vulndb@${VULNDB_VERSION}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
( cd "$dir" && GOFLAGS=-mod=mod go run ./cmd/indexdb -vulns data/osv -out "$work/db" )
GOBIN="$work/bin" go install "golang.org/x/vuln/cmd/govulncheck@${GOVULNCHECK_VERSION}"
"$work/bin/govulncheck" -db "file://$work/db" ./...
