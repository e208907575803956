#!/usr/bin/env bash
# Prepares everything the demo and the tests need, on a fresh machine, with no manual step:
#   1. npm dependencies (among them the `node` package, a Node.js 24 binary from the npm registry,
#      which npm scripts put first on PATH because the machine's Node.js may be older);
#   2. the real Pulumi engine: the `pulumi` CLI and the Node.js language host, either found on PATH
#      at the version of @pulumi/pulumi in package-lock.json, or built from Pulumi's Go modules;
#   3. the dynamic-provider plugin shim that ships inside @pulumi/pulumi.
# Binaries are cached under .tools/ (git-ignored), so the second run takes well under a second.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
log() { printf '[setup] %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# 1. npm dependencies
# ---------------------------------------------------------------------------------------------
stamp="node_modules/.m365-mfa-install-stamp"
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  log "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi
node_bin="$root/node_modules/.bin/node"
if [ ! -x "$node_bin" ]; then
  log "error: node_modules/.bin/node is missing: the 'node' package's install script did not run."
  log "       Check that package.json's allowScripts permits 'node', then run: npm ci"
  exit 1
fi
node_major="$("$node_bin" -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 22 ]; then
  log "error: node_modules/.bin/node is Node.js $("$node_bin" --version); @pulumi/pulumi needs 22 or later"
  exit 1
fi

# ---------------------------------------------------------------------------------------------
# 2. The Pulumi engine at the version of @pulumi/pulumi in package-lock.json
# ---------------------------------------------------------------------------------------------
version="$("$node_bin" -p 'require("./package-lock.json").packages["node_modules/@pulumi/pulumi"].version')"
bin_dir="$root/.tools/pulumi/v$version/bin"
mkdir -p "$bin_dir"

have_version() { # $1: path to a pulumi binary
  [ -x "$1" ] && [ "$("$1" version 2>/dev/null | tr -d '[:space:]')" = "v$version" ]
}

if ! have_version "$bin_dir/pulumi"; then
  on_path="$(command -v pulumi || true)"
  if [ -n "$on_path" ] && have_version "$on_path" && command -v pulumi-language-nodejs >/dev/null; then
    log "using pulumi v$version found on PATH at $on_path"
    ln -sf "$on_path" "$bin_dir/pulumi"
    ln -sf "$(command -v pulumi-language-nodejs)" "$bin_dir/pulumi-language-nodejs"
  else
    if ! command -v go >/dev/null; then
      log "error: no pulumi v$version on PATH and no Go toolchain to build it with."
      log "       Install Go 1.25 or later (https://go.dev/dl) or put pulumi v$version on PATH."
      exit 1
    fi
    log "building pulumi v$version from Pulumi's Go modules (a few minutes, once)"
    bash "$root/tools/pulumi-build/build.sh" "$version" "$bin_dir"
  fi
fi

# ---------------------------------------------------------------------------------------------
# 3. The dynamic-provider plugin: a shell shim shipped inside @pulumi/pulumi. The engine finds it
#    next to the pulumi binary; npm does not keep its run bit.
# ---------------------------------------------------------------------------------------------
for shim in pulumi-resource-pulumi-nodejs pulumi-analyzer-policy; do
  if [ -f "node_modules/@pulumi/pulumi/$shim" ]; then
    install -m 0755 "node_modules/@pulumi/pulumi/$shim" "$bin_dir/$shim"
  fi
done

ln -sfn "v$version" "$root/.tools/pulumi/current"
log "pulumi $("$bin_dir/pulumi" version) ready in .tools/pulumi/current/bin; node $("$node_bin" --version)"
