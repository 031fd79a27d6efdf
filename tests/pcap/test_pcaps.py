#!/usr/bin/env python3
"""Replay every capture in tests/pcaps through edgewatch and compare its flows with the
independent ground truth (tshark flows in tests/pcaps/flows/, capinfos and counts in
MANIFEST.tsv).

Prints one line per capture for tests/run.sh: PASS/FAIL pcap/<file>[: why].

What must hold for every capture:
- replay exits 0 and ends with a final stats event whose conservation sum balances;
- packets seen == packets in the capture (capinfos);
- the unidirectional flows (src, dst, proto, sport, dport) are exactly the ground truth's,
  with the same packets per direction, the same frame bytes and the same OR of TCP flags.

Principled differences, applied before comparing (each is a decision of edgewatch's):
- Non-first IP fragments carry no ports; tshark leaves them out of the 5-tuple flows
  (MANIFEST frag_pkts_no_l4), edgewatch counts them in the flow their first fragment
  opened. So a fragmented flow may have more packets and bytes than tshark's. tshark
  also keys no L4 at all for a datagram it cannot reassemble (its first fragment
  included), where edgewatch keys the first fragment's ports: such a flow exists only
  in edgewatch and must be marked fragmented. Over all flows, the packets edgewatch
  has beyond tshark must be exactly the fragments tshark could not key, less those
  whose first fragment never came: surplus == frag_pkts_no_l4 - first_missing.
  Which fragment belongs to which flow, and which ones have no first fragment, is not
  taken from edgewatch's counters: frag_truth.py derives it from tshark with reassembly
  off (first fragments carry the ports; later ones follow their datagram's). For a
  capture with fragments, every unidirectional flow's packets and frame bytes must equal
  that per-frame truth exactly, and the counters frag_attributed, frag_pending_joined
  (later fragments that came before their first one and joined it) and
  pkt_frag_first_missing must equal its counts; a capture without fragments must have
  both at 0.
- ESP flows are keyed by SPI in edgewatch (one flow per security association, as
  Suricata does); tshark's flows have ports 0, so edgewatch's flows are merged by
  5-tuple before comparing.
- VLAN ids are part of edgewatch's flow key (the same addresses on two VLANs are two
  networks); tshark's are not, so flows differing only by VLAN are merged to compare.
"""
import csv
import ipaddress
import json
import os
import subprocess
import sys
import tempfile

import frag_truth

PROTO_NUM = {"TCP": 6, "UDP": 17, "ICMP": 1, "IPv6-ICMP": 58, "SCTP": 132}


def norm_ip(text):
    return str(ipaddress.ip_address(text))


