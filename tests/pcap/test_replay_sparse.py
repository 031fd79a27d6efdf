#!/usr/bin/env python3
"""Replay's cost follows what can end, not capture time (issue 7 item 14): a sparse
capture (2,000 frames 10 s apart, 5.5 hours) is swept only when a flow can have ended,
with the same flows ending for the same reasons as a sweep at every tick.

The traffic: one UDP keepalive flow (a frame every 10 s, all capture long) and every
100th frame a TCP RST opening and closing a flow of its own. With idle-timeout 1h,
active-timeout 30m and tcp-closed-timeout 5s, what can end is: the 20 RST flows (closed,
at the next frame), the keepalive's active-timeout records (one per 30 min: 11), and
once per idle timeout the sweep that finds the keepalive still alive (a packet that
refreshes a flow is not visible to userspace without a sweep: 5). A sweep per tick, as
before, was one per frame (1,999). Counts only, never timings.

Prints PASS/FAIL lines for tests/run.sh. usage: test_replay_sparse.py [EDGEWATCH]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replay_run import replay_balanced  # noqa: E402
from result_lines import Results  # noqa: E402
import synth  # noqa: E402

BIN = sys.argv[1] if len(sys.argv) > 1 else ".output/asan/edgewatch"
RESULTS = Results("pcap/replay_sparse")
FRAMES, GAP_S = 2000, 10
CONFIG = "flow:\n  idle-timeout: 1h\n  active-timeout: 30m\n  tcp-closed-timeout: 5\n"


def capture():
    frames = []
    for i in range(FRAMES):
        if i % 100 == 50:
            l3 = synth.tcp(synth.addr(3), synth.addr(1), 41000 + i, 443, synth.TCP_RST)
        else:
            l3 = synth.udp(synth.addr(2), synth.addr(1), 40000, 123)
        frames.append((i * GAP_S * 10**9, synth.eth(l3)))
    return synth.pcap(frames)


def main():
    events, stats = replay_balanced(RESULTS, BIN, capture(), CONFIG)
    if not stats:
        return RESULTS.exit_code()

    reasons = {}
    for e in events:
        if e.get("event_type") == "flow":
            key = (e["proto"], e["flow"]["reason"])
            reasons[key] = reasons.get(key, 0) + 1
    want = {("TCP", "closed"): 20, ("UDP", "active_timeout"): 11, ("UDP", "shutdown"): 1}
    RESULTS.result("flows_end_as_every_tick_would",
                   None if reasons == want else "flow events %s, want %s" % (reasons, want))

    # The closed flows end at the sweep after their RST (the next frame, 10 s on), so
    # each one's event comes right after the keepalive frame that followed it: between
    # two active-timeout records of the keepalive there are the RSTs of that half hour.
    order = [e["flow"]["reason"] for e in events if e.get("event_type") == "flow"]
    first_active = order.index("active_timeout") if "active_timeout" in order else -1
    RESULTS.result("closed_flows_end_in_capture_order",
                   None if order[:first_active] == ["closed"] * 2 else
                   "events before the first active-timeout record: %s" % order[:first_active])

    ended = sum(n for (proto, reason), n in reasons.items() if reason != "shutdown")
    sweeps = stats["flows"].get("sweeps", -1)
    span_s = (FRAMES - 1) * GAP_S
    # what can end (20 closed + 11 records), the keepalive found alive once an idle
    # timeout (span / 3600 s), the final sweep; a little slack for the first tick
    bound = ended + span_s // 3600 + 3
    RESULTS.result("sweeps_follow_what_can_end",
                      None if 0 < sweeps <= bound else
                   "%d sweeps for %d frames 10 s apart; want at most %d (ended %d)" %
                   (sweeps, FRAMES, bound, ended))
    return RESULTS.exit_code()


if __name__ == "__main__":
    sys.exit(main())
