#!/usr/bin/env bash
# Runs the scenario catalog against every GnuTLS runtime of reports/matrix.conf and writes the
# compatibility report.
#
#   matrix.sh --dirprobe BIN --work DIR [--report-tool BIN --out DIR] [--suites "a b"]
#             [--jobs N] [--skip-code N] [--tier full|ci]
#
# Tiers (--tier, default DIRPROBE_TIER or full): `full` runs every case on every runtime;
# `ci` runs every case on the host's own runtime and, on the others, every case but the sweep
# points (`dirprobe run --unswept`), so that the test command fits CI's time.
# Runtimes run side by side within one job budget (--jobs, default DIRPROBE_JOBS or the number
# of cores): at most that many dirprobe workers run at once, whatever the number of runtimes,
# so the machine is never oversubscribed. Each runtime's results go to WORK/<suite>/results.json
# with WORK/<suite>/stamp, a digest of what made them (the dirprobe binary, the scenarios and
# expectations, the runtime, the tier's selection); a runtime whose stamp still matches is not run again, so the
# report after the test suite (which runs the same matrix) costs no second run.
# A suite that cannot be fetched (no network to the mirror) is left out with a message; when
# none but the installed GnuTLS is left, the matrix falls back to it. DIRPROBE_REQUIRE_RUNTIMES=1
# makes a missing runtime an error instead; --skip-code N exits N when every requested runtime
# was unavailable (CTest skip).
# Exit status: 0 when every case passed or is a known deviation, 1 on any unexpected result,
# 2 on an error of the matrix itself.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"

dirprobe="" work="" report_tool="" out="" suites="" skip_code="" jobs="${DIRPROBE_JOBS:-}"
tier="${DIRPROBE_TIER:-full}"
while [ $# -gt 0 ]; do
  case "$1" in
    --dirprobe) dirprobe="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --report-tool) report_tool="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --suites) suites="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --skip-code) skip_code="$2"; shift 2 ;;
    --tier) tier="$2"; shift 2 ;;
    *) echo "matrix.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[ -n "$dirprobe" ] && [ -n "$work" ] || { echo "matrix.sh: --dirprobe and --work are required" >&2; exit 2; }
[ -z "$report_tool" ] || [ -n "$out" ] || { echo "matrix.sh: --report-tool needs --out" >&2; exit 2; }
[ -n "$jobs" ] || jobs="$(nproc)"
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || { echo "matrix.sh: --jobs must be a positive number, not '$jobs'" >&2; exit 2; }
case "$tier" in full|ci) ;; *) echo "matrix.sh: --tier (or DIRPROBE_TIER) must be full or ci, not '$tier'" >&2; exit 2 ;; esac
if [ -z "$suites" ]; then
  suites="$(sed -e 's/#.*//' "$root/reports/matrix.conf" | tr -s ' \t\n' ' ')"
