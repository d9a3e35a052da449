#!/usr/bin/env bash
# CI for deploy/: builds the container image and runs it, and checks the
# Helm chart and the Azure template offline.
#
# 1. scripts/image.sh writes the OCI tarball; `image verify` checks its config
#    (user 65532, entrypoint, labels, /data volume) and that no shell is in it.
# 2. The root filesystem is unpacked and the binary run from it, chrooted as
#    uid 65532 with no other files (no zoneinfo, no shell), in local mode,
#    until /readyz answers 200; then it is stopped with SIGTERM.
# 3. helm lint and helm template for each example values file; the Go tests
#    of the deploy module render them again, decode every object strictly
#    into the Kubernetes API types, check the chart's refusals, run the
#    image's binary check-config on each rendered config, and parse the
#    Azure template.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

echo "--- image: build"
bash scripts/image.sh "$work/tapbot-image.tar"
go -C deploy run ./image verify -in "$work/tapbot-image.tar"
go -C deploy run ./image unpack -in "$work/tapbot-image.tar" -dir "$work/rootfs"
if [ -e "$work/rootfs/bin/sh" ]; then echo "rootfs has /bin/sh"; exit 1; fi

echo "--- image: run /tapbot chrooted as 65532:65532 in local mode"
port=39781
chroot --userspec=65532:65532 "$work/rootfs" /tapbot version
env -i TAPBOT_DATA_DIR=/data TAPBOT_LISTEN="127.0.0.1:$port" TAPBOT_METRICS_LISTEN=127.0.0.1:0 \
  "$(command -v chroot)" --userspec=65532:65532 "$work/rootfs" /tapbot serve >"$work/stdout" 2>"$work/stderr" &
pid=$!
ready=""
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "the image's binary did not become ready"; cat "$work/stdout" "$work/stderr"; exit 1
fi
grep -q '"msg":"tapbot ready".*"revision":"[0-9a-f]\{7,\}' "$work/stderr" ||
  { echo "ready log line has no revision"; cat "$work/stderr"; exit 1; }
owner="$(stat -c %u "$work/rootfs/data/seal.key" 2>/dev/null || stat -c %u "$work/rootfs/data")"
[ "$owner" = 65532 ] || { echo "data written as uid $owner, want 65532"; exit 1; }
kill -TERM "$pid"
wait "$pid"
pid=""
echo "image ran as 65532 from its own root filesystem and answered /readyz; size $(du -h "$work/tapbot-image.tar" | cut -f1)"

echo "--- helm: lint and template each example values file"
HELM_VERSION="${HELM_VERSION:-v3.22.0}"
[ -x .tmp/bin/helm ] || GOBIN="$root/.tmp/bin" go install "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
chart=deploy/helm/tapbot
for values in "$chart"/examples/*.yaml; do
  .tmp/bin/helm lint --strict "$chart" -f "$values"
  .tmp/bin/helm template tapbot "$chart" -f "$values" --namespace tapbot >/dev/null
done

echo "--- deploy module tests: strict Kubernetes decoding, Azure template, image builder"
[ -x .tmp/bin/staticcheck ] || GOBIN="$root/.tmp/bin" go install "honnef.co/go/tools/cmd/staticcheck@${STATICCHECK_VERSION:-v0.8.2}"
(cd deploy && gofmt -l . | (! grep .) && go vet ./... && "$root/.tmp/bin/staticcheck" ./... && TAPBOT_HELM="$root/.tmp/bin/helm" TAPBOT_REQUIRE_HELM=1 TAPBOT_BIN="$work/rootfs/tapbot" go test -count=1 ./...)
