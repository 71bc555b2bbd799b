#!/usr/bin/env bash
# The main job: set up, build, run the whole scenario catalog against the installed GnuTLS and
# write the results file (default build/results.json). Extra arguments go to `dirprobe run`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build="${BUILD_DIR:-build}"
exec "$build/harness/dirprobe" run --out "$build/results.json" "$@"
