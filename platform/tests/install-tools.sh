#!/usr/bin/env bash
# Installs the tools that check the Kubernetes lab into the cache, idempotently: kustomize, kubeconform, istioctl,
# promtool, real Tilt, kube-apiserver and etcd (built from platform/tools with Go), the Kubernetes JSON
# schemas of PyPI's kubernetes-validate,
# Istio's CRDs and Chaos Mesh's CRDs. Usage: bash platform/tests/install-tools.sh   (cache: ${FLEETLAB_CACHE:-$HOME/.cache/fleetlab})
# First run: about 15 minutes on 2 cores, mostly istioctl's and promtool's builds; later runs: seconds.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${FLEETLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fleetlab}"
root="$cache/k8s-tools"
bin="$root/bin"
stamps="$root/stamps"
mkdir -p "$bin" "$stamps" "$root/downloads"

# Pinned here and nowhere else: the tests read the schema versions from the same folder names.
KUBERNETES_VALIDATE_VERSION=1.37.0
SCHEMA_VERSIONS=(v1.31.0 v1.37.0)

export GOFLAGS=-buildvcs=false
export GOBIN="$bin"

say() { printf '[k8s-tools] %s\n' "$*"; }
need() { command -v "$1" >/dev/null 2>&1 || { say "missing $1: $2"; exit 1; }; }
need go "the Go toolchain builds kustomize, kubeconform, istioctl, promtool, Tilt, kube-apiserver and etcd"
need python3 "pip downloads the Kubernetes schemas"

# stamp_of DIR: a hash of the module's definition (and sources), so a version bump in go.mod rebuilds.
stamp_of() { (cd "$1" && cat go.mod go.sum $(ls *.go 2>/dev/null) | sha256sum | cut -d' ' -f1); }

# build NAME DIR BINARIES... : `go install tool` (or go build for the API server) when a binary is missing
# or DIR changed.
build() {
  local name="$1" dir="$2"
  shift 2
  local stamp
  stamp="$(stamp_of "$dir")"
  local missing=0
  for b in "$@"; do [ -x "$bin/$b" ] || missing=1; done
  if [ "$missing" = 0 ] && [ "$(cat "$stamps/$name" 2>/dev/null)" = "$stamp" ]; then
    say "$name: up to date ($*)"
    return
  fi
  local started=$SECONDS
  say "$name: building $* from ${dir#"$repo"/} …"
  if [ "$name" = kube-apiserver ]; then
    # etcd's module root is its main package; kube-apiserver needs its version stamped, or clients cannot parse it.
    local k8s_version
    k8s_version="$(cd "$dir" && go list -m -f '{{.Version}}' k8s.io/kubernetes)"
    local minor="${k8s_version#v1.}"
    minor="${minor%%.*}"
    (cd "$dir" && CGO_ENABLED=0 go build -o "$bin/etcd" go.etcd.io/etcd/server/v3)
    (cd "$dir" && CGO_ENABLED=0 go build -o "$bin/kube-apiserver" \
      -ldflags "-X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
      k8s.io/kubernetes/cmd/kube-apiserver)
  else
    (cd "$dir" && go install tool)
  fi
  echo "$stamp" > "$stamps/$name"
  say "$name: built in $((SECONDS - started)) s"
}

build tools "$repo/platform/tools" kustomize kubeconform
say "istioctl, promtool: the first builds take 5 to 10 minutes each on 2 cores"
build istioctl "$repo/platform/tools/istioctl" istioctl
build promtool "$repo/platform/tools/promtool" promtool
say "tilt, kube-apiserver: the first builds take about 7 minutes each on 2 cores"
# Tilt's tag is not in the checksum database.
GONOSUMDB=github.com/tilt-dev build tilt "$repo/platform/tools/tilt" tilt
build kube-apiserver "$repo/platform/tools/kube-apiserver" kube-apiserver etcd

# Kubernetes JSON schemas (strict: additionalProperties false) from the kubernetes-validate wheel, only the versions used.
schemas="$root/schemas/kubernetes"
if [ "$(cat "$stamps/schemas" 2>/dev/null)" = "$KUBERNETES_VALIDATE_VERSION ${SCHEMA_VERSIONS[*]} refs-local" ]; then
  say "schemas: up to date (kubernetes-validate $KUBERNETES_VALIDATE_VERSION: ${SCHEMA_VERSIONS[*]})"
else
  wheel="$root/downloads/kubernetes_validate-$KUBERNETES_VALIDATE_VERSION-py3-none-any.whl"
  if [ ! -f "$wheel" ]; then
    say "schemas: pip download kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$root/downloads" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
  fi
  rm -rf "$schemas"
  mkdir -p "$schemas"
  python3 - "$wheel" "$schemas" "${SCHEMA_VERSIONS[@]}" <<'PY'
import json, os, sys, zipfile
wheel, dest, versions = sys.argv[1], sys.argv[2], sys.argv[3:]
prefix = 'kubernetes_validate/kubernetes-json-schema/'
with zipfile.ZipFile(wheel) as z:
    for v in versions:
        folder = f'{prefix}{v}-local-strict/'
        names = [n for n in z.namelist() if n.startswith(folder) and n.endswith('.json')]
        if not names:
            sys.exit(f'no schemas for {v} in {wheel}')
        for n in names:
            out = os.path.join(dest, n[len(prefix):])
            os.makedirs(os.path.dirname(out), exist_ok=True)
            # Each schema has "$id": "https://kubernetes.io/api/…" and refs "/api/_definitions.json#…" that resolve
            # against it (kubernetes-validate serves them from memory). kubeconform resolves refs against the file,
            # so drop the $id and point refs at the _definitions.json beside it.
            data = z.read(n).replace(b'"/api/_definitions.json#', b'"_definitions.json#')
            schema = json.loads(data)
            schema.pop('$id', None)
            with open(out, 'w') as f:
                json.dump(schema, f)
        print(f'[k8s-tools] schemas: {v}: {len(names)} files')
PY
  echo "$KUBERNETES_VALIDATE_VERSION ${SCHEMA_VERSIONS[*]} refs-local" > "$stamps/schemas"
fi

# Istio's CRDs, from the very module istioctl was built from: the tests turn them into schemas for kubeconform.
crds="$root/istio/crd-all.gen.yaml"
istio_dir="$(cd "$repo/platform/tools/istioctl" && go list -m -f '{{.Dir}}' istio.io/istio)"
mkdir -p "$(dirname "$crds")"
cp "$istio_dir/manifests/charts/base/files/crd-all.gen.yaml" "$crds"
chmod 644 "$crds"
say "istio CRDs: $crds"

# Chaos Mesh's CRDs, from its Go module at the commit platform/chaos-mesh/crds.sh pins.
say "chaos mesh CRDs: $(bash "$repo/platform/chaos-mesh/crds.sh")"

say "ready in $bin: $(cd "$bin" && ls | tr '\n' ' ')"
