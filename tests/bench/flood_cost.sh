#!/usr/bin/env bash
# The daemon under a spoofed-source SYN flood (issue 9's benchmark: "a spoofed-source
# flood's effect on memory (bounded) and on the daemon's CPU"): edgewatch runs on the
# gateway of a veth lab (tests/e2e/lib.sh: namespaces of its own, 198.18.0.0/15, no
# default route, so the gateway's SYN-ACKs to the spoofed sources go nowhere); hping3
# sends FLOOD_COUNT SYNs from random sources (bounded in count and time). Measured from
# /proc: the daemon's CPU seconds per second and its peak resident memory, idle for
# IDLE_S seconds and then during the flood; from its final stats event: the flows, the
# detectors' tracked entries and memory, the live flood counts, the flood alerts.
# Prints a Markdown table.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=bench/flood_cost
EDGEWATCH_BIN=${EDGEWATCH_BIN:-.output/edgewatch}
. tests/e2e/lib.sh
FLOOD_COUNT=${FLOOD_COUNT:-300000}
IDLE_S=${IDLE_S:-10}
GW=ewfgw$E2E_ID EXT=ewfext$E2E_ID UP=ewfu$E2E_ID PEER=ewfp$E2E_ID
EVE=$E2E_TMP/eve.json

command -v hping3 > /dev/null || { echo "flood_cost: hping3 not installed (make deps)"; exit 0; }
e2e_lab "$GW" "$UP" "$EXT" "$PEER" || { echo "flood_cost: cannot make the lab"; exit 1; }
e2e_edgewatch_start "$GW" "$UP" "$EVE" || { echo "flood_cost: edgewatch did not start"; exit 1; }
PID=$E2E_EW_PID
CLK=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' /proc/"$PID"/stat; }
rss_kb() { awk '/^VmRSS/ {print $2}' /proc/"$PID"/status; }
hwm_kb() { awk '/^VmHWM/ {print $2}' /proc/"$PID"/status; }

sleep 2
t0=$(date +%s.%N) c0=$(cpu_ticks)
sleep "$IDLE_S"
t1=$(date +%s.%N) c1=$(cpu_ticks) idle_rss=$(rss_kb)
ip netns exec "$EXT" timeout 60 hping3 -q -S -p 80 --rand-source -i u20 -c "$FLOOD_COUNT" \
	198.18.0.1 > /dev/null 2>&1
t2=$(date +%s.%N) c2=$(cpu_ticks) flood_hwm=$(hwm_kb)
sleep 2
e2e_edgewatch_stop "$PID"
python3 - "$EVE" "$t0" "$t1" "$t2" "$c0" "$c1" "$c2" "$CLK" "$idle_rss" "$flood_hwm" "$FLOOD_COUNT" <<'PY'
import json, sys
eve, t0, t1, t2, c0, c1, c2, clk, idle_rss, hwm, count = sys.argv[1:]
t0, t1, t2 = float(t0), float(t1), float(t2)
c0, c1, c2, clk = int(c0), int(c1), int(c2), int(clk)
ev = [json.loads(l) for l in open(eve) if l.strip()]
st = [e["stats"] for e in ev if e["event_type"] == "stats"][-1]
alerts = [e for e in ev if e["event_type"] == "alert" and e["alert"]["category"] == "SYN Flood"]
an = st["anomaly"]
tracked = sum(d.get("tracked", 0) for d in an["detectors"].values())
mem = sum(d.get("memory_bytes", 0) for d in an["detectors"].values())
idle_cpu = (c1 - c0) / clk / (t1 - t0)
flood_cpu = (c2 - c1) / clk / (t2 - t1)
print("### Spoofed-source SYN flood: the daemon's CPU and memory (`tests/bench/flood_cost.sh`)")
print()
print("| | idle (%.0f s) | flood (%s SYNs from random sources, %.1f s) |" % (t1 - t0, count, t2 - t1))
print("|---|---:|---:|")
print("| daemon CPU, seconds per second | %.3f | %.3f |" % (idle_cpu, flood_cpu))
print("| daemon resident memory (peak during the flood) | %.1f MiB | %.1f MiB |" % (int(idle_rss) / 1024, int(hwm) / 1024))
print()
print("Flows exported %d (packets seen %d, balanced %s); detectors' entries at the end %d, "
      "their memory %.1f MiB (bounded by anomaly.max-tracked per detector); live flood "
      "counts: %s; SYN Flood alerts %d (episodes, not one per source)." % (
          sum(st["flows"]["exported"].values()), st["conservation"]["packets_seen"],
          st["conservation"]["balanced"], tracked, mem / 1048576,
          json.dumps(an.get("flood_live", {})), len(alerts)))
print()
print("| detector | entries at the end | capacity | evicted | memory |")
print("|---|---:|---:|---:|---:|")
for name, d in an["detectors"].items():
    print("| %s | %d | %d | %d | %.1f MiB |" % (name, d.get("tracked", 0), d.get("capacity", 0),
                                             d.get("evicted", 0), d.get("memory_bytes", 0) / 1048576))
PY
