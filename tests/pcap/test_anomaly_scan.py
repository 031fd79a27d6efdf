#!/usr/bin/env python3
"""The scan detector (userspace/detect/scan.c) over synthetic captures (tests/pcap/synth.py
frames, written here): every technique is alerted with its sid, category, technique,
src (the scanner) and dest (the target, or none for a sweep) and its evidence; the
benign shapes (a busy client on many answered ports, a monitoring poller on 50 hosts
every minute, answered) raise no anomaly alert. The positives probe 30 ports or hosts
(the thresholds are 20 and 25: doubled, they fail), the slow scan 45 ports 70 s apart
(slow-ports 40 in an hour; the fast window never sees 20).

Then the real nmap captures in tests/pcaps/anomaly (nmap_*.pcap, recorded by
record_nmap.sh there): each is alerted with exactly the detections, technique, source,
target and window its line in nmap_GROUND_TRUTH.tsv gives, nothing else.

Prints PASS/FAIL lines for tests/run.sh. usage: test_anomaly_scan.py [EDGEWATCH]
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replay_run import replay_bytes  # noqa: E402
from result_lines import Results  # noqa: E402
import synth  # noqa: E402

BIN = sys.argv[1] if len(sys.argv) > 1 else ".output/asan/edgewatch"
RESULTS = Results("pcap/anomaly_scan")
CONFIG = "flow:\n  tcp-closed-timeout: 5\n"
FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
SCANNER, TARGET = synth.addr(0x0709), synth.addr(1)
MS = 10**6


def tcp_data(src, dst, sport, dport, flags, payload):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, flags, 65535, 0, 0)
    return synth.ipv4(6, src, dst, hdr + payload)


def icmp_echo(src, dst, type_, ident, seq):
    body = struct.pack("!BBHHH", type_, 0, 0, ident, seq) + b"edgewatch"
    return synth.ipv4(1, src, dst, body[:2] + struct.pack("!H", synth.csum(body)) + body[4:])


class Capture:
    def __init__(self):
        self.frames, self.t = [], 0

    def send(self, l3, gap_ns=MS):
        self.t += gap_ns
        self.frames.append((self.t, synth.eth(l3)))

    def tcp(self, src, dst, sport, dport, flags, gap_ns=MS):
        self.send(synth.tcp(src, dst, sport, dport, flags), gap_ns)

    def bytes(self):
        return synth.pcap(self.frames)


def port_scan(probe, ports=30, open_ports=(22, 80), gap_ns=MS):
    """probe(cap, port, is_open) for each port from 1 upwards."""
    cap = Capture()
    for i in range(ports):
        port = 20 + i
        probe(cap, port, port in open_ports, gap_ns)
    return cap.bytes()


def syn_probe(cap, port, is_open, gap_ns):
    cap.tcp(SCANNER, TARGET, 40000, port, SYN, gap_ns)
    if is_open:	# the scanner's kernel resets the SYN-ACK it did not ask for
        cap.tcp(TARGET, SCANNER, port, 40000, SYN | ACK)
        cap.tcp(SCANNER, TARGET, 40000, port, RST)
    else:
        cap.tcp(TARGET, SCANNER, port, 40000, RST | ACK)


def connect_probe(cap, port, is_open, gap_ns):
    sport = 50000 + port	# connect(): an ephemeral port each
    cap.tcp(SCANNER, TARGET, sport, port, SYN, gap_ns)
    if is_open:
        cap.tcp(TARGET, SCANNER, port, sport, SYN | ACK)
        cap.tcp(SCANNER, TARGET, sport, port, ACK)
        cap.tcp(SCANNER, TARGET, sport, port, RST | ACK)
    else:
        cap.tcp(TARGET, SCANNER, port, sport, RST | ACK)


def stealth_probe(flags):
    def probe(cap, port, is_open, gap_ns):
        cap.tcp(SCANNER, TARGET, 40000, port, flags, gap_ns)
        if not is_open or flags == ACK:	# open ports stay silent (RFC 793), ACK: RST
            cap.tcp(TARGET, SCANNER, port, 40000, RST)
    return probe


def udp_probe(cap, port, is_open, gap_ns):
    cap.send(synth.udp(SCANNER, TARGET, 40000, port, b""), gap_ns)


def sweep(kind, hosts=30, answering=3):
    cap = Capture()
    for i in range(hosts):
        dst = synth.addr(0x0100 + i)
        if kind == "icmp":
            cap.send(icmp_echo(SCANNER, dst, 8, 7, i))
            if i < answering:
                cap.send(icmp_echo(dst, SCANNER, 0, 7, i))
        elif kind == "tcp":
            cap.tcp(SCANNER, dst, 40000 + i, 445, SYN)
        else:
            cap.send(synth.udp(SCANNER, dst, 40000 + i, 161, b"\x30\x00"))
    return cap.bytes()


def busy_client():
    """A client on 40 ports of one server (HTTP keep-alive on many services), each
    answered: handshake, request, response, close."""
    cap = Capture()
    client = synth.addr(0x0201)
    for i in range(40):
        port, sport = 8000 + i, 41000 + i
        cap.tcp(client, TARGET, sport, port, SYN)
        cap.tcp(TARGET, client, port, sport, SYN | ACK)
        cap.tcp(client, TARGET, sport, port, ACK)
        cap.send(tcp_data(client, TARGET, sport, port, PSH | ACK, b"GET / HTTP/1.1\r\n\r\n"))
        cap.send(tcp_data(TARGET, client, port, sport, PSH | ACK, b"HTTP/1.1 200 OK\r\n\r\n"))
        cap.tcp(client, TARGET, sport, port, FIN | ACK)
        cap.tcp(TARGET, client, port, sport, FIN | ACK)
        cap.tcp(client, TARGET, sport, port, ACK)
    return cap.bytes()


def poller(rounds=3, hosts=50):
    """A monitoring poller: SNMP (161/udp, answered) and HTTPS (443, answered) on 50
    hosts, every minute."""
    cap = Capture()
    mon = synth.addr(0x0301)
    for r in range(rounds):
        cap.t = r * 60 * 10**9
        for i in range(hosts):
            dst, sport = synth.addr(0x0400 + i), 30000 + r * 100 + i
            cap.send(synth.udp(mon, dst, sport, 161, b"\x30\x00"))
            cap.send(synth.udp(dst, mon, 161, sport, b"\x30\x01"))
            cap.tcp(mon, dst, sport, 443, SYN)
            cap.tcp(dst, mon, 443, sport, SYN | ACK)
            cap.tcp(mon, dst, sport, 443, ACK)
            cap.send(tcp_data(mon, dst, sport, 443, PSH | ACK, b"\x16\x03\x01"))
            cap.send(tcp_data(dst, mon, 443, sport, PSH | ACK, b"\x16\x03\x03"))
            cap.tcp(mon, dst, sport, 443, RST | ACK)
    return cap.bytes()


def anomaly_alerts(name, capture):
    proc, events = replay_bytes(BIN, capture, CONFIG)
    if proc.returncode:
        RESULTS.result(name, "replay exited %d: %s" % (proc.returncode, proc.stderr[-300:]))
        return None
    return [e for e in events if e.get("event_type") == "alert" and "anomaly" in e]


def check_positive(name, capture, sid, technique, category, dest, distinct_at_least,
                   window_s=300):
    alerts = anomaly_alerts(name, capture)
    if alerts is None:
        return
    sids = sorted(set(a["alert"]["signature_id"] for a in alerts))
    if sids != [sid]:
        return RESULTS.result(name, "want only sid %d, got %s" % (sid, sids))
    a, end = alerts[0], alerts[-1]
    an = end["anomaly"]
    why = None
    if a["alert"]["category"] != category or an.get("technique") != technique:
        why = "category/technique %r/%r" % (a["alert"]["category"], an.get("technique"))
    elif a["src_ip"] != "198.18.7.9" or (dest and a["dest_ip"] != dest):
        why = "src/dest %s/%s" % (a["src_ip"], a["dest_ip"])
    elif a["anomaly"].get("episode") != "start" or an.get("episode") != "end":
        why = "episodes %s..%s" % (a["anomaly"].get("episode"), an.get("episode"))
    elif an.get("window") != window_s:
        why = "window %r, want %d" % (an.get("window_s"), window_s)
    elif not isinstance(an.get("distinct"), int) or an["distinct"] < distinct_at_least:
        why = "evidence %r: want distinct %d" % (an, distinct_at_least)
    RESULTS.result(name, why)


def check_negative(name, capture):
    alerts = anomaly_alerts(name, capture)
    if alerts is not None:
        RESULTS.result(name, None if not alerts else "%d anomaly alerts, first %s" %
                       (len(alerts), alerts[0]["alert"]["signature"]))


ANOMALY_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pcaps",
                           "anomaly")


def nmap_truth():
    """{capture: [row, ...]} from nmap_GROUND_TRUTH.tsv (one row per expected sid)."""
    keys = ("capture", "sid", "category", "technique", "src", "dest", "window_s",
            "distinct", "note")
    truth = {}
    with open(os.path.join(ANOMALY_DIR, "nmap_GROUND_TRUTH.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            row = dict(zip(keys, line.rstrip("\n").split("\t")))
            truth.setdefault(row["capture"], []).append(row)
    return truth


def check_nmap(capture, rows):
    name = "nmap/" + capture[len("nmap_"):-len(".pcap")]
    with open(os.path.join(ANOMALY_DIR, capture), "rb") as f:
        alerts = anomaly_alerts(name, f.read())
    if alerts is None:
        return
    want = sorted(int(r["sid"]) for r in rows)
    got = sorted(set(a["alert"]["signature_id"] for a in alerts))
    if got != want:
        return RESULTS.result(name, "want sids %s, got %s" % (want, got))
    for r in rows:
        mine = [a for a in alerts if a["alert"]["signature_id"] == int(r["sid"])]
        first, last = mine[0], mine[-1]
        an = last["anomaly"]
        why = None
        if any(a["alert"]["category"] != r["category"] or
               a["anomaly"].get("technique") != r["technique"] for a in mine):
            why = "category/technique %r/%r" % (first["alert"]["category"],
                                                 first["anomaly"].get("technique"))
        elif any(a["src_ip"] != r["src"] or (r["dest"] != "-" and a["dest_ip"] != r["dest"])
                 for a in mine):
            why = "src/dest %s/%s" % (first["src_ip"], first["dest_ip"])
        elif first["anomaly"].get("episode") != "start" or an.get("episode") != "end":
            why = "episodes %s..%s" % (first["anomaly"].get("episode"), an.get("episode"))
        elif an.get("window") != int(r["window_s"]):
            why = "window %r, want %s" % (an.get("window"), r["window_s"])
        elif not isinstance(an.get("distinct"), int) or an["distinct"] < int(r["distinct"]):
            why = "distinct %r, want at least %s" % (an.get("distinct"), r["distinct"])
        if why:
            return RESULTS.result(name, "sid %s: %s" % (r["sid"], why))
    RESULTS.result(name, None)


def main():
    target = "198.18.0.1"
    check_positive("syn_scan", port_scan(syn_probe), 9000101, "SYN scan", "Port Scan",
                   target, 30)
    check_positive("connect_scan", port_scan(connect_probe), 9000102, "connect scan",
                   "Port Scan", target, 30)
    check_positive("fin_scan", port_scan(stealth_probe(FIN)), 9000103, "FIN scan",
                   "Port Scan", target, 30)
    check_positive("null_scan", port_scan(stealth_probe(0)), 9000104, "NULL scan",
                   "Port Scan", target, 30)
    check_positive("xmas_scan", port_scan(stealth_probe(FIN | PSH | URG)), 9000105,
                   "Xmas scan", "Port Scan", target, 30)
    check_positive("ack_scan", port_scan(stealth_probe(ACK)), 9000106, "ACK scan",
                   "Port Scan", target, 30)
    check_positive("udp_scan", port_scan(udp_probe), 9000107, "UDP scan", "Port Scan",
                   target, 30)
    check_positive("icmp_sweep", sweep("icmp"), 9000111, "ICMP echo sweep", "Address Sweep",
                   None, 30)
    check_positive("tcp_sweep", sweep("tcp"), 9000112, "TCP sweep", "Address Sweep", None, 30)
    check_positive("udp_sweep", sweep("udp"), 9000113, "UDP sweep", "Address Sweep", None, 30)
    # 45 ports 70 s apart: at most 5 in any 300 s, 45 in the hour
    check_positive("slow_syn_scan", port_scan(syn_probe, ports=45, gap_ns=70 * 10**9),
                   9000101, "SYN scan", "Port Scan", target, 40, window_s=3600)
    check_negative("busy_client_answered_ports", busy_client())
    check_negative("poller_50_hosts_every_minute", poller())
    for capture, rows in sorted(nmap_truth().items()):
        check_nmap(capture, rows)
    return RESULTS.exit_code()


if __name__ == "__main__":
    sys.exit(main())
