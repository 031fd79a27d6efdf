#!/usr/bin/env python3
"""The amplification detector over replayed captures written here (tests/pcap/synth.py):
DNS answers of 1400 bytes nobody asked for, 30 from each of 30 reflectors (port 53) to one
target within 30 s (1.3 MB), are alerted (Amplification, DNS amplification, sid 9000401,
the target, 30 reflectors, bytes, mean answer size), and so are 15 reflectors' 1.05 MB
(just over both thresholds); the same from 5 reflectors is not
(under the 10-reflector threshold), nor is an NTP server answering 50 clients that asked
(the clients initiate the flows).
Usage: test_anomaly_amplification.py EDGEWATCH"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth  # noqa: E402
from replay_run import replay_bytes  # noqa: E402

TARGET = bytes([198, 19, 0, 1])
ANSWER = b"\x81\x80" + b"a" * 1398  # a DNS answer's flags, padded to 1400 bytes


def reflection(reflectors, answers):
    """answers unsolicited DNS answers from each of reflectors 198.18.0.x:53 to TARGET."""
    frames = []
    for i in range(reflectors * answers):
        ts = i * 30 * 10**9 // (reflectors * answers)
        src = synth.addr(1 + i % reflectors)
        frames.append((ts, synth.eth(synth.udp(src, TARGET, 53, 33333, ANSWER))))
    return synth.pcap(frames)


def ntp_server(clients, exchanges):
    """clients 198.18.1.x ask the NTP server 198.19.0.1:123 and get 48-byte answers."""
    frames = []
    for c in range(clients):
        for e in range(exchanges):
            ts = (c * exchanges + e) * 10**8
            cli = synth.addr(256 + c)
            frames.append((ts, synth.eth(synth.udp(cli, TARGET, 40000 + c, 123, b"\x23" +
                                                   b"\0" * 47))))
            frames.append((ts + 10**6, synth.eth(synth.udp(TARGET, cli, 123, 40000 + c,
                                                           b"\x24" + b"\0" * 47))))
    return synth.pcap(frames)


def amp_alerts(events):
    return [e for e in events if e.get("event_type") == "alert" and
            e["alert"].get("category") == "Amplification"]


def check(name, ok, why):
    ok = bool(ok)
    print(("PASS %s" % name) if ok else ("FAIL %s: %s" % (name, why)))
    return ok


def main():
    binary = sys.argv[1]
    good = True
    proc, events = replay_bytes(binary, reflection(30, 30))
    alerts = amp_alerts(events)
    a = alerts[0] if alerts else {}
    last = alerts[-1].get("anomaly", {}) if alerts else {}
    good &= check("anomaly_amplification/dns_30_reflectors",
                  proc.returncode == 0 and alerts and a["alert"]["signature_id"] == 9000401 and
                  a["anomaly"].get("technique") == "DNS amplification" and
                  a["dest_ip"] == "198.19.0.1" and a["src_ip"].startswith("198.18.0.") and
                  last.get("reflectors_total") == 30 and len(last.get("reflectors", [])) == 16
                  and last.get("bytes", 0) > 1000000 and
                  1400 <= last.get("mean_answer_size", 0) < 1500,
                  "rc %d, alerts %s, stderr %s" % (proc.returncode, alerts[-1:],
                                                   proc.stderr[-300:]))
    # 15 reflectors (just over 10; doubling the threshold silences it), 1.05 MB
    proc, events = replay_bytes(binary, reflection(15, 50))
    alerts = amp_alerts(events)
    last = alerts[-1].get("anomaly", {}) if alerts else {}
    good &= check("anomaly_amplification/dns_15_reflectors",
                  proc.returncode == 0 and alerts and last.get("reflectors_total") == 15,
                  "rc %d, alerts %s" % (proc.returncode, alerts[-1:]))
    proc, events = replay_bytes(binary, reflection(5, 180))
    alerts = amp_alerts(events)
    good &= check("anomaly_amplification/five_reflectors_quiet",
                  proc.returncode == 0 and not alerts and events,
                  "rc %d, alerts %s" % (proc.returncode, alerts[:1]))
    proc, events = replay_bytes(binary, ntp_server(50, 5))
    alerts = amp_alerts(events)
    good &= check("anomaly_amplification/ntp_server_answering_clients_quiet",
                  proc.returncode == 0 and not alerts and events,
                  "rc %d, alerts %s" % (proc.returncode, alerts[:1]))
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
