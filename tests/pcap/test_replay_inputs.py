#!/usr/bin/env python3
"""What replay does with the captures it can be given: every link type it reads (Ethernet,
Linux cooked SLL and SLL2, raw IP, BSD loopback), pcapng as well as pcap, frames too short
for the kernel to run (counted by replay itself), a capture cut in the middle of a record
and one that is not a capture at all. The captures are written here, byte by byte, from
one IPv4 UDP datagram and one IPv6 TCP SYN, so each case knows exactly what to expect.

Prints PASS/FAIL lines for tests/run.sh. usage: test_replay_inputs.py [EDGEWATCH]
"""
import collections
import hashlib
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

from replay_run import replay_bytes
from result_lines import Results
from synth import csum, pcapng as synth_pcapng

BIN = sys.argv[1] if len(sys.argv) > 1 else ".output/asan/edgewatch"
RESULTS = Results("pcap/replay_inputs")
result = RESULTS.result


def ipv4_udp():
    payload = b"hello edge"
    udp = struct.pack("!HHHH", 40000, 53, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     bytes([198, 18, 0, 2]), bytes([198, 18, 0, 1]))
    return ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + udp


def ipv6_tcp_syn():
    tcp = struct.pack("!HHIIBBHHH", 40001, 22, 1, 0, 5 << 4, 0x02, 65535, 0, 0)
    src = bytes.fromhex("20010db8000000000000000000000002")
    dst = bytes.fromhex("20010db8000000000000000000000001")
    return struct.pack("!IHBB", 6 << 28, len(tcp), 6, 64) + src + dst + tcp


def eth(ethertype, l3):
    return b"\x02\0\0\0\0\x01" + b"\x02\0\0\0\0\x02" + struct.pack("!H", ethertype) + l3


def sll(ethertype, l3):
    return struct.pack("!HHH8sH", 0, 1, 6, b"\x02\0\0\0\0\x02\0\0", ethertype) + l3


def sll2(ethertype, l3):
    return struct.pack("!HHIHBB8s", ethertype, 0, 1, 1, 0, 6, b"\x02\0\0\0\0\x02\0\0") + l3


def loopback(family, l3):
    return struct.pack("=I", family) + l3


def pcap(linktype, frames, cut=0):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)
    for i, f in enumerate(frames):
        out += struct.pack("<IIII", 1700000000 + i, 0, len(f), len(f)) + f
    return out[:len(out) - cut] if cut else out


def replay(data, suffix=".pcap"):
    return replay_bytes(BIN, data, suffix=suffix, timeout=60)


def flows(events):
    return sorted((e["src_ip"], e.get("dest_port", 0), e["flow"]["pkts_toserver"],
                   e["flow"]["bytes_toserver"]) for e in events if e["event_type"] == "flow")


def final_stats(events):
    stats = [e["stats"] for e in events if e["event_type"] == "stats"]
    return stats[-1] if stats else None


def outcome(stats, name):
    return stats["datapath"]["xdp_ingress"]["outcome"][name]


V4, V6 = ipv4_udp(), ipv6_tcp_syn()
WANT = [("198.18.0.2", 53, 1, None), ("2001:db8::2", 22, 1, None)]


def check_link_type(name, data, suffix=".pcap", frame_lens=None):
    proc, events = replay(data, suffix)
    if proc.returncode != 0:
        return result(name, "exit %d: %s" % (proc.returncode, proc.stderr.strip()[-200:]))
    got = flows(events)
    want = sorted((ip, port, pkts, frame_lens[i]) for i, (ip, port, pkts, _) in
                  enumerate(WANT))
    stats = final_stats(events)
    if got != want:
        return result(name, "flows %s, want %s" % (got, want))
    if not stats or not stats["conservation"]["balanced"]:
        return result(name, "no balanced stats event")
    result(name)


frames = {
    "ethernet": (1, [eth(0x0800, V4), eth(0x86DD, V6)]),
    "linux_sll": (113, [sll(0x0800, V4), sll(0x86DD, V6)]),
    "linux_sll2": (276, [sll2(0x0800, V4), sll2(0x86DD, V6)]),
    "raw_ip": (101, [V4, V6]),
    "bsd_loopback": (0, [loopback(2, V4), loopback(24, V6)]),
}
for name, (linktype, fs) in frames.items():
    # bytes are the capture's frame lengths, whatever the link layer
    check_link_type(name, pcap(linktype, fs), frame_lens=[len(f) for f in fs])
# microsecond timestamps (no if_tsresol), a second apart
ETH_FRAMES = frames["ethernet"][1]
check_link_type("pcapng_ethernet",
                synth_pcapng([(i * 10**9, f) for i, f in enumerate(ETH_FRAMES)], nanoseconds=False),
                ".pcapng", frame_lens=[len(f) for f in ETH_FRAMES])

# Frames the kernel will not run (shorter than Ethernet): replay counts them itself.
proc, events = replay(pcap(1, [eth(0x0800, V4), b"", b"\x02" * 10]))
stats = final_stats(events)
if proc.returncode != 0 or not stats:
    result("frames_shorter_than_ethernet", "exit %d, stats %s" % (proc.returncode, bool(stats)))
elif (outcome(stats, "pkt_empty"), outcome(stats, "pkt_trunc_eth")) != (1, 1) or \
        stats["conservation"]["packets_seen"] != 3 or not stats["conservation"]["balanced"]:
    result("frames_shorter_than_ethernet", "counters %s" % json.dumps(stats["conservation"]))
else:
    result("frames_shorter_than_ethernet")

