#!/usr/bin/env python3
"""Check what a real rsyslogd received from edgewatch's syslog sink against the EVE file
of the same replay (tests/e2e/test_syslog.sh).

  syslog_check.py delivered EVE RECEIVED   every alert, inventory record and stats event arrived, as the
                                           same JSON, with its RFC 5424 header and SD
  syslog_check.py lost EVE RECEIVED        nothing arrived, and the final stats event
                                           counts every message as lost

RECEIVED is rsyslog's file written with the test's template:
PRI TAB APP-NAME TAB MSGID TAB TIMESTAMP TAB STRUCTURED-DATA TAB MSG.
Prints the first difference and exits 1.
"""
import json
import re
import sys

FACILITY_LOCAL0 = 16
SEVERITY = {1: 2, 2: 3, 3: 4}  # alert.severity -> crit, err, warning (else notice, 5)


def eve_events(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def received(path):
    try:
        with open(path) as f:
            lines = [line.rstrip("\n") for line in f if line.strip()]
    except FileNotFoundError:
        return []
    out = []
    for line in lines:
        parts = line.split("\t", 6)
        if len(parts) != 7:
            raise SystemExit(f"malformed line from rsyslog: {line[:200]}")
        pri, app, msgid, ts, sd, msg = parts[0], parts[1], parts[2], parts[3], parts[4], parts[6]
        out.append({"pri": int(pri), "app": app, "msgid": msgid, "ts": ts, "sd": sd,
                    "msg": json.loads(msg)})
    return out


def sd_params(sd):
    """The SD-PARAMs of [edgewatch@32473 ...], unescaped (RFC 5424 6.3.3)."""
    m = re.fullmatch(r'\[edgewatch@32473((?: [a-z]+="(?:[^"\\\]]|\\["\\\]])*")*)\]', sd)
    if not m:
        raise SystemExit(f"structured data is not one edgewatch@32473 element: {sd}")
    return {k: re.sub(r'\\(["\\\]])', r"\1", v)
            for k, v in re.findall(r' ([a-z]+)="((?:[^"\\\]]|\\["\\\]])*)"', m.group(1))}


def same_time(rfc5424, eve):
    # rsyslog writes 2021-12-13T20:09:26.666524+00:00, EVE 2021-12-13T20:09:26.666524+0000
    return rfc5424.replace("Z", "+00:00").replace("+00:00", "+0000") == eve


def check_delivered(eve, got):
    alerts = [e for e in eve if e["event_type"] == "alert"]
    stats = [e for e in eve if e["event_type"] == "stats"]
    if not alerts:
        return "the capture raised no alert: nothing to compare"
    got_alerts = [g for g in got if g["msgid"] == "alert"]
    key = lambda e: json.dumps(e, sort_keys=True)
    if sorted(map(key, alerts)) != sorted(key(g["msg"]) for g in got_alerts):
        return (f"rsyslog got {len(got_alerts)} alerts "
                f"(sids {sorted(g['msg']['alert']['signature_id'] for g in got_alerts)}), "
                f"the EVE file has {len(alerts)} "
                f"(sids {sorted(a['alert']['signature_id'] for a in alerts)}), or their JSON differs")
    for g in got_alerts:
        a, p = g["msg"]["alert"], sd_params(g["sd"])
        want = {"sid": str(a["signature_id"]), "gid": str(a["gid"]), "rev": str(a["rev"]),
                "severity": str(a["severity"]), "category": a["category"],
                "signature": a["signature"]}
        if p != want:
            return f"SD {p} does not name the alert {want}"
        if g["pri"] != FACILITY_LOCAL0 * 8 + SEVERITY.get(a["severity"], 5):
            return f"PRI {g['pri']} for an alert of severity {a['severity']}"
        if g["app"] != "edgewatch" or not same_time(g["ts"], g["msg"]["timestamp"]):
            return f"header: app {g['app']}, time {g['ts']} for {g['msg']['timestamp']}"
    got_stats = [g for g in got if g["msgid"] == "stats"]
    if sorted(map(key, stats)) != sorted(key(g["msg"]) for g in got_stats):
        return f"rsyslog got {len(got_stats)} stats events, the EVE file has {len(stats)}"
    # inventory records go to syslog too (MSGID inventory, notice when flagged, else info)
    inventory = [e for e in eve if e["event_type"] == "inventory"]
    if not inventory:
        return "the capture gave no inventory record: nothing to compare"
    got_inventory = [g for g in got if g["msgid"] == "inventory"]
    if sorted(map(key, inventory)) != sorted(key(g["msg"]) for g in got_inventory):
        return (f"rsyslog got {len(got_inventory)} inventory records, the EVE file has "
                f"{len(inventory)}, or their JSON differs")
    for g in got_inventory:
        want_pri = FACILITY_LOCAL0 * 8 + (5 if g["msg"]["inventory"]["flags"] else 6)
        if g["pri"] != want_pri or g["sd"] != "-":
            return f"inventory record: PRI {g['pri']} (want {want_pri}), SD {g['sd']}"
    if len(got) != len(got_alerts) + len(got_stats) + len(got_inventory):
        return f"unexpected messages: {[g['msgid'] for g in got]}"
    acct = stats[-1]["stats"]["outputs"]["syslog"]
    # the final stats event accounts for every message before it
    sent = len(alerts) + len(inventory) + len(stats) - 1
    want = {"taken": sent, "sent": sent,
            "in_queue": 0, "dropped_queue_full": 0, "lost_at_close": 0, "send_failed": 0,
            "format_failed": 0}
    wrong = {k: acct[k] for k in want if acct[k] != want[k]}
    if wrong:
        return f"final account {acct}, wrong: {wrong}, want {want}"
    return None


def check_lost(eve, got):
    alerts = [e for e in eve if e["event_type"] == "alert"]
    stats = [e for e in eve if e["event_type"] == "stats"]
    if not alerts:
        return "the capture raised no alert: nothing was at stake"
    if got:
        return f"rsyslog got {len(got)} messages from a sink that should not connect"
    acct = stats[-1]["stats"]["outputs"]["syslog"]
    taken = len(alerts) + len([e for e in eve if e["event_type"] == "inventory"]) + len(stats) - 1
    if acct["taken"] != taken or acct["sent"] != 0 or acct["in_queue"] != 0:
        return f"final account {acct}: want taken {taken}, sent 0, in_queue 0"
    if acct["lost_at_close"] + acct["dropped_queue_full"] != taken:
        return f"final account {acct}: the {taken} messages are not all counted as lost"
    if acct["connect_failures"] < 1:
        return f"final account {acct}: no connect failure counted"
    return None


def main():
    mode, eve_path, got_path = sys.argv[1:4]
    eve, got = eve_events(eve_path), received(got_path)
    why = (check_delivered if mode == "delivered" else check_lost)(eve, got)
    if why:
        print(why)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
