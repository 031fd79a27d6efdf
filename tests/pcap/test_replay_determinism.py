#!/usr/bin/env python3
"""Replay is deterministic: the same captures replayed twice give the same EVE output,
event for event and byte for byte - flow events (flow_id, order, counts, reasons,
timestamps), alerts (which, in which order, on which flow_id) - with the payload rules
off (no -c) and on (-c tests/config/alerts.yaml). The only exception is the stats event,
which also holds durations measured on the wall clock (see TIMING_SUFFIXES); it is
compared with those keys removed, everything else in it (every counter) must match.

What is replayed, twice per configuration:
- all of CAPTURES in one replay (flows of many captures in one table: many flows end in
  the same sweep, so their order is the sweeper's walk of the hash table);
- each of CAPTURES on its own, with the rules on (the path with the most state: policy,
  samples, alerts);
- all of CAPTURES again from copies in another directory: the flow_id salt comes from
  the captures' file names, not their paths.

Prints PASS/FAIL lines for tests/run.sh. usage: test_replay_determinism.py [EDGEWATCH]
"""
import concurrent.futures
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile

from result_lines import Results

BIN = sys.argv[1] if len(sys.argv) > 1 else ".output/asan/edgewatch"
PCAP_DIR = "tests/pcaps"
# alerts.yaml has no rules.cache-dir: with a database cache, the first replay would
# compile and the second load (stats.rules.cache_hit would differ, legitimately).
CONFIGS = {"defaults": [], "alerts": ["-c", "tests/config/alerts.yaml"]}

# Many flows, fragments, tunnels and alerts (tests/pcaps/MANIFEST.tsv).
CAPTURES = [
    "flood_dhcp.pcap",                        # 250 flows, most time out in the same sweeps
    "flood_syn-100-per-sec-synthetic.pcap",   # 200 one-packet flows 1 ms apart
    "scan_nmap-host-discovery-sweep.pcap",    # ARP (no-flow outcomes) and SYN probes
    "frag_gre-ppp-64k-udp-synthetic.pcap",    # 1024 fragments inside GRE/PPP
    "frag_ipv6-fragmented-dns.pcap",          # IPv6 fragments
    "ipv6_frag-overlap-thc.pcap",             # overlapping fragments
    "tunnel_teredo.pcap",
    "tunnel_gre-in-gre.pcap",
    "tunnel_vxlan-http.pcap",
    "tunnel_pppoe-over-qinq.pcap",
    "exploit_log4shell-useragent.pcap",       # payload alerts (with rules on)
    "exploit_lfi-etc-passwd-tfo.pcap",        # payload alerts on a TFO SYN and its reply
]

# Keys of the stats event that are durations measured on the wall clock while replaying,
# so they differ from run to run whatever the capture. Removed before comparing; every
# key with one of these suffixes is such a measurement. Today they are:
# - stats.policy.installs.last_us: how long installing the policy took (map writes);
# - stats.policy.installs.last_reader_wait_us: how long that install waited for the
#   programs' readers of the old policy to finish (an RCU grace period).
# Both were seen to differ between two replays of the same capture; nothing else did.
TIMING_SUFFIXES = ("_us", "_ns")

RESULTS = Results("pcap/replay_determinism")
result = RESULTS.result


def replay(cpu, args, files):
    """Replay files (on cpu, unless None); (exit code, stderr tail, the EVE lines)."""
    pin = ["taskset", "-c", str(cpu)] if cpu is not None else []
    with tempfile.TemporaryDirectory() as d:
        eve = os.path.join(d, "eve.json")
        proc = subprocess.run(pin + [BIN, "replay"] + args + ["-o", eve] + files,
                              capture_output=True, text=True, timeout=300)
        lines = []
        if os.path.exists(eve):
            with open(eve) as f:
                lines = f.read().splitlines()
    return proc.returncode, proc.stderr.strip()[-300:], lines


def strip_timings(obj):
    """obj without the keys that are wall-clock measurements."""
    if isinstance(obj, dict):
        return {k: strip_timings(v) for k, v in obj.items() if not k.endswith(TIMING_SUFFIXES)}
    if isinstance(obj, list):
        return [strip_timings(v) for v in obj]
    return obj


