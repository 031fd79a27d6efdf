#!/usr/bin/env python3
"""The inventory's SNMP agents and its banners cut over several segments (issue 14), over
a capture built here (servers in home-net 198.18.0.0/24):

- SNMPv2c and SNMPv1 GetResponses with sysDescr and sysObjectID from two products (Cisco
  IOS 12.2(58)SE1, Junos 10.2R1.8) and a MikroTik (product only): the records' service
  snmp, product and version from rules/edge-software.txt's sysdescr lines, the
  sysObjectID, protocol_version 2c/1, the cleartext_mgmt flag; the community string is
  in no event; the manager's GetRequest enters nothing.
- Malformed responses (a length past the datagram, the indefinite form, a 5-byte
  request-id): counted by reason in stats.inventory.snmp.malformed, no record.
- An SSH banner sent one byte per segment, and an HTTP response cut one byte per
  segment with two segments swapped: read whole from the stream window (product and
  version, not the first byte), counted in stats.inventory.banners_reassembled. (The
  HTTP response is read when its headers end: a <title> in later segments is not.)

Prints PASS/FAIL lines for tests/run.sh. usage: test_inventory_snmp.py [EDGEWATCH]
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replay_run import final_stats, replay_bytes  # noqa: E402
from result_lines import Results  # noqa: E402
from test_inventory import ACK, CONFIG, FIN, SEC, SYN, ip, seg  # noqa: E402
import synth  # noqa: E402

BIN = sys.argv[1] if len(sys.argv) > 1 else ".output/asan/edgewatch"
RESULTS = Results("pcap/inventory_snmp")
COMMUNITY = b"n0t-for-logs"


def ber(tag, value):
    n = len(value)
    if n < 128:
        return bytes([tag, n]) + value
    return bytes([tag, 0x82, n >> 8, n & 0xFF]) + value


def oid(text):
    arcs = [int(a) for a in text.split(".")]
    out = bytes([40 * arcs[0] + arcs[1]])
    for a in arcs[2:]:
        enc = [a & 0x7F]
        a >>= 7
        while a:
            enc.insert(0, 0x80 | (a & 0x7F))
            a >>= 7
        out += bytes(enc)
    return ber(0x06, out)


def snmp(version, pdu_tag, varbinds, request_id=0x1234):
    vbs = b"".join(ber(0x30, oid(name) + value) for name, value in varbinds)
    pdu = (ber(0x02, struct.pack("!H", request_id)) + ber(0x02, b"\0") + ber(0x02, b"\0") +
           ber(0x30, vbs))
    return ber(0x30, ber(0x02, bytes([version])) + ber(0x04, COMMUNITY) + ber(pdu_tag, pdu))


SYSDESCR, SYSOBJECTID = "1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0"
NULL = b"\x05\x00"
REQUEST = snmp(1, 0xA0, [(SYSDESCR, NULL), (SYSOBJECTID, NULL)])
CISCO = b"Cisco IOS Software, C2960 Software (C2960-I7V-M), Version 12.2(58)SE1, RELEASE " \
        b"SOFTWARE (fc1)\r\nTechnical Support: http://www.cisco.com/techsupport"
JUNOS = b"Juniper Networks, Inc. ex2200-48t-4g internet router, kernel JUNOS 10.2R1.8 #0: " \
        b"2010-05-27 20:13:49 UTC"


def answer(version, descr, object_id):
    return snmp(version, 0xA2, [(SYSDESCR, ber(0x04, descr)),
                                (SYSOBJECTID, oid(object_id))])


MALFORMED = [
    b"\x30\x81\xc8\x02\x01\x01\x04\x00",                      # outer length 200, 8 bytes
    b"\x30\x80\x02\x01\x01\x04\x00\xa2\x00\x00\x00",          # the indefinite form
    b"\x30\x0e\x02\x01\x01\x04\x00\xa2\x07\x02\x05\x01\x02\x03\x04\x05",  # 5-byte INTEGER
]


def udp_exchange(t0, client, server, cport, request, response):
    c, s = ip(client), ip(server)
    return [(t0, synth.eth(synth.udp(c, s, cport, 161, request))),
            (t0 + 1000, synth.eth(synth.udp(s, c, 161, cport, response)))]


def split_session(t0, client, server, cport, sport, says, swap=None):
    """Handshake, then the server's bytes one per segment (segments swap[0] and swap[1]
    sent in each other's place), then FIN both ways."""
    c, s = ip(client), ip(server)
    cs, ss = 5000, 9000
    f = [(t0, seg(c, s, cport, sport, SYN, cs, 0)),
         (t0 + 1000, seg(s, c, sport, cport, SYN | ACK, ss, cs + 1)),
         (t0 + 2000, seg(c, s, cport, sport, ACK, cs + 1, ss + 1))]
    order = list(range(len(says)))
    if swap:
        order[swap[0]], order[swap[1]] = order[swap[1]], order[swap[0]]
    t = t0 + 3000
    for i in order:
        f.append((t, seg(s, c, sport, cport, ACK, ss + 1 + i, cs + 1, says[i:i + 1])))
        t += 1000
    end = ss + 1 + len(says)
    f.append((t, seg(c, s, cport, sport, FIN | ACK, cs + 1, end)))
    f.append((t + 1000, seg(s, c, sport, cport, FIN | ACK, end, cs + 2)))
    f.append((t + 2000, seg(c, s, cport, sport, ACK, cs + 2, end + 1)))
    return f


