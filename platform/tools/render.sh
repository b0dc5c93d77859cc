#!/usr/bin/env bash
# Renders platform/base plus the named components (platform/components/<name>) as one YAML stream: used by the Tiltfile and the tests.
# Usage: platform/tools/render.sh [component ...]   e.g. render.sh istio observability data connect
# Kustomize is $KUSTOMIZE, else `kustomize` on PATH, else `kubectl kustomize`.
set -euo pipefail
platform="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/fleetlab-render.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# Kustomize refuses absolute paths and paths from another root, so the composing kustomization sees base and
# components through symlinks beside it.
ln -s "$platform/base" "$work/base"
ln -s "$platform/components" "$work/components"
{
  echo 'apiVersion: kustomize.config.k8s.io/v1beta1'
  echo 'kind: Kustomization'
  echo 'resources: [base]'
  if [ "$#" -eq 0 ]; then echo 'components: []'; else echo 'components:'; fi
  for name in "$@"; do
    if [ ! -f "$platform/components/$name/kustomization.yaml" ]; then
      echo "render.sh: no component '$name' (platform/components/$name/kustomization.yaml)" >&2
      exit 2
    fi
    echo "  - components/$name"
  done
} > "$work/kustomization.yaml"
# The connect and observability components generate ConfigMaps from the repository's dashboards/ folder, which
# sits outside their kustomization root.
flags=(--load-restrictor LoadRestrictionsNone)
if [ -n "${KUSTOMIZE:-}" ]; then
  "$KUSTOMIZE" build "${flags[@]}" "$work"
elif command -v kustomize >/dev/null 2>&1; then
  kustomize build "${flags[@]}" "$work"
else
  kubectl kustomize "${flags[@]}" "$work"
fi
