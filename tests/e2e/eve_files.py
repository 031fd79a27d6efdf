#!/usr/bin/env python3
"""EVE files across a rotation, for tests/e2e/test_eve_reopen.sh.

  eve_files.py phase FILE FIRST N
      how many of the phase's UDP flows (198.18.0.2:FIRST..FIRST+N-1 -> port 9) FILE
      holds so far (its complete lines only: the daemon may be writing).
  eve_files.py rotated OLD NEW FIRST1 FIRST2 N
      the checks after a rotation (OLD may be NEW: the reopen was refused); prints what
      is wrong, nothing when all holds:
      - every line of both files is a whole JSON object (nothing split across the files);
      - phase 1's flows are all in OLD, phase 2's all in NEW, none in the other file;
      - the final stats event is NEW's last line, balanced, with no write error; OLD has
        no final stats;
      - the flow events and lines of both files together are what it says was written
        (flows exported by reason, packets exported, EVE lines written).
  eve_files.py dirphase DIR FIRST N
      like phase, over every file of DIR (rotated by edgewatch, .gz decompressed).
  eve_files.py rotated-many DIR FIRST1 FIRST2 N
      after a run that rotated many times (outputs.eve.max-size, compress): every line
      of every file whole JSON, both phases' flows each once, DIR/eve.json (the open
      file) ending with the final stats event, the totals as in rotated, no .gz.part
      left, and stats.eve counting the files closed and compressed.
"""
import glob
import gzip
import json
import os
import sys

SOURCE = "198.18.0.2"


def read_events(path, partial_ok=False):
    """(events, problems)"""
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        text = f.read()
    lines = text.split("\n")
    problems = []
    if lines and lines[-1] != "":
        if not partial_ok:
            problems.append("%s does not end with a newline: %r" % (path, lines[-1][-80:]))
    lines = lines[:-1]
    events = []
    for n, line in enumerate(lines, 1):
        try:
            events.append(json.loads(line))
        except ValueError:
            problems.append("%s:%d is not a JSON object: %r" % (path, n, line[:80]))
    return events, problems


def phase_ports(events, first, n):
    return [e["src_port"] for e in events
            if e.get("event_type") == "flow" and e.get("src_ip") == SOURCE and
            e.get("dest_port") == 9 and first <= e.get("src_port", 0) < first + n]


def check_rotated(old, new, first1, first2, n):
    old_events, problems = read_events(old)
    if new == old:
        new_events, old_events = old_events, []
    else:
        new_events, more = read_events(new)
        problems += more
    # a refused reopen: everything stays in the one file
    homes = (new_events, new_events) if old == new else (old_events, new_events)
    others = ([], []) if old == new else (new_events, old_events)
    for label, first, home, other in (("first", first1, homes[0], others[0]),
                                      ("later", first2, homes[1], others[1])):
        got = sorted(set(phase_ports(home, first, n)))
        if got != list(range(first, first + n)):
            problems.append("%d of the %d %s flows in the file they were written to" %
                            (len(got), n, label))
        if phase_ports(other, first, n):
            problems.append("%d %s flows in the other file" %
                            (len(phase_ports(other, first, n)), label))
    if any(e.get("event_type") == "stats" and e["stats"]["conservation"]["final"]
           for e in old_events):
        problems.append("a final stats event in %s, the rotated file" % old)
    if not new_events or new_events[-1].get("event_type") != "stats" or \
            not new_events[-1]["stats"]["conservation"]["final"]:
        return problems + ["%s does not end with the final stats event" % new]
    return problems + check_totals(old_events + new_events, new_events[-1]["stats"])


