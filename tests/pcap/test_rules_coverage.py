#!/usr/bin/env python3
"""rules/COVERAGE.md is what scripts/rules_coverage.py makes of the shipped rules today (a
rule added, retagged or removed without `make rules-coverage` fails here), and every rule
with `confidence Medium` is named in rules/README.md's "Rules with Medium confidence".

Runs in the pcap tier because that is where the Python tests live; it needs neither root
nor the binary (the argument tests/run.sh passes is ignored).
Prints PASS/FAIL rules_coverage/<check>[: why] for tests/run.sh.
"""
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from result_lines import Results  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def generated_problem():
    """Why rules/COVERAGE.md is not the script's output, or None."""
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "rules_coverage.py")],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        return "the script failed: %s" % proc.stderr.strip()
    with open(os.path.join(ROOT, "rules", "COVERAGE.md")) as f:
        old = f.read().splitlines()
    new = proc.stdout.splitlines()
    if old == new:
        return None
    first = next(i for i in range(max(len(old), len(new)))
                 if i >= len(old) or i >= len(new) or old[i] != new[i])
    return ("rules/COVERAGE.md is not the script's output (run `make rules-coverage`); "
            "first difference at line %d" % (first + 1))


def medium_problem():
    """Why a Medium-confidence rule is missing from rules/README.md's list, or None."""
    with open(os.path.join(ROOT, "rules", "README.md")) as f:
        readme = f.read()
    section = readme.split("## Rules with Medium confidence", 1)[-1].split("\n## ", 1)[0]
    listed = set(re.findall(r"\b(9\d{6})\b", section))
    missing = []
    for path in sorted(glob.glob(os.path.join(ROOT, "rules", "*.rules"))):
        with open(path) as f:
            for line in f:
                sid = re.search(r"[(;]\s*sid:(\d+);", line)
                if sid and re.search(r"[:,]\s*confidence Medium\b", line) \
                        and sid.group(1) not in listed:
                    missing.append(sid.group(1))
    if not missing:
        return None
    return ("Medium-confidence rules not named in rules/README.md's 'Rules with Medium "
            "confidence': %s" % " ".join(missing))


def main():
    results = Results("rules_coverage")
    results.result("generated", generated_problem())
    results.result("medium_listed", medium_problem())
    return results.exit_code()


if __name__ == "__main__":
    sys.exit(main())
