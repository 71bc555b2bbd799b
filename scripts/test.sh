#!/usr/bin/env bash
# Set up, build, and run every test (self-tests and conformance probes) with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-test-tools --with-app-tools
build="${BUILD_DIR:-build}"
ctest --test-dir "$build" -j"$(nproc)" --output-on-failure "$@"
