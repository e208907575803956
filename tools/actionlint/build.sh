#!/usr/bin/env bash
# Builds actionlint (the GitHub Actions workflow checker) from the Go module proxy into
# .tools/actionlint/actionlint, for tests/unit/multitenantWorkflows.test.ts. Once; a no-op when the
# binary there already has this version.
#
#   bash tools/actionlint/build.sh [version]      (default v1.7.12; setup.sh may call it)
#
# Like tools/pulumi-build/build.sh: GOFLAGS=-mod=mod, the machine's Go toolchain (GOTOOLCHAIN=local),
# no cgo; the module cache and build cache are Go's defaults (GOPATH, GOCACHE) unless set.
set -euo pipefail

version="${1:-v1.7.12}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/.tools/actionlint"
log() { printf '[actionlint-build] %s\n' "$*" >&2; }

if [ -x "$out/actionlint" ] && [ "$("$out/actionlint" -version 2>/dev/null | head -n1 | tr -d '[:space:]')" = "$version" ]; then
  log "actionlint $version already built"
  exit 0
fi
command -v go >/dev/null || { log "error: no Go toolchain on PATH: actionlint is built with go install"; exit 1; }
mkdir -p "$out"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0 GOBIN="$out"
log "building github.com/rhysd/actionlint/cmd/actionlint@$version into $out"
go install -trimpath -ldflags "-s -w -X github.com/rhysd/actionlint.version=$version" "github.com/rhysd/actionlint/cmd/actionlint@$version"
"$out/actionlint" -version | head -n1 >&2
