#!/usr/bin/env bash
# The application matrix (docs/apps.md): real programs under the interposer against serve, on
# the GnuTLS runtimes of reports/apps.conf (or --suites), one after the other with --jobs
# parallel runs each. Writes WORK/SUITE/apps.json; a runtime whose results are current (same
# binaries, program and served catalogs, runtime and tier) is not run again.
#   apps.sh --dirprobe BIN --work DIR [--suites "S1 S2"] [--jobs N] [--tier ci|full|exhaustive]
#           [--skip-code N]
# Tier ci (DIRPROBE_TIER=ci) runs only the host's runtime, without the bulk stride. Exit 0 when
# every runtime ran (findings are results, not failures: the teeth self-test judges the
# harness), 2 when dirprobe failed, --skip-code when no runtime could run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
dirprobe="" work="" suites="" skip_code="" jobs="${DIRPROBE_JOBS:-}" tier="${DIRPROBE_TIER:-full}"
while [ $# -gt 0 ]; do
  case "$1" in
    --dirprobe) dirprobe="$2"; shift 2 ;;
    --work) work="$2"; shift 2 ;;
    --suites) suites="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --tier) tier="$2"; shift 2 ;;
    --skip-code) skip_code="$2"; shift 2 ;;
    *) echo "apps.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[ -n "$dirprobe" ] && [ -n "$work" ] || { echo "apps.sh: --dirprobe and --work are required" >&2; exit 2; }
[ -n "$jobs" ] || jobs="$(nproc)"
case "$tier" in full|ci|exhaustive) ;; *) echo "apps.sh: --tier must be ci, full or exhaustive, not '$tier'" >&2; exit 2 ;; esac
[ -n "$suites" ] || suites="$(sed -e 's/#.*//' "$root/reports/apps.conf" | tr -s ' \t\n' ' ')"
build="$(dirname "$(dirname "$dirprobe")")"
preload="$build/harness/preload/libdirprobe-preload.so"
[ -f "$preload" ] || { echo "apps.sh: $preload is missing (build target dirprobe_preload)" >&2; exit 2; }
app_tier="$tier"; [ "$tier" = ci ] && app_tier=ci

stamp_of() {
  { sha256sum "$dirprobe" "$preload" "$build"/tests/apps/teeth_* 2>/dev/null | cut -d' ' -f1
    find "$root/scenarios/apps" -type f | LC_ALL=C sort | xargs sha256sum | cut -d' ' -f1
    cat "$1/runtime.env"; echo "tier $app_tier"; } | sha256sum | cut -d' ' -f1
}

ran=0
for suite in $suites; do
  set +e
  dir="$("$here/runtimes.sh" fetch "$suite")"
  rc=$?
  set -e
  if [ $rc -eq 3 ]; then echo "[apps $suite] runtime unavailable: left out"; continue; fi
  [ $rc -eq 0 ] || { echo "apps.sh: fetching $suite failed" >&2; exit 2; }
  if [ "$tier" = ci ] && ! grep -qx 'mode=host' "$dir/runtime.env"; then
    echo "[apps $suite] tier ci: only the host's runtime runs the application matrix"
    continue
  fi
  dest="$work/$suite"
  mkdir -p "$dest"
  stamp="$(stamp_of "$dir")"
  if [ -f "$dest/apps.json" ] && [ "$(cat "$dest/apps.stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "[apps $suite] results are current: not run again"; ran=$((ran + 1)); continue
  fi
  rm -f "$dest/apps.stamp"
  t0=$SECONDS
  set +e
  "$dirprobe" app --runtime "$dir" --tier "$app_tier" -j "$jobs" --work "$dest/app-work" \
    --out "$dest/apps.json" 2>&1 | sed -u -e '/^app: [0-9]*\/[0-9]* runs$/d' -e "s|^|[apps $suite] |"
  rc=${PIPESTATUS[0]}
  set -e
  [ $rc -eq 0 ] || { echo "apps.sh: dirprobe app failed on $suite (exit $rc)" >&2; exit 2; }
  # The harness's own check: the project's careful subject must complete every clean run it
  # takes part in; if it does not, the setup (credentials, serve, paths) is broken, not a program.
  python3 - "$dest/apps.json" <<'PY' || { echo "apps.sh: the reference program failed its clean runs on $suite" >&2; exit 2; }
import json, sys
cases = json.load(open(sys.argv[1]))["cases"]
ref = [c for c in cases if c["app"]["program"] == "teeth-careful" and "/none/" in c["id"]]
bad = [c["id"] + ": " + c.get("reason", c["outcome"]) for c in ref if c["outcome"] not in ("pass", "known")]
print("\n".join(bad), file=sys.stderr)
sys.exit(1 if bad or not ref else 0)
PY
  rm -rf "$dest/app-work"
  echo "$stamp" >"$dest/apps.stamp"
  echo "[apps $suite] done in $((SECONDS - t0)) s"
  ran=$((ran + 1))
done
if [ $ran -eq 0 ] && [ -n "$skip_code" ]; then echo "no runtime ran the application matrix: skipped"; exit "$skip_code"; fi
exit 0
