#!/usr/bin/env bash
# End-to-end: floods are alerted while they last (issue 9), not when their flows end.
# edgewatch on the gateway's veth (198.18.0.1), idle timeout 60 s; from the outside
# namespace, hping3 sends, one after the other, each bounded by a count and a time limit:
#   - a SYN flood from 64 spoofed sources (198.18.1.1-64, 200 SYNs each, a new source
#     port per SYN): half-open flows, no answer can leave the gateway (no route);
#   - a UDP flood from one source, one flow (-k keeps the source port);
#   - an ICMP echo flood from one source (one flow: edgewatch keys ICMP without ids).
# Each must raise its alert (SYN Flood / UDP Flood / ICMP Flood, dest_ip the gateway) in
# the EVE file within 10 s, while edgewatch runs and long before the 60 s idle timeout
# would end the flows and bring their records. The floors are lowered in the config (a
# shared 2-core machine cannot be relied on for 20,000 pps); the defaults are the pcap
# and unit tests' business. --rand-source is not used: it draws sources from all of IPv4,
# and the test's addresses stay in 198.18.0.0/15. The ICMP flood goes first: edgewatch
# keys ICMP flows by address pair only, so the gateway's port-unreachable answers to the
# UDP flood would otherwise open the pair's ICMP flow from the gateway's side, and the
# echo flood after it would be that flow's answers (a known limit: detect/README.md).
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/anomaly_flood
. tests/e2e/lib.sh

GW=ewgw$E2E_ID EXT=ewext$E2E_ID UP=ewu$E2E_ID PEER=ewp$E2E_ID

if ! command -v hping3 >/dev/null; then
	e2e_skip flood "hping3 is not installed (make deps)"
	exit 0
fi
e2e_lab "$GW" "$UP" "$EXT" "$PEER" || { e2e_fail setup "lab"; exit 1; }

eve=$E2E_TMP/eve.json cfg=$E2E_TMP/flood.yaml
cat > "$cfg" <<EOF
flow:
  idle-timeout: 60
management:
  action: alert
anomaly:
  flood:
    syn-rate: 300
    udp-rate: 1500
    icmp-rate: 1500
EOF
if ! e2e_edgewatch_start "$GW" "$UP" "$eve" -c "$cfg"; then
	e2e_fail flood "edgewatch did not start"
	exit 1
fi
ew=$E2E_EW_PID

# Wait (10 s at most) for an alert of sid $1 toward the gateway; "live" if edgewatch
# still runs when it is there. Prints the seconds it took.
wait_alert() {	# wait_alert SID
	local i
	for i in $(seq 1 100); do
		if grep '"event_type":"alert"' "$eve" 2>/dev/null | grep '"dest_ip":"198.18.0.1"' |
			grep -q "\"signature_id\":$1,"; then
			kill -0 "$ew" 2>/dev/null && { echo "$((i / 10)).$((i % 10))"; return 0; }
			return 1
		fi
		sleep 0.1
	done
	return 1
}

# ICMP echo flood, one flow: 20,000 packets at most, 15 s at most
e2e_in "$EXT" timeout 15 hping3 -q --icmp -I "$PEER" -i u100 -c 20000 198.18.0.1 \
	>/dev/null 2>&1 &
E2E_PIDS+=($!)
if t=$(wait_alert 9000303); then
	e2e_pass "icmp_flood_live (alert after ${t} s)"
else
	e2e_fail icmp_flood_live "no ICMP Flood alert in 10 s while edgewatch ran"
fi
kill -INT "${E2E_PIDS[-1]}" 2>/dev/null
wait "${E2E_PIDS[-1]}" 2>/dev/null

# UDP flood, one flow: 20,000 packets at most, 15 s at most
e2e_in "$EXT" timeout 15 hping3 -q --udp -p 9 -s 5000 -k -I "$PEER" -i u100 -c 20000 \
	198.18.0.1 >/dev/null 2>&1 &
E2E_PIDS+=($!)
if t=$(wait_alert 9000302); then
	e2e_pass "udp_flood_live (alert after ${t} s)"
else
	e2e_fail udp_flood_live "no UDP Flood alert in 10 s while edgewatch ran"
fi
kill -INT "${E2E_PIDS[-1]}" 2>/dev/null
wait "${E2E_PIDS[-1]}" 2>/dev/null

# SYN flood: 64 spoofed sources x 200 SYNs, 8 at a time (hping3 waits a second for
# answers before it exits: one source after another would be too slow)
(
	for b in $(seq 0 7); do
		for i in $(seq 1 8); do
			e2e_in "$EXT" timeout 5 hping3 -q -S -p 80 -a 198.18.1.$((b * 8 + i)) \
				-I "$PEER" -i u200 -c 200 198.18.0.1 >/dev/null 2>&1 &
		done
		wait
	done
) &
E2E_PIDS+=($!)
if t=$(wait_alert 9000301); then
	e2e_pass "syn_flood_live (alert after ${t} s)"
else
	e2e_fail syn_flood_live "no SYN Flood alert in 10 s while edgewatch ran"
fi
wait "${E2E_PIDS[-1]}" 2>/dev/null

e2e_edgewatch_stop "$ew" || e2e_fail flood "edgewatch exited non-zero"
# after the run: the alerts name the right target and sources, and the stats show the
# live counts (destinations tracked, hot flows reported, nothing lost)
python3 - "$eve" <<'PY' && e2e_pass flood_evidence || e2e_fail flood_evidence "see above"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
alerts = [e for e in ev if e.get("event_type") == "alert" and
          e["alert"]["signature_id"] in (9000301, 9000302, 9000303)]
stats = [e for e in ev if e.get("event_type") == "stats"][-1]["stats"]
why = None
by = {}
for a in alerts:
    by.setdefault(a["alert"]["signature_id"], []).append(a)
cats = {9000301: "SYN Flood", 9000302: "UDP Flood", 9000303: "ICMP Flood"}
for sid, cat in cats.items():
    first = by.get(sid, [None])[0]
    if not first:
        why = "no %s alert" % cat
    elif first["alert"]["category"] != cat or first["dest_ip"] != "198.18.0.1":
        why = "%s alert %s" % (cat, first)
    elif sid == 9000301 and max(a["anomaly"]["sources_total"] for a in by[sid]) < 8:
        # an alert counts the sources of its window so far: at least one batch of 8
        # spoofed sources sending at once (how many batches a window holds varies)
        why = "SYN flood sources_total %s (64 sources)" % [
            a["anomaly"]["sources_total"] for a in by[sid]]
    elif sid != 9000301 and first["src_ip"] != "198.18.0.2":
        why = "%s src_ip %s" % (cat, first["src_ip"])
live = stats["anomaly"].get("flood_live", {})
if not why and (live.get("dests_tracked", 0) < 1 or live.get("hot_reports", 0) < 1 or
                live.get("hot_lost", 1) != 0 or live.get("read_errors", 1) != 0):
    why = "flood_live stats %s" % live
if not why and not stats["conservation"].get("balanced"):
    why = "the run does not balance: %s" % stats["conservation"]
if why:
    print(why, file=sys.stderr)
sys.exit(1 if why else 0)
PY
exit ${E2E_FAILED:-0}
