"""Checks .github/workflows/matrix.yml (it cannot run here): valid YAML, one runtime job per
suite of reports/matrix.conf, and a report job that needs them and publishes the report."""
import sys

import yaml


def fail(msg):
    print(f"{sys.argv[1]}: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    with open(sys.argv[1]) as f:
        try:
            wf = yaml.safe_load(f)
        except yaml.YAMLError as e:
            fail(f"not valid YAML: {e}")
    with open(sys.argv[2]) as f:
        suites = [l.split("#")[0].strip() for l in f if l.split("#")[0].strip()]
    jobs = wf.get("jobs") or fail("no jobs")
    if True not in wf and "on" not in wf:
        fail("no 'on' trigger")
    runtime = jobs.get("runtime") or fail("no 'runtime' job")
    listed = runtime.get("strategy", {}).get("matrix", {}).get("suite")
    if listed != suites:
        fail(f"runtime matrix {listed} differs from reports/matrix.conf {suites}")
    report = jobs.get("report") or fail("no 'report' job")
    if report.get("needs") != "runtime":
        fail("the report job must need the runtime job")
    for name, job in jobs.items():
        for step in job.get("steps", []):
            if not ("run" in step) ^ ("uses" in step):
                fail(f"job {name}: a step needs exactly one of run/uses: {step}")
    uploads = [s for s in report["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact")]
    if not uploads or uploads[-1]["with"]["path"] != "report/":
        fail("the report job must publish report/ as an artifact")
    print(f"workflow OK: {len(suites)} runtime jobs + report")


main()
