#!/usr/bin/env python3
"""EVE rotation under a replay's traffic (outputs.eve.rotate-interval, max-size, compress).

- max-size 8KiB + compress: gzip over flood_dhcp.pcap (250 flows, ~125 KiB of EVE): many
  rotations; the files, decompressed and concatenated, are whole JSON lines, none split;
  their number equals the final stats event's eve.events_written; the flow events'
  packets equal stats.flows.packets_exported and the conservation sum balances; every
  .gz passes `gzip -t`; eve.rotations and eve.compressed say how many files were closed.
- rotate-interval 1s with a strftime pattern: files are cut and named by the capture's
  time (2022-07-14 13:34:56.. UTC), not by the wall clock of the replay.
- check-config refuses rotation of stdout and gzip without rotation, at the key's line.
"""
import glob
import gzip
import json
import os
import subprocess
import sys
import tempfile

from result_lines import Results

PCAP_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pcaps")
CAPTURE = os.path.join(PCAP_DIR, "flood_dhcp.pcap")
TIMEOUT = 180


def replay(binary, d, eve_yaml):
    cfg = os.path.join(d, "edgewatch.yaml")
    with open(cfg, "w") as f:
        f.write("flow:\n  idle-timeout: 1s\noutputs:\n  eve:\n" + eve_yaml)
    env = dict(os.environ, TZ="UTC")
    return subprocess.run([binary, "replay", "-c", cfg, CAPTURE], capture_output=True,
                          text=True, timeout=TIMEOUT, env=env, stdin=subprocess.DEVNULL)


def read_lines(paths):
    """(events, problems): every line of the files, decompressed; what is not whole JSON."""
    events, problems = [], []
    for path in paths:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as f:
            data = f.read()
        if data and not data.endswith(b"\n"):
            problems.append(f"{os.path.basename(path)} does not end with a newline")
        for n, line in enumerate(data.split(b"\n")[:-1], 1):
            try:
                events.append(json.loads(line))
            except ValueError:
                problems.append(f"{os.path.basename(path)}:{n} is not JSON: {line[:60]!r}")
    return events, problems


def check_size_gzip(r, binary):
    name = "replay_max_size_gzip"
    with tempfile.TemporaryDirectory() as d:
        proc = replay(binary, d, f"    path: {d}/eve.json\n    max-size: 8KiB\n"
                                 "    compress: gzip\n")
        if proc.returncode != 0:
            return r.result(name, f"replay exited {proc.returncode}: {proc.stderr[-400:]}")
        # closed files in the order they were compressed, the open one last: a closed
        # file's .gz is written by the compression thread, at times after the open
        # file's last line (a loaded machine showed it: mtime alone put a .gz last)
        open_file = os.path.join(d, "eve.json")
        files = sorted(glob.glob(os.path.join(d, "eve.json*")),
                       key=lambda p: (p == open_file, os.path.getmtime(p)))
        gz = [p for p in files if p.endswith(".gz")]
        if len(files) < 10 or len(gz) != len(files) - 1:
            return r.result(name, f"{len(files)} files, {len(gz)} .gz: want >= 10, all but "
                                f"the open one compressed: {[os.path.basename(p) for p in files]}")
        if any(p.endswith(".part") for p in files):
            return r.result(name, "a .gz.part was left behind")
        events, problems = read_lines(files)
        if problems:
            return r.result(name, "; ".join(problems[:3]))
        stats = [e["stats"] for e in events if e.get("event_type") == "stats"][-1]
        eve = stats["eve"]
        if len(events) != eve["events_written"] or eve["write_errors"]:
            return r.result(name, f"{len(events)} lines in the files, stats says "
                                f"{eve['events_written']} written, {eve['write_errors']} lost")
        # the stats event counts the rotations before its own line, which may start a file
        first_of_last = read_lines(files[-1:])[0][0].get("event_type") == "stats"
        closed_before = len(files) - 1 - (1 if first_of_last else 0)
        if eve.get("rotations") != closed_before or eve.get("compressed") != closed_before \
                or eve.get("compress_failed") or eve.get("rotate_failed"):
            return r.result(name, f"stats.eve {eve}: want {closed_before} rotations and "
                                  "compressed")
        flows = [e for e in events if e.get("event_type") == "flow"]
        packets = sum(e["flow"]["pkts_toserver"] + e["flow"]["pkts_toclient"] for e in flows)
        cons = stats["conservation"]
        if packets != cons["packets_exported"] or not cons["balanced"]:
            return r.result(name, f"flow events carry {packets} packets; conservation {cons}")
        if sum(stats["flows"]["exported"].values()) != len(flows):
            return r.result(name, f"{len(flows)} flow events, stats.flows.exported "
                                f"{stats['flows']['exported']}")
        t = subprocess.run(["gzip", "-t"] + gz, capture_output=True, text=True)
        if t.returncode != 0:
            return r.result(name, f"gzip -t: {t.stderr.strip()}")
    r.result(name)


