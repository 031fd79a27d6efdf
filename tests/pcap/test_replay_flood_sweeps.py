#!/usr/bin/env python3
"""Replay of a flood sweeps only when something can have ended (issue 11): the flood
detector's hot-flow reports used to make replay sweep the whole table at every tick that
hot_pkts frames reached (one per second of a flood's capture time: 45% of replaying the
benchmark's SYN flood). Now the datapath notes in replay when a UDP or ICMP flow reaches
hot_pkts packets since its last record, and replay sweeps for hot flows only then and at
the ticks after a sweep that found one.

The traffic (tests/pcap/synth.py): a spoofed-source SYN flood, 200 SYNs a second for
20 s, the same SYNs twice more 20 s and 40 s later (60 s, 12,000 frames: every flow
comes back within the idle timeout, none ends before the capture does), and at 30 s one
UDP flow bursting 40 packets in 0.2 s. With icmp-rate 50 hot_pkts is 10: the UDP flow
is hot at the tick of 31 s (40 packets in the second since the flow began) and not after
(no packet since that hot sweep: a hot report is about the span since the previous hot
sweep, so the same burst is reported once, not again at 32-34 s while its average since
the flow began stayed over 10 a second, as before). So the sweeps are 31 s, the tick
after it, and the final one, where a sweep at every tick was 60. Checked: the flows and
packets are exact, the hot flow is reported once (the datapath's note is what makes
replay look at 31 s: without it the first sweep comes when an idle timeout can have
passed, and the flow is no longer hot then), and the sweeps are few. Counts only, never
timings.

Prints PASS/FAIL lines for tests/run.sh. usage: test_replay_flood_sweeps.py [EDGEWATCH]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replay_run import replay_balanced  # noqa: E402
from result_lines import Results  # noqa: E402
import synth  # noqa: E402

BIN = sys.argv[1] if len(sys.argv) > 1 else ".output/asan/edgewatch"
RESULTS = Results("pcap/replay_flood_sweeps")
SYN_PER_COPY, COPY_S, COPIES = 4000, 20, 3
BURST_AT_S, BURST_PKTS = 30, 40
CONFIG = "anomaly:\n  flood:\n    icmp-rate: 50\n"


def capture():
    frames = synth.synflood(SYN_PER_COPY, COPY_S, COPIES)
    udp = synth.eth(synth.udp(synth.addr(2), synth.addr(1), 5000, 53))
    frames += [(BURST_AT_S * 10**9 + i * 5 * 10**6, udp) for i in range(BURST_PKTS)]
    frames.sort(key=lambda f: f[0])
    return synth.pcap(frames), len(frames), len({f for _, f in frames})


def main():
    data, frames, distinct = capture()
    events, stats = replay_balanced(RESULTS, BIN, data, CONFIG)
    if not stats:
        return RESULTS.exit_code()

    flows = [e for e in events if e.get("event_type") == "flow"]
    pkts = sum(e["flow"]["pkts_toserver"] + e["flow"]["pkts_toclient"] for e in flows)
    # one flow per distinct frame (each SYN's source and port, the UDP flow's one frame)
    RESULTS.result("flows_exact", None if (len(flows), pkts) == (distinct, frames) else
                   "%d flows with %d packets, want %d with %d" %
                   (len(flows), pkts, distinct, frames))

    hot = stats["anomaly"].get("flood_live", {}).get("hot_reports", 0)
    RESULTS.result("hot_flow_reported_while_hot", None if hot == 1 else
                   "%d hot-flow reports, want 1 (the tick of 31 s)" % hot)

    sweeps = stats["flows"].get("sweeps", -1)
    RESULTS.result("sweeps_follow_what_can_end", None if 0 < sweeps <= 3 else
                   "%d sweeps for a %d s flood; want at most 3 (the hot flow's tick, the "
                   "one after it and the final sweep)" % (sweeps, COPY_S * COPIES))
    return RESULTS.exit_code()


if __name__ == "__main__":
    sys.exit(main())
