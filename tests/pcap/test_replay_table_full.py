#!/usr/bin/env python3
"""A replay whose capture has more flows than the flow table holds (issue 7, "Tests that
can fail"): 1,500 UDP flows within one second into a 1,024-slot table. No flow can end
before the table is full, so exactly 476 packets find no slot: each is counted as
pkt_flow_table_full, is in no flow, and the final conservation sum still balances, with
pkt_flow_table_full among the outcomes that add up to the packets seen.

Prints PASS/FAIL lines for tests/run.sh. usage: test_replay_table_full.py [EDGEWATCH]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replay_run import final_stats, replay_bytes  # noqa: E402
from result_lines import Results  # noqa: E402
import synth  # noqa: E402

BIN = sys.argv[1] if len(sys.argv) > 1 else ".output/asan/edgewatch"
RESULTS = Results("pcap/replay_table_full")
TABLE, FLOWS = 1024, 1500
CONFIG = "flow:\n  table-size: %d\n" % TABLE


def main():
    frames = [(i * 500000, synth.eth(synth.udp(synth.addr(2 + i), synth.addr(1), 40000, 53)))
              for i in range(FLOWS)]	# 0.5 ms apart: all within one sweep interval
    proc, events = replay_bytes(BIN, synth.pcap(frames), CONFIG)
    stats = final_stats(events)
    if not stats:
        RESULTS.result("replay", "no stats event; exit %d: %s" %
                       (proc.returncode, proc.stderr.strip()[-300:]))
        return RESULTS.exit_code()
    cons, xdp = stats["conservation"], stats["datapath"]["xdp_ingress"]
    full = xdp["outcome"]["pkt_flow_table_full"]
    RESULTS.result("table_fills", None if full == FLOWS - TABLE else
                   "pkt_flow_table_full %d, want %d" % (full, FLOWS - TABLE))
    flows = [e for e in events if e.get("event_type") == "flow"]
    RESULTS.result("flows_are_the_table", None if len(flows) == TABLE else
                   "%d flow events, want %d" % (len(flows), TABLE))
    # the sum this test checks itself: every outcome, the table-full one included
    outcomes = sum(xdp["outcome"].values())
    RESULTS.result("outcomes_add_up", None if outcomes == xdp["pkt_seen"] == FLOWS else
                   "outcomes %d, seen %d, frames %d" % (outcomes, xdp["pkt_seen"], FLOWS))
    RESULTS.result("no_flow_is_table_full", None if cons["packets_no_flow"] == full else
                   "packets_no_flow %d, table full %d" % (cons["packets_no_flow"], full))
    RESULTS.result("balanced", None if proc.returncode == 0 and cons["final"] and
                   cons["balanced"] is True else
                   "exit %d, conservation %s: %s" % (proc.returncode, cons,
                                                      proc.stderr.strip()[-300:]))
    return RESULTS.exit_code()


if __name__ == "__main__":
    sys.exit(main())
