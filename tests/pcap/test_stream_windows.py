#!/usr/bin/env python3
"""Rules that a segmented request cannot evade, through the real pipeline (`edgewatch
replay` with the shipped rules): every shipped rule's positive TCP sample
(tests/rules/samples/SID.pos) is sent as its own TCP connection (handshake, the sample
in the direction its header says, PSH on the last data segment, FIN both ways), all of
them in one capture per way of cutting it:

- whole: one segment (the reference);
- seg1, seg7, seg24: segments of 1, 7 and 24 bytes, in order;
- swap7, swap24: 7- and 24-byte segments with each pair of neighbours swapped;
- overlap: 24-byte segments, each followed by a retransmission of itself whose bytes are
  all different (first copy wins: the retransmissions must change nothing);
- hole: 24-byte segments with the one holding the middle byte left out; its reference
  is a capture holding only what precedes the hole, in one segment.

Each capture must raise, flow by flow, exactly the sids its reference raises (one alert
per sid and flow), and the reference must raise the sample's own sid for every sample
(otherwise the comparison would prove nothing). The configuration snaps 4096 bytes and
takes up to 4096 segments per direction, so that the 1-byte cut of the longest sample
is all sampled. With the window off (sampling.stream-depth: 0), seg7 must miss alerts:
what this test guards is the reassembly.

Prints PASS/FAIL stream_windows/<mode> lines for tests/run.sh.
"""
import collections
import glob
import ipaddress
import os
import re
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import synth  # noqa: E402
from replay_run import replay_bytes  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SAMPLES = os.path.join(ROOT, "tests", "rules", "samples")
CONFIG = """home-net: [198.18.0.0/15, 2001:db8::/32]
management:
  addresses: [198.19.255.254/32]
sampling:
  snaplen: 4096
  stream-depth: %d
  stream-segments: 4096
rules:
  files: [%s/rules/*.rules]
  classification: %s/rules/classification.config
  cache-dir: %s
"""
TCP_PSH = 0x08
# one compiled ruleset for every replay of the run (loading is most of a replay's time)
CACHE = tempfile.TemporaryDirectory()
SERVERS = ("198.18.0.1", "2001:db8::1")
CLIENT_ISN, SERVER_ISN = 1000, 700000


def load_samples():
    """[(sid, header dict, payload)] of the TCP positive samples."""
    out = []
    for path in sorted(glob.glob(os.path.join(SAMPLES, "*.pos"))):
        data = open(path, "rb").read()
        hdr = {}
        if data.startswith(b"#!sample"):
            line, data = data.split(b"\n", 1)
            hdr = dict(f.split("=", 1) for f in line.decode().split()[1:])
        if hdr.get("proto", "tcp") != "tcp" or not data:
            continue
        out.append((int(re.match(r"(\d+)", os.path.basename(path)).group(1)), hdr, data))
    return out


def ip6(proto, src, dst, l4):
    return struct.pack("!IHBB16s16s", 6 << 28, len(l4), proto, 64, src, dst) + l4


def tcp(src, dst, sport, dport, seq, ack, flags, payload, v6):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack, 5 << 4, flags,
                      65535, 0, 0)
    if v6:
        return synth.eth(ip6(6, src, dst, hdr + payload), 0x86DD)
    return synth.eth(synth.ipv4(6, src, dst, hdr + payload))


def cut(data, size):
    """[(offset, bytes)] of size-byte segments."""
    return [(o, data[o:o + size]) for o in range(0, len(data), size)]


def swapped(segs):
    out = list(segs)
    for i in range(0, len(out) - 1, 2):
        out[i], out[i + 1] = out[i + 1], out[i]
    return out


def with_overlaps(segs):
    out = []
    for off, b in segs:
        out += [(off, b), (off, bytes((c + 1) & 0xFF for c in b))]
    return out


