#!/usr/bin/env python3
"""The flood detector over replayed captures written here (tests/pcap/synth.py): a
spoofed-source SYN flood at 600 half-open/s for 10 s to one target is alerted (SYN Flood,
sid 9000301, the target, many sources, half-open ratio 1); the same at 400/s (under
the 500/s floor) and the suricata-verify 200-SYN burst (tests/pcaps) are not.
Usage: test_anomaly_flood.py EDGEWATCH"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth  # noqa: E402
from replay_run import replay_bytes  # noqa: E402

TARGET = bytes([198, 19, 0, 1])
HERE = os.path.dirname(os.path.abspath(__file__))


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
                  an.get("sources_total", 0) > 1000 and an.get("rate", 0) > 500,
                  "rc %d, alerts %s, stderr %s" % (proc.returncode, alerts[:1],
                                                   proc.stderr[-300:]))
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
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
