#!/usr/bin/env python3
"""Markdown pipe tables to definition lists, for the man pages (scripts/gen-man.sh).

A man page is 80 columns: a four-column table of keys, values, defaults and meanings
cannot fit, and groff warns about every line it cannot fit (lintian: groff-message).
Man pages list such things as a term and its indented description, so each row becomes
one: the first cell the term, the other cells "Header: cell" (the last column, the
meaning, as it is). Everything else passes through. stdin to stdout.
"""
import re
import sys


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def is_rule(line):
    return re.fullmatch(r"\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?", line.strip()) is not None


lines = sys.stdin.read().split("\n")
out, i = [], 0
while i < len(lines):
    if lines[i].lstrip().startswith("|") and i + 1 < len(lines) and is_rule(lines[i + 1]):
        header = cells(lines[i])
        i += 2
        while i < len(lines) and lines[i].lstrip().startswith("|"):
            row = cells(lines[i])
            row += [""] * (len(header) - len(row))
            parts = ["%s: %s" % (h, c) for h, c in zip(header[1:-1], row[1:-1]) if c]
            last = row[-1] if len(row) > 1 else ""
            desc = "; ".join(parts)
            if last:
                desc = desc + ". " + last if desc else last
            out += [row[0], ":   " + (desc or "(no description)"), ""]
            i += 1
        continue
    out.append(lines[i])
    i += 1
sys.stdout.write("\n".join(out))
