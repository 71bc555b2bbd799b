#!/usr/bin/env bash
# Builds the asan-ubsan preset (AddressSanitizer, LeakSanitizer, UndefinedBehaviorSanitizer; any
# report aborts the process) into build-asan and runs under it:
#   1. the self-tests (ctest -L selftest), except the mutants and the bench: the mutants
#      LD_PRELOAD a GnuTLS wrapper, which ASan refuses to run under (its runtime must come first),
#      and the bench measures time, which ASan distorts;
#   2. the clean case of every scenario x protocol x peer: the first case of `dirprobe list`
#      whose fault plan is "none" for each (scenario, protocol, peer), run in process
#      (--no-isolate, so a report ends the run instead of being recorded as a crashed worker).
#      Scenarios that assert B1 are left out: B1 measures the heap GnuTLS retains through
#      mallinfo2(), which ASan's allocator does not report, so B1 cannot be judged here.
# Fails on any sanitizer report, failing self-test or case that does not pass (or is known).
#   sanitize.sh [--no-build]    --no-build: reuse build-asan as it is
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=build-asan

if [ "${1:-}" != "--no-build" ]; then
  cmake --preset asan-ubsan >/dev/null
  cmake --build --preset asan-ubsan -j"${DIRPROBE_JOBS:-2}"
fi

export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="suppressions=$root/tests/sanitize/lsan.supp:print_suppressions=0"

start=$SECONDS
echo "sanitize: self-tests under ASan+UBSan" >&2
ctest --test-dir "$build" -L selftest -LE 'mutant|bench' -j"${DIRPROBE_JOBS:-2}" \
      --output-on-failure
selftests=$((SECONDS - start))

# Scenario names that assert B1 (an `assert = [...]` line naming B1 inside a [[scenario]]).
b1=$(awk 'function emit() { if (name != "" && asserts_b1) print name; name = ""; asserts_b1 = 0 }
          FNR == 1 || /^\[\[scenario\]\]/ { emit() }
          /^name *=/ { name = $0; sub(/^name *= *"/, "", name); sub(/".*$/, "", name) }
          /^assert *=/ && /"B1"/ { asserts_b1 = 1 }
          END { emit() }' scenarios/*.toml | sort -u)

# The first clean case per (scenario, protocol, peer). Id:
# <scenario>/<protocol>-<role>-<peer>-<transport>...-<policy>/<plan>/s<seed>
dirprobe="$build/harness/dirprobe"
mapfile -t cases < <("$dirprobe" list | awk -F/ -v skip="$b1" '
  BEGIN { n = split(skip, s, "\n"); for (i = 1; i <= n; i++) b1[s[i]] = 1 }
  $3 == "none" && !($1 in b1) {
    split($2, v, "-"); key = $1 "/" v[1] "/" v[3]
    if (!(key in seen)) { seen[key] = 1; print }
  }')
echo "sanitize: ${#cases[@]} clean cases (B1 scenarios left out: $(echo $b1 | wc -w))" >&2
args=()
for c in "${cases[@]}"; do args+=(--case "$c"); done
start=$SECONDS
"$dirprobe" run --no-isolate -q "${args[@]}"
echo "sanitize: OK, self-tests in ${selftests} s, ${#cases[@]} cases in $((SECONDS - start)) s" >&2
