#!/usr/bin/env python3
"""The amplification detector over replayed captures written here (tests/pcap/synth.py):
DNS answers of 1400 bytes nobody asked for, 30 from each of 30 reflectors (port 53) to one
target within 30 s (1.3 MB), are alerted (Amplification, DNS amplification, sid 9000401,
the target, 30 reflectors, bytes, mean answer size), and so are 15 reflectors' 1.05 MB
(just over both thresholds); the same from 5 reflectors is not
(under the 10-reflector threshold), nor is an NTP server answering 50 clients that asked
(the clients initiate the flows).

The other side (sid 9000431, Reflection): an open resolver 198.18.0.53 answering 400
spoofed sources one ANY query each with 3000-byte answers (three IPv4 fragments) in 30 s
(1.2 MB) is alerted (src the resolver, sources_total about 400); a resolver answering 100
ordinary clients in 30 s (40 queries each, 100-500 byte answers, one in 50 a 1400-byte
DNSSEC one: 1.2 MB to 100 sources, so only the ratios keep it quiet) is not; and neither
raises any other anomaly alert.
Usage: test_anomaly_amplification.py EDGEWATCH"""
import os
import random
import struct
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


RESOLVER = synth.addr(53)	# 198.18.0.53


def ipv4_fragments(proto, src, dst, l4, ident, chunk=1480):
    """l4 as IPv4 fragments of at most chunk payload bytes (a multiple of 8)."""
    out = []
    for off in range(0, len(l4), chunk):
        part = l4[off:off + chunk]
        more = 0x2000 if off + chunk < len(l4) else 0
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(part), ident, more | off // 8,
                         64, proto, 0, src, dst)
        out.append(ip[:10] + struct.pack("!H", synth.csum(ip)) + ip[12:] + part)
    return out


def dns_query(ident, any_query):
    """A DNS query for example.com, type ANY (255) or A (1), with an EDNS OPT record."""
    return (struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 1) + b"\x07example\x03com\x00" +
            struct.pack("!HH", 255 if any_query else 1, 1) + b"\x00\x00\x29\x10\x00" +
            b"\x00" * 6)


def dns_answer(ident, size):
    return struct.pack("!HHHHHH", ident, 0x8180, 1, 1, 0, 0) + b"a" * (size - 12)


def open_resolver_spoofed(sources):
    """One ANY query from each spoofed source, a 3000-byte answer each, in 30 s."""
    frames = []
    for i in range(sources):
        ts = i * 30 * 10**9 // sources
        src = bytes([198, 19, i >> 8, i & 0xFF])
        q = synth.udp(src, RESOLVER, 20000 + i, 53, dns_query(i, True))
        frames.append((ts, synth.eth(q)))
        answer = struct.pack("!HHHH", 53, 20000 + i, 8 + 3000, 0) + dns_answer(i, 3000)
        for j, frag in enumerate(ipv4_fragments(17, RESOLVER, src, answer, 1000 + i)):
            frames.append((ts + 10**5 + j * 1000, synth.eth(frag)))
    return synth.pcap(frames)


def resolver_clients(clients, queries, seed=9):
    """Ordinary clients asking the resolver: each query from its own port, answers
    of 100-500 bytes, one in 50 a 1400-byte DNSSEC answer, in 30 s."""
    rnd = random.Random(seed)
    frames = []
    total = clients * queries
    for n in range(total):
        ts = n * 30 * 10**9 // total  # one window (the capture starts 20 s into one)
        cli = synth.addr(256 + n % clients)
        port = 30000 + n
        size = 1400 if n % 50 == 0 else rnd.randrange(100, 500)
        frames.append((ts, synth.eth(synth.udp(cli, RESOLVER, port, 53, dns_query(n, False)))))
        frames.append((ts + 10**6, synth.eth(synth.udp(RESOLVER, cli, 53, port,
                                                       dns_answer(n, size)))))
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
    good &= check_resolvers(binary)
    return 0 if good else 1


def anomaly_alerts(events):
    return [e for e in events if e.get("event_type") == "alert" and "anomaly" in e]


def check_resolvers(binary):
    good = True
    proc, events = replay_bytes(binary, open_resolver_spoofed(400))
    alerts = anomaly_alerts(events)
    a = alerts[0] if alerts else {}
    last = alerts[-1].get("anomaly", {}) if alerts else {}
    stats = [e["stats"] for e in events if e.get("event_type") == "stats"]
    good &= check("anomaly_amplification/open_resolver_used_as_reflector",
                  proc.returncode == 0 and alerts and
                  {x["alert"]["signature_id"] for x in alerts} == {9000431} and
                  a["alert"]["category"] == "Reflection" and
                  a["anomaly"].get("technique") == "used as a reflector" and
                  a["src_ip"] == "198.18.0.53" and a["src_port"] == 53 and
                  a["dest_ip"].startswith("198.19.") and
                  360 <= last.get("sources_total", 0) <= 440 and
                  last.get("bytes", 0) >= 1200000 and last.get("ratio", 0) >= 10,
                  "rc %d, alerts %s, stderr %s" % (proc.returncode, alerts[-1:],
                                                   proc.stderr[-300:]))
    # the stats say what could not be judged (records too late for their window)
    good &= check("anomaly_amplification/stats_late",
                  stats and stats[-1]["anomaly"]["detectors"]["amplification"].get("late")
                  == 0 and "late" in stats[-1]["anomaly"]["detectors"]["flood"],
                  "stats %s" % (stats[-1:] and stats[-1].get("anomaly")))
    proc, events = replay_bytes(binary, resolver_clients(100, 40))
    alerts = anomaly_alerts(events)
    good &= check("anomaly_amplification/resolver_answering_clients_quiet",
                  proc.returncode == 0 and not alerts and events,
                  "rc %d, alerts %s" % (proc.returncode, alerts[:1]))
    return good


if __name__ == "__main__":
    sys.exit(main())
