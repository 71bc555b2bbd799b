#!/usr/bin/env bash
# The standalone reproducers (docs/repro.md): writes one per known deviation
# (`dirprobe repro --all-known`), builds each with -Wall -Wextra -Werror against the installed
# GnuTLS, runs each against every GnuTLS runtime of reports/matrix.conf (or --suites), and
# checks its exit status against the harness's verdict for its case on that runtime. A
# disagreement, a reproducer that does not build, or (with DIRPROBE_REQUIRE_RUNTIMES=1) a
# runtime that cannot be fetched fails the script.
#   repro.sh --dirprobe BIN --out DIR [--suites "S1 S2"] [--jobs N] [--matrix WORK]
# --matrix: the matrix's work directory (WORK/SUITE/results.json), for the versions each header
# says a deviation was seen on. Writes DIR/src (the C files, Makefile, index.json, index.tsv)
# and per runtime DIR/SUITE/ (each reproducer's output, exits.tsv, results.json,
# agreement.json, agreement.txt). A runtime whose check is current (same reproducers, same
# dirprobe, same runtime) and passed is not run again.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
dirprobe="" out="" suites="" jobs="${DIRPROBE_JOBS:-$(nproc)}" matrix="" results=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dirprobe) dirprobe="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --suites) suites="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --matrix) matrix="$2"; shift 2 ;;
    *) echo "repro.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[ -n "$dirprobe" ] && [ -n "$out" ] || { echo "repro.sh: --dirprobe and --out are required" >&2; exit 2; }
[ -n "$suites" ] || suites="$(sed -e 's/#.*//' "$root/reports/matrix.conf" | tr -s ' \t\n' ' ')"
dirprobe="$(realpath "$dirprobe")"
if [ -n "$matrix" ]; then
  for suite in $suites; do
    [ -f "$matrix/$suite/results.json" ] && results+=(--results "$matrix/$suite/results.json")
  done
fi
mkdir -p "$out"; out="$(realpath "$out")"
rm -rf "$out/src"
"$dirprobe" repro --all-known -o "$out/src" -j "$jobs" "${results[@]}"
make -s -C "$out/src" CFLAGS="-Wall -Wextra -Werror -O1" -j "$jobs" || {
  echo "repro.sh: a reproducer does not build warning-free against the installed GnuTLS" >&2; exit 1; }
cases=()
while IFS=$'\t' read -r _ id; do cases+=(--case "$id"); done < "$out/src/index.tsv"

failed=0
for suite in $suites; do
  if ! rt="$("$here/runtimes.sh" fetch "$suite")"; then
    [ "${DIRPROBE_REQUIRE_RUNTIMES:-0}" = 1 ] && { echo "repro.sh: runtime $suite unavailable" >&2; exit 1; }
    echo "repro.sh: runtime $suite unavailable, not checked" >&2; continue
  fi
  dir="$out/$suite"
  stamp="$({ sha256sum "$dirprobe" "$out"/src/*.c | cut -d' ' -f1; cat "$rt/runtime.env"; } | sha256sum | cut -d' ' -f1)"
  if [ -f "$dir/stamp" ] && [ "$(cat "$dir/stamp")" = "$stamp" ]; then
    echo "== $suite (current: not run again)"; tail -n 1 "$dir/agreement.txt"; continue
  fi
  rm -rf "$dir"; mkdir -p "$dir"
  "$here/runtimes.sh" exec "$rt" "$dirprobe" run --runtime "$suite" -q -j "$jobs" \
    --out "$dir/results.json" "${cases[@]}" > "$dir/harness.txt"
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
