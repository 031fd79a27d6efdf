#!/usr/bin/env python3
"""The brute-force detector over its captures (tests/pcaps/anomaly, made by
tests/pcap/brute_captures.py) and the real single-session management captures.

- each brute_* capture raises its service's sid (category "Brute Force", technique named),
  from the attacker 198.18.1.16 to 198.18.0.22 on the service's port, with evidence
  attempts >= the threshold and threshold == anomaly.brute-force.attempts; the SSH one
  ends with possible_success 1 (the long session after the guesses);
- the same captures with the threshold doubled (40 > the 30 attempts) raise nothing:
  the detector, not something else, makes those alerts;
- benign_ssh-* (anomaly/) and tests/pcaps/mgmt_*.pcap raise no brute-force alert;
- distributed (captures written here at run time by brute_captures.py): 200 sources x 3
  SSH attempts raise sid 9000211 "distributed SSH brute force" toward 198.18.0.22:22, one
  episode, with the sources named (sources_total ~200) and no per-source alert; with
  anomaly.brute-force.attempts at 130 (650 attempts needed) nothing; a busy server's 200
  clients each with one long session raise nothing.
Prints PASS/FAIL anomaly-brute/<name> lines for tests/run.sh.
"""
import glob
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from replay_run import replay_bytes  # noqa: E402
import brute_captures  # noqa: E402
import synth  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PCAPS = os.path.join(HERE, "..", "pcaps")
ANOMALY = os.path.join(PCAPS, "anomaly")
ATTACKER, TARGET = "198.18.1.16", "198.18.0.22"

EXPECT = {
    "brute_ssh-then-session-synthetic.pcap": (9000201, "SSH brute force", 22),
    "brute_telnet-synthetic.pcap": (9000202, "Telnet brute force", 23),
    "brute_ftp-synthetic.pcap": (9000203, "FTP brute force", 21),
    "brute_rdp-synthetic.pcap": (9000204, "RDP brute force", 3389),
    "brute_vnc-synthetic.pcap": (9000205, "VNC brute force", 5901),
    "brute_snmp-communities-synthetic.pcap": (9000206, "SNMP community guessing", 161),
}

failures = 0


def result(name, why=None):
    global failures
    if why:
        failures += 1
        print("FAIL anomaly-brute/%s: %s" % (name, why))
    else:
        print("PASS anomaly-brute/%s" % name)


def brute_alerts(binary, path, attempts=None):
    with open(path, "rb") as f:
        data = f.read()
    cfg = None
    if attempts is not None:
        cfg = "anomaly:\n  brute-force:\n    attempts: %d\n" % attempts
    proc, events = replay_bytes(binary, data, cfg)
    if proc.returncode != 0:
        return None, "replay exited %d: %s" % (proc.returncode, proc.stderr[-300:])
    return [e for e in events if e.get("event_type") == "alert" and
            9000201 <= e["alert"]["signature_id"] <= 9000299], None


def check_positive(binary, name, sid, technique, port):
    alerts, err = brute_alerts(binary, os.path.join(ANOMALY, name))
    if err:
        return err
    if not alerts:
        return "no brute-force alert"
    for a in alerts:
        an = a.get("anomaly") or {}
        if a["alert"]["signature_id"] != sid:
            return "sid %d, expected %d" % (a["alert"]["signature_id"], sid)
        if a["alert"]["category"] != "Brute Force" or an.get("technique") != technique:
            return "category/technique %r/%r" % (a["alert"]["category"], an.get("technique"))
        if (a["src_ip"], a["dest_ip"], a["dest_port"]) != (ATTACKER, TARGET, port):
            return "subject %s -> %s:%s" % (a["src_ip"], a["dest_ip"], a["dest_port"])
        if an.get("threshold") != 20 or an.get("attempts", 0) < 20:
            return "evidence attempts %r threshold %r" % (an.get("attempts"), an.get("threshold"))
    episodes = [a["anomaly"]["episode"] for a in alerts]
    if episodes[0] != "start" or episodes[-1] != "end":
        return "episodes %r" % episodes
    last = alerts[-1]["anomaly"]
    if last["attempts"] != 30:
        return "the end alert counts %r attempts, expected 30" % last["attempts"]
    want_success = 1 if port == 22 else 0
    if last.get("possible_success") != want_success:
        return "possible_success %r, expected %d" % (last.get("possible_success"), want_success)
    if want_success and last.get("session_duration_s") != 300:
        return "session_duration_s %r" % last.get("session_duration_s")
    return None


