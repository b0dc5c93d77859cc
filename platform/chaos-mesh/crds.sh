#!/usr/bin/env bash
# Chaos Mesh's CRDs (chaos-mesh.org/v1alpha1: PodChaos, NetworkChaos, StressChaos, …): manifests/crd.yaml of its Go
# module at a pinned commit (its release tags are not semver for Go, so the module proxy serves commits only), checked
# against the Go checksum database and cached by version. Prints the file's path on stdout, progress on stderr.
# Used by platform/tests/install-tools.sh (`npm run tools`) and by `tilt up -- --chaos-mesh` (docs/chaos.md).
set -euo pipefail

CHAOS_MESH_MODULE=github.com/chaos-mesh/chaos-mesh
CHAOS_MESH_VERSION=v0.9.1-0.20260902003049-47411975a8cb

cache="${FLEETLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fleetlab}"
root="$cache/k8s-tools"
crds="$root/chaos-mesh/crd.yaml"
stamp="$root/stamps/chaos-mesh"
say() { printf '[k8s-tools] %s\n' "$*" >&2; }

if [ -f "$crds" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$CHAOS_MESH_VERSION" ]; then
  say "chaos mesh CRDs: up to date ($CHAOS_MESH_VERSION)"
else
  command -v go >/dev/null 2>&1 || { say "missing go: the Go module proxy serves Chaos Mesh's module"; exit 1; }
  mkdir -p "$(dirname "$crds")" "$(dirname "$stamp")"
  dir="$(cd "$root" && GOFLAGS=-mod=mod go mod download -json "$CHAOS_MESH_MODULE@$CHAOS_MESH_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
  cp "$dir/manifests/crd.yaml" "$crds.tmp"
  chmod 644 "$crds.tmp"
  mv "$crds.tmp" "$crds"
  echo "$CHAOS_MESH_VERSION" > "$stamp"
  say "chaos mesh CRDs: $CHAOS_MESH_MODULE@$CHAOS_MESH_VERSION"
fi
echo "$crds"
