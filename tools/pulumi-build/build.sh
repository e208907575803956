#!/usr/bin/env bash
# Builds the Pulumi CLI and the Node.js language host from Pulumi's Go modules, offline but for the
# Go module proxy.  Usage: build.sh <version, e.g. 3.259.0> <output bin dir>
#
# The CLI:  `go install github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@vX` is refused because pkg/go.mod
#           has replace directives, so a throw-away wrapper module requires pkg/v3 and sdk/v3 at the same
#           version and repeats pkg's non-local replace lines (read from pkg/go.mod at that version).
# The host: module github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3 has no tags; it is
#           asked for at the commit of the release tag.  Where the module proxy does not serve it, the
#           newest language host that the proxy does serve is used: the one inside sdk/v3@v3.68.0, the
#           last release that kept it in the sdk module.  The host only launches Node.js and forwards the
#           program's gRPC calls (unknown protobuf fields pass through), so the engine, the deployment
#           logic and the SDK stay at the pinned version; tests/engine proves the combination end to end.
set -euo pipefail

version="$1"
out="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log() { printf '[pulumi-build] %s\n' "$*" >&2; }
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
ldflags_for() { echo "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$1"; }

# --- the CLI -----------------------------------------------------------------------------------
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
(cd "$work/cli" && go build -trimpath -ldflags "$(ldflags_for "$version")" -o "$out/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)

# --- the Node.js language host -------------------------------------------------------------------
host_module="github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3"
commit="$(printf '%s' "$pkg_mod_json" | sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]*\)",*$/\1/p' | head -n1)"
mkdir -p "$work/host"
built_host=""
if [ -n "$commit" ]; then
  cat > "$work/host/go.mod" <<EOF
module m365mfa/pulumi-language-nodejs-build

go $go_directive
EOF
  cp "$here/tools.go.txt" "$work/host/tools.go"
  sed -i "s#IMPORT#$host_module#" "$work/host/tools.go"
  if (cd "$work/host" && go get "$host_module@$commit" >/dev/null 2>&1 && go mod tidy >/dev/null 2>&1); then
    log "compiling the Node.js language host at the release commit ${commit:0:12}"
    (cd "$work/host" && go build -trimpath -ldflags "$(ldflags_for "$version")" -o "$out/pulumi-language-nodejs" "$host_module")
    built_host="v$version"
  fi
fi
if [ -z "$built_host" ]; then
  log "the module proxy does not serve $host_module at ${commit:-the release commit};"
  log "building the language host kept in github.com/pulumi/pulumi/sdk/v3@v3.68.0 (tools/pulumi-build/langhost)"
  (cd "$here/langhost" && go build -trimpath -ldflags "$(ldflags_for 3.68.0)" -o "$out/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs)
  built_host="v3.68.0"
fi
echo "pulumi v$version; pulumi-language-nodejs $built_host" > "$out/BUILD-INFO"
log "done: $(cat "$out/BUILD-INFO")"