def load_manifest(pcap_dir):
    with open(os.path.join(pcap_dir, "MANIFEST.tsv"), newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def load_truth(pcap_dir, name):
    flows = {}
    path = os.path.join(pcap_dir, "flows", name + ".flows.tsv")
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            src, dst, proto, sport, dport, pkts, nbytes, flags = line.split("\t")[:8]
            key = (norm_ip(src), norm_ip(dst), int(proto), int(sport), int(dport))
            flows[key] = [int(pkts), int(nbytes), int(flags, 16)]
    return flows


def replay(binary, pcap):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        eve_path = out.name
    try:
        proc = subprocess.run([binary, "replay", "-o", eve_path, pcap],
                              capture_output=True, text=True, timeout=300)
        with open(eve_path) as f:
            events = [json.loads(line) for line in f if line.strip()]
    finally:
        os.unlink(eve_path)
    return proc, events


def our_unidirectional(events):
    """Flow events -> {(src, dst, proto, sport, dport): [pkts, bytes, flags, fragmented]}"""
    flows = {}
    for ev in events:
        if ev.get("event_type") != "flow":
            continue
        proto = PROTO_NUM.get(ev["proto"]) or int(ev["proto"])
        src, dst = norm_ip(ev["src_ip"]), norm_ip(ev["dest_ip"])
        sp, dp = ev.get("src_port", 0), ev.get("dest_port", 0)
        fl = ev["flow"]
        tcp = ev.get("tcp", {})
        frag = bool(fl.get("fragmented"))
        for key, pkts, nbytes, flags in (
                ((src, dst, proto, sp, dp), fl["pkts_toserver"], fl["bytes_toserver"],
                 tcp.get("tcp_flags_ts", "0")),
                ((dst, src, proto, dp, sp), fl["pkts_toclient"], fl["bytes_toclient"],
                 tcp.get("tcp_flags_tc", "0"))):
            if pkts == 0:
                continue
            # merging: ESP SPIs and VLANs are not in tshark's key (see above)
            cur = flows.setdefault(key, [0, 0, 0, False])
            cur[0] += pkts
            cur[1] += nbytes
            cur[2] |= int(flags, 16)
            cur[3] = cur[3] or frag
    return flows


def final_stats(events):
    stats = [ev for ev in events if ev.get("event_type") == "stats"]
    return stats[-1]["stats"] if stats else None


def counter(stats, name):
    total = 0
    for hook in stats["datapath"].values():
        for group in hook.values():
            if isinstance(group, dict) and name in group:
                total += group[name]
    return total


def check_fragments(pcap, row, stats, ours, surplus):
    """Fragments against tshark's per-frame truth (frag_truth.py), not our own counters."""
    problems = []
    try:
        truth = (frag_truth.derive(pcap) if frag_truth.has_fragments(pcap) else
                 {"flows": None, "attributed": 0, "joined": 0, "first_missing": 0})
    except frag_truth.TruthError as err:
        return ["fragment truth: %s" % err]
    for name, want in (("frag_attributed", truth["attributed"]),
                       ("frag_pending_joined", truth["joined"]),
                       ("pkt_frag_first_missing", truth["first_missing"])):
        got = counter(stats, name)
        if got != want:
            problems.append("%s %d, tshark (reassembly off) says %d" % (name, got, want))
    no_l4 = int(row["frag_pkts_no_l4"])
    if surplus != no_l4 - truth["first_missing"]:
        problems.append("fragment surplus %d: want frag_pkts_no_l4 %d - first_missing %d" %
                        (surplus, no_l4, truth["first_missing"]))
    if truth["flows"] is None:
        return problems
    for key in sorted(set(truth["flows"]) | set(ours), key=str):
        t, o = truth["flows"].get(key, [0, 0]), ours.get(key, [0, 0])
        if o[:2] != t:
            problems.append("flow %s: packets/bytes %d/%d, per-frame truth %d/%d" %
                            (key, o[0], o[1], t[0], t[1]))
    return problems


def check_capture(binary, pcap_dir, row):
    name = row["local_file"]
    proc, events = replay(binary, os.path.join(pcap_dir, name))
    if proc.returncode != 0:
        return "replay exited %d: %s" % (proc.returncode, proc.stderr.strip()[-300:])
    stats = final_stats(events)
    if not stats:
        return "no stats event"
    cons = stats["conservation"]
    if not (cons["final"] and cons["balanced"]):
        return "conservation does not balance: %s" % json.dumps(cons)
    if cons["packets_seen"] != int(row["packets"]):
        return "saw %d packets, the capture has %s" % (cons["packets_seen"], row["packets"])

    truth = load_truth(pcap_dir, name)
    ours = our_unidirectional(events)
    problems = []
    surplus = 0
    for key in sorted(set(truth) | set(ours), key=str):
        t, o = truth.get(key), ours.get(key)
        if t is None:
            if o[3]:
                surplus += o[0]	# a datagram tshark could not reassemble (see above)
            else:
                problems.append("extra flow %s: %s" % (key, o[:3]))
            continue
        if o is None:
            problems.append("missing flow %s: %s" % (key, t))
            continue
        if o[3] and o[0] >= t[0]:
            surplus += o[0] - t[0]	# fragments attributed to the flow (see above)
        elif o[0] != t[0] or o[1] != t[1]:
            problems.append("flow %s: packets/bytes %d/%d, truth %d/%d" %
                            (key, o[0], o[1], t[0], t[1]))
        if o[2] != t[2]:
            problems.append("flow %s: tcp flags %02x, truth %02x" % (key, o[2], t[2]))
    problems += check_fragments(os.path.join(pcap_dir, name), row, stats, ours, surplus)
    return "; ".join(problems[:6]) + (" ..." if len(problems) > 6 else "") if problems else None


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else ".output/asan/edgewatch"
    pcap_dir = sys.argv[2] if len(sys.argv) > 2 else "tests/pcaps"
    failed = 0
    for row in load_manifest(pcap_dir):
        why = check_capture(binary, pcap_dir, row)
        if why:
            failed += 1
            print("FAIL pcap/%s: %s" % (row["local_file"], why))
        else:
            print("PASS pcap/%s" % row["local_file"])
        sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
