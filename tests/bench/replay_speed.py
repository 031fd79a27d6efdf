#!/usr/bin/env python3
"""Replay speed against softflowd -r on the same capture (issue 11), in one run.

The capture (tests/pcap/synth.py synflood): a spoofed-source SYN flood, 37,841 SYNs over
28 s, the same SYNs nine more times each 28 s later (378,410 frames, 280 s, 37,841 flows
of 10 packets: every source comes back within the idle timeout). edgewatch replays it
exactly (every flow, every packet); softflowd -r (its default 8,192 flows, no collector:
it exports to nowhere) force-expires most of them. Rounds alternate edgewatch and
softflowd and the ratio is taken round by round (the machine is shared: the ratio of a
pair is what to compare). Also: start-up (a one-frame capture), the rate with the
shipped rules (their cache warm), and a 1,000-frame capture spanning a day.

Wall time of the whole process and its CPU time (user + system, the kernel's account of
the finished child: on a loaded machine the wall time is mostly waiting for a core, the
CPU time is not), median of ROUNDS (default 5), min-max shown.
usage: replay_speed.py [EDGEWATCH] (as root: BPF_PROG_TEST_RUN)
"""
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../pcap"))
import synth  # noqa: E402

BIN = sys.argv[1] if len(sys.argv) > 1 else ".output/edgewatch"
ROUNDS = int(os.environ.get("ROUNDS", "5"))
SYNS, COPY_S, COPIES = 37841, 28, 10
RULES = os.path.abspath("rules")


def children_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed(cmd, env=None):
    """(wall seconds, CPU seconds) of one run of cmd, which must succeed."""
    c0, t0 = children_cpu(), time.monotonic()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    took, cpu = time.monotonic() - t0, children_cpu() - c0
    if proc.returncode != 0:
        sys.exit("replay_speed: %s failed (exit %d): %s" %
                 (" ".join(cmd), proc.returncode, proc.stderr.decode()[-300:]))
    return took, cpu


def spread(xs):
    return "%.2f (%.2f-%.2f)" % (statistics.median(xs), min(xs), max(xs))


def row(name, runs, frames=None, goal="-"):
    """A table row: wall and CPU seconds, and packets/s of each when frames is given."""
    wall, cpu = [r[0] for r in runs], [r[1] for r in runs]
    rate = lambda xs: "%.0f" % (frames / statistics.median(xs)) if frames else ""  # noqa: E731
    print("| %s | %s | %s | %s | %s | %s |" % (name, spread(wall), spread(cpu), rate(wall),
                                              rate(cpu), goal))


def ratio_row(name, a, b, goal):
    """edgewatch's throughput over softflowd's, pair by pair, in wall and in CPU time."""
    wall = [y[0] / x[0] for x, y in zip(a, b)]
    cpu = [y[1] / x[1] for x, y in zip(a, b)]
    print("| %s | %s | %s | | | %s |" % (name, spread(wall), spread(cpu), goal))


def main():
    softflowd = shutil.which("softflowd")
    if not softflowd:
        print("replay_speed: softflowd not installed (make deps): no yardstick, no figures")
        return 0
    env = dict(os.environ, EDGEWATCH_RULES_DIR="")
    rules_env = dict(os.environ, EDGEWATCH_RULES_DIR=RULES)
    with tempfile.TemporaryDirectory() as d:
        flood, one, day = (os.path.join(d, n) for n in ("flood.pcap", "one.pcap", "day.pcap"))
        frames = synth.synflood(SYNS, COPY_S, COPIES)
        with open(flood, "wb") as f:
            f.write(synth.pcap(frames))
        with open(one, "wb") as f:
            f.write(synth.pcap(frames[:1]))
        with open(day, "wb") as f:	# 1,000 frames 86.4 s apart: 24 hours
            f.write(synth.pcap(synth.sparse(1000, 86)))
        ew = [BIN, "replay", "-q", "-o", "/dev/null"]
        timed(ew + [one], rules_env)	# warm: the rule cache, the page cache
        ew_s, sf_s, start_s, rules_s, day_s = [], [], [], [], []
        for _ in range(ROUNDS):
            ew_s.append(timed(ew + [flood], env))
            sf_s.append(timed([softflowd, "-r", flood]))
            start_s.append(timed(ew + [one], env))
            rules_s.append(timed(ew + [flood], rules_env))
            day_s.append(timed(ew + [day], env))
    n = len(frames)
    print("### Replay against softflowd -r (`tests/bench/replay_speed.py`)")
    print()
    print("%d frames (a spoofed SYN flood, %d SYNs over %d s repeated %d times: %d flows "
          "of %d packets); the whole process, median of %d alternating rounds (min-max)."
          % (n, SYNS, COPY_S, COPIES, len({f for _, f in frames}), COPIES, ROUNDS))
    print()
    print("| run | wall s | CPU s | packets/s (wall) | packets/s (CPU) | goal |")
    print("|---|---:|---:|---:|---:|---:|")
    row("softflowd -r (yardstick; not exact: 8,192 flows, forced out)", sf_s, n)
    row("edgewatch replay, no rules", ew_s, n)
    row("edgewatch replay, shipped rules (cache warm)", rules_s, n)
    ratio_row("edgewatch / softflowd throughput, pair by pair", ew_s, sf_s, ">= 1.5")
    row("edgewatch start-up (a one-frame capture)", start_s, goal="<= 0.3")
    row("edgewatch, 1,000 frames over 24 h", day_s, goal="< 1")
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
