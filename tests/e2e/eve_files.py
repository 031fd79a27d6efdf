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
"""
import json
import sys

SOURCE = "198.18.0.2"


def read_events(path, partial_ok=False):
    """(events, problems)"""
    with open(path) as f:
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
    stats = new_events[-1]["stats"]
    events = old_events + new_events
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
        problems.append("%d lines in the two files, the stats say %d written" %
                        (len(events), stats["eve"]["events_written"]))
    return problems


def main(argv):
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