HTTP = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nServer: Apache/2.4.49 (Unix)\r\n\r\n"
        b"<html><head><title>Split</title></head></html>")


def capture():
    f = []
    f += udp_exchange(1 * SEC, "198.18.0.200", "198.18.0.50", 50001, REQUEST,
                      answer(1, CISCO, "1.3.6.1.4.1.9.1.1208"))
    f += udp_exchange(2 * SEC, "198.18.0.200", "198.18.0.51", 50002, REQUEST,
                      answer(0, JUNOS, "1.3.6.1.4.1.2636.1.1.1.2.43"))
    f += udp_exchange(3 * SEC, "198.18.0.200", "198.18.0.52", 50003, REQUEST,
                      answer(1, b"RouterOS RB493AH", "1.3.6.1.4.1.14988.1"))
    for i, bad in enumerate(MALFORMED):
        f += udp_exchange((4 + i) * SEC, "198.18.0.200", "198.18.0.60", 50010 + i, REQUEST,
                          bad)
    f += split_session(10 * SEC, "198.18.0.200", "198.18.0.70", 40001, 22,
                       b"SSH-2.0-OpenSSH_5.3\r\n")
    f += split_session(12 * SEC, "198.18.0.200", "198.18.0.71", 40002, 8080, HTTP,
                       swap=(40, 41))
    return synth.pcap(sorted(f, key=lambda x: x[0]))


# (server, port, proto, service, protocol_version, product, version, sysobjectid, flags)
EXPECTED = [
    ("198.18.0.50", 161, "UDP", "snmp", "2c", "cisco-ios", "12.2(58)SE1",
     "1.3.6.1.4.1.9.1.1208", ["cleartext_mgmt"]),
    ("198.18.0.51", 161, "UDP", "snmp", "1", "juniper-junos", "10.2R1.8",
     "1.3.6.1.4.1.2636.1.1.1.2.43", ["cleartext_mgmt"]),
    ("198.18.0.52", 161, "UDP", "snmp", "2c", "mikrotik-routeros", "", "1.3.6.1.4.1.14988.1",
     ["cleartext_mgmt"]),
    ("198.18.0.70", 22, "TCP", "ssh", "2.0", "openssh", "5.3", None, ["end_of_life"]),
    ("198.18.0.71", 8080, "TCP", "http", None, "apache", "2.4.49", None,
     ["known_exploited", "cleartext_mgmt"]),  # 8080: a management port by default
]


def rows(events):
    return [(e["dest_ip"], e["dest_port"], e["proto"], e["inventory"]["service"],
             e["inventory"].get("protocol_version"), e["inventory"]["product"],
             e["inventory"]["version"], e["inventory"].get("sysobjectid"),
             e["inventory"]["flags"])
            for e in events if e.get("event_type") == "inventory"]


def main():
    proc, events = replay_bytes(BIN, capture(), CONFIG)
    if proc.returncode != 0:
        RESULTS.result("replay", "exit %d: %s" % (proc.returncode, proc.stderr[-400:]))
        return RESULTS.exit_code()
    got = rows(events)
    snmp_rows = [r for r in got if r[3] == "snmp"]
    RESULTS.result("snmp_records", None if snmp_rows == EXPECTED[:3] else
                   "got %s" % "\n  ".join(repr(r) for r in snmp_rows))
    inv = {e["dest_ip"]: e["inventory"] for e in events if e.get("event_type") == "inventory"}
    cisco = inv.get("198.18.0.50", {})
    RESULTS.result("snmp_banner", None if cisco.get("banner", "").startswith(
        "Cisco IOS Software, C2960") and "\\x0d\\x0a" in cisco.get("banner", "") else
        "%s" % cisco)
    leaked = [e for e in events if COMMUNITY.decode() in str(e)]
    RESULTS.result("community_never_written", "%s" % leaked[:1] if leaked else None)
    stats = final_stats(events) or {}
    sinv = stats.get("inventory", {})
    want_snmp = {"responses": 3, "malformed": {"truncated": 1, "bad_length": 1, "bad_tag": 0,
                                               "bad_integer": 1, "bad_oid": 0}}
    RESULTS.result("snmp_malformed_counted", None if sinv.get("snmp") == want_snmp and
                   "198.18.0.60" not in inv else "stats %s, records %s" %
                   (sinv.get("snmp"), sorted(inv)))
    split = [r for r in got if r[0] in ("198.18.0.70", "198.18.0.71")]
    RESULTS.result("banner_one_byte_segments", None if split == EXPECTED[3:] else
                   "got %s" % "\n  ".join(repr(r) for r in split))
    RESULTS.result("banners_reassembled", None if sinv.get("banners_reassembled") == 2 else
                   "%s" % sinv)
    return RESULTS.exit_code()


if __name__ == "__main__":
    sys.exit(main())
