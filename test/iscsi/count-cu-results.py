#!/usr/bin/env python3
"""Counts iscsi-test-cu results honestly from its verbose output.

  count-cu-results.py MAIN_LOG [--with LOG]... [--known TEST]... [--min-passes N]

CUnit reports a skipped test as passed; libiscsi's tests print "[SKIPPED]" when they skip. A test
counts as FAILED when CUnit's verdict says so (helpers also log "[FAILED]" for negative checks that
the test expects, so the log text alone is not a verdict), SKIPPED when it printed [SKIPPED] and
passed, PASSED otherwise.

--with LOG: a run of selected tests on a LU set up for them (e.g. -t SCSI.ReadOnly on a
write-protected LU); their results replace those of MAIN_LOG. Prints one line per non-passing
test, then "N passed, N failed, N skipped" for MAIN_LOG alone and for the combination.
--known TEST: a failure that is expected (documented in docs/iscsi.md); --min-passes N: exit 1
unless every failure is known and at least N tests really passed.
"""
import argparse
import re
import sys


def parse(path):
    text = open(path, errors="replace").read()
    suite = ""
    tests = []  # [name, body]
    for line in text.splitlines():
        m = re.match(r"^Suite: (.*)", line)
        if m:
            suite = m.group(1).strip()
            continue
        m = re.match(r"^\s+Test: (\S+) \.\.\.(.*)$", line)
        if m:
            tests.append([suite + "." + m.group(1), m.group(2) + "\n"])
            continue
        if line.startswith("Run Summary"):
            break
        if tests:
            tests[-1][1] += line + "\n"
    results = {}
    for name, body in tests:
        v = verdict(body)
        # Only the part before the verdict belongs to this test.
        own = body.split("\npassed")[0] if v == "passed" else body
        if v == "FAILED":
            kind = "failed"
        elif "[SKIPPED]" in own or "[SKIPPING]" in own:
            kind = "skipped"
        else:
            kind = "passed"
        first = next((l.strip() for l in body.splitlines() if "FAILED" in l or "SKIP" in l), "")
        results[name] = (kind, first[:150])
    return results


def verdict(body):
    # The verdict is "passed" or "FAILED" at the start of a line (or right after "Test: X ...").
    for line in body.splitlines():
        if line.startswith("passed"):
            return "passed"
        if line.startswith("FAILED"):
            return "FAILED"
    return "FAILED"  # no verdict: the run died inside this test


def counts(results):
    c = {"passed": 0, "failed": 0, "skipped": 0}
    for kind, _ in results.values():
        c[kind] += 1
    return c


def line(c):
    return f"{c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("main")
    ap.add_argument("--with", dest="extra", action="append", default=[])
    ap.add_argument("--known", action="append", default=[])
    ap.add_argument("--min-passes", type=int)
    a = ap.parse_args()
    main_results = parse(a.main)
    combined = dict(main_results)
    for path in a.extra:
        for name, r in parse(path).items():
            combined[name] = r
    for name in sorted(combined):
        kind, why = combined[name]
        if kind != "passed":
            print(f"{kind.upper():8} {name}: {why}")
    print(f"main run: {line(counts(main_results))} ({len(main_results)} tests)")
    print(f"combined: {line(counts(combined))} ({len(combined)} tests)")
    if a.min_passes is None:
        return 0
    ok = True
    for name, (kind, _) in combined.items():
        if kind == "failed" and name not in a.known:
            print(f"unexpected failure: {name}")
            ok = False
    if counts(combined)["passed"] < a.min_passes:
        print(f"fewer than {a.min_passes} real passes")
        ok = False
    if not main_results:
        print("no test ran")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
