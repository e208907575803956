#!/usr/bin/env bash
# Prepares everything the demo and the tests need, on a fresh machine, with no manual step:
#   1. npm dependencies (among them the `node` package, a Node.js 24 binary from the npm registry,
#      which npm scripts put first on PATH because the machine's Node.js may be older);
#   2. the real Pulumi engine: the `pulumi` CLI and its Node.js language host, either found on PATH
#      (at the version of @pulumi/pulumi in package-lock.json or newer), or built once from Pulumi's Go
#      modules and the release sources of the language host (../shared/engine-src);
#   3. the azuread resource plugin at the version of @pulumi/azuread in package-lock.json: already
#      installed, installed through Pulumi's normal plugin install, or built once from its sources;
#   4. the dynamic-provider plugin shim that ships inside @pulumi/pulumi;
#   5. actionlint (for the tests, when Go is there);
#   6. the compiled package (dist/, npm run build) when it is not current with the sources, so that the
#      program, the providers and the m365-mfa command load compiled code (scripts/launch.js).
# Everything lands in .tools/pulumi/current/bin (git-ignored), so a second run takes well under a second.
# The sources folder can be named with M365_MFA_ENGINE_SRC (default: ../shared/engine-src).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
log() { printf '[setup] %s\n' "$*" >&2; }
src="${M365_MFA_ENGINE_SRC:-$root/../shared/engine-src}"
[ -d "$src" ] && src="$(cd "$src" && pwd)"

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
locked() { "$node_bin" -p "require('./package-lock.json').packages['node_modules/$1'].version"; }
version="$(locked @pulumi/pulumi)"
azuread_version="$(locked @pulumi/azuread)"
bin_dir="$root/.tools/pulumi/v$version/bin"
mkdir -p "$bin_dir"

