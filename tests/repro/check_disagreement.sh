#!/usr/bin/env bash
# Self-test of `dirprobe repro --check`: a reproducer whose exit status contradicts the harness's
# record of its case is a disagreement (exit 1, a DISAGREE line); the same exit that matches
# agrees; a skipped case agrees only with 77; a missing record is a disagreement.
#   check_disagreement.sh DIRPROBE WORKDIR
set -euo pipefail
dirprobe="$1" work="$2"
rm -rf "$work"; mkdir -p "$work/src"; cd "$work"
cat > src/index.json <<'JSON'
{"gnutls_version": "3.7.9", "uncovered": [], "reproducers": [
 {"file": "dup.c", "case": "s/tls13-client-gnutls-unix-oblivious/none/s0", "family": "f", "security": false,
  "entries": [{"where": "e.toml:1", "deviation": "R1", "error": ""}]},
 {"file": "skip.c", "case": "t/tls12-client-gnutls-unix-oblivious/none/s0", "family": "f", "security": false,
  "entries": [{"where": "e.toml:2", "deviation": "outcome crash", "error": ""}]}]}
JSON
cat > results.json <<'JSON'
{"gnutls_version": "3.7.9", "runtime": "test",
 "scenarios": {"s": {"asserted": "R1,L1"}, "t": {"asserted": "R1"}},
 "cases": [{"id": "s/tls13-client-gnutls-unix-oblivious/none/s0", "outcome": "known", "raw_outcome": "fail",
            "end": "completed", "invariants": {"R1": {"verdict": "violated"}, "L1": "held"}},
           {"id": "t/tls12-client-gnutls-unix-oblivious/none/s0", "outcome": "skip"}]}
JSON
check() {  # check EXPECTED_STATUS "dup.c EXIT" "skip.c EXIT"
  local want="$1"; shift
  printf '%s\n' "$@" | tr ' ' '\t' > exits.tsv
  local status=0
  "$dirprobe" repro --check src --results results.json --exits exits.tsv > out.txt || status=$?
  [ "$status" = "$want" ] || { echo "FAIL: exits '$*': --check gave $status, expected $want:" >&2; cat out.txt >&2; exit 1; }
}
check 0 "dup.c 1" "skip.c 77"
check 1 "dup.c 0" "skip.c 77"
grep -q '^DISAGREE  dup.c  harness: deviation  reproducer exit: 0' out.txt || { echo "FAIL: no DISAGREE line" >&2; cat out.txt >&2; exit 1; }
check 1 "dup.c 1" "skip.c 0"
check 1 "dup.c 1"
echo "agreement check: a matching run passes; a reproducer that misses the deviation, runs where the harness skipped, or did not run fails"