def hole_at(data):
    """The 24-byte segment holding the middle byte: (start, end)."""
    start = (len(data) // 2) // 24 * 24
    return start, min(start + 24, len(data))


def segments(mode, data):
    if mode == "whole":
        return [(0, data)]
    if mode == "prefix":
        return [(0, data[:hole_at(data)[0]])] if hole_at(data)[0] else []
    if mode.startswith("seg"):
        return cut(data, int(mode[3:]))
    if mode.startswith("swap"):
        return swapped(cut(data, int(mode[4:])))
    if mode == "overlap":
        return with_overlaps(cut(data, 24))
    if mode == "hole":
        start = hole_at(data)[0]
        return [s for s in cut(data, 24) if s[0] != start]
    raise ValueError(mode)


def connection(index, hdr, data, mode, t0):
    """Frames of one connection carrying data in the sample's direction, cut by mode."""
    v6 = hdr.get("family") == "6" or ":" in hdr.get("src", "") + hdr.get("dst", "")
    to_client = hdr.get("dir") == "to_client"
    # each connection its own client address, so flows never share a 5-tuple
    if v6:
        client = bytes.fromhex("20010db8000000000000000000%06x" % (0x10000 + index))
        server = bytes.fromhex("20010db8000000000000000000000001")
    else:
        client = bytes([198, 18, 100 + index // 250, 1 + index % 250])
        server = bytes([198, 18, 0, 1])
    sport, dport = int(hdr.get("sport", 40000)), int(hdr.get("dport", 80))
    cport, sv_port = (dport, sport) if to_client else (sport, dport)
    c_next, s_next = CLIENT_ISN + 1, SERVER_ISN + 1
    f = [(synth.TCP_SYN, True, CLIENT_ISN, 0, b""),
         (synth.TCP_SYN | synth.TCP_ACK, False, SERVER_ISN, c_next, b""),
         (synth.TCP_ACK, True, c_next, s_next, b"")]
    segs = segments(mode, data)
    last = max((o for o, _ in segs), default=-1)
    for off, b in segs:
        flags = synth.TCP_ACK | (TCP_PSH if off == last else 0)
        if to_client:
            f.append((flags, False, s_next + off, c_next, b))
        else:
            f.append((flags, True, c_next + off, s_next, b))
    end_c, end_s = c_next + (0 if to_client else len(data)), s_next + (len(data) if to_client else 0)
    f += [(synth.TCP_FIN | synth.TCP_ACK, True, end_c, end_s, b""),
          (synth.TCP_FIN | synth.TCP_ACK, False, end_s, end_c + 1, b""),
          (synth.TCP_ACK, True, end_c + 1, end_s + 1, b"")]
    frames = []
    for i, (flags, from_client, seq, ack, payload) in enumerate(f):
        src, dst, sp, dp = ((client, server, cport, sv_port) if from_client
                            else (server, client, sv_port, cport))
        frames.append((t0 + i * 1000, tcp(src, dst, sp, dp, seq, ack, flags, payload, v6)))
    return frames


def capture(samples, mode):
    frames = []
    for i, (sid, hdr, data) in enumerate(samples):
        frames += connection(i, hdr, data, mode, i * 10**7)
    return synth.pcap(frames)


def alerts_by_flow(binary, samples, mode, depth=4096):
    """{sample index: Counter of sids} from replaying the capture, or (None, why)."""
    cfg = CONFIG % (depth, ROOT, ROOT, CACHE.name)
    proc, events = replay_bytes(binary, capture(samples, mode), cfg, timeout=900)
    if proc.returncode != 0:
        return None, "replay exited %d: %s" % (proc.returncode, proc.stderr[-500:])
    got = collections.defaultdict(collections.Counter)
    for e in events:
        if e.get("event_type") != "alert":
            continue
        addr = ipaddress.ip_address(e["dest_ip"] if e["src_ip"] in SERVERS else e["src_ip"])
        if addr.version == 6:
            index = (int(addr) & 0xFFFFFF) - 0x10000
        else:
            o = addr.packed
            index = (o[2] - 100) * 250 + o[3] - 1
        got[index][e["alert"]["signature_id"]] += 1
    return got, None


def describe(samples, index):
    return "sample %d.pos" % samples[index][0]


def compare(samples, mode, got, want):
    problems = []
    for i in range(len(samples)):
        if got.get(i, collections.Counter()) != want.get(i, collections.Counter()):
            problems.append("%s: %s, unsplit %s" % (describe(samples, i),
                                                     dict(got.get(i, {})),
                                                     dict(want.get(i, {}))))
    return problems


def main():
    binary = sys.argv[1]
    samples = load_samples()
    if not samples:
        print("FAIL stream_windows/samples: no TCP positive samples in %s" % SAMPLES)
        return 1
    failed = 0
    ref, why = alerts_by_flow(binary, samples, "whole")
    if ref is None:
        print("FAIL stream_windows/whole: %s" % why)
        return 1
    missing = [describe(samples, i) for i, (sid, _, _) in enumerate(samples) if not ref[i][sid]]
    twice = [describe(samples, i) for i in ref for n in ref[i].values() if n > 1]
    if missing or twice:
        print("FAIL stream_windows/whole: own sid not raised by %s; twice on %s"
              % (missing, twice))
        failed = 1
    else:
        print("PASS stream_windows/whole")
    prefix, why = alerts_by_flow(binary, samples, "prefix")
    for mode in ["seg1", "seg7", "seg24", "swap7", "swap24", "overlap", "hole"]:
        got, why = alerts_by_flow(binary, samples, mode)
        want = prefix if mode == "hole" else ref
        if got is None or want is None:
            print("FAIL stream_windows/%s: %s" % (mode, why))
            failed = 1
            continue
        problems = compare(samples, mode, got, want)
        if problems:
            print("FAIL stream_windows/%s: %d of %d samples differ: %s"
                  % (mode, len(problems), len(samples), "; ".join(problems[:5])))
            failed = 1
        else:
            print("PASS stream_windows/%s" % mode)
    # the guard: without the window, a 7-byte cut loses alerts
    got, why = alerts_by_flow(binary, samples, "seg7", depth=0)
    lost = got is not None and compare(samples, "seg7", got, ref)
    if got is None or not lost:
        print("FAIL stream_windows/window_off_misses: %s" % (why or "seg7 alerted as unsplit "
                                                            "without the stream window"))
        failed = 1
    else:
        print("PASS stream_windows/window_off_misses")
    return failed


if __name__ == "__main__":
    sys.exit(main())
