"""Captures written byte by byte for the pcap tests that need traffic of a given shape
(sparse in time, more flows than the table holds): Ethernet + IPv4 + UDP/TCP frames and a
classic pcap file around them, with timestamps in nanoseconds. Addresses stay in
198.18.0.0/15.

Also a command line, to make the captures the benchmarks in BENCHMARKS.md use:
    python3 tests/pcap/synth.py sparse OUT.pcap FRAMES GAP_SECONDS
    python3 tests/pcap/synth.py synflood OUT.pcap FRAMES SECONDS REPEATS
"""
import random
import struct
import sys

TCP_FIN, TCP_SYN, TCP_RST, TCP_ACK = 0x01, 0x02, 0x04, 0x10
EPOCH = 1700000000


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def addr(host):
    """198.18.x.y for a host number below 65,536."""
    return bytes([198, 18, (host >> 8) & 0xFF, host & 0xFF])


def ipv4(proto, src, dst, l4):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0, src, dst)
    return ip[:10] + struct.pack("!H", csum(ip)) + ip[12:] + l4


def udp(src, dst, sport, dport, payload=b"edge"):
    return ipv4(17, src, dst, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) +
                payload)


def tcp(src, dst, sport, dport, flags, payload=b"", seq=1):
    return ipv4(6, src, dst, struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags,
                                         65535, 0, 0) + payload)


def tcp_session(src, dst, sport, dport, t0, to_server, to_client, duration_s, mss=1400):
    """A whole TCP connection as (ts ns, frame) pairs from t0 (ns): handshake, the server
    speaks first (a banner), to_server / to_client payload bytes in alternating segments of
    at most mss, then the client closes (FIN both ways) duration_s after the SYN."""
    f, t = [], t0
    end = t0 + int(duration_s * 10**9)
    f.append((t, eth(tcp(src, dst, sport, dport, TCP_SYN))))
    f.append((t + 1000, eth(tcp(dst, src, dport, sport, TCP_SYN | TCP_ACK))))
    f.append((t + 2000, eth(tcp(src, dst, sport, dport, TCP_ACK))))
    segs = []
    c, s = to_server, to_client
    while c > 0 or s > 0:
        if s > 0:
            segs.append((dst, src, dport, sport, min(s, mss)))
            s -= mss
        if c > 0:
            segs.append((src, dst, sport, dport, min(c, mss)))
            c -= mss
    step = max(1, (end - t - 10000) // (len(segs) + 1))
    for i, (a, b, pa, pb, n) in enumerate(segs):
        f.append((t + 3000 + (i + 1) * step, eth(tcp(a, b, pa, pb, TCP_ACK, b"x" * n))))
    f.append((end, eth(tcp(src, dst, sport, dport, TCP_FIN | TCP_ACK))))
    f.append((end + 1000, eth(tcp(dst, src, dport, sport, TCP_FIN | TCP_ACK))))
    f.append((end + 2000, eth(tcp(src, dst, sport, dport, TCP_ACK))))
    return f


def icmp_echo(src, dst, ident, seq, reply=False, payload=b"edgewatch-ping-56"):
    body = struct.pack("!BBHHH", 0 if reply else 8, 0, 0, ident, seq) + payload
    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
    return ipv4(1, src, dst, body)


def eth(l3, ethertype=0x0800):
    return b"\x02\0\0\0\0\x01" + b"\x02\0\0\0\0\x02" + struct.pack("!H", ethertype) + l3


def pcap(frames):
    """frames: (timestamp ns since EPOCH, frame bytes) -> a pcap (nanosecond) file's bytes."""
    out = [struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 1)]
    for ts, f in frames:	# a list joined once: += on bytes is quadratic
        out.append(struct.pack("<IIII", EPOCH + ts // 10**9, ts % 10**9, len(f), len(f)))
        out.append(f)
    return b"".join(out)


def pcapng(frames, linktype=1, nanoseconds=True, pad=0):
    """frames: (timestamp ns since EPOCH, frame bytes) -> a pcapng file's bytes: one
    section, one interface of linktype with nanosecond (if_tsresol 9) or the default
    microsecond timestamps; pad: that many bytes of an unknown (local-use) block after
    the interface block, which a reader skips."""
    def block(btype, body):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
    idb = struct.pack("<HHI", linktype, 0, 65535)
    if nanoseconds:	# if_tsresol 9, then opt_endofopt
        idb += struct.pack("<HHB3x", 9, 1, 9) + struct.pack("<HH", 0, 0)
    out = [block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)), block(1, idb)]
    if pad:
        out.append(block(0x80000BAD, b"\0" * pad))
    for ts, f in frames:
        ts = EPOCH * 10**9 + ts
        if not nanoseconds:
            ts //= 1000
        out.append(block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(f),
                                        len(f)) + f))
    return b"".join(out)


def sparse(count, gap_s):
    """One UDP exchange every gap_s seconds, all in one flow (a quiet link's keepalive)."""
    return [(i * gap_s * 10**9, eth(udp(addr(2), addr(1), 40000, 123))) for i in range(count)]


def synflood(count, seconds, repeats, seed=11):
    """A spoofed-source SYN flood (hping3 --rand-source to one web server): count SYNs
    evenly over seconds, from random sources of 198.18.0.0/15 and random ports (seeded:
    the same bytes every time), then the same SYNs again repeats - 1 times, each copy
    shifted by seconds: every source comes back within the idle timeout, so each flow
    holds one packet per copy (the replay benchmark's capture)."""
    rng = random.Random(seed)
    step = seconds * 10**9 // count
    base = []
    for i in range(count):
        src = bytes([198, 18 + rng.getrandbits(1), rng.getrandbits(8), rng.getrandbits(8)])
        base.append((i * step, eth(tcp(src, addr(1), 1024 + rng.getrandbits(15), 80,
                                       TCP_SYN))))
    return [(ts + r * seconds * 10**9, f) for r in range(repeats) for ts, f in base]


USAGE = ("usage: synth.py sparse OUT.pcap FRAMES GAP_SECONDS\n"
         "       synth.py synflood OUT.pcap FRAMES SECONDS REPEATS")

if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "sparse":
        frames = sparse(int(sys.argv[3]), int(sys.argv[4]))
    elif len(sys.argv) == 6 and sys.argv[1] == "synflood":
        frames = synflood(int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit(USAGE)
    with open(sys.argv[2], "wb") as f:
        f.write(pcap(frames))
