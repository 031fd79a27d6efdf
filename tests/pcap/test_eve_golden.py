#!/usr/bin/env python3
"""The EVE output of every capture in tests/pcaps, replayed with the shipped rules and a
management policy that protects every address (tests/config/eve_golden.yaml), is
byte-identical to the golden file tests/pcaps/eve/<capture>.eve.json.

The golden files pin every byte edgewatch writes for those captures (flows, policy and
payload alerts, the final stats event): a change to the output wing that is meant to
keep the output must keep them, and a change that is meant to change the output
regenerates them on purpose and shows the difference in review:

    tests/pcap/test_eve_golden.py .output/asan/edgewatch --update

Replay is deterministic (one CPU, capture time, zero hash seed, flow ids from the flow
sequence: tests/pcap/test_replay_determinism.py), so any difference is a real one.
Prints PASS/FAIL eve_golden/<capture>[: why] for tests/run.sh.
"""
import concurrent.futures
import difflib
import glob
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from result_lines import Results  # noqa: E402

CONFIG = "tests/config/eve_golden.yaml"
GOLDEN_DIR = "tests/pcaps/eve"
# The only values that measure this machine rather than the capture: how long the policy
# install and its reader wait took. Written as 0 in both files before comparing.
TIMINGS = re.compile(rb'"(last_us|last_reader_wait_us)":[0-9]+')


def without_timings(data):
    return TIMINGS.sub(rb'"\1":0', data)


def replay(binary, pcap):
    with tempfile.TemporaryDirectory() as tmp:
        eve_path = os.path.join(tmp, "eve.json")
        proc = subprocess.run([binary, "replay", "-c", CONFIG, "-o", eve_path, pcap],
                              capture_output=True, text=True, timeout=300)
        data = b""
        if os.path.exists(eve_path):
            with open(eve_path, "rb") as f:
                data = f.read()
        return proc, data


def first_difference(want, got):
    diff = difflib.unified_diff(want.decode(errors="replace").splitlines(),
                                got.decode(errors="replace").splitlines(),
                                "golden", "replay", n=0, lineterm="")
    lines = [line for line in diff if not line.startswith(("---", "+++", "@@"))]
    return " | ".join(line[:300] for line in lines[:4])


def check(binary, pcap, update):
    name = os.path.basename(pcap)
    golden = os.path.join(GOLDEN_DIR, name + ".eve.json")
    proc, data = replay(binary, pcap)
    # a capture cut short ends with an error after writing what it read: the golden
    # file pins that output and the exit status both
    status_line = ("# exit %d\n" % proc.returncode).encode()
    got = status_line + without_timings(data)
    if update:
        with open(golden, "wb") as f:
            f.write(got)
        return name, None
    if not os.path.exists(golden):
        return name, "no golden file %s (run with --update to write it)" % golden
    with open(golden, "rb") as f:
        want = f.read()
    if want != got:
        return name, "differs from %s: %s" % (golden, first_difference(want, got))
    return name, None


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else ".output/asan/edgewatch"
    update = "--update" in sys.argv[2:]
    results = Results("eve_golden")
    pcaps = sorted(glob.glob("tests/pcaps/*.pcap") + glob.glob("tests/pcaps/*.pcapng"))
    if not pcaps:
        results.result("captures", "no capture found in tests/pcaps")
        return 1
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for name, why in pool.map(lambda p: check(binary, p, update), pcaps):
            results.result(name, why)
    return results.exit_code()


if __name__ == "__main__":
    sys.exit(main())
