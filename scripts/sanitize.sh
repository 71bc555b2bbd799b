#!/usr/bin/env bash
# Builds the asan-ubsan preset (AddressSanitizer, LeakSanitizer, UndefinedBehaviorSanitizer; any
# report aborts the process) into build-asan and runs under it:
#   1. the self-tests (ctest -L selftest), except the mutants, the bench and the determinism
#      test: the mutants LD_PRELOAD a GnuTLS wrapper, which ASan refuses to run under (its
#      runtime must come first); the bench measures time and the determinism test checks
#      verdicts under an oversubscribed -j 4, both of which ASan's slowdown distorts (and the
#      latter runs the B1 scenarios, see 2.);
#   2. the clean case of every scenario x protocol x peer: the first case of `dirprobe list`
#      whose fault plan is "none" for each (scenario, protocol, peer), run in process
#      (--no-isolate, so a report ends the run instead of being recorded as a crashed worker).
#      Scenarios that assert B1 are left out: B1 measures the heap GnuTLS retains through
#      mallinfo2(), which ASan's allocator does not report, so B1 cannot be judged here.
#      Scenarios that set `timeout_ms` (a library call that never returns, e.g.
#      cork-uncork-wait) cannot run in process, where no watchdog ends them: their cases run
#      in worker processes instead (a report there shows on stderr, which is checked).
# LeakSanitizer is on and needs no suppressions: GnuTLS, OpenSSL and p11-kit showed no leak.
# Fails on any sanitizer report, failing self-test or case that does not pass (or is known).
# Expectations that only the left-out fault plans exercise are stale in this slice: not a failure.
#   sanitize.sh [--no-build]    --no-build: reuse build-asan as it is
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-asan

if [ "${1:-}" != "--no-build" ]; then
  cmake --preset asan-ubsan >/dev/null
  # What runs below: the CLI and the two self-test programs (not the conformance probes).
  cmake --build --preset asan-ubsan -j"${DIRPROBE_JOBS:-2}" \
        --target dirprobe probe_selftest report_selftest probe_serve probe_selftest_apps probe_selftest_repro
fi

export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"

start=$SECONDS
echo "sanitize: self-tests under ASan+UBSan" >&2
# Not here: the interposer's tests and the app matrix (an LD_PRELOADed library must not bring
# the sanitizer runtime into programs built without it; the ASan runtime must come first).
ctest --test-dir "$build" -L selftest -LE 'mutant|bench' -E '^(determinism|apps)\.|^PreloadTest\.' \
      -j"${DIRPROBE_JOBS:-2}" --output-on-failure
selftests=$((SECONDS - start))

# scenario_names KEY PATTERN: the scenarios whose KEY line matches PATTERN (awk regex).
scenario_names() {
  awk -v key="$1" -v pat="$2" '
    function emit() { if (name != "" && hit) print name; name = ""; hit = 0 }
    FNR == 1 || /^\[\[scenario\]\]/ { emit() }
    /^name *=/ { name = $0; sub(/^name *= *"/, "", name); sub(/".*$/, "", name) }
    $0 ~ "^" key " *=" && $0 ~ pat { hit = 1 }
    END { emit() }' scenarios/*.toml | sort -u
}
b1=$(scenario_names assert '"B1"')
# Scenarios that need a worker: those with a time limit of their own, and those whose cases an
# expectation says crash inside GnuTLS (an assertion there aborts the whole process).
crashing=$(awk '
  function flush() { if (crash) printf "%s", names; names = ""; crash = 0; incases = 0 }
  /^\[\[deviation\]\]/ { flush() }
  /^outcome *= *"crash"/ { crash = 1 }
  /^cases *=/ { incases = 1 }
  incases { line = $0; while (match(line, /"[^"\/]+\//)) {
      names = names substr(line, RSTART + 1, RLENGTH - 2) "\n"; line = substr(line, RSTART + RLENGTH) } }
  incases && /\]/ { incases = 0 }
  END { flush() }
  ' scenarios/expectations/*.toml | sort -u)
watchdog=$(printf '%s\n%s\n' "$(scenario_names timeout_ms '.')" "$crashing" | sed '/^$/d' | sort -u)

# The first clean case per (scenario, protocol, peer) of the scenarios not left out; one id a
# line, `<scenario>/<protocol>-<role>-<peer>-<transport>...-<policy>/<plan>/s<seed>`, prefixed
# with "w " when it needs a worker. (Listing runs each swept scenario's clean cases to find its
# sweep points: under ASan too.)
dirprobe="$build/harness/dirprobe"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dirprobe-sanitize.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$dirprobe" list >"$tmp/ids"
awk -F/ -v skip="$b1" -v workers="$watchdog" '
  BEGIN {
    n = split(skip, s, "\n"); for (i = 1; i <= n; i++) b1[s[i]] = 1
    n = split(workers, s, "\n"); for (i = 1; i <= n; i++) w[s[i]] = 1
  }
  $3 == "none" && !($1 in b1) {
    split($2, v, "-"); key = $1 "/" v[1] "/" v[3]
    if (!(key in seen)) { seen[key] = 1; print (($1 in w) ? "w " : "p ") $0 }
  }' "$tmp/ids" >"$tmp/clean"
echo "sanitize: $(wc -l <"$tmp/clean") clean cases of $(wc -l <"$tmp/ids");" \
     "left out, asserting B1:" $b1 >&2

# run_slice MODE ARGS...: runs the cases of $tmp/clean marked MODE (p: in process, w: in
# workers); fails on a sanitizer report, a case that fails, or an abnormal end.
run_slice() {
  local mode=$1 rc=0
  shift
  local args=()
  while read -r m id; do [ "$m" = "$mode" ] && args+=(--case "$id"); done <"$tmp/clean"
  ((${#args[@]})) || return 0
  "$dirprobe" run "$@" "${args[@]}" >"$tmp/out" 2>"$tmp/err" || rc=$?
  grep -v '^  stale ' "$tmp/out" || true
  cat "$tmp/err" >&2
  local summary
  summary=$(grep -E '^[0-9]+ cases in' "$tmp/out" || true)
  if ((rc > 1)) || [ -z "$summary" ] || grep -Eq ' [0-9]+ (fail|stalled|crash)' <<<"$summary" ||
     grep -Eq 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$tmp/err"; then
    echo "sanitize: FAILED (dirprobe exit $rc)" >&2
    return 1
  fi
}
start=$SECONDS
run_slice p --no-isolate
run_slice w
echo "sanitize: OK, self-tests in ${selftests} s, $(wc -l <"$tmp/clean") cases in" \
     "$((SECONDS - start)) s" >&2
