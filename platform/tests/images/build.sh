#!/usr/bin/env bash
# Builds every image of the lab with buildah (no Docker engine): stand-in bases first, then each docker_build of the
# Tiltfile with the context real Tilt sends. Usage: bash platform/tests/images/build.sh [-- tilt flags]
# Logs: ${FLEETLAB_CACHE:-~/.cache/fleetlab}/images/logs. Tests: npx vitest run --project platform platform/tests/image-build.test.ts
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
[ "${1:-}" = "--" ] && shift
exec npx vite-node platform/tests/images/build-cli.ts "$@"