# A capture cut inside its last record: an error naming the file and the frame, after
# the frames read before it have been reported.
proc, events = replay(pcap(1, [eth(0x0800, V4), eth(0x86DD, V6)], cut=20))
stats = final_stats(events)
if proc.returncode == 0:
    result("truncated_capture", "exit 0 for a truncated capture")
elif "after frame 1" not in proc.stderr or "capture.pcap" not in proc.stderr:
    result("truncated_capture", "error does not name file and frame: %s" % proc.stderr.strip())
elif flows(events) != [("198.18.0.2", 53, 1, len(eth(0x0800, V4)))] or not stats:
    result("truncated_capture", "what was read before was not reported: %s" % flows(events))
else:
    result("truncated_capture")

# Not a capture at all.
proc, events = replay(b"this is not a capture\n" * 4)
if proc.returncode == 0 or "capture.pcap" not in proc.stderr:
    result("not_a_capture", "exit %d: %s" % (proc.returncode, proc.stderr.strip()))
else:
    result("not_a_capture")

# An unsupported link type is named.
proc, events = replay(pcap(105, [V4]))	# 802.11
if proc.returncode == 0 or "unsupported link type 105" not in proc.stderr:
    result("unsupported_link_type", "exit %d: %s" % (proc.returncode, proc.stderr.strip()))
else:
    result("unsupported_link_type")

# Every capture is checked before anything is written: a missing second capture is an
# error naming it, and no EVE file (not even a stats event) is made.
with tempfile.TemporaryDirectory() as d:
    cap, eve = os.path.join(d, "good.pcap"), os.path.join(d, "eve.json")
    with open(cap, "wb") as f:
        f.write(pcap(1, [eth(0x0800, V4)]))
    missing = os.path.join(d, "missing.pcap")
    proc = subprocess.run([BIN, "replay", "-o", eve, cap, missing], capture_output=True,
                          text=True, timeout=120)
    if proc.returncode != 1 or "missing.pcap" not in proc.stderr:
        result("missing_capture_writes_nothing", "exit %d: %s" % (proc.returncode,
                                                                  proc.stderr.strip()[-300:]))
    elif os.path.exists(eve):
        result("missing_capture_writes_nothing", "an EVE file was written: %r" %
               open(eve).read()[:200])
    else:
        result("missing_capture_writes_nothing")


# The closing summary on stderr agrees with the EVE file: packets, flow records, alerts
# by signature, lines written (a capture with payload-rule alerts and its config).
def check_summary(name, config, capture):
    with tempfile.TemporaryDirectory() as d:
        eve = os.path.join(d, "eve.json")
        proc = subprocess.run([BIN, "replay", "-c", config, "-o", eve, capture],
                              capture_output=True, text=True, timeout=300)
        if proc.returncode != 0:
            return result(name, "exit %d: %s" % (proc.returncode, proc.stderr[-300:]))
        with open(eve) as f:
            events = [json.loads(line) for line in f if line.strip()]
    err = proc.stderr
    stats = final_stats(events)
    alerts = collections.Counter("[%d:%d:%d]" % (e["alert"]["gid"], e["alert"]["signature_id"],
                                                 e["alert"]["rev"])
                                 for e in events if e["event_type"] == "alert")
    records = [e for e in events if e["event_type"] == "flow"]
    want = [r"replay summary: 1 capture, %d packets in " % stats["conservation"]["packets_seen"],
            r"flows: %d records \(%d packets" % (len(records), sum(
                r["flow"]["pkts_toserver"] + r["flow"]["pkts_toclient"] for r in records)),
            r"alerts: %d" % sum(alerts.values()),
            r"events written: %d EVE lines, 0 lost" % len(events)]
    want += [r"\s%d  %s " % (n, re.escape(sig)) for sig, n in alerts.items()]
    missing = [w for w in want if not re.search(w, err)]
    if not alerts:
        return result(name, "the capture raised no alert: nothing to list")
    if missing:
        return result(name, "summary lacks %s in: %s" % (missing, err[-600:]))
    quiet = subprocess.run([BIN, "replay", "-q", "-c", config, "-o", "/dev/null", capture],
                           capture_output=True, text=True, timeout=300)
    if "replay summary" in quiet.stderr:
        return result(name, "-q still printed the summary")
    result(name)


check_summary("summary_matches_eve", "tests/config/alerts.yaml",
              "tests/pcaps/exploit_log4shell-useragent.pcap")

# --version: the release, the git revision, the embedded BPF object's hash (the object
# the build made), the libraries.
proc = subprocess.run([BIN, "--version"], capture_output=True, text=True, timeout=30)
obj = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(BIN))), "datapath.bpf.o")
if not os.path.exists(obj):	# the release binary: .output/edgewatch
    obj = os.path.join(os.path.dirname(os.path.abspath(BIN)), "datapath.bpf.o")
digest = hashlib.sha256(open(obj, "rb").read()).hexdigest() if os.path.exists(obj) else None
lines = dict(line.split(": ", 1) for line in proc.stdout.splitlines() if ": " in line)
if proc.returncode != 0 or not re.match(r"edgewatch \d+\.\d+\.\d+$", proc.stdout.splitlines()[0]):
    result("version", "exit %d: %s" % (proc.returncode, proc.stdout))
elif digest and lines.get("BPF object sha256") != digest:
    result("version", "BPF object hash %s, the object's %s" % (lines.get("BPF object sha256"),
                                                             digest))
elif not all(k in lines for k in ("git revision", "libbpf", "Hyperscan", "OpenSSL")):
    result("version", "missing fields: %s" % proc.stdout)
else:
    result("version")

sys.exit(RESULTS.exit_code())
