#!/usr/bin/env bash
# Builds the fuzz preset (clang, libFuzzer + ASan + UBSan) into build-fuzz, replays the inputs
# that once crashed a target (tests/fuzz/regressions/), then fuzzes each target for a while,
# two at a time, starting from a scratch copy of its committed corpus (tests/fuzz/corpus/<target>/)
# so the committed one stays as it is. Fails on any crash, leak, sanitizer report or timeout and
# prints the input that caused it.
#   fuzz.sh [--seconds N] [--jobs J] [--no-build] [--keep] [TARGET...]
#     --seconds N   fuzzing time per target (default 30)
#     --jobs J      targets fuzzed at the same time (default 2)
#     --no-build    reuse build-fuzz as it is
#     --keep        keep the scratch directory (corpus grown by this run, logs)
#     TARGET...     fuzz_scenario, fuzz_expectations, fuzz_results (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=build-fuzz
seconds=30 jobs=2 no_build=0 keep=0 targets=()
while (($#)); do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --no-build) no_build=1; shift ;;
    --keep) keep=1; shift ;;
    fuzz_*) targets+=("$1"); shift ;;
    *) echo "fuzz.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
((${#targets[@]})) || targets=(fuzz_scenario fuzz_expectations fuzz_results)

if ((!no_build)); then
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j"${DIRPROBE_JOBS:-2}"
fi

export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"

echo "fuzz: replaying the regression inputs" >&2
ctest --test-dir "$build" -L fuzz --output-on-failure

scratch=$(mktemp -d "${TMPDIR:-/tmp}/dirprobe-fuzz.XXXXXX")
((keep)) || trap 'rm -rf "$scratch"' EXIT

# fuzz_one TARGET: fuzzes TARGET for $seconds; its log and any crashing input go to $scratch.
fuzz_one() {
  local t=$1 dict=()
  mkdir -p "$scratch/$t/corpus" "$scratch/$t/artifacts"
  cp -r "tests/fuzz/corpus/$t/." "$scratch/$t/corpus/"
  [ -f "tests/fuzz/$t.dict" ] && dict=(-dict="$root/tests/fuzz/$t.dict")
  "$build/tests/fuzz/$t" "${dict[@]}" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$scratch/$t/artifacts/" "$scratch/$t/corpus" >"$scratch/$t/log" 2>&1
}

declare -A pid_of
failed=()
start=$SECONDS
for t in "${targets[@]}"; do
  while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
  echo "fuzz: $t for ${seconds} s" >&2
  fuzz_one "$t" &
  pid_of[$t]=$!
done
for t in "${targets[@]}"; do
  if ! wait "${pid_of[$t]}"; then failed+=("$t"); fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$t/log" | tail -1)
  echo "fuzz: $t: ${execs:-?} runs, corpus $(ls "$scratch/$t/corpus" | wc -l) files" >&2
done
if ((${#failed[@]})); then
  for t in "${failed[@]}"; do
    echo "fuzz: $t FAILED; input(s) in $scratch/$t/artifacts/, log $scratch/$t/log:" >&2
    grep -E 'ERROR|SUMMARY|terminate|what\(\)' "$scratch/$t/log" | head -20 >&2 || true
  done
  trap - EXIT
  exit 1
fi
echo "fuzz: OK, ${#targets[@]} targets in $((SECONDS - start)) s" >&2
