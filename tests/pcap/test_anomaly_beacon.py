#!/usr/bin/env python3
"""The beacon detector (userspace/detect/beacon.c, sid 9000501) over the captures in
tests/pcaps/anomaly/ (made by tests/pcap/beacon_shapes.py; the test checks the committed
files are still what the script writes):
- beacon_fixed-30s and beacon_jitter-60s-30pct: one episode, category Beaconing, from the
  implant to its C2 port, starting exactly at the 10th connection (min-connections), with
  its interval, score and score parts in the evidence;
- benign_ntp-poll, benign_monitoring-poller, benign_browser-revisits: no anomaly alert
  (polled service skipped; a poller of 6 devices suppressed by peers; random revisits
  score low); and the SYN flood capture (100/s from one source) raises no beacon alert
  (a median interval under 1 s is no call-back).
Prints PASS/FAIL lines for tests/run.sh. usage: test_anomaly_beacon.py [EDGEWATCH]
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from replay_run import replay_bytes  # noqa: E402
from result_lines import Results  # noqa: E402
import beacon_shapes  # noqa: E402
import synth  # noqa: E402

BIN = sys.argv[1] if len(sys.argv) > 1 else ".output/asan/edgewatch"
RESULTS = Results("pcap/anomaly_beacon")
CAPTURES = os.path.join(HERE, "..", "pcaps", "anomaly")
POSITIVE = {  # capture: (dest port, median interval s)
    "beacon_fixed-30s.pcap": (443, 30),
    "beacon_jitter-60s-30pct.pcap": (8443, 60),
}
NEGATIVE = ["benign_ntp-poll.pcap", "benign_monitoring-poller.pcap",
            "benign_browser-revisits.pcap",
            # one source's SYNs 10 ms apart: perfectly regular, but a flood, not a beacon
            "../flood_syn-100-per-sec-synthetic.pcap"]


def alerts_of(name):
    with open(os.path.join(CAPTURES, name), "rb") as f:
        proc, events = replay_bytes(BIN, f.read())
    if proc.returncode != 0:
        return None, "replay exited %d: %s" % (proc.returncode, proc.stderr[-300:])
    return [e for e in events if e.get("event_type") == "alert" and "anomaly" in e], None


def check_positive(name, port, interval):
    alerts, err = alerts_of(name)
    if err:
        return err
    if not alerts:
        return "no anomaly alert"
    for e in alerts:
        a, an = e["alert"], e["anomaly"]
        if (a["signature_id"], a["category"], an["detector"]) != (9000501, "Beaconing",
                                                                   "beacon"):
            return "unexpected alert %s %s" % (a["signature_id"], a["signature"])
        if (e["src_ip"], e["dest_ip"], e["dest_port"]) != ("198.18.1.10", "198.18.200.1",
                                                          port):
            return "alert on %s -> %s:%s" % (e["src_ip"], e["dest_ip"], e["dest_port"])
    episodes = [e["anomaly"]["episode"] for e in alerts]
    if episodes[0] != "start" or episodes[-1] != "end" or episodes.count("start") != 1:
        return "episodes %s" % episodes
    start = alerts[0]["anomaly"]
    if start["connections"] != 10:
        return "started at connection %s, want 10 (min-connections)" % start["connections"]
    if abs(start["interval_s"] - interval) > interval * 0.1:
        return "interval %s, want about %s" % (start["interval_s"], interval)
    parts = start.get("score_parts", {})
    if not (0.8 <= start["score"] <= 1) or set(parts) != {"ts_skew", "ts_madm", "ds_skew",
                                                          "ds_madm", "count"}:
        return "score %s parts %s" % (start["score"], parts)
    return None


def main():
    for name, make in beacon_shapes.CAPTURES.items():
        with open(os.path.join(CAPTURES, name), "rb") as f:
            same = f.read() == synth.pcap(sorted(make(), key=lambda fr: fr[0]))
        RESULTS.result("capture_" + name, None if same else
                       "differs from what tests/pcap/beacon_shapes.py writes")
    for name, (port, interval) in POSITIVE.items():
        RESULTS.result("alerts_" + name, check_positive(name, port, interval))
    for name in NEGATIVE:
        alerts, err = alerts_of(name)
        alerts = [e for e in (alerts or []) if e["anomaly"]["detector"] == "beacon"]
        RESULTS.result("quiet_" + os.path.basename(name), err or (None if not alerts else "%d anomaly alerts: %s"
                       % (len(alerts), alerts[0]["alert"]["signature"])))
    return RESULTS.exit_code()


if __name__ == "__main__":
    sys.exit(main())
