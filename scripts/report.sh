#!/usr/bin/env bash
# The main job: set up, build, run the scenario catalog against every GnuTLS runtime of
# reports/matrix.conf (cmake target 'report') and print where the report is and its summary.
# Exit status: non-zero if any case gave an unexpected result.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-app-tools
build="${BUILD_DIR:-build}"
cmake --build "$build" --target report
