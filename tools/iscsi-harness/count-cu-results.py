#!/usr/bin/env python3
"""Counts iscsi-test-cu results honestly from its verbose output (stdin or a file).

CUnit reports a skipped test as passed; libiscsi's tests print "[SKIPPED]" when they skip. A test
counts as FAILED when CUnit's verdict says so (helpers also log "[FAILED]" for negative checks that
the test expects, so the log text alone is not a verdict), SKIPPED when it printed [SKIPPED] and
passed, PASSED otherwise. Prints one line per non-passing test, then "N passed, N failed,
N skipped".
"""
import re
import sys

text = open(sys.argv[1], errors="replace").read() if len(sys.argv) > 1 else sys.stdin.read()
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

counts = {"passed": 0, "failed": 0, "skipped": 0}
def verdict(body):
    # The verdict is "passed" or "FAILED" at the start of a line (or right after "Test: X ...").
    for line in body.splitlines():
        if line.startswith("passed"):
            return "passed"
        if line.startswith("FAILED"):
            return "FAILED"
    return "FAILED"  # no verdict: the run died inside this test


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
    counts[kind] += 1
    if kind != "passed":
        first = next((l.strip() for l in body.splitlines() if "FAILED" in l or "SKIP" in l), "")
        print(f"{kind.upper():8} {name}: {first[:150]}")
print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
