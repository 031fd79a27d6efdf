#!/usr/bin/env python3
"""An ICMP echo flood toward a host whose ICMP pair (flows keyed by the address pair
only) already exists is seen while it lasts (the live path: the sweeper's hot-flow
reports), not when the pair's record ends, and toward the right host. Captures written
here with tests/pcap/synth.py, replayed with the ICMP and UDP floors at 1,000 pps (the
flood: 2,500 echo requests a second for 3 s, each answered):
- opened_by_victim: the victim 198.18.0.22 opened the pair (a port-unreachable to
  198.18.1.16 at 0 s, one every 10 s until 80 s, so the record ends at the capture's
  end); 198.18.1.16 floods it from 20 s. The flood travels the responder's way: an ICMP
  Flood alert toward 198.18.0.22 from 198.18.1.16 at 20-24 s, and none toward
  198.18.1.16 (the victim's echo replies are answers, not a flood);
- after_monitor_ping: 198.18.1.16 pinged 198.18.0.22 once a second for 300 s, then
  floods it from 300 s and goes on pinging until 360 s: alerted at 300-304 s (the rate
  of the last sweep interval, not the average since the flow began).
Usage: test_anomaly_flood_icmp_pair.py EDGEWATCH"""
import datetime
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth  # noqa: E402
from replay_run import replay_bytes  # noqa: E402

S = 10**9
ATTACKER, VICTIM = synth.addr(0x0110), synth.addr(0x0016)
FLOORS = "anomaly:\n  flood:\n    udp-rate: 1000\n    icmp-rate: 1000\n"
RATE, SECS = 2500, 3


def port_unreachable(src, dst):
    """ICMP type 3 code 3 quoting a UDP datagram from dst to src."""
    quoted = synth.udp(dst, src, 40000, 33434)[:28]
    body = struct.pack("!BBHI", 3, 3, 0, 0) + quoted
    body = body[:2] + struct.pack("!H", synth.csum(body)) + body[4:]
    return synth.ipv4(1, src, dst, body)


def echo_flood(t0):
    """RATE echo requests a second for SECS s from ATTACKER to VICTIM, each answered."""
    frames = []
    for i in range(RATE * SECS):
        t = t0 + i * S // RATE
        frames.append((t, synth.eth(synth.icmp_echo(ATTACKER, VICTIM, 0x4242, i & 0xFFFF))))
        frames.append((t + 50000, synth.eth(synth.icmp_echo(VICTIM, ATTACKER, 0x4242,
                                                             i & 0xFFFF, reply=True))))
    return frames


def opened_by_victim():
    frames = [(k * 10 * S, synth.eth(port_unreachable(VICTIM, ATTACKER))) for k in range(9)]
    return frames + echo_flood(20 * S)


def after_monitor_ping():
    frames = []
    for k in list(range(300)) + list(range(304, 360)):
        frames.append((k * S, synth.eth(synth.icmp_echo(ATTACKER, VICTIM, 7, k))))
        frames.append((k * S + 300000, synth.eth(synth.icmp_echo(VICTIM, ATTACKER, 7, k,
                                                                  reply=True))))
    return frames + echo_flood(300 * S)


def seconds_in(ts):
    """EVE timestamp -> seconds since the capture's start (synth.EPOCH)."""
    return datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() - synth.EPOCH


def check(name, frames, start_s):
    proc, events = replay_bytes(sys.argv[1], synth.pcap(sorted(frames, key=lambda f: f[0])),
                                FLOORS)
    alerts = [e for e in events if e.get("event_type") == "alert" and
              e["alert"].get("category") == "ICMP Flood"]
    toward = [a for a in alerts if a["dest_ip"] == "198.18.0.22"]
    wrong = [a for a in alerts if a["dest_ip"] != "198.18.0.22"]
    why = None
    if proc.returncode != 0:
        why = "replay exited %d: %s" % (proc.returncode, proc.stderr[-300:])
    elif not toward:
        why = "no ICMP flood alert toward 198.18.0.22 (alerts: %s)" % [
            (a["src_ip"], a["dest_ip"], a["timestamp"]) for a in alerts]
    elif wrong:
        why = "ICMP flood alerted toward %s from %s" % (wrong[0]["dest_ip"], wrong[0]["src_ip"])
    elif toward[0]["src_ip"] != "198.18.1.16":
        why = "the flood's source is %s" % toward[0]["src_ip"]
    elif not start_s <= seconds_in(toward[0]["timestamp"]) <= start_s + SECS + 1:
        why = "first alert at %.1f s, the flood is %d-%d s" % (
            seconds_in(toward[0]["timestamp"]), start_s, start_s + SECS)
    print("FAIL anomaly_flood_icmp_pair/%s: %s" % (name, why) if why else
          "PASS anomaly_flood_icmp_pair/%s" % name)
    return why is None


def main():
    good = check("opened_by_victim", opened_by_victim(), 20)
    good &= check("after_monitor_ping", after_monitor_ping(), 300)
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
