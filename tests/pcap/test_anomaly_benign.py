#!/usr/bin/env python3
"""The shared false-positive guard of the anomaly detectors: with the default
configuration, no anomaly alert (sid 9000101-9000599, or an anomaly category) on
- the busy-but-normal mix of tests/pcap/benign_mix.py (60 web clients, a DNS resolver,
  NTP, a backup job, a monitoring poller, SSH admins, a mail server: 15 minutes), and
- every benign capture in tests/pcaps: benign_*, mgmt_*, tunnel_*, vlan_*, frag_*,
  ipv6_*, exploit_* (exploit captures are payload attacks, not anomalies).
The guard checks that it can fail: the mix replayed with a deliberately too-low
threshold (anomaly.brute-force.attempts: 2, which the monitoring poller's retries to a
device that is down reach) must raise anomaly alerts.
Prints PASS/FAIL anomaly-benign/<name> lines for tests/run.sh.
"""
import concurrent.futures
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benign_mix import benign_mix  # noqa: E402
from replay_run import replay_bytes  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PCAPS = os.path.join(HERE, "..", "pcaps")
PATTERNS = ("benign_*", "mgmt_*", "tunnel_*", "vlan_*", "frag_*", "ipv6_*", "exploit_*")
CATEGORIES = {"Port Scan", "Address Sweep", "Brute Force", "SYN Flood", "UDP Flood",
              "ICMP Flood", "Amplification", "Reflection", "Beaconing"}
TOO_LOW = "anomaly:\n  brute-force:\n    attempts: 2\n"


def anomaly_alerts(events):
    return [e for e in events if e.get("event_type") == "alert" and
            (9000101 <= e["alert"]["signature_id"] <= 9000599 or
             e["alert"].get("category") in CATEGORIES or "anomaly" in e)]


def describe(alerts):
    a = alerts[0]
    return "%d anomaly alerts, first: %s %s -> %s:%s %s" % (
        len(alerts), a["alert"]["signature"], a.get("src_ip"), a.get("dest_ip"),
        a.get("dest_port"), a.get("anomaly"))


def check(binary, name, data, config=None, want_alerts=False):
    proc, events = replay_bytes(binary, data, config, timeout=600)
    if proc.returncode != 0:
        return name, "replay exited %d: %s" % (proc.returncode, proc.stderr[-300:])
    alerts = anomaly_alerts(events)
    if want_alerts:
        return name, None if alerts else "no anomaly alert with a too-low threshold: the " \
                                         "guard could not fail"
    return name, describe(alerts) if alerts else None


def main():
    binary = sys.argv[1]
    mix = benign_mix()
    jobs = [("benign-mix", mix, None, False), ("guard-can-fail", mix, TOO_LOW, True)]
    for pattern in PATTERNS:
        for path in sorted(glob.glob(os.path.join(PCAPS, pattern + ".pcap"))):
            with open(path, "rb") as f:
                jobs.append((os.path.basename(path), f.read(), None, False))
    failures = 0
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for name, why in pool.map(lambda j: check(binary, *j), jobs):
            if why:
                failures += 1
                print("FAIL anomaly-benign/%s: %s" % (name, why))
            else:
                print("PASS anomaly-benign/%s" % name)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
