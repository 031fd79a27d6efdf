#!/usr/bin/env python3
"""The flood detector over replayed captures written here (tests/pcap/synth.py): a
spoofed-source SYN flood at 600 half-open/s for 10 s to one target is alerted (SYN Flood,
sid 9000301, the target, many sources, half-open ratio 1) within 3 s of its start and
before any of its flows ended (live counts: the records come at their idle timeout); the same at 400/s (under the 500/s floor)
and the suricata-verify 200-SYN burst (tests/pcaps) are not.
The hping3 captures of tests/pcaps/anomaly (flood_hping3-*.pcap, made by
tests/pcap/flood_captures.sh; ground truth in flood_GROUND_TRUTH.tsv there) replayed
with the UDP and ICMP floors at 1,000 pps (they are 1.2 s of about 2,500 pps each):
each raises its alert, category, source and target as the ground truth says, and
nothing else.
Usage: test_anomaly_flood.py EDGEWATCH"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth  # noqa: E402
from replay_run import replay_bytes  # noqa: E402

TARGET = bytes([198, 19, 0, 1])
HERE = os.path.dirname(os.path.abspath(__file__))
ANOMALY = os.path.join(HERE, "..", "pcaps", "anomaly")
LOW_FLOORS = "anomaly:\n  flood:\n    udp-rate: 1000\n    icmp-rate: 1000\n"
T_START = 1700000000  # synth.pcap's first timestamp (s)


def syn_flood(per_sec, secs):
    """per_sec SYNs a second from a new (spoofed) 198.18.x.y source each, to TARGET:80."""
    frames = []
    for i in range(per_sec * secs):
        ts = i * 10**9 // per_sec
        frames.append((ts, synth.eth(synth.tcp(synth.addr(256 + i), TARGET, 1024 + i % 60000,
                                               80, 0x02))))
    return synth.pcap(frames)


def flood_alerts(events):
    return [e for e in events if e.get("event_type") == "alert" and
            "flood" in e["alert"].get("category", "").lower()]


def epoch_of(ts):
    """EVE timestamp -> seconds since the epoch."""
    import datetime
    return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def synth_start(events):
    """The synthetic flood's first packet: the earliest flow start in the output."""
    starts = [epoch_of(e["flow"]["start"]) for e in events
              if e.get("event_type") == "flow" and "start" in e.get("flow", {})]
    return min(starts) if starts else 0


def hping3_captures(binary):
    """Each hping3 capture alerts as its ground-truth line says, and nothing else."""
    good = True
    with open(os.path.join(ANOMALY, "flood_GROUND_TRUTH.tsv")) as f:
        rows = [line.rstrip("\n").split("\t") for line in f
                if line.strip() and not line.startswith("#")]
    for name, sid, category, src, dest in (r[:5] for r in rows):
        with open(os.path.join(ANOMALY, name), "rb") as f:
            proc, events = replay_bytes(binary, f.read(), LOW_FLOORS)
        alerts = [e for e in events if e.get("event_type") == "alert"]
        ok = proc.returncode == 0 and alerts and all(
            e["alert"]["signature_id"] == int(sid) and e["alert"]["category"] == category and
            e["dest_ip"] == dest and (src == "*" or e["src_ip"] == src) for e in alerts)
        good &= check("anomaly_flood/capture/%s" % name, ok,
                      "rc %d, alerts %s" % (proc.returncode, [
                          (e["alert"]["signature_id"], e["src_ip"], e["dest_ip"])
                          for e in alerts][:4]))
    return good


def check(name, ok, why):
    ok = bool(ok)
    print(("PASS %s" % name) if ok else ("FAIL %s: %s" % (name, why)))
    return ok


def main():
    binary = sys.argv[1]
    good = True
    proc, events = replay_bytes(binary, syn_flood(600, 10))
    alerts = flood_alerts(events)
    a = alerts[0] if alerts else {}
    an = a.get("anomaly", {})
    good &= check("anomaly_flood/spoofed_syn_flood",
                  proc.returncode == 0 and alerts and a["alert"]["category"] == "SYN Flood" and
                  a["alert"]["signature_id"] == 9000301 and a["dest_ip"] == "198.19.0.1" and
                  an.get("technique") == "SYN flood" and an.get("half_open_ratio") == 1 and
                  max(x["anomaly"].get("sources_total", 0) for x in alerts) > 1000 and
                  an.get("rate", 0) > 500,
                  "rc %d, alerts %s, stderr %s" % (proc.returncode, alerts[:1],
                                                   proc.stderr[-300:]))
    # live: written before any of the flood's flows ended (EVE order: replay writes what
    # a live run would, when it would), not when their records come
    first_alert = next((i for i, e in enumerate(events) if e in alerts), None)
    first_flow = next((i for i, e in enumerate(events) if e.get("event_type") == "flow" and
                       e.get("dest_ip") == "198.19.0.1"), None)
    good &= check("anomaly_flood/spoofed_syn_flood_live",
                  first_alert is not None and first_flow is not None and
                  first_alert < first_flow and
                  epoch_of(a["timestamp"]) - synth_start(events) <= 3,
                  "first alert is event %s, the first flow event %s; at %s" %
                  (first_alert, first_flow, a.get("timestamp")))
    proc, events = replay_bytes(binary, syn_flood(400, 10))
    alerts = flood_alerts(events)
    good &= check("anomaly_flood/under_floor", proc.returncode == 0 and not alerts,
                  "rc %d, alerts %s" % (proc.returncode, alerts[:1]))
    with open(os.path.join(HERE, "..", "pcaps", "flood_syn-100-per-sec-synthetic.pcap"),
              "rb") as f:
        proc, events = replay_bytes(binary, f.read())
    alerts = flood_alerts(events)
    good &= check("anomaly_flood/syn_burst_200_not_a_flood",
                  proc.returncode == 0 and not alerts,
                  "rc %d, alerts %s" % (proc.returncode, alerts[:1]))
    good &= hping3_captures(binary)
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
