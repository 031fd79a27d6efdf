#!/usr/bin/env python3
"""Replay's flow table sized to the capture gives the output of the configured table
(issue 11; userspace/replay_table.h).

A small capture replays with a table of the size it can fill, so that each sweep walks
thousands of buckets instead of the configured 262,144; every sweep's ended flows and hot
reports are put back into the configured table's walk order before they go out. Here the
same frames replay twice: once as they are (a sized table: the -v log says so), once in a
file padded past the size that allows it (an unknown pcapng block, which readers skip:
the configured table). The two EVE outputs must be equal line for line: 3,000 one-packet
UDP flows that end in one sweep (their order is the walk's), RST-closed TCP flows, and
four UDP flows flooding one target, which the sweeper reports hot (low flood floors:
the hot reports' order reaches the flood detector). Policy install timings are left out.

Prints PASS/FAIL lines for tests/run.sh. usage: test_replay_table_sized.py [EDGEWATCH]
"""
import os
import json
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replay_run import eve_events  # noqa: E402
from result_lines import Results  # noqa: E402
import synth  # noqa: E402

BIN = sys.argv[1] if len(sys.argv) > 1 else ".output/asan/edgewatch"
RESULTS = Results("pcap/replay_table_sized")
CONFIG = "anomaly:\n  flood:\n    udp-rate: 1000\n    icmp-rate: 1000\n"
PAD_BYTES = 2 * 1024 * 1024	# past 16 bytes x the ended ring's ~65,000 records


def frames():
    f = []
    for i in range(3000):	# one-packet flows from 3,000 sources, in the first second
        f.append((i * 300000, synth.eth(synth.udp(synth.addr(1000 + i), synth.addr(1),
                                                   20000 + i % 1000, 53))))
    for i in range(20):		# TCP flows opened and closed by a RST
        f.append((500000 + i * 40000000, synth.eth(synth.tcp(synth.addr(200 + i),
                                                              synth.addr(2), 41000 + i, 443,
                                                              synth.TCP_RST))))
    for s in range(4):		# four floods of 600 packets a second for 2 s, one target
        for i in range(1200):
            f.append((2 * 10**9 + i * 1666666 + s * 1000,
                      synth.eth(synth.udp(synth.addr(50 + s), synth.addr(3), 7000 + s, 9))))
    # 200 s later: the idle timeout (60 s) has passed for all of them
    f.append((200 * 10**9, synth.eth(synth.udp(synth.addr(9), synth.addr(1), 1, 123))))
    f.sort(key=lambda x: x[0])
    return f


TIMINGS = re.compile(r'"(last_us|last_reader_wait_us)": [0-9]+')


def without_timings(events):
    return [TIMINGS.sub(r'"\1": 0', json.dumps(e, sort_keys=True)) for e in events]


def replay(d, name, data):
    """(exit status, log, events) of replaying data saved as d/NAME/capture.pcapng (the same
    file name each time: flow ids are salted with it)."""
    os.mkdir(os.path.join(d, name))
    cap = os.path.join(d, name, "capture.pcapng")
    eve = os.path.join(d, name, "eve.json")
    cfg = os.path.join(d, name, "edgewatch.yaml")
    with open(cap, "wb") as f:
        f.write(data)
    with open(cfg, "w") as f:
        f.write(CONFIG)
    p = subprocess.run([BIN, "replay", "-v", "-q", "-c", cfg, "-o", eve, cap],
                       capture_output=True, text=True, timeout=600)
    return p.returncode, p.stderr, eve_events(eve)


def main():
    fr = frames()
    with tempfile.TemporaryDirectory() as d:
        rc_s, log_s, sized = replay(d, "sized", synth.pcapng(fr))
        rc_c, log_c, configured = replay(d, "configured", synth.pcapng(fr, pad=PAD_BYTES))
    sized_on = "a flow table of" in log_s
    RESULTS.result("small_capture_gets_a_sized_table",
                   None if rc_s == 0 and sized_on else
                   "exit %d, log %r" % (rc_s, log_s[-600:]))
    RESULTS.result("padded_capture_keeps_the_configured_table",
                   None if rc_c == 0 and "a flow table of" not in log_c else
                   "exit %d, log %r" % (rc_c, log_c[-600:]))
    hot_reports = sum(e["stats"]["anomaly"]["flood_live"]["hot_reports"] for e in configured
                      if e.get("event_type") == "stats")
    flows = sum(1 for e in configured if e.get("event_type") == "flow")
    alerts = [e["alert"]["signature"] for e in configured if e.get("event_type") == "alert"]
    RESULTS.result("capture_has_what_the_order_depends_on",
                   None if flows >= 3024 and alerts and hot_reports >= 2 else
                   "flows %d (want >= 3,024), alerts %s, hot reports %d" %
                   (flows, alerts, hot_reports))
    sized, configured = without_timings(sized), without_timings(configured)
    first = next((i for i, (a, b) in enumerate(zip(sized, configured)) if a != b), None)
    RESULTS.result("same_events_in_the_same_order",
                   None if first is None and len(sized) == len(configured) else
                   "%d events against %d; first difference at event %s: %s / %s" %
                   (len(sized), len(configured), first,
                    sized[first] if first is not None else "-",
                    configured[first] if first is not None else "-"))
    return RESULTS.exit_code()


if __name__ == "__main__":
    sys.exit(main())
