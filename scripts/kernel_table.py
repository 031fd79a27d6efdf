#!/usr/bin/env python3
"""The README's kernel table, from the kernel matrix's last run (issue 15).

    scripts/kernel_table.py [--readme README.md] [--date YYYY-MM-DD] [LAST_RUN]

LAST_RUN (default .output/kernels/last-run.txt, written by scripts/test-kernels.sh) holds
one line per kernel that ran: "kernel VERSION: N passed, N failed (S s under TCG)" or
"kernel NAME: not run (why)". Each becomes the row of that kernel in the table between
the README's "<!-- kernel-table begin -->" and "<!-- kernel-table end -->" lines, with the
date of the run; rows of kernels this run did not boot stay as they were (a run of one
kernel does not erase the others). Nothing else in the README changes. Exit status 1,
with the reason, on a README without the markers or a line it cannot read.
"""
import argparse
import datetime
import os
import re
import sys

BEGIN, END = "<!-- kernel-table begin -->", "<!-- kernel-table end -->"
HEADER = ["| kernel | result | run on |", "|---|---|---|"]
LINE = re.compile(r"^kernel (\S+): (.+)$")


def rows_of(block):
    """{kernel: row line} of the table lines between the markers, in their order."""
    rows = {}
    for line in block:
        if line in HEADER or not line.startswith("| "):
            continue
        rows[line.split("|")[1].strip()] = line
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--readme", default="README.md")
    ap.add_argument("--date", default=datetime.date.today().isoformat())
    ap.add_argument("last_run", nargs="?", default=".output/kernels/last-run.txt")
    a = ap.parse_args()
    with open(a.readme) as f:
        text = f.read().split("\n")
    if BEGIN not in text or END not in text or text.index(BEGIN) > text.index(END):
        sys.exit("%s: no %s ... %s lines around the kernel table" % (a.readme, BEGIN, END))
    b, e = text.index(BEGIN), text.index(END)
    rows = rows_of(text[b + 1:e])
    with open(a.last_run) as f:
        for n, line in enumerate(f.read().splitlines(), 1):
            if not line.strip():
                continue
            m = LINE.match(line)
            if not m:
                sys.exit("%s:%d: not a 'kernel VERSION: result' line: %r" % (a.last_run, n, line))
            rows[m.group(1)] = "| %s | %s | %s |" % (m.group(1), m.group(2), a.date)
    text[b + 1:e] = HEADER + [rows[k] for k in sorted(rows)]
    with open(a.readme + ".tmp", "w") as f:
        f.write("\n".join(text))
    os.replace(a.readme + ".tmp", a.readme)


if __name__ == "__main__":
    main()
