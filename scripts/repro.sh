#!/usr/bin/env bash
# The standalone reproducers (docs/repro.md): writes one per known deviation
# (`dirprobe repro --all-known`), builds each with -Wall -Wextra -Werror against the installed
# GnuTLS, runs each against every GnuTLS runtime of reports/matrix.conf (or --suites), and
# checks its exit status against the harness's verdict for its case on that runtime. A
# disagreement, a reproducer that does not build, or (with DIRPROBE_REQUIRE_RUNTIMES=1) a
# runtime that cannot be fetched fails the script.
#   repro.sh --dirprobe BIN --out DIR [--suites "S1 S2"] [--jobs N]
# Steps: choose the cases (DIR/cases), run the harness on them on every runtime
# (DIR/SUITE/results.json), write the final files with those results, so that each header says
# on which versions its case showed the deviation (DIR/src: C files, Makefile, index.json,
# index.tsv), build, then run each reproducer on every runtime and compare (DIR/SUITE/: each
# reproducer's output, exits.tsv, agreement.json, agreement.txt). Work whose inputs (dirprobe,
# the cases or files, the runtime) did not change is not done again.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
dirprobe="" out="" suites="" jobs="${DIRPROBE_JOBS:-$(nproc)}"
while [ $# -gt 0 ]; do
  case "$1" in
    --dirprobe) dirprobe="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --suites) suites="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    *) echo "repro.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[ -n "$dirprobe" ] && [ -n "$out" ] || { echo "repro.sh: --dirprobe and --out are required" >&2; exit 2; }
[ -n "$suites" ] || suites="$(sed -e 's/#.*//' "$root/reports/matrix.conf" | tr -s ' \t\n' ' ')"
dirprobe="$(realpath "$dirprobe")"
mkdir -p "$out"; out="$(realpath "$out")"
digest() { sha256sum "$@" | cut -d' ' -f1 | sha256sum | cut -d' ' -f1; }

# 1. The cases, chosen on this machine.
rm -rf "$out/cases"
"$dirprobe" repro --all-known -o "$out/cases" -j "$jobs" > /dev/null
cases=()
while IFS=$'\t' read -r _ id; do cases+=(--case "$id"); done < "$out/cases/index.tsv"

# 2. The harness on those cases, on every runtime.
declare -A runtime
results=()
for suite in $suites; do
  if ! rt="$("$here/runtimes.sh" fetch "$suite")"; then
    [ "${DIRPROBE_REQUIRE_RUNTIMES:-0}" = 1 ] && { echo "repro.sh: runtime $suite unavailable" >&2; exit 1; }
    echo "repro.sh: runtime $suite unavailable, not checked" >&2; continue
  fi
  runtime[$suite]="$rt"
  dir="$out/$suite"; mkdir -p "$dir"
  stamp="$(digest "$dirprobe" "$out/cases/index.tsv" "$rt/runtime.env")"
  if [ ! -f "$dir/results.stamp" ] || [ "$(cat "$dir/results.stamp")" != "$stamp" ]; then
    "$here/runtimes.sh" exec "$rt" "$dirprobe" run --runtime "$suite" -q -j "$jobs" \
      --out "$dir/results.json" "${cases[@]}" > "$dir/harness.txt"
    echo "$stamp" > "$dir/results.stamp"
  fi
  results+=(--results "$dir/results.json")
done

# 3. The files, their headers written from those results; built warning-free.
rm -rf "$out/src"
"$dirprobe" repro --all-known -o "$out/src" -j "$jobs" "${results[@]}"
cmp -s "$out/cases/index.tsv" "$out/src/index.tsv" ||
  { echo "repro.sh: the second choice of cases differs from the first (not deterministic)" >&2; exit 1; }
make -s -C "$out/src" CFLAGS="-Wall -Wextra -Werror -O1" -j "$jobs" || {
  echo "repro.sh: a reproducer does not build warning-free against the installed GnuTLS" >&2; exit 1; }

# 4. Every reproducer on every runtime, against the harness's verdict there.
failed=0
for suite in $suites; do
  [ -n "${runtime[$suite]:-}" ] || continue
  rt="${runtime[$suite]}" dir="$out/$suite"
  stamp="$(digest "$dirprobe" "$out"/src/*.c "$rt/runtime.env")"
  if [ -f "$dir/stamp" ] && [ "$(cat "$dir/stamp")" = "$stamp" ]; then
    echo "== $suite (current: not run again)"; tail -n 1 "$dir/agreement.txt"; continue
  fi
  rm -f "$dir"/*.out "$dir/stamp"
  : > "$dir/exits.tsv"
  while IFS=$'\t' read -r file _; do
    stem="${file%.c}" status=0
    (cd "$dir" && timeout -k 5 60 "$here/runtimes.sh" exec "$rt" "$out/src/$stem") \
      > "$dir/$stem.out" 2>&1 || status=$?
    printf '%s\t%s\n' "$file" "$status" >> "$dir/exits.tsv"
  done < "$out/src/index.tsv"
  echo "== $suite"
  if "$dirprobe" repro --check "$out/src" --results "$dir/results.json" --exits "$dir/exits.tsv" \
    --agreement "$dir/agreement.json" > "$dir/agreement.txt"; then
    echo "$stamp" > "$dir/stamp"
  else
    failed=1
  fi
  grep -v '^agree ' "$dir/agreement.txt" || true
done
exit $failed
