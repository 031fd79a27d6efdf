#!/usr/bin/env python3
"""Compare edgewatch's EVE flows with a tcpdump capture of the same link.

An independent decoder (this file: Ethernet, 802.1Q tags, IPv4, IPv6, TCP, UDP, ICMP,
ICMPv6; nothing shared with edgewatch's C code) turns the capture into unidirectional
flows keyed (vlans, src, dst, proto, sport, dport) with packets, frame bytes and the OR
of TCP flags. edgewatch's flow events are turned into the same, and both must be
identical. The final stats event must balance and must have seen every frame of the
capture.

usage: compare_flows.py CAPTURE.pcap EVE.json [--expect "SRC DST PROTO SPORT DPORT PKTS BYTES"]...
Prints nothing and exits 0 when they agree; else one line per difference, exit 1.
"""
import ipaddress
import json
import struct
import sys

PROTO_NUM = {"TCP": 6, "UDP": 17, "ICMP": 1, "IPv6-ICMP": 58, "SCTP": 132}


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != 1:
        raise SystemExit("capture link type %d is not Ethernet" % linktype)
    off = 24
    while off + 16 <= len(data):
        _, _, caplen, wirelen = struct.unpack(endian + "IIII", data[off:off + 16])
        yield data[off + 16:off + 16 + caplen], wirelen
        off += 16 + caplen


def decode(frame):
    """-> (vlans, src, dst, proto, sport, dport, tcp_flags) or None for non-IP frames"""
    etype = struct.unpack("!H", frame[12:14])[0]
    pos = 14
    vlans = []
    while etype in (0x8100, 0x88A8):
        vlans.append(struct.unpack("!H", frame[pos:pos + 2])[0] & 0xFFF)
        etype = struct.unpack("!H", frame[pos + 2:pos + 4])[0]
        pos += 4
    if etype == 0x0800:
        ihl = (frame[pos] & 0x0F) * 4
        proto = frame[pos + 9]
        src = ipaddress.ip_address(frame[pos + 12:pos + 16])
        dst = ipaddress.ip_address(frame[pos + 16:pos + 20])
        l4 = pos + ihl
    elif etype == 0x86DD:
        proto = frame[pos + 6]
        src = ipaddress.ip_address(frame[pos + 8:pos + 24])
        dst = ipaddress.ip_address(frame[pos + 24:pos + 40])
        l4 = pos + 40
    else:
        return None
    sport = dport = flags = 0
    if proto in (6, 17):
        sport, dport = struct.unpack("!HH", frame[l4:l4 + 4])
        if proto == 6:
            flags = frame[l4 + 13]
    return tuple(vlans), str(src), str(dst), proto, sport, dport, flags


def capture_flows(path):
    flows, frames = {}, 0
    for frame, wirelen in read_pcap(path):
        frames += 1
        d = decode(frame)
        if d is None:
            continue
        key = d[:6]
        cur = flows.setdefault(key, [0, 0, 0])
        cur[0] += 1
        cur[1] += wirelen
        cur[2] |= d[6]
    return flows, frames


def eve_flows(path):
    flows, stats = {}, None
    with open(path) as f:
        for line in f:
            ev = json.loads(line)
            if ev["event_type"] == "stats":
                stats = ev["stats"]
            if ev["event_type"] != "flow":
                continue
            vlans = tuple(ev.get("vlan", []))
            proto = PROTO_NUM.get(ev["proto"]) or int(ev["proto"])
            src = str(ipaddress.ip_address(ev["src_ip"]))
            dst = str(ipaddress.ip_address(ev["dest_ip"]))
            sp, dp = ev.get("src_port", 0), ev.get("dest_port", 0)
            fl, tcp = ev["flow"], ev.get("tcp", {})
            for key, pkts, nbytes, flags in (
                    ((vlans, src, dst, proto, sp, dp), fl["pkts_toserver"],
                     fl["bytes_toserver"], tcp.get("tcp_flags_ts", "0")),
                    ((vlans, dst, src, proto, dp, sp), fl["pkts_toclient"],
                     fl["bytes_toclient"], tcp.get("tcp_flags_tc", "0"))):
                if pkts:
                    cur = flows.setdefault(key, [0, 0, 0])
                    cur[0] += pkts
                    cur[1] += nbytes
                    cur[2] |= int(flags, 16)
    return flows, stats


def main(argv):
    capture, eve = argv[1], argv[2]
    expects = [argv[i + 1] for i, a in enumerate(argv) if a == "--expect"]
    want, frames = capture_flows(capture)
    got, stats = eve_flows(eve)
    problems = []
    for key in sorted(set(want) | set(got), key=str):
        w, g = want.get(key), got.get(key)
        if w != g:
            problems.append("flow %s: edgewatch %s, capture %s (packets, bytes, tcp flags)" %
                            (key, g, w))
    if not stats:
        problems.append("no stats event")
    else:
        cons = stats["conservation"]
        if not (cons["final"] and cons["balanced"]):
            problems.append("conservation does not balance: %s" % json.dumps(cons))
        if cons["packets_seen"] != frames:
            problems.append("edgewatch saw %d packets, the capture has %d frames" %
                            (cons["packets_seen"], frames))
    for spec in expects:
        src, dst, proto, sp, dp, pkts, nbytes = spec.split()
        key = ((), src, dst, int(proto), int(sp), int(dp))
        if got.get(key, [0, 0])[:2] != [int(pkts), int(nbytes)]:
            problems.append("expected %s: got %s" % (spec, got.get(key)))
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
