#!/usr/bin/env python3
"""Compare a /metrics scrape with the EVE stats event of the same snapshot.

Usage: compare_metrics.py SCRAPE EVE_FILE

The scrape names its snapshot (edgewatch_stats_timestamp_seconds, microseconds, the
stats event's timestamp); the EVE file must hold that stats event (waited for: the sink
swaps its page in before the EVE line is flushed). Every datapath counter of every hook,
flows by end reason, the flow and EVE totals, the policy's alerts by detection and the
sample pipeline must be equal; the per-sink totals and the alerts by category must equal
what the EVE file holds before that stats line (the alerts are the policy's: written by
the main thread, so none can fall between the two sinks). Prints one line per mismatch
and exits 1, or prints "ok N" (N values compared) and exits 0.
"""
import calendar
import json
import re
import sys
import time

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_scrape(path):
    series = {}
    for line in open(path):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            sys.exit(f"not a sample line: {line}")
        labels = tuple(LABEL.findall(m.group(3) or ""))
        key = (m.group(1), labels)
        if key in series:
            sys.exit(f"series twice: {line}")
        series[key] = m.group(4)
    return series


def eve_us(timestamp):
    """2024-01-02T03:04:05.123456+0000 -> microseconds since the epoch."""
    secs = calendar.timegm(time.strptime(timestamp[:19], "%Y-%m-%dT%H:%M:%S"))
    return secs * 1000000 + int(timestamp[20:26])


def find_event(eve_path, want_us):
    """The stats event at want_us, and the events before it."""
    for _ in range(50):
        before = []
        for line in open(eve_path):
            if not line.endswith("\n"):
                break       # a line being written
            ev = json.loads(line)
            if ev["event_type"] == "stats" and eve_us(ev["timestamp"]) == want_us:
                return ev, before
            before.append(ev)
        time.sleep(0.1)
    sys.exit(f"no stats event at {want_us} us in {eve_path}")


def main():
    series = parse_scrape(sys.argv[1])
    ts = series[("edgewatch_stats_timestamp_seconds", ())]
    whole, frac = ts.split(".")
    ev, before = find_event(sys.argv[2], int(whole) * 1000000 + int(frac))
    stats = ev["stats"]
    expected = {}   # (name, labels) -> value the EVE event says

    for hook, groups in stats["datapath"].items():
        for group, counters in groups.items():
            if group == "pkt_seen":
                expected[("edgewatch_datapath_packets_total",
                          (("hook", hook), ("group", "seen"), ("counter", "pkt_seen")))] = counters
                continue
            for name, value in counters.items():
                if group == "event":
                    key = ("edgewatch_datapath_events_total",
                           (("hook", hook), ("counter", name)))
                else:
                    key = ("edgewatch_datapath_packets_total",
                           (("hook", hook), ("group", group), ("counter", name)))
                expected[key] = value
    flows = stats["flows"]
    for reason, value in flows["exported"].items():
        expected[("edgewatch_flows_exported_total", (("reason", reason),))] = value
    for name, field in [("edgewatch_flow_exported_packets_total", "packets_exported"),
                        ("edgewatch_flow_exported_bytes_total", "bytes_exported"),
                        ("edgewatch_flow_recovered_packets_total", "packets_recovered"),
                        ("edgewatch_flow_table_entries", "in_table"),
                        ("edgewatch_flow_table_slots", "table_size"),
                        ("edgewatch_flow_write_errors_total", "write_errors"),
                        ("edgewatch_flow_sweeps_total", "sweeps"),
                        ("edgewatch_flow_sweep_errors_total", "sweep_errors")]:
        expected[(name, ())] = flows[field]
    cons = stats["conservation"]
    expected[("edgewatch_flow_table_packets", ())] = cons["packets_in_table"]
    expected[("edgewatch_flow_write_failed_packets_total", ())] = cons["packets_write_failed"]
    expected[("edgewatch_conservation_final", ())] = int(cons["final"])
    expected[("edgewatch_uptime_seconds", ())] = stats["uptime"]
    expected[("edgewatch_eve_lines_written_total", ())] = stats["eve"]["events_written"]
    expected[("edgewatch_eve_lines_lost_total", ())] = stats["eve"]["write_errors"]
    if "xdp_mode" in stats:
        expected[("edgewatch_xdp_mode_info", (("mode", stats["xdp_mode"]),))] = 1
    if "policy" in stats:
        policy = stats["policy"]
        expected[("edgewatch_policy_generation", ())] = policy["generation"]
        for detection, value in policy["events"]["alerts"].items():
            expected[("edgewatch_policy_alerts_total", (("detection", detection),))] = value
        expected[("edgewatch_policy_alerts_written_total", ())] = \
            policy["events"]["alerts_written"]
        expected[("edgewatch_policy_exposures", ())] = len(policy["exposures"])
    if "samples" in stats:
        samples = stats["samples"]
        expected[("edgewatch_samples_read_total", ())] = samples["read"]
        for outcome in ["scanned", "scan_failed", "dropped_queue_full", "dropped_malformed",
                        "not_scanned_no_rules"]:
            expected[("edgewatch_samples_total", (("outcome", outcome),))] = samples[outcome]
        expected[("edgewatch_rules_alerts_total", ())] = stats["rules"]["alerts"]

    # what the EVE file holds before this stats event, as the sinks counted it
    types = {"flow": 0, "alert": 0, "stats": 0}
    categories = {}
    for e in before:
        types[e["event_type"]] += 1
        if e["event_type"] == "alert":
            cat = e["alert"]["category"]
            categories[cat] = categories.get(cat, 0) + 1
    for kind, count in types.items():
        for sink in ["eve", "prometheus"]:
            expected[("edgewatch_output_events_total", (("sink", sink), ("type", kind)))] = count
            expected[("edgewatch_output_errors_total", (("sink", sink), ("type", kind)))] = 0
    for cat, count in categories.items():
        expected[("edgewatch_alerts_total", (("category", cat), ("origin", "builtin")))] = count

    bad = 0
    for key, want in sorted(expected.items()):
        got = series.get(key)
        if got is None or got != str(want):
            print(f"{key[0]}{dict(key[1])}: scraped {got}, EVE stats event {want}")
            bad += 1
    # and nothing in the scrape the EVE event would not explain, for these families
    for key in series:
        if key[0] in ("edgewatch_datapath_packets_total", "edgewatch_datapath_events_total",
                      "edgewatch_flows_exported_total", "edgewatch_alerts_total") \
                and key not in expected:
            print(f"{key[0]}{dict(key[1])}: scraped, not in the EVE stats event")
            bad += 1
    if bad:
        sys.exit(1)
    print(f"ok {len(expected)} alerts={sum(categories.values())} "
          f"pkt_seen={stats['datapath']['xdp_ingress']['pkt_seen']} "
          f"flows={sum(flows['exported'].values())}")


if __name__ == "__main__":
    main()
