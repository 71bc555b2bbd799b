#!/usr/bin/env bash
# Runs the scenario catalog against every GnuTLS runtime of reports/matrix.conf and writes the
# compatibility report.
#
#   matrix.sh --dirprobe BIN --work DIR [--report-tool BIN --out DIR] [--suites "a b"]
#             [--skip-code N]
#
# Each runtime's results go to WORK/<suite>/results.json. A suite that cannot be fetched (no
# network to the mirror) is left out with a message; when none but the installed GnuTLS is
# left, the matrix falls back to it. DIRPROBE_REQUIRE_RUNTIMES=1 makes a missing runtime an
# error instead; --skip-code N exits N when every requested runtime was unavailable (CTest skip).
# Exit status: 0 when every case passed or is a known deviation, 1 on any unexpected result,
# 2 on an error of the matrix itself.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"

dirprobe="" work="" report_tool="" out="" suites="" skip_code=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dirprobe) dirprobe="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --report-tool) report_tool="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --suites) suites="$2"; shift 2 ;;
    --skip-code) skip_code="$2"; shift 2 ;;
    *) echo "matrix.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[ -n "$dirprobe" ] && [ -n "$work" ] || { echo "matrix.sh: --dirprobe and --work are required" >&2; exit 2; }
[ -z "$report_tool" ] || [ -n "$out" ] || { echo "matrix.sh: --report-tool needs --out" >&2; exit 2; }
if [ -z "$suites" ]; then
  suites="$(sed -e 's/#.*//' "$root/reports/matrix.conf" | tr -s ' \t\n' ' ')"
fi
read -r -a suite_list <<<"$suites"
[ ${#suite_list[@]} -gt 0 ] || { echo "matrix.sh: no suites in reports/matrix.conf" >&2; exit 2; }

started=$SECONDS
results=() unavailable=() status=0
n=${#suite_list[@]} i=0
for suite in "${suite_list[@]}"; do
  i=$((i + 1))
  echo "[$i/$n] runtime $suite: fetching"
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
  mode="$(sed -n 's/^mode=//p' "$dir/runtime.env")"
  got="$("$here/runtimes.sh" exec "$dir" "$dirprobe" version | sed -n 's/^gnutls //p')"
  if [ "$got" != "$want" ]; then
    echo "matrix.sh: runtime $suite should be GnuTLS $want but the probes loaded GnuTLS $got" >&2
    exit 2
  fi
  mkdir -p "$work/$suite"
  t0=$SECONDS
  echo "[$i/$n] runtime $suite: GnuTLS $got ($mode), running the catalog"
  set +e
  "$here/runtimes.sh" exec "$dir" "$dirprobe" run --runtime "$suite" \
    --out "$work/$suite/results.json" 2>&1 | sed -u "s|^|[$i/$n] $suite: |"
  rc=${PIPESTATUS[0]}
  set -e
  case $rc in
    0) ;;
    1) status=1; echo "[$i/$n] runtime $suite: UNEXPECTED RESULTS (see above)" ;;
    *) echo "matrix.sh: dirprobe failed on runtime $suite (exit $rc)" >&2; exit 2 ;;
  esac
  echo "[$i/$n] runtime $suite: done in $((SECONDS - t0)) s"
  results+=("$work/$suite/results.json")
done

if [ ${#unavailable[@]} -gt 0 ]; then
  if [ "${DIRPROBE_REQUIRE_RUNTIMES:-0}" = 1 ]; then
    echo "matrix.sh: runtime(s) ${unavailable[*]} unavailable and DIRPROBE_REQUIRE_RUNTIMES=1" >&2
    exit 2
  fi
  if [ ${#results[@]} -eq 0 ]; then
    [ -n "$skip_code" ] && { echo "no runtime available: skipped"; exit "$skip_code"; }
    echo "matrix.sh: no network access to the mirror: falling back to the installed GnuTLS only"
    mkdir -p "$work/installed"
    set +e
    "$dirprobe" run --runtime installed --out "$work/installed/results.json"
    rc=$?
    set -e
    [ $rc -le 1 ] || exit 2
    [ $rc -eq 0 ] || status=1
    results+=("$work/installed/results.json")
  fi
fi

if [ -n "$report_tool" ]; then
  "$report_tool" --out "$out" --print-summary "${results[@]}"
fi
echo "matrix: ${#results[@]} runtime(s) in $((SECONDS - started)) s${unavailable:+; unavailable: ${unavailable[*]}}"
[ $status -eq 0 ] || echo "matrix: some cases gave UNEXPECTED results (fail, stalled, crash or stale expectations)"
exit $status