def check_distributed(binary, path):
    alerts, err = brute_alerts(binary, path)
    if err:
        return err
    per_source = [a for a in alerts if a["alert"]["signature_id"] != 9000211]
    if per_source:
        return "other alerts: %s" % per_source[0]["alert"]["signature"]
    if not alerts:
        return "no distributed brute-force alert"
    for a in alerts:
        an = a.get("anomaly") or {}
        if a["alert"]["category"] != "Brute Force" or \
                an.get("technique") != "distributed SSH brute force":
            return "category/technique %r/%r" % (a["alert"]["category"], an.get("technique"))
        if (a["dest_ip"], a["dest_port"]) != (TARGET, 22):
            return "target %s:%s" % (a["dest_ip"], a["dest_port"])
        if not a["src_ip"].startswith("198.18.16.") or len(an.get("sources", [])) != 16:
            return "src %s, sources %r" % (a["src_ip"], an.get("sources"))
    episodes = [a["anomaly"]["episode"] for a in alerts]
    if episodes[0] != "start" or episodes[-1] != "end" or "start" in episodes[1:]:
        return "episodes %r (one expected)" % episodes
    last = alerts[-1]["anomaly"]
    if last.get("attempts") != 600 or not 180 <= last.get("sources_total", 0) <= 230:
        return "end: attempts %r sources_total %r" % (last.get("attempts"),
                                                       last.get("sources_total"))
    return None


def distributed_checks(binary):
    with tempfile.TemporaryDirectory() as tmp:
        bots = os.path.join(tmp, "brute_ssh-distributed.pcap")
        busy = os.path.join(tmp, "benign_ssh-busy-server.pcap")
        for path, frames in ((bots, brute_captures.distributed()),
                             (busy, brute_captures.busy_ssh_server())):
            with open(path, "wb") as fh:
                fh.write(synth.pcap(sorted(frames, key=lambda x: x[0])))
        result("distributed/200x3", check_distributed(binary, bots))
        alerts, err = brute_alerts(binary, bots, attempts=130)
        result("distributed/200x3/threshold-raised",
               err or ("%d alerts with 650 attempts needed" % len(alerts) if alerts else None))
        alerts, err = brute_alerts(binary, busy)
        result("distributed/negative/busy-server-200-sessions",
               err or ("%d alerts: %s" % (len(alerts), alerts[0]["alert"]["signature"])
                       if alerts else None))


def main():
    binary = sys.argv[1]
    for name, (sid, technique, port) in sorted(EXPECT.items()):
        result(name, check_positive(binary, name, sid, technique, port))
        alerts, err = brute_alerts(binary, os.path.join(ANOMALY, name), attempts=40)
        result(name + "/threshold-doubled",
               err or ("%d alerts with the threshold above the attempts" % len(alerts)
                       if alerts else None))
    negatives = sorted(glob.glob(os.path.join(ANOMALY, "benign_ssh-*.pcap")) +
                       glob.glob(os.path.join(PCAPS, "mgmt_*.pcap")))
    for path in negatives:
        alerts, err = brute_alerts(binary, path)
        result("negative/" + os.path.basename(path),
               err or ("%d brute-force alerts: %s" % (
                   len(alerts), alerts[0]["alert"]["signature"]) if alerts else None))
    distributed_checks(binary)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
