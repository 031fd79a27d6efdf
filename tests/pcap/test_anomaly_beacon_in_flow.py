#!/usr/bin/env python3
"""Beaconing inside one long-lived flow (userspace/detect/beacon_in_flow.c, sid 9000502)
over captures written here by tests/pcap/beacon_shapes.py (one TCP flow each, replayed;
the flow's only record is its shutdown record):
- a heartbeat every 30 s with 10% and with 20% jitter for 20 minutes: one episode
  (start, end), category Beaconing, implant -> C2:443, with the gaps, the mean interval
  (about 30 s), bytes per burst and the score (1 - cv) in the evidence;
- the same flow with a person's irregular pauses (an SSH session typed by hand), an audio
  stream fetching a 64 KB segment every 8 s (regular, but big bursts), a poller's kept-
  alive sessions to 5 devices every 15 s (peers) and an idle WireGuard tunnel's
  keepalives (excluded by port): no beacon alert.
Each check was seen to fail with its guard taken out: the kernel's gap sums compiled
out (no alert on the heartbeats), the score threshold (the human session's pauses have
cv 1.04), the bytes-per-burst cap (the stream: 70 KB bursts, cv 0.03), the peers (the
poller: cv 0.00), the keep-alive ports (WireGuard).
Prints PASS/FAIL lines for tests/run.sh. usage: test_anomaly_beacon_in_flow.py [EDGEWATCH]
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
RESULTS = Results("pcap/anomaly_beacon_in_flow")

POSITIVE = {
    "heartbeat_30s_jitter10": lambda: beacon_shapes.in_flow_heartbeat(jitter=0.1, seed=10),
    "heartbeat_30s_jitter20": lambda: beacon_shapes.in_flow_heartbeat(jitter=0.2, seed=20),
}
NEGATIVE = {
    "human_ssh_session": beacon_shapes.in_flow_human,
    "audio_stream_8s_segments": beacon_shapes.in_flow_audio_stream,
    "poller_keepalive_5_devices": beacon_shapes.in_flow_poller,
    "wireguard_idle_keepalive": beacon_shapes.in_flow_wireguard,
}


def beacon_alerts(frames):
    proc, events = replay_bytes(BIN, synth.pcap(sorted(frames, key=lambda f: f[0])))
    if proc.returncode != 0:
        return None, "replay exited %d: %s" % (proc.returncode, proc.stderr[-300:])
    return [e for e in events if e.get("event_type") == "alert" and
            e.get("anomaly", {}).get("detector") == "beacon"], None


def check_positive(frames):
    alerts, err = beacon_alerts(frames)
    if err:
        return err
    if not alerts:
        return "no beacon alert"
    for e in alerts:
        a = e["alert"]
        if (a["signature_id"], a["category"]) != (9000502, "Beaconing"):
            return "unexpected alert %s %s" % (a["signature_id"], a["signature"])
        if (e["src_ip"], e["dest_ip"], e["dest_port"]) != ("198.18.1.10", "198.18.200.1",
                                                          443):
            return "alert on %s -> %s:%s" % (e["src_ip"], e["dest_ip"], e["dest_port"])
    episodes = [e["anomaly"]["episode"] for e in alerts]
    if episodes != ["start", "end"]:
        return "episodes %s, want start, end" % episodes
    an = alerts[0]["anomaly"]
    if an["gaps"] != 40:
        return "%s gaps, want 40 (one per beat, the handshake's burst first)" % an["gaps"]
    if abs(an["interval_s"] - 30) > 3:
        return "interval %s s, want about 30" % an["interval_s"]
    if not 300 <= an["bytes_per_burst"] <= 1000:
        return "bytes_per_burst %s" % an["bytes_per_burst"]
    cv = an.get("score_parts", {}).get("cv")
    if cv is None or not (0.8 <= an["score"] <= 1) or abs(an["score"] - (1 - cv)) > 1e-6:
        return "score %s, cv %s" % (an["score"], cv)
    return None


def main():
    for name, make in POSITIVE.items():
        RESULTS.result("alerts_" + name, check_positive(make()))
    for name, make in NEGATIVE.items():
        alerts, err = beacon_alerts(make())
        RESULTS.result("quiet_" + name, err or (None if not alerts else "%d beacon alerts: %s %s"
                       % (len(alerts), alerts[0]["alert"]["signature"],
                          alerts[0]["anomaly"])))
    return RESULTS.exit_code()


if __name__ == "__main__":
    sys.exit(main())