def flat(obj, path=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from flat(v, path + "." + k if path else k)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from flat(v, "%s[%d]" % (path, i))
    else:
        yield path, obj


def comparable(line):
    """What must be equal in two runs: the line itself, or a stats event without timings
    (serialised in its own key order, so the order of keys is compared too)."""
    event = json.loads(line)
    if event.get("event_type") != "stats":
        return line
    return json.dumps(strip_timings(event))


def first_difference(a, b):
    """None when the outputs are the same, else what differs first."""
    for i, (x, y) in enumerate(zip(a, b)):
        cx, cy = comparable(x), comparable(y)
        if cx == cy:
            continue
        ex, ey = json.loads(cx), json.loads(cy)
        fx, fy = dict(flat(ex)), dict(flat(ey))
        keys = [k for k in fx.keys() | fy.keys() if fx.get(k) != fy.get(k)]
        if not keys:
            keys = ["(key order)"]
        return "event %d (%s) differs in %s" % (i, ex.get("event_type"), ", ".join(
            "%s: %r / %r" % (k, fx.get(k), fy.get(k)) for k in sorted(keys)[:4]))
    if len(a) != len(b):
        return "%d events, then %d" % (len(a), len(b))
    return None


def sane(lines, args, files):
    """The output is worth comparing: flows, a final balanced stats event; with the rules
    on, the rules loaded and alerts from the exploit captures."""
    events = [json.loads(line) for line in lines]
    kinds = [e.get("event_type") for e in events]
    if kinds.count("flow") == 0:
        return "no flow events"
    if kinds[-1:] != ["stats"] or not events[-1]["stats"]["conservation"].get("balanced"):
        return "does not end with a balanced stats event"
    if args and events[-1]["stats"].get("rules", {}).get("loaded", 0) < 100:
        return "rules on but not loaded"
    exploits = any(os.path.basename(f).startswith("exploit_") for f in files)
    if args and exploits and kinds.count("alert") == 0:
        return "rules on but no alert from an exploit capture"
    return None


# Replay pins itself to the lowest CPU it may use and leaves the CPU out of flow ids, so
# the output must not depend on which CPU that is. The runs of all CAPTURES are left to
# pin themselves (as a user would run them), and once run on two different CPUs; the runs
# of one capture each are given one CPU of their own with taskset, the same for both runs
# of a comparison, so two comparisons can run at once.
CPUS = queue.Queue()


def check(name, args, files_a, files_b, own_cpu, cpus=(None, None)):
    if not own_cpu:
        return compare(cpus, name, args, files_a, files_b)
    cpu = CPUS.get()
    try:
        compare((cpu, cpu), name, args, files_a, files_b)
    finally:
        CPUS.put(cpu)


def compare(cpus, name, args, files_a, files_b):
    rc, err, a = replay(cpus[0], args, files_a)
    if rc != 0:
        return result(name, "first replay exited %d: %s" % (rc, err))
    why = sane(a, args, files_a)
    if why:
        return result(name, "first replay: " + why)
    rc, err, b = replay(cpus[1], args, files_b)
    if rc != 0:
        return result(name, "second replay exited %d: %s" % (rc, err))
    why = first_difference(a, b)
    result(name, why)


def main():
    paths = [os.path.join(PCAP_DIR, c) for c in CAPTURES]
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        result("captures", "missing: %s" % ", ".join(missing))
        return 1
    with tempfile.TemporaryDirectory() as other:
        copies = []
        for p in paths:
            copies.append(os.path.join(other, os.path.basename(p)))
            shutil.copyfile(p, copies[-1])
        jobs = []
        for config, args in CONFIGS.items():
            jobs.append(("all/%s" % config, args, paths, paths, False))
            jobs.append(("all/%s/other_directory" % config, args, paths, copies, False))
        for c, p in zip(CAPTURES, paths):
            jobs.append(("%s/alerts" % c, CONFIGS["alerts"], [p], [p], True))
        cpus = sorted(os.sched_getaffinity(0))[:2]
        if len(cpus) == 2:
            jobs.append(("all/alerts/other_cpu", CONFIGS["alerts"], paths, paths, False,
                         tuple(cpus)))
        else:
            RESULTS.skip("all/alerts/other_cpu",
                         "this process may use one CPU only, nothing to compare across")
        for cpu in cpus:
            CPUS.put(cpu)
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(cpus)) as pool:
            list(pool.map(lambda j: check(*j), jobs))
    return RESULTS.exit_code()


if __name__ == "__main__":
    sys.exit(main())
