#!/usr/bin/env python3
"""The teeth of `dirprobe app` (issue 13): from an app results file of the two test subjects,
check that the naive loop (the original question's) is shown hanging where GnuTLS's direction
defeats it, and that the careful loop passes every swept point in poll-gated mode except where
a known GnuTLS deviation defeats any application (those runs are `known` and name the entry).
Usage: check_teeth.py RESULTS.json"""
import json
import sys


def main(path):
    doc = json.load(open(path))
    cases = doc["cases"]
    naive = [c for c in cases if c["app"]["program"] == "teeth-naive"]
    careful = [c for c in cases if c["app"]["program"] == "teeth-careful"]
    problems = []
    if not naive or not careful:
        problems.append("the results lack teeth-naive or teeth-careful runs")
    defeated = [c for c in naive if c["outcome"] == "stalled"
                and isinstance(c.get("invariants", {}).get("L1"), dict)]
    if not defeated:
        problems.append("no teeth-naive run hung with L1 violated: the suite did not show where "
                        "trusting the direction defeats the original question's loop")
    for c in defeated[:3]:
        print("naive defeated:", c["id"], "-", c["invariants"]["L1"]["what"])
    gated = [c for c in careful if c["app"]["mode"] == "gated" and c["id"].split("/")[2] != "none"]
    if not gated:
        problems.append("no swept gated teeth-careful run")
    for c in careful:
        if c["outcome"] in ("fail", "stalled", "crash") and not c["app"].get("apart"):
            problems.append("teeth-careful %s: %s: %s" % (c["id"], c["outcome"], c.get("reason", "")))
    known = [c for c in careful if c["outcome"] == "known"]
    for c in known:
        print("careful known:", c["id"], "->", ", ".join(c.get("expected", [])))
    passed = sum(1 for c in gated if c["outcome"] == "pass")
    print("teeth-careful: %d swept gated runs, %d pass, %d known, %d other (%s)" % (
        len(gated), passed, sum(1 for c in gated if c["outcome"] == "known"),
        sum(1 for c in gated if c["outcome"] not in ("pass", "known")),
        ", ".join(sorted({c["outcome"] for c in gated if c["outcome"] not in ("pass", "known")})) or "none"))
    print("GnuTLS", doc["gnutls_version"], "(%s)" % doc["runtime"])
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