# at_least A B: version A (with or without a leading v) is B or newer.
at_least() { [ "$(printf '%s\n%s\n' "${1#v}" "${2#v}" | sort -V | head -n1)" = "${2#v}" ]; }
cli_version() { "$1" version 2>/dev/null | tr -d '[:space:]'; }
missing_both() { # $1: what is missing
  log "error: $1"
  log "       Provide one of:"
  log "         a) the pulumi CLI v$version or newer on PATH (https://www.pulumi.com/docs/install/); it ships"
  log "            the Node.js language host, and the azuread plugin then installs through 'pulumi plugin install';"
  log "         b) a Go toolchain (1.25 or later) and the engine sources at ${src}"
  log "            (or name them with M365_MFA_ENGINE_SRC); setup builds the engine from them once, offline."
  exit 1
}

# ---------------------------------------------------------------------------------------------
# 2. The Pulumi CLI and the Node.js language host
# ---------------------------------------------------------------------------------------------
engine_ready() {
  [ -x "$bin_dir/pulumi" ] && [ -x "$bin_dir/pulumi-language-nodejs" ] && [ -f "$bin_dir/BUILD-INFO" ] \
    && at_least "$(cli_version "$bin_dir/pulumi")" "$version" \
    && grep -q "^pulumi-language-nodejs " "$bin_dir/BUILD-INFO" && ! grep -q "v3\.68\.0" "$bin_dir/BUILD-INFO"
}
using_path_cli=""
if ! engine_ready; then
  on_path="$(command -v pulumi || true)"
  host_on_path=""
  if [ -n "$on_path" ]; then
    host_on_path="$(dirname "$(readlink -f "$on_path")")/pulumi-language-nodejs"
    [ -x "$host_on_path" ] || host_on_path="$(command -v pulumi-language-nodejs || true)"
  fi
  if [ -n "$on_path" ] && [ -n "$host_on_path" ] && at_least "$(cli_version "$on_path")" "$version"; then
    ln -sf "$on_path" "$bin_dir/pulumi"
    ln -sf "$host_on_path" "$bin_dir/pulumi-language-nodejs"
    {
      echo "pulumi $(cli_version "$on_path"): found on PATH at $on_path"
      echo "pulumi-language-nodejs: found beside it at $host_on_path"
    } > "$bin_dir/BUILD-INFO"
    using_path_cli=1
  else
    [ -n "$on_path" ] && log "pulumi on PATH ($on_path, $(cli_version "$on_path")) is older than v$version or has no Node.js language host beside it: not used"
    command -v go >/dev/null || missing_both "no pulumi CLI v$version or newer on PATH, and no Go toolchain to build it with."
    [ -f "$src/pulumi-language-nodejs/go.mod" ] || missing_both "no pulumi CLI v$version or newer on PATH, and the language host's sources are not at $src/pulumi-language-nodejs."
    log "building pulumi v$version and its Node.js language host (a few minutes, once)"
    bash "$root/tools/pulumi-build/build.sh" "$version" "$bin_dir" "$src"
  fi
elif grep -q "found on PATH" "$bin_dir/BUILD-INFO"; then
  using_path_cli=1
fi

# ---------------------------------------------------------------------------------------------
# 3. The azuread resource plugin, at the SDK's own version. It is kept in .tools/plugins and linked into
#    Pulumi's plugin cache (PULUMI_HOME, default ~/.pulumi), where the engine looks for installed
#    plugins; the test harness links it into each test's own PULUMI_HOME the same way.
# ---------------------------------------------------------------------------------------------
plugin_version() { "$1" -version 2>/dev/null | head -n1 | tr -d '[:space:]v'; }
cache="$root/.tools/plugins/azuread-v$azuread_version/pulumi-resource-azuread"
home_dir="${PULUMI_HOME:-$HOME/.pulumi}/plugins/resource-azuread-v$azuread_version"
home_plugin="$home_dir/pulumi-resource-azuread"
rm -f "$bin_dir/pulumi-resource-azuread" # an ambient copy next to the CLI would shadow every other version
if [ ! -x "$cache" ] || [ "$(plugin_version "$cache")" != "$azuread_version" ]; then
  rm -f "$cache"
  mkdir -p "$(dirname "$cache")"
  if [ -x "$home_plugin" ] && [ "$(readlink -f "$home_plugin")" != "$cache" ]; then
    ln -sf "$home_plugin" "$cache"
  elif [ -n "$using_path_cli" ] && "$bin_dir/pulumi" plugin install resource azuread "$azuread_version" >&2 && [ -x "$home_plugin" ]; then
    ln -sf "$home_plugin" "$cache"
  else
    command -v go >/dev/null || missing_both "the azuread resource plugin v$azuread_version is not installed, and there is no Go toolchain to build it with."
    [ -d "$src/pulumi-azuread/provider" ] || missing_both "the azuread resource plugin v$azuread_version is not installed, and its sources are not at $src/pulumi-azuread."
    log "building the azuread resource plugin v$azuread_version from $src (about 6 minutes on 2 cores, once)"
    bash "$root/tools/pulumi-build/azuread.sh" "$azuread_version" "$cache" "$src"
  fi
fi
if [ ! -x "$home_plugin" ]; then
  mkdir -p "$home_dir"
  ln -sf "$cache" "$home_plugin"
fi

# ---------------------------------------------------------------------------------------------
# 4. The dynamic-provider plugin: a shell shim shipped inside @pulumi/pulumi. The engine finds it
#    next to the pulumi binary; npm does not keep its run bit.
# ---------------------------------------------------------------------------------------------
for shim in pulumi-resource-pulumi-nodejs pulumi-analyzer-policy; do
  if [ -f "node_modules/@pulumi/pulumi/$shim" ]; then
    install -m 0755 "node_modules/@pulumi/pulumi/$shim" "$bin_dir/$shim"
  fi
done

# ---------------------------------------------------------------------------------------------
# 5. actionlint, which the tests run on the example workflows: built from the Go module proxy when
#    Go is there (CI and development); a user without Go does not need it.
# ---------------------------------------------------------------------------------------------
if command -v go >/dev/null; then
  bash "$root/tools/actionlint/build.sh"
else
  log "actionlint not built (no go command on PATH); only the tests use it, to check the example workflows"
fi

# ---------------------------------------------------------------------------------------------
# 6. The compiled package: what the program, the providers and the m365-mfa command of this checkout
#    run while it is current with the sources (scripts/launch.js; an edited file runs from source).
# ---------------------------------------------------------------------------------------------
if [ -f tsconfig.build.json ] && ! "$node_bin" scripts/launch.js --status | grep -q '^the compiled build'; then
  log "compiling the package into dist/ (npm run build, a few seconds)"
  PATH="$(dirname "$node_bin"):$PATH" npm run --silent build >/dev/null
fi

ln -sfn "v$version" "$root/.tools/pulumi/current"
log "engine ready in .tools/pulumi/current/bin: $(tr '\n' ';' < "$bin_dir/BUILD-INFO" | sed 's/;$//; s/;/; /g')"
log "azuread plugin $(plugin_version "$cache") ($(readlink -f "$cache"), linked into $home_dir); node $("$node_bin" --version)"
