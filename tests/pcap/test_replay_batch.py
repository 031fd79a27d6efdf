#!/usr/bin/env python3
"""Replay's batches (issue 11; userspace/replay_batch.h) change nothing in the output.

Replay runs up to 64 frames per BPF_PROG_TEST_RUN; EDGEWATCH_REPLAY_BATCH=1 (a test hook)
runs them one per call, as replay did before. Every capture of tests/pcaps (with the EVE
golden configuration: shipped rules, so samples, payload alerts and policy alerts) and of
tests/pcaps/anomaly (defaults, then flood floors of 100 with 2 s idle / 5 s active
timeouts: many sweeps, hot flows) is replayed both ways; the events must be equal one
by one (policy install timings left out). The batched runs must also have batched:
fewer test runs than frames in total (the -v log's count).

Prints PASS/FAIL lines for tests/run.sh. usage: test_replay_batch.py [EDGEWATCH]
"""
import concurrent.futures
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replay_run import eve_events  # noqa: E402
from result_lines import Results  # noqa: E402

BIN = sys.argv[1] if len(sys.argv) > 1 else ".output/asan/edgewatch"
RESULTS = Results("pcap/replay_batch")
GOLDEN_CONFIG = os.path.abspath("tests/config/eve_golden.yaml")
SHORT = ("flow:\n  idle-timeout: 2s\n  active-timeout: 5s\n"
         "anomaly:\n  flood:\n    udp-rate: 100\n    icmp-rate: 100\n    syn-rate: 100\n")
TIMINGS = re.compile(r'"(last_us|last_reader_wait_us)": [0-9]+')
RUNS = re.compile(r"replay: ([0-9]+) frames in ([0-9]+) test runs")


def replay(d, cap, config, batch):
    """(exit status, events, frames, test runs) of one replay; the capture keeps its name
    (flow ids are salted with it)."""
    eve = os.path.join(d, "%s.%s.%s.json" % (os.path.basename(cap), batch,
                                             os.path.basename(config)))
    env = dict(os.environ, EDGEWATCH_REPLAY_BATCH=batch)
    p = subprocess.run([BIN, "replay", "-v", "-q", "-c", config, "-o", eve, cap], env=env,
                       capture_output=True, text=True, timeout=600)
    m = RUNS.search(p.stderr)
    events = [TIMINGS.sub(r'"\1": 0', json.dumps(e, sort_keys=True))
              for e in eve_events(eve)]
    return p.returncode, events, int(m.group(1)) if m else 0, int(m.group(2)) if m else 0


def compare(d, cap, config):
    name = "%s/%s" % (os.path.basename(cap), os.path.basename(config))
    rc1, one, frames1, runs1 = replay(d, cap, config, "1")
    rc, batched, frames, runs = replay(d, cap, config, "")
    if rc1 or rc:
        return name, "exit %d (frame by frame) / %d (batched)" % (rc1, rc), 0, 0
    if runs1 != frames1:
        return name, "EDGEWATCH_REPLAY_BATCH=1: %d test runs for %d frames" % (runs1,
                                                                               frames1), 0, 0
    first = next((i for i, (a, b) in enumerate(zip(one, batched)) if a != b), None)
    if first is None and len(one) != len(batched):
        first = min(len(one), len(batched))
    if first is not None or not one:
        return name, ("no events" if not one else
                      "event %d differs: frame by frame %s, batched %s" %
                      (first, one[first][:300] if first < len(one) else "(none)",
                       batched[first][:300] if first < len(batched) else "(none)")), 0, 0
    return name, None, frames, runs


def main():
    with tempfile.TemporaryDirectory() as d:
        short = os.path.join(d, "short.yaml")
        with open(short, "w") as f:
            f.write(SHORT)
        defaults = os.path.join(d, "defaults.yaml")
        with open(defaults, "w") as f:
            f.write("{}\n")
        jobs = [(c, GOLDEN_CONFIG) for c in sorted(glob.glob("tests/pcaps/*.pcap"))]
        for c in sorted(glob.glob("tests/pcaps/anomaly/*.pcap")):
            jobs += [(c, defaults), (c, short)]
        frames = runs = 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            for name, why, f, r in pool.map(lambda j: compare(d, *j), jobs):
                RESULTS.result("same_events/" + name, why)
                frames += f
                runs += r
    RESULTS.result("frames_were_batched",
                   None if 0 < runs < frames / 4 else
                   "%d test runs for %d frames: batches barely used" % (runs, frames))
    return RESULTS.exit_code()


if __name__ == "__main__":
    sys.exit(main())
