#!/usr/bin/env bash
# Builds the Pulumi CLI and the Node.js language host, offline but for the Go module proxy.
# Usage: build.sh <version, e.g. 3.259.0> <output bin dir> <engine sources dir (../shared/engine-src) or "">
#
# The CLI:  `go install github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@vX` is refused because pkg/go.mod
#           has replace directives, so a throw-away wrapper module requires pkg/v3 and sdk/v3 at the same
#           version and repeats pkg's non-local replace lines (read from pkg/go.mod at that version).
# The host: module github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 has no tags and the
#           module proxy does not serve it.  It is built from the release's own sources
#           (<engine sources>/pulumi-language-nodejs, sdk/nodejs/cmd/pulumi-language-nodejs at the release
#           tag): in a copy, the two replace lines that point into the pulumi repository are dropped and
#           pkg/v3 and sdk/v3 are required at the release, as the sources' README says.  The release host
#           has RunPlugin, so policy packs run.  No older host is ever used instead.
set -euo pipefail

version="$1"
out="$2"
src="${3:-}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log() { printf '[pulumi-build] %s\n' "$*" >&2; }
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version"
mkdir -p "$out"

host_src="$src/pulumi-language-nodejs"
if [ -z "$src" ] || [ ! -f "$host_src/go.mod" ]; then
  log "error: the Node.js language host's sources are not at ${src:-<not given>}/pulumi-language-nodejs."
  log "       The module proxy does not serve github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3,"
  log "       so they are needed to build the engine. Either put the shared engine sources beside this"
  log "       repository (../shared/engine-src, or set M365_MFA_ENGINE_SRC), or install the pulumi CLI"
  log "       v$version or newer on PATH (https://www.pulumi.com/docs/install/), which ships the host."
  exit 1
fi

# --- the CLI -----------------------------------------------------------------------------------
if [ -x "$out/pulumi" ] && [ "$("$out/pulumi" version 2>/dev/null | tr -d '[:space:]')" = "v$version" ]; then
  log "pulumi v$version already built"
else
  pkg_mod_json="$(cd "$work" && go mod download -json "github.com/pulumi/pulumi/pkg/v3@v$version")" || {
    log "error: the Go module proxy does not serve github.com/pulumi/pulumi/pkg/v3@v$version."
    log "       Pin @pulumi/pulumi to a version whose pkg module the proxy serves (see README, 'The engine')."
    exit 1
  }
  pkg_gomod="$(printf '%s' "$pkg_mod_json" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
  go_directive="$(sed -n 's/^go //p' "$pkg_gomod" | head -n1)"
  mkdir -p "$work/cli"
  {
    echo "module m365mfa/pulumi-cli-build"
    echo
    echo "go $go_directive"
    echo
    echo "require ("
    echo "	github.com/pulumi/pulumi/pkg/v3 v$version"
    echo "	github.com/pulumi/pulumi/sdk/v3 v$version"
    echo ")"
    echo
    # single-line and block replace directives whose target is not a local path
    awk '
      /^replace \(/ { inblock = 1; next }
      inblock && /^\)/ { inblock = 0; next }
      inblock { if ($0 !~ /=> *\.\.?\//) print "replace " $0; next }
      /^replace / { if ($0 !~ /=> *\.\.?\//) print }
    ' "$pkg_gomod"
  } > "$work/cli/go.mod"
  cp "$here/tools.go.txt" "$work/cli/tools.go"
  sed -i 's#IMPORT#github.com/pulumi/pulumi/pkg/v3/cmd/pulumi#' "$work/cli/tools.go"
  log "resolving the CLI's module graph"
  (cd "$work/cli" && go mod tidy >/dev/null 2>&1 || go mod tidy)
  log "compiling pulumi v$version"
  (cd "$work/cli" && go build -trimpath -ldflags "$ldflags" -o "$out/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
fi

# --- the Node.js language host, from the release's sources ---------------------------------------
cp -r "$host_src" "$work/host"
chmod -R u+w "$work/host"
# Drop the replace lines that point into the pulumi repository; keep the others (clipboard fork).
sed -i -E '/=> *\.\.?\//d' "$work/host/go.mod"
(
  cd "$work/host"
  go mod edit -require="github.com/pulumi/pulumi/pkg/v3@v$version" -require="github.com/pulumi/pulumi/sdk/v3@v$version"
  log "resolving the language host's module graph"
  go mod tidy >/dev/null 2>&1 || go mod tidy
  log "compiling pulumi-language-nodejs v$version from $host_src"
  go build -trimpath -ldflags "$ldflags" -o "$out/pulumi-language-nodejs" .
)
{
  echo "pulumi v$version: built from github.com/pulumi/pulumi/pkg/v3@v$version (Go module proxy)"
  echo "pulumi-language-nodejs v$version: built from $host_src (release sources, pkg/v3 and sdk/v3 at v$version)"
} > "$out/BUILD-INFO"
log "done: $(tr '\n' ';' < "$out/BUILD-INFO")"
