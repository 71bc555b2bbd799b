#!/usr/bin/env bash
# Determinism of the runner: a slice of the catalog that covers every family is run with -j 1
# and -j 2, and twice more with -j 4 (on a 2-core machine: oversubscribed, so timing-sensitive
# cases would turn 'stalled' or change their calls). Every case must get the same outcome, end
# and invariant verdicts in all four runs (the test fails otherwise). The files themselves are
# compared too, once the run's own facts ('host') and the subject's heap growth (GnuTLS's own
# random key values change the size of some allocations by a few bytes) are removed: the cases that still
# differ are listed, not failed: an OpenSSL server's session ticket is one AES block longer in
# some runs (docs/design.md, "Determinism limits").
#   check_jobs.sh DIRPROBE WORK_DIR
set -euo pipefail
dirprobe="$1" work="$2"
rm -rf "$work" && mkdir -p "$work"
# One seed-0 clean case and the first sweep points of each scenario x variant, plus whole
# families whose timing is delicate (DTLS timers, quench).
slice=(--filter '*/none/s0' --filter '*/push@1=*' --filter '*/pull@2=*' --filter 'dtls-*'
       --filter 'quench-*')
for run in j1:1 j2:2 j4a:4 j4b:4; do
  name=${run%%:*} jobs=${run##*:}
  set +e
  "$dirprobe" run -q -j "$jobs" "${slice[@]}" --out "$work/$name.json" >"$work/$name.log" 2>&1
  rc=$?
  set -e
  [ $rc -le 1 ] || { cat "$work/$name.log"; echo "FAIL: dirprobe run -j $jobs exited $rc"; exit 1; }
  echo "-j $jobs: $(tail -n 2 "$work/$name.log" | head -n 1)"
done
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
runs = {name: json.load(open(f"{work}/{name}.json"))["cases"] for name in ("j1", "j2", "j4a", "j4b")}
def verdicts(case):
    inv = {k: (v if isinstance(v, str) else v["verdict"]) for k, v in case["invariants"].items()}
    return case["outcome"], case["end"], inv
def strip(case):
    case = dict(case)
    if "buffers" in case:
        case["buffers"] = {k: v for k, v in case["buffers"].items() if k != "heap_growth"}
    return case
base = runs["j1"]
flips, other = [], set()
for name, cases in runs.items():
    if [c["id"] for c in cases] != [c["id"] for c in base]:
        sys.exit(f"FAIL: {name} ran other cases than -j 1")
    for a, b in zip(base, cases):
        if verdicts(a) != verdicts(b):
            flips.append(f"{name}: {a['id']}: {verdicts(a)} -> {verdicts(b)}")
        elif strip(a) != strip(b):
            other.add(a["id"])
for line in flips[:20]:
    print("FLIP", line)
for case_id in sorted(other):
    print("bytes differ (verdicts equal):", case_id)
print(f"{len(base)} cases x 4 runs: {len(flips)} verdict flips, {len(other)} cases with other differences")
sys.exit(1 if flips else 0)
PY
