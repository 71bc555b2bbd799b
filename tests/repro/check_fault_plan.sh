#!/usr/bin/env bash
# Self-test of `dirprobe repro`: the reproducer of the 0-RTT nonce reuse (its deviation needs the
# EAGAIN the fault plan injects at the client's second push) shows the deviation (exit 1) as
# written, and exits 0 with "no deviation" once its fault plan is edited to inject nothing.
#   check_fault_plan.sh DIRPROBE WORKDIR
set -euo pipefail
dirprobe="$1" work="$2"
case_id='interleave-handshake-early/tls13-client-gnutls-unix-trusting/push@2=eagain/s0'
rm -rf "$work"; mkdir -p "$work"; cd "$work"
"$dirprobe" repro "$case_id" --entry interleavings.toml:190 -o early.c
grep -q '^static const struct fault fault_plan\[\] = {{OP_PUSH, 2, F_EAGAIN, 0}};' early.c ||
  { echo "FAIL: early.c has no fault table injecting EAGAIN at push 2" >&2; exit 1; }
sed -e 's/^static const struct fault fault_plan\[\] = .*/static const struct fault fault_plan[] = {{OP_PUSH, 0, F_EAGAIN, 0}};/' \
  early.c > early-nofault.c
cc -Wall -Wextra -Werror -o early early.c -lgnutls
cc -Wall -Wextra -Werror -o early-nofault early-nofault.c -lgnutls
status=0; ./early > early.out 2>&1 || status=$?
[ $status -eq 1 ] && grep -q '^DEVIATION: ' early.out ||
  { echo "FAIL: as written, expected exit 1 and a DEVIATION line, got exit $status:" >&2; cat early.out >&2; exit 1; }
status=0; ./early-nofault > early-nofault.out 2>&1 || status=$?
[ $status -eq 0 ] && grep -q '^no deviation' early-nofault.out && ! grep -q '^DEVIATION' early-nofault.out ||
  { echo "FAIL: without the fault, expected exit 0 and 'no deviation', got exit $status:" >&2; cat early-nofault.out >&2; exit 1; }
echo "as written: exit 1: $(grep -m1 '^DEVIATION' early.out)"
echo "fault plan emptied: exit 0: $(grep -m1 '^no deviation' early-nofault.out)"