fi
read -r -a suite_list <<<"$suites"
[ ${#suite_list[@]} -gt 0 ] || { echo "matrix.sh: no suites in reports/matrix.conf" >&2; exit 2; }

# The selection a runtime runs in this tier: the ci tier leaves out the sweep points on every
# runtime but the host's own.
selection_of() {
  if [ "$tier" = ci ] && ! grep -qx 'mode=host' "$1/runtime.env"; then echo --unswept; fi
}

# What made a runtime's results: the binary, the catalog and expectations, the runtime, the
# selection.
stamp_of() {
  { sha256sum "$dirprobe" | cut -d' ' -f1
    find "$root/scenarios" -name '*.toml' -type f | LC_ALL=C sort | xargs sha256sum | cut -d' ' -f1
    cat "$1/runtime.env"; echo "selection $(selection_of "$1")"; } | sha256sum | cut -d' ' -f1
}

started=$SECONDS
pending=() dirs=() unavailable=() status=0
n=${#suite_list[@]} i=0
for suite in "${suite_list[@]}"; do
  i=$((i + 1))
  set +e
  dir="$("$here/runtimes.sh" fetch "$suite")"
  rc=$?
  set -e
  if [ $rc -eq 3 ]; then
    unavailable+=("$suite")
    echo "[$i/$n] runtime $suite: UNAVAILABLE (the mirror cannot be reached or lacks it); left out"
    continue
  fi
  [ $rc -eq 0 ] || { echo "matrix.sh: fetching $suite failed" >&2; exit 2; }
  want="$(sed -n 's/^gnutls_version=//p' "$dir/runtime.env")"
  got="$("$here/runtimes.sh" exec "$dir" "$dirprobe" version | sed -n 's/^gnutls //p')"
  if [ "$got" != "$want" ]; then
    echo "matrix.sh: runtime $suite should be GnuTLS $want but the probes loaded GnuTLS $got" >&2
    exit 2
  fi
  pending+=("$suite") dirs+=("$dir")
done

if [ ${#unavailable[@]} -gt 0 ]; then
  if [ "${DIRPROBE_REQUIRE_RUNTIMES:-0}" = 1 ]; then
    echo "matrix.sh: runtime(s) ${unavailable[*]} unavailable and DIRPROBE_REQUIRE_RUNTIMES=1" >&2
    exit 2
  fi
  if [ ${#pending[@]} -eq 0 ]; then
    [ -n "$skip_code" ] && { echo "no runtime available: skipped"; exit "$skip_code"; }
    echo "matrix.sh: no network access to the mirror: falling back to the installed GnuTLS only"
    mkdir -p "$work/installed"
    printf 'mode=host\nsuite=installed\n' >"$work/installed/runtime.env"
    pending=(installed) dirs=("$work/installed")
  fi
fi

# Side by side: as many runtimes at once as the budget allows, the budget's cores split
# between them (a runtime gets at least one worker).
runs=${#pending[@]}
at_once=$(( jobs < runs ? jobs : runs ))
per_run=$(( jobs / at_once ))
echo "matrix: ${runs} runtime(s), ${at_once} at a time with ${per_run} worker(s) each (budget ${jobs})"

run_one() {  # run_one INDEX: runs one runtime's catalog, prints its lines prefixed
  local k=$1 suite="${pending[$1]}" dir="${dirs[$1]}" t0=$SECONDS
  local dest="$work/$suite" stamp
  mkdir -p "$dest"
  stamp="$(stamp_of "$dir")"
  if [ -f "$dest/results.json" ] && [ -f "$dest/stamp" ] && [ -f "$dest/exit" ] &&
     [ "$(cat "$dest/stamp")" = "$stamp" ]; then
    echo "[$suite] results are current (same binary, catalog, runtime and selection): not run again"
    return 0
  fi
  rm -f "$dest/stamp" "$dest/exit"
  local selection
  selection="$(selection_of "$dir")"
  echo "[$suite] GnuTLS $(sed -n 's/^gnutls_version=//p' "$dir/runtime.env") running the catalog${selection:+ without its sweep points (tier ci)}"
  set +e
  if [ "$suite" = installed ] && [ "$dir" = "$work/installed" ]; then
    "$dirprobe" run --runtime installed -j "$per_run" --out "$dest/results.json" 2>&1
  else
    "$here/runtimes.sh" exec "$dir" "$dirprobe" run --runtime "$suite" -j "$per_run" \
      $selection --out "$dest/results.json" 2>&1
  fi | sed -u "s|^|[$suite] |"
  local rc=${PIPESTATUS[0]}
  set -e
  echo "[$suite] done in $((SECONDS - t0)) s (exit $rc)"
  echo "$rc" >"$dest/exit"
  if [ $rc -le 1 ]; then echo "$stamp" >"$dest/stamp"; fi
  return $rc
}

results=() running=0
for k in "${!pending[@]}"; do
  if [ $running -ge $at_once ]; then
    wait -n || true
    running=$((running - 1))
  fi
  run_one "$k" &
  running=$((running + 1))
done
wait || true
for k in "${!pending[@]}"; do
  suite="${pending[$k]}"
  rc="$(cat "$work/$suite/exit" 2>/dev/null || echo 2)"
  case $rc in
    0) ;;
    1) status=1; echo "runtime $suite: UNEXPECTED RESULTS (see above)" ;;
    *) echo "matrix.sh: dirprobe failed on runtime $suite (exit $rc)" >&2; exit 2 ;;
  esac
  results+=("$work/$suite/results.json")
done

if [ -n "$report_tool" ]; then
  # The application matrix (scripts/apps.sh, reports/apps.conf) joins the report; its results
  # are reused when current. DIRPROBE_APPS=0 leaves it out.
  if [ "${DIRPROBE_APPS:-1}" != 0 ]; then
    "$here/apps.sh" --dirprobe "$dirprobe" --work "$work" --jobs "$jobs" --tier "$tier" ||
      { echo "matrix.sh: the application matrix failed" >&2; exit 2; }
    for suite in $(sed -e 's/#.*//' "$root/reports/apps.conf"); do
      [ -f "$work/$suite/apps.json" ] && [ -f "$work/$suite/apps.stamp" ] && results+=("$work/$suite/apps.json")
    done
  fi
  # The standalone reproducers (scripts/repro.sh, docs/repro.md): each checked against every
  # runtime of the matrix; the report links each known deviation to its file. DIRPROBE_REPRO=0
  # leaves them out.
  repro=()
  if [ "${DIRPROBE_REPRO:-1}" != 0 ]; then
    repro_dir="$(dirname "$work")/repro"
    if ! "$here/repro.sh" --dirprobe "$dirprobe" --out "$repro_dir" --jobs "$jobs"; then
      status=1; echo "matrix: a reproducer disagrees with the harness or does not build (see above)"
    fi
    [ -f "$repro_dir/src/index.json" ] && repro=(--repro "$repro_dir")
  fi
  "$report_tool" --out "$out" --print-summary "${repro[@]}" "${results[@]}"
fi
echo "matrix: ${#results[@]} runtime(s) in $((SECONDS - started)) s${unavailable:+; unavailable: ${unavailable[*]}}"
[ $status -eq 0 ] || echo "matrix: some cases gave UNEXPECTED results (fail, stalled, crash or stale expectations)"
exit $status
