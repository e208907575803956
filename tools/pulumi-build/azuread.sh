#!/usr/bin/env bash
# Builds the azuread resource plugin (pulumi-resource-azuread) from the release's sources, offline but
# for the Go module proxy, following the checked recipe in <engine sources>/README.md.
# Usage: azuread.sh <version, e.g. 6.8.0> <output file> <engine sources dir>
#
# The proxy serves pulumi-terraform-bridge and every other dependency, but neither
# github.com/hashicorp/terraform-provider-azuread nor github.com/hashicorp/go-azure-sdk/microsoft-graph
# at any version, so both come from the sources folder through replace lines; microsoft-graph is kept
# there as the vendored packages of terraform-provider-azuread and gets the go.mod it lacks.
set -euo pipefail

version="$1"
out="$2"
src="$3"
work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
log() { printf '[azuread-build] %s\n' "$*" >&2; }
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0

for d in pulumi-azuread/provider terraform-provider-azuread go-azure-sdk-microsoft-graph; do
  if [ ! -d "$src/$d" ]; then
    log "error: $src/$d is missing: the azuread plugin's sources are incomplete."
    exit 1
  fi
done
cp -r "$src/pulumi-azuread" "$src/terraform-provider-azuread" "$src/go-azure-sdk-microsoft-graph" "$work/"
chmod -R u+w "$work"
cat > "$work/go-azure-sdk-microsoft-graph/go.mod" <<'EOF'
module github.com/hashicorp/go-azure-sdk/microsoft-graph

go 1.24.1

require (
	github.com/hashicorp/go-azure-helpers v0.73.0
	github.com/hashicorp/go-azure-sdk/sdk v0.20251107.1191907
)
EOF
(cd "$work/pulumi-azuread/provider" && go mod edit \
  -replace=github.com/hashicorp/terraform-provider-azuread=../../terraform-provider-azuread \
  -replace=github.com/hashicorp/go-azure-sdk/microsoft-graph=../../go-azure-sdk-microsoft-graph)
(cd "$work/pulumi-azuread/provider/shim" && go mod edit \
  -replace=github.com/hashicorp/terraform-provider-azuread=../../../terraform-provider-azuread \
  -replace=github.com/hashicorp/go-azure-sdk/microsoft-graph=../../../go-azure-sdk-microsoft-graph)
cmd="$work/pulumi-azuread/provider/cmd/pulumi-resource-azuread"
cp "$cmd/schema.json" "$cmd/schema-embed.json"
log "compiling pulumi-resource-azuread $version (about 6 minutes on 2 cores, once)"
mkdir -p "$(dirname "$out")"
(cd "$work/pulumi-azuread/provider" && go build -trimpath \
  -ldflags "-s -w -X github.com/pulumi/pulumi-azuread/provider/v6/pkg/version.Version=$version" \
  -o "$out.tmp" ./cmd/pulumi-resource-azuread)
mv "$out.tmp" "$out"
log "done: $("$out" -version 2>&1 | head -n1)"
