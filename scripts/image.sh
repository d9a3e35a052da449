#!/usr/bin/env bash
# Builds tapbot's container image as an OCI image-layout tarball, without a
# Docker daemon: a static binary (CGO_ENABLED=0, -trimpath, version and
# revision linked in) on a distroless/static-like base, user 65532.
#
#   scripts/image.sh [OUT.tar]        default: tapbot-image.tar
#
# Load or push it with any OCI tool, e.g.
#   docker load -i tapbot-image.tar
#   crane push tapbot-image.tar registry.example.com/tapbot:$VERSION
#   skopeo copy oci-archive:tapbot-image.tar docker://registry.example.com/tapbot:$VERSION
#
# Environment: VERSION, REVISION (default: from git), GOARCH (default: this
# machine's), SOURCE_DATE_EPOCH (default: the commit time; fixes timestamps).
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-tapbot-image.tar}")"

git_or() { git "$@" 2>/dev/null || true; }
version="${VERSION:-$(git_or describe --tags --always --dirty)}"
version="${version:-dev}"
revision="${REVISION:-$(git_or rev-parse HEAD)}"
revision="${revision:-unknown}"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git_or log -1 --format=%ct)}"
[ -n "$SOURCE_DATE_EPOCH" ] || unset SOURCE_DATE_EPOCH
arch="${GOARCH:-$(go env GOARCH)}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 GOOS=linux GOARCH="$arch" go build -trimpath \
  -ldflags "-s -w -X main.version=${version} -X main.revision=${revision}" \
  -o "$work/tapbot" ./cmd/bot
go -C deploy run ./image build -binary "$work/tapbot" -out "$out" -arch "$arch" \
  -version "$version" -revision "$revision"
echo "wrote $out ($(du -h "$out" | cut -f1), tapbot:${version}, revision ${revision})"
