#!/usr/bin/env bash
# check_mutant.sh DIRPROBE MUTANT_LIB MODE [INVARIANT]: runs the clean case of every scenario
# with GnuTLS wrapped by MODE and requires that the run fails naming an invariant (INVARIANT,
# when given: the one that must catch this mutant). Prints the invariants that caught it.
set -uo pipefail
dirprobe=$1 lib=$2 mode=$3 required=${4:-}
out=$(LD_PRELOAD="$lib" DIRPROBE_MUTANT="$mode" "$dirprobe" run -j 1 --filter '*/none/s0' 2>&1)
rc=$?
caught=$(grep -oE '\b(D1|D2|S1|S2|Q1|Q2|B1|L1|R1|M1|R2|N1|W1|M2) violated' <<<"$out" | sort | uniq -c | tr '\n' ';')
summary=$(grep -E '^[0-9]+ cases in' <<<"$out")
echo "mutant $mode: exit $rc; $summary; caught by: ${caught:-nothing}"
[ "$rc" -eq 1 ] && [ -n "$caught" ] || exit 1
[ -z "$required" ] || grep -q " $required violated" <<<"$caught" ||
  { echo "mutant $mode: not caught by $required"; exit 1; }
