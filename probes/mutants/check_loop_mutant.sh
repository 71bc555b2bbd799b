#!/usr/bin/env bash
# check_loop_mutant.sh DIRPROBE MUTANT_LIB MODE CASE: the loop model of CASE (a word of its id)
# completes it on the real library (L1 held, the case passes or ends known) and fails L1 when
# GnuTLS is wrapped by the mutant MODE: the model's verdict depends on what GnuTLS reports.
set -uo pipefail
dirprobe=$1 lib=$2 mode=$3 id=$4
clean=$("$dirprobe" run -j 1 --case "$id" --trace 2>&1)
mutated=$(LD_PRELOAD="$lib" DIRPROBE_MUTANT="$mode" "$dirprobe" run -j 1 --case "$id" --trace 2>&1)
l1() { grep -oE '^ *L1 \[asserted\] (held|violated|n/a)' <<<"$1" | grep -oE '(held|violated|n/a)$'; }
outcome=$(grep -oE '^outcome: [a-z]+' <<<"$clean" | cut -d' ' -f2)
echo "$id: real library L1 $(l1 "$clean") (outcome $outcome); under $mode L1 $(l1 "$mutated")"
[ "$(l1 "$clean")" = held ] && { [ "$outcome" = pass ] || [ "$outcome" = known ]; } ||
  { echo "the real library does not complete the case with L1 held"; exit 1; }
[ "$(l1 "$mutated")" = violated ] || { echo "mutant $mode is not caught by L1"; exit 1; }
