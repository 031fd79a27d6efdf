#!/usr/bin/env python3
"""Send hand-built Ethernet frames out of an interface (AF_PACKET), for what the test
machine's kernel cannot originate itself: 802.1Q / 802.1ad (QinQ) tagged UDP when the
kernel has no VLAN devices (CONFIG_VLAN_8021Q unset).

usage: send_frames.py IFACE DST_MAC SRC_MAC VLANS SRC_IP DST_IP SPORT DPORT COUNT PAYLOAD_LEN
VLANS: comma-separated VIDs, outermost first ("100", "200,100"); the outer tag of two
uses the 802.1ad TPID (0x88a8).
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pcap"))
from synth import csum as checksum  # noqa: E402  (the one Internet checksum of the tests)


def frame(dst_mac, src_mac, vlans, src_ip, dst_ip, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     socket.inet_aton(src_ip), socket.inet_aton(dst_ip))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    l2 = bytes.fromhex(dst_mac.replace(":", "")) + bytes.fromhex(src_mac.replace(":", ""))
    tpids = [0x88A8] * (len(vlans) - 1) + [0x8100]
    for tpid, vid in zip(tpids, vlans):
        l2 += struct.pack("!HH", tpid, vid)
    return l2 + struct.pack("!H", 0x0800) + ip + udp


def main(argv):
    iface, dst_mac, src_mac, vlans, src_ip, dst_ip, sport, dport, count, plen = argv[1:11]
    vlans = [int(v) for v in vlans.split(",")]
    f = frame(dst_mac, src_mac, vlans, src_ip, dst_ip, int(sport), int(dport),
              b"v" * int(plen))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for _ in range(int(count)):
        s.send(f)
        time.sleep(0.02)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
