#!/usr/bin/env python3
"""Checks one run of tests/e2e/test_ipfix.sh: the flows nfdump read from nfcapd's files
are the EVE file's flow events of the same run, every one, with the same addresses,
ports, protocol, start and end (ms), and packets and bytes in both directions; the IPFIX
file the relay saved has sequence numbers that count the data records before each
message (per observation domain), templates in its first message, and as many data
records as the EVE file has flows; ipfixDump parsed it and saw that many records.
Usage: ipfix_check.py EVE NFDUMP_JSON IPFIX_FILE IPFIXDUMP_OUTPUT"""
import collections
import datetime
import ipaddress
import json
import re
import struct
import sys

PROTOS = {"TCP": 6, "UDP": 17, "ICMP": 1, "IPv6-ICMP": 58, "SCTP": 132}
PORTED = {6, 17, 132}


def ms_of(text):
    text = text.replace("+0000", "+00:00")
    if not text.endswith("+00:00"):
        text += "+00:00"  # nfdump run with TZ=UTC
    t = datetime.datetime.fromisoformat(text)
    return int(t.timestamp()) * 1000 + t.microsecond // 1000


def key(src, dst, proto, sport, dport, first, last, pkts, byts):
    if proto not in PORTED:
        sport = dport = 0  # ICMP: nfdump puts type/code in dst_port, EVE has no ports
    return (str(ipaddress.ip_address(src)), str(ipaddress.ip_address(dst)), proto, sport,
            dport, first, last) + tuple(pkts) + tuple(byts)


def eve_flows(path):
    flows = collections.Counter()
    for line in open(path):
        ev = json.loads(line)
        if ev.get("event_type") != "flow":
            continue
        f = ev["flow"]
        proto = PROTOS.get(ev["proto"]) or int(ev["proto"])
        flows[key(ev["src_ip"], ev["dest_ip"], proto, ev.get("src_port", 0),
                  ev.get("dest_port", 0), ms_of(f["start"]), ms_of(f["end"]),
                  (f["pkts_toserver"], f["pkts_toclient"]),
                  (f["bytes_toserver"], f["bytes_toclient"]))] += 1
    return flows


def nfdump_flows(path):
    text = open(path).read().strip()
    records = json.loads(text) if text else []
    flows = collections.Counter()
    for r in records:
        if r.get("type") != "FLOW":
            continue
        src = r.get("src4_addr") or r.get("src6_addr")
        dst = r.get("dst4_addr") or r.get("dst6_addr")
        flows[key(src, dst, r["proto"], r.get("src_port", 0), r.get("dst_port", 0),
                  ms_of(r["first"]), ms_of(r["last"]),
                  (r.get("in_packets", 0), r.get("out_packets", 0)),
                  (r.get("in_bytes", 0), r.get("out_bytes", 0)))] += 1
    return flows


def ipfix_file(path):
    """(data records, messages, problems) of a file of IPFIX messages."""
    data = open(path, "rb").read()
    pos, records, messages, problems = 0, 0, 0, []
    seq = collections.defaultdict(int)
    rec_len = {}
    while pos < len(data):
        if len(data) - pos < 16:
            problems.append("%d bytes of a header at the end" % (len(data) - pos))
            break
        version, length, _, sequence, domain = struct.unpack("!HHIII", data[pos:pos + 16])
        if version != 10 or length < 16 or pos + length > len(data):
            problems.append("message %d: version %d length %d" % (messages, version, length))
            break
        if sequence != seq[domain] % 2**32:
            problems.append("message %d: sequence %d, want %d (data records before it)" %
                            (messages, sequence, seq[domain]))
        off, end, in_msg = pos + 16, pos + length, 0
        while off + 4 <= end:
            set_id, set_len = struct.unpack("!HH", data[off:off + 4])
            if set_len < 4 or off + set_len > end:
                problems.append("message %d: set length %d" % (messages, set_len))
                break
            if set_id == 2:
                t = off + 4
                while t + 4 <= off + set_len:
                    tid, count = struct.unpack("!HH", data[t:t + 4])
                    t, size = t + 4, 0
                    for _ in range(count):
                        ie, flen = struct.unpack("!HH", data[t:t + 4])
                        t += 8 if ie & 0x8000 else 4
                        size += flen
                    rec_len[tid] = size
            elif set_id >= 256:
                if set_id not in rec_len:
                    problems.append("message %d: data set %d before its template" %
                                    (messages, set_id))
                else:
                    in_msg += (set_len - 4) // rec_len[set_id]
            off += set_len
        if messages == 0 and not rec_len:
            problems.append("the first message has no templates")
        seq[domain] += in_msg
        records += in_msg
        messages += 1
        pos += length
    return records, messages, problems


def main():
    eve_path, nf_path, file_path, dump_path = sys.argv[1:5]
    eve, nf = eve_flows(eve_path), nfdump_flows(nf_path)
    problems = []
    if not eve:
        problems.append("no flow events in the EVE file")
    for k in sorted(set(eve) | set(nf), key=str):
        if eve[k] != nf[k]:
            problems.append("flow %s: %d in EVE, %d in nfdump" % (k, eve[k], nf[k]))
    records, messages, file_problems = ipfix_file(file_path)
    problems += file_problems
    total = sum(eve.values())
    if records != total:
        problems.append("IPFIX file: %d data records, EVE has %d flows" % (records, total))
    dump = open(dump_path).read()
    dumped = len(re.findall(r"^--- data record", dump, re.M))
    if dumped != total:
        problems.append("ipfixDump saw %d data records, EVE has %d flows" % (dumped, total))
    if problems:
        print("; ".join(problems[:6]) + (" (+%d more)" % (len(problems) - 6)
                                         if len(problems) > 6 else ""))
        return 1
    print("%d flows in %d messages" % (total, messages))
    return 0


if __name__ == "__main__":
    sys.exit(main())
