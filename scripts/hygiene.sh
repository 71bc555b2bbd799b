#!/usr/bin/env bash
# The hygiene gate CI runs (Debian 12, as root): scripts/setup.sh --with-hygiene-tools (installs
# clang, libFuzzer, the sanitizer runtimes and clang-tidy if missing, and builds
# ${BUILD_DIR:-build}, which is already done when scripts/test.sh ran first), then
#   1. tidy:     clang-tidy's function-size gate (.clang-tidy) over harness/, reports/ and
#                probes/, with that build's compile_commands.json;
#   2. fuzz:     each libFuzzer target for 30 s (DIRPROBE_FUZZ_SECONDS), two at a time, after
#                replaying the inputs that once crashed them (scripts/fuzz.sh);
#   3. sanitize: the asan-ubsan preset built (gcc, warnings are errors there too), then the
#                self-tests and the clean case of every scenario x protocol x peer under
#                ASan+UBSan (scripts/sanitize.sh, which says what it leaves out and why).
# Runs every step, then fails if any failed. Each step prints its wall time.
set -uo pipefail
cd "$(dirname "$0")/.."
jobs="${DIRPROBE_JOBS:-2}"
export DIRPROBE_JOBS=$jobs

total=$SECONDS
bash scripts/setup.sh --with-hygiene-tools >/dev/null || exit 1
echo "hygiene: setup in $((SECONDS - total)) s" >&2

failed=()
step() {
  local name=$1 start=$SECONDS
  shift
  echo "hygiene: $name" >&2
  if "$@"; then
    echo "hygiene: $name passed in $((SECONDS - start)) s" >&2
  else
    echo "hygiene: $name FAILED after $((SECONDS - start)) s" >&2
    failed+=("$name")
  fi
}
step tidy cmake --build "${BUILD_DIR:-build}" --target tidy
step fuzz bash scripts/fuzz.sh --seconds "${DIRPROBE_FUZZ_SECONDS:-30}" --jobs 2
step sanitize bash scripts/sanitize.sh
if ((${#failed[@]})); then
  echo "hygiene: FAILED (${failed[*]}) in $((SECONDS - total)) s" >&2
  exit 1
fi
echo "hygiene: OK in $((SECONDS - total)) s" >&2
