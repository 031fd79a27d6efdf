#!/usr/bin/env python3
"""A readable summary of an edgewatch EVE file: alerts, top flows, packet outcomes and the
conservation sum. usage: eve_summary.py EVE.json"""
import collections
import json
import sys


def endpoint(ip, port):
    if port is None:
        return ip
    return "[%s]:%d" % (ip, port) if ":" in ip else "%s:%d" % (ip, port)


def main(path):
    flows, alerts, stats = [], [], None
    with open(path) as f:
        for line in f:
            ev = json.loads(line)
            kind = ev.get("event_type")
            if kind == "flow":
                flows.append(ev)
            elif kind == "alert":
                alerts.append(ev)
            elif kind == "stats":
                stats = ev["stats"]

    print("Alerts: %d" % len(alerts))
    by_sig = collections.Counter((a["alert"]["signature_id"], a["alert"]["signature"])
                                 for a in alerts)
    for (sid, sig), n in by_sig.most_common(15):
        print("  %5d x [%d] %s" % (n, sid, sig))

    print("\nFlows: %d; top 10 by bytes" % len(flows))
    print("  %-6s %-40s %-40s %8s %10s  %s" % ("proto", "source", "destination", "packets",
                                              "bytes", "end"))
    def total(ev):
        fl = ev["flow"]
        return fl["bytes_toserver"] + fl["bytes_toclient"]
    for ev in sorted(flows, key=total, reverse=True)[:10]:
        fl = ev["flow"]
        src = endpoint(ev["src_ip"], ev.get("src_port"))
        dst = endpoint(ev["dest_ip"], ev.get("dest_port"))
        print("  %-6s %-40s %-40s %8d %10d  %s" % (
            ev["proto"], src, dst, fl["pkts_toserver"] + fl["pkts_toclient"], total(ev),
            fl["reason"]))
    states = collections.Counter(ev["flow"]["reason"] for ev in flows)
    print("  flows by how they ended: %s" % ", ".join("%s %d" % kv for kv in states.items()))

    if not stats:
        print("\nNo stats event (did edgewatch stop cleanly?)")
        return 1
    print("\nPackets by outcome, verdict and encapsulation (non-zero counters)")
    for hook, groups in stats["datapath"].items():
        print("  %s: %d packets seen" % (hook, groups["pkt_seen"]))
        for group in ("outcome", "verdict", "encap", "event"):
            items = [(k, v) for k, v in groups.get(group, {}).items() if v]
            if items:
                print("    %-8s %s" % (group, ", ".join("%s %d" % kv for kv in items)))
    cons = stats["conservation"]
    print("\nConservation: %d packets seen = %d in flows + %d without a flow (by reason "
          "above); %d exported -> %s" % (
              cons["packets_seen"], cons["packets_in_flows"], cons["packets_no_flow"],
              cons["packets_exported"], "balanced" if cons.get("balanced") else ("NOT BALANCED" if cons.get("final") else "not final (no final stats event)")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
