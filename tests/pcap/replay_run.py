"""Run `edgewatch replay` over a capture written by the test (tests/pcap/synth.py) and
read back its events: for the pcap tests that make their own traffic."""
import json
import os
import subprocess
import tempfile

# As tests/run.sh: the rules each test's configuration names, not the shipped default
# (also when a test runs on its own). test_rules_out_of_box.py tests the default.
os.environ.setdefault("EDGEWATCH_RULES_DIR", "")


def replay_bytes(binary, capture, config_yaml=None, timeout=300, suffix=".pcap"):
    """(process, events) of replaying the capture's bytes, with config_yaml's text if any."""
    with tempfile.TemporaryDirectory() as d:
        cap, eve = os.path.join(d, "capture" + suffix), os.path.join(d, "eve.json")
        with open(cap, "wb") as f:
            f.write(capture)
        cmd = [binary, "replay", "-o", eve]
        if config_yaml is not None:
            cfg = os.path.join(d, "edgewatch.yaml")
            with open(cfg, "w") as f:
                f.write(config_yaml)
            cmd += ["-c", cfg]
        proc = subprocess.run(cmd + [cap], capture_output=True, text=True, timeout=timeout)
        events = eve_events(eve)
    return proc, events


def eve_events(path):
    """The EVE file's events in order ([] when the run wrote none)."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def final_stats(events):
    stats = [e["stats"] for e in events if e.get("event_type") == "stats"]
    return stats[-1] if stats else None


def replay_balanced(results, binary, capture, config_yaml=None):
    """Replay the capture's bytes and report "replay": it exited 0 with a final stats
    event whose conservation sum balances. (events, stats), or (None, None) when there
    is nothing to check further."""
    proc, events = replay_bytes(binary, capture, config_yaml)
    stats = final_stats(events)
    if proc.returncode != 0 or not stats:
        results.result("replay", "exit %d: %s" % (proc.returncode, proc.stderr.strip()[-300:]))
        return None, None
    results.result("replay", None if stats["conservation"]["balanced"] else
                   "conservation does not balance")
    return events, stats
