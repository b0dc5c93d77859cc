#!/usr/bin/env bash
# Installs schemathesis (the api's OpenAPI fuzzer, platform/local/test/fuzz-api.test.ts) into a virtualenv in the cache,
# idempotently. Usage: bash platform/local/tools/install-schemathesis.sh   → prints the path of the `st` binary.
# Cache: ${FLEETLAB_CACHE:-$HOME/.cache/fleetlab}/fuzz-tools; first run about a minute, later runs instant.
set -euo pipefail

# Pinned here and nowhere else.
SCHEMATHESIS_VERSION=4.32.5

cache="${FLEETLAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fleetlab}"
venv="$cache/fuzz-tools/schemathesis-$SCHEMATHESIS_VERSION"
if [ ! -x "$venv/bin/st" ]; then
  command -v python3 >/dev/null 2>&1 || { echo "[fuzz-tools] missing python3: it runs schemathesis" >&2; exit 1; }
  echo "[fuzz-tools] installing schemathesis==$SCHEMATHESIS_VERSION into $venv" >&2
  # `st` is the last thing pip writes: a half-done install has none and is redone from scratch.
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
fi
echo "$venv/bin/st"