def check_totals(events, stats):
    """What the final stats say was written, against the events of every file."""
    problems = []
    flows = [e for e in events if e.get("event_type") == "flow"]
    exported = sum(stats["flows"]["exported"].values())
    packets = sum(e["flow"]["pkts_toserver"] + e["flow"]["pkts_toclient"] for e in flows)
    if not stats["conservation"]["balanced"]:
        problems.append("final stats not balanced: %s" % json.dumps(stats["conservation"]))
    if stats["eve"]["write_errors"]:
        problems.append("eve.write_errors %d" % stats["eve"]["write_errors"])
    if len(flows) != exported:
        problems.append("%d flow events in the two files, the stats say %d exported" %
                        (len(flows), exported))
    if packets != stats["conservation"]["packets_exported"]:
        problems.append("%d packets in the flow events, the stats say %d exported" %
                        (packets, stats["conservation"]["packets_exported"]))
    if len(events) != stats["eve"]["events_written"]:
        problems.append("%d lines in the files, the stats say %d written" %
                        (len(events), stats["eve"]["events_written"]))
    return problems


def dir_files(d):
    return sorted(p for p in glob.glob(os.path.join(d, "eve.json*"))
                  if not p.endswith(".part"))


def dir_events(d, partial_ok):
    """(events, problems) of every file in d; files the gzip worker removes are skipped."""
    events, problems = [], []
    for path in dir_files(d):
        try:
            more, bad = read_events(path, partial_ok)
        except (OSError, EOFError):  # compressed and removed meanwhile, or half a .gz
            if not partial_ok:
                raise
            continue
        events += more
        problems += bad
    return events, problems


def check_rotated_many(d, first1, first2, n):
    events, problems = dir_events(d, False)
    files = dir_files(d)
    gz = [p for p in files if p.endswith(".gz")]
    if glob.glob(os.path.join(d, "*.part")):
        problems.append("a .gz.part left behind")
    if len(files) < 4 or len(gz) != len(files) - 1:
        problems.append("%d files, %d compressed: want several, all but eve.json" %
                        (len(files), len(gz)))
    for label, first in (("first", first1), ("later", first2)):
        ports = phase_ports(events, first, n)
        if sorted(ports) != list(range(first, first + n)):
            problems.append("%s flows: %d events for %d ports (want each once)" %
                            (label, len(ports), len(set(ports))))
    last, _ = read_events(os.path.join(d, "eve.json"))
    if not last or last[-1].get("event_type") != "stats" or \
            not last[-1]["stats"]["conservation"]["final"]:
        return problems + ["eve.json does not end with the final stats event"]
    stats = last[-1]["stats"]
    eve = stats["eve"]
    # the stats line itself may have started eve.json: then it is not counted yet
    closed = len(files) - 1 - (1 if len(last) == 1 else 0)
    if eve.get("rotations") != closed or eve.get("compressed") != closed or \
            eve.get("rotate_failed") or eve.get("compress_failed"):
        problems.append("stats.eve %s: want %d rotations and compressed" %
                        (json.dumps(eve), closed))
    finals = [e for e in events if e.get("event_type") == "stats" and
              e["stats"]["conservation"]["final"]]
    if len(finals) != 1:
        problems.append("%d final stats events" % len(finals))
    return problems + check_totals(events, stats)


def main(argv):
    if argv[1] == "dirphase":
        events, _ = dir_events(argv[2], True)
        print(len(set(phase_ports(events, int(argv[3]), int(argv[4])))))
        return 0
    if argv[1] == "rotated-many":
        problems = check_rotated_many(argv[2], int(argv[3]), int(argv[4]), int(argv[5]))
        if problems:
            print("; ".join(problems[:6]))
        return 0
    if argv[1] == "phase":
        events, _ = read_events(argv[2], partial_ok=True)
        print(len(set(phase_ports(events, int(argv[3]), int(argv[4])))))
        return 0
    if argv[1] == "rotated":
        problems = check_rotated(argv[2], argv[3], int(argv[4]), int(argv[5]), int(argv[6]))
        if problems:
            print("; ".join(problems[:6]))
        return 0
    print("usage: see the top of this file", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
