#!/usr/bin/env bash
# End-to-end test of the report: real runs of a tiny catalog under two runtime names (one of
# them markup), the generator, then headless Chromium renders report.html: the security section
# comes first and the wire section is there, the matrix is there,
# a drill-down opens from its link with its counterexample and replay command, a scenario whose
# premise no case meets shows as vacuous in its own colour, and no string from the results ran
# as markup. The page must be one file that fetches nothing. Screenshots
# (wide and phone) are kept next to the report for people to look at.
#   check_report.sh DIRPROBE REPORT_TOOL WORK_DIR
set -euo pipefail
dirprobe="$1" report_tool="$2" work="$3"
here="$(cd "$(dirname "$0")" && pwd)"
fail() { echo "FAIL: $*" >&2; exit 1; }

rm -rf "$work" && mkdir -p "$work"
for name in plain '<img src=x onerror=document.title=1>'; do
  out="$work/$( [ "$name" = plain ] && echo a || echo b ).json"
  set +e
  "$dirprobe" run -q --scenarios "$here/scenarios" --no-expectations --runtime "$name" --out "$out"
  rc=$?
  set -e
  [ $rc -eq 1 ] || fail "expected the run to report D2 deviations (exit 1), got exit $rc"
done
grep -q '"outcome":"vacuous"' "$work/a.json" || fail "the scenario without its premise did not end vacuous"

"$report_tool" --out "$work/out" "$work/a.json" "$work/b.json"
html="$work/out/report.html"
for f in report.html report.md results.json; do [ -s "$work/out/$f" ] || fail "$f not written"; done

# Escaping, in the files themselves.
grep -q "<script>document.title" "$html" && fail "a scenario claim reached report.html unescaped"
grep -q "<img src=x" "$html" && fail "a runtime name reached report.html unescaped"
grep -q "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" "$html" ||
  fail "the escaped claim is missing from report.html"
grep -q "<script>document.title" "$work/out/report.md" && fail "report.md carries raw markup"

# One file: nothing is fetched (no external script, style, image or link), and the page is small.
grep -Eiq '<(script|link|img|iframe)[^>]*(src|href)=' "$html" && fail "report.html loads a resource"
grep -Eiq '(src|href)="?(https?:)?//' "$html" && fail "report.html points at the network"
[ "$(stat -c %s "$html")" -le 1500000 ] || fail "report.html is larger than 1.5 MB"

# Bad input is refused with the file and line named: truncated JSON, and versions 1 to 3.
refused() {  # refused FILE EXPECTED-MESSAGE-GLOB
  set +e
  msg="$("$report_tool" --out "$work/bad" "$1" 2>&1)"; rc=$?
  set -e
  [ $rc -eq 2 ] && [[ "$msg" == $2 ]] || fail "$(basename "$1"): exit $rc: $msg"
}
printf '{"schema": "dirprobe-results",\n"schema_version": 5,\n"cases": [' >"$work/truncated.json"
refused "$work/truncated.json" "*truncated.json: not valid JSON: *line 3*"
for v in 1 2 3 4; do
  printf '{"schema": "dirprobe-results",\n"schema_version": %s, "case_count": 0, "cases": []}\n' "$v" \
    >"$work/v$v.json"
  refused "$work/v$v.json" \
    "*v$v.json:2: schema_version $v is not supported (this generator reads version 5); re-run dirprobe run with this build"
done

browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
  [ "${DIRPROBE_REQUIRE_BROWSER:-0}" = 1 ] && fail "chromium is required but not installed"
  echo "SKIP: chromium not installed (scripts/setup.sh --with-browser installs it)"
  exit 77
fi
flags=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run
       --user-data-dir="$work/chromium-profile")
anchor="$(grep -o 'href="#cell-[0-9]*-[0-9]*"' "$html" | head -1 | sed 's/href="#//; s/"//')"
[ -n "$anchor" ] || fail "no matrix cell links to a drill-down"
dom="$work/dom.html"
timeout 60 "$browser" "${flags[@]}" --dump-dom "file://$html#$anchor" >"$dom" 2>"$work/chromium.log" ||
  fail "chromium could not render the report (see $work/chromium.log)"
grep -q '<table id="matrix">' "$dom" || fail "the rendered page has no matrix table"
rows="$(grep -o '<tr class="[^"]*bad[^"]*"' "$dom" | wc -l)"
[ "$rows" -ge 1 ] || fail "the matrix shows no row with deviations"
grep -q "<details id=\"$anchor\" open" "$dom" || fail "following the link did not open drill-down $anchor"
# Its replay command: whole, or its runtime's template (listed once atop the section) with its id.
opened="$(awk -v a="<details id=\"$anchor\"" \
  'index($0, a) { f = 1 } f { print } f && /<\/details>/ { exit }' "$dom")"
grep -Eq "Replay: (<code>[^<]*dirprobe run --case '[^<]*' --trace</code>|the .* command above, with its id\.)" \
  <<<"$opened" || fail "the drill-down shows no replay command"
grep -q "<code>[^<]*dirprobe run --case '{id}' --trace</code>" "$dom" ||
  fail "the drill-down section lists no replay command template"
grep -q "<b>Counterexample:</b>" "$dom" || fail "the drill-down shows no counterexample"
grep -q '<h2>Premises: was each claim tested?</h2>' "$dom" || fail "the page has no premises section"
# Security is the first section: nonce reuse, or one line saying none was observed.
grep -o '<h2>[^<]*</h2>' "$dom" | head -1 | grep -q '^<h2>Security' ||
  fail "the first section of the page is not the security section"
grep -Eq '<h2>Security: AEAD nonce reuse</h2>|No nonce reuse observed: [0-9,]+ records decoded in' "$dom" ||
  fail "the security section neither reports nonce reuse nor says none was observed"
grep -q '<h2>Wire: was every record decoded?</h2>' "$dom" || fail "the page has no wire section"
grep -q '<td class="t-vacuous">' "$dom" || fail "no matrix cell shows the vacuous group in its colour"
grep -q 'report-vacuous</a> — [^<]*: <b>vacuous</b> in its only group' "$dom" ||
  fail "the premises section does not call out the vacuous group"
grep -q "<pre>" "$dom" || fail "the drill-down shows no call lines"
grep -q '<title>dirprobe: GnuTLS non-blocking I/O compatibility report</title>' "$dom" ||
  fail "the page title changed: injected markup ran"
timeout 60 "$browser" "${flags[@]}" --window-size=1280,1600 --screenshot="$work/out/report-wide.png" \
  "file://$html" >/dev/null 2>&1 || fail "wide screenshot failed"
timeout 60 "$browser" "${flags[@]}" --window-size=390,844 --screenshot="$work/out/report-phone.png" \
  "file://$html" >/dev/null 2>&1 || fail "phone screenshot failed"
[ -s "$work/out/report-wide.png" ] && [ -s "$work/out/report-phone.png" ] || fail "screenshots missing"
echo "report OK: matrix rendered, drill-down $anchor opened, markup escaped; screenshots in $work/out"