def check_interval_pattern(r, binary):
    name = "replay_rotate_interval_by_capture_time"
    with tempfile.TemporaryDirectory() as d:
        proc = replay(binary, d, f"    path: {d}/eve-%Y%m%d-%H%M%S.json\n"
                                 "    rotate-interval: 1s\n")
        if proc.returncode != 0:
            return r.result(name, f"replay exited {proc.returncode}: {proc.stderr[-400:]}")
        names = sorted(os.path.basename(p) for p in glob.glob(os.path.join(d, "eve-*")))
        # the capture runs from 13:34:56 to 13:35:01 UTC on 2022-07-14
        want = {f"eve-20220714-1334{s}.json" for s in ("56", "57", "58", "59")} | \
               {f"eve-20220714-1335{s}.json" for s in ("00", "01", "02", "03")}
        if len(names) < 3 or not set(names) <= want:
            return r.result(name, f"files {names}: want several, named by the capture's "
                                "seconds")
        events, problems = read_lines(sorted(os.path.join(d, n) for n in names))
        if problems:
            return r.result(name, "; ".join(problems[:3]))
        stats = [e["stats"] for e in events if e.get("event_type") == "stats"][-1]
        if len(events) != stats["eve"]["events_written"] or \
                stats["eve"]["rotations"] != len(names) - 1:
            return r.result(name, f"{len(events)} lines, {len(names)} files; stats.eve "
                                f"{stats['eve']}")
    r.result(name)


def check_config_errors(r, binary):
    cases = [
        ("rotation_of_stdout", "outputs:\n  eve:\n    path: \"-\"\n    max-size: 1MiB\n",
         "edgewatch.yaml:3:5: error: outputs.eve: rotate-interval, max-size and compress "
         "need a file path"),
        ("gzip_without_rotation", "outputs:\n  eve:\n    path: eve.json\n    compress: gzip\n",
         "edgewatch.yaml:3:5: error: outputs.eve: compress: gzip compresses rotated files"),
        ("max_size_unit", "outputs:\n  eve:\n    path: eve.json\n    max-size: 10 parsecs\n",
         "edgewatch.yaml:4:15: error: outputs.eve.max-size: expected a size"),
        ("max_size_small", "outputs:\n  eve:\n    path: eve.json\n    max-size: 1k\n",
         "edgewatch.yaml:4:15: error: outputs.eve.max-size: 1k is out of range"),
    ]
    with tempfile.TemporaryDirectory() as d:
        cfg = os.path.join(d, "edgewatch.yaml")
        for name, text, want in cases:
            with open(cfg, "w") as f:
                f.write(text)
            proc = subprocess.run([binary, "check-config", cfg], capture_output=True,
                                  text=True, timeout=30)
            got = proc.stderr.replace(d + "/", "")
            if proc.returncode != 1 or want not in got:
                r.result(f"config_{name}", f"exit {proc.returncode}, stderr {got.strip()!r}; "
                                         f"want {want!r}")
            else:
                r.result(f"config_{name}")
        with open(cfg, "w") as f:
            f.write("outputs:\n  eve:\n    path: eve-%Y%m%d.json\n    rotate-interval: 1h\n"
                    "    max-size: 100MiB\n    compress: gzip\n")
        proc = subprocess.run([binary, "check-config", cfg], capture_output=True, text=True,
                              timeout=30)
        if proc.returncode != 0 or "rotate every 3600s or at 104857600 bytes, gzip" \
                not in proc.stdout:
            r.result("config_rotation_valid", f"exit {proc.returncode}: {proc.stdout}"
                                            f"{proc.stderr}")
        else:
            r.result("config_rotation_valid")


def main():
    binary = sys.argv[1]
    r = Results("eve_rotation")
    check_size_gzip(r, binary)
    check_interval_pattern(r, binary)
    check_config_errors(r, binary)
    return r.exit_code()


if __name__ == "__main__":
    sys.exit(main())
