#!/usr/bin/env bash
# End-to-end: an alert storm under a spoofed-source flood (issue 7, item 2).
# 3,000 TCP SYNs to the protected gateway's ssh port, each from a source address of its
# own (spoofed inside 198.19.0.0/16, sent as hand-built frames from the outside
# namespace), with the default rate limit and aggregation bound
# (management.alert-aggregate-sources: 32). Before aggregation every source was one
# alert (3,000 lines); now:
# - the violation alerts written stay bounded by the aggregation bound, not the sources;
# - one aggregate alert stands for the rest: its events and distinct sources add up with
#   the single alerts to every event the kernel raised, with a sample of sources;
# - the policy's event sum balances in the final stats event, and the run exits 0.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/alert_storm
. tests/e2e/lib.sh

GW=ewas$E2E_ID EXT=ewax$E2E_ID
UP=ewau$E2E_ID PEER=ewap$E2E_ID
SOURCES=${SOURCES:-3000}

setup() {
	e2e_ns_add "$GW" && e2e_ns_add "$EXT" || return 1
	e2e_veth "$GW" "$UP" "$EXT" "$PEER" || return 1
	ip netns exec "$GW" sysctl -qw "net.ipv6.conf.$UP.disable_ipv6=1"
	ip netns exec "$EXT" sysctl -qw "net.ipv6.conf.$PEER.disable_ipv6=1"
	ip -n "$GW" addr add 198.18.0.1/24 dev "$UP"
	ip -n "$EXT" addr add 198.18.0.2/24 dev "$PEER"
	GW_MAC=$(e2e_mac "$GW" "$UP")
	EXT_MAC=$(e2e_mac "$EXT" "$PEER")
}

# SOURCES SYNs to 198.18.0.1:22, source 198.19.(i/250).(i%250+1), bounded in count and
# time (AF_PACKET: the outside namespace has none of these addresses).
send_spoofed_syns() {
	ip netns exec "$EXT" timeout 60 python3 - "$PEER" "$GW_MAC" "$EXT_MAC" "$SOURCES" <<'PY'
import os, socket, struct, sys, time
sys.path.insert(0, os.path.join("tests", "pcap"))
from synth import csum

iface, dst_mac, src_mac, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
dst = socket.inet_aton("198.18.0.1")
l2 = bytes.fromhex(dst_mac.replace(":", "")) + bytes.fromhex(src_mac.replace(":", "")) + \
    struct.pack("!H", 0x0800)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
for i in range(count):
    src = socket.inet_aton("198.19.%d.%d" % (i // 250, i % 250 + 1))
    sport = 20000 + i % 40000
    tcp = struct.pack("!HHIIBBHHH", sport, 22, 1000 + i, 0, 5 << 4, 0x02, 65535, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i & 0xffff, 0x4000, 64, 6,
                     0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    s.send(l2 + ip + tcp)
    if i % 100 == 99:
        time.sleep(0.02)	# paced: the events ring is not what is tested here
PY
}

check_storm() {	# check_storm EVE
	python3 - "$1" "$SOURCES" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
sources = int(sys.argv[2])
alerts = [e for e in events if e["event_type"] == "alert" and
          e["alert"]["signature_id"] == 9000001]
stats = [e for e in events if e["event_type"] == "stats"][-1]["stats"]
pe = stats["policy"]["events"]
problems = []
aggregates = [a for a in alerts if "aggregate" in a]
if len(alerts) > 2 * 32 + 2:
    problems.append("%d violation alerts for %d sources: not bounded by the aggregation "
                    "bound 32" % (len(alerts), sources))
if len(aggregates) != 1:
    problems.append("%d aggregate alerts, want 1" % len(aggregates))
else:
    agg = aggregates[0]["aggregate"]
    stood_for = sum(1 + a.get("suppressed", 0) + a.get("aggregate", {}).get("events", 1) - 1
                    for a in alerts)
    if stood_for != sources:
        problems.append("the alerts stand for %d events, the kernel raised %d" %
                        (stood_for, sources))
    if agg["sources"] != agg["events"] or agg["sources"] < sources - 2 * 32:
        problems.append("aggregate: %s" % agg)
    if len(agg["sample_sources"]) != 8 or not all(
            s.startswith("198.19.") for s in agg["sample_sources"]):
        problems.append("sample: %s" % agg["sample_sources"])
written = pe["alerts_written"]
if pe["read"] != pe["invalid"] + pe["deduplicated"] + written + pe["suppressed"] + \
        pe["aggregated"] + pe["held"] or pe["held"] != 0:
    problems.append("policy events do not add up: %s" % pe)
if pe["read"] != sources:
    problems.append("%d policy events read, want %d (one per spoofed flow): %s" %
                    (pe["read"], sources, pe))
if not stats["conservation"].get("balanced"):
    problems.append("final stats not balanced: %s" % stats["conservation"])
print("; ".join(problems) if problems else "ok")
PY
}

main() {
	local eve=$E2E_TMP/eve.json cfg=$E2E_TMP/storm.yaml pid rc out
	if ! setup; then
		e2e_fail setup "namespaces"
		return
	fi
	cat > "$cfg" <<EOF2
management:
  addresses: [198.18.0.1]
  ports: [ssh]
EOF2
	if ! e2e_edgewatch_start "$GW" "$UP" "$eve" -c "$cfg"; then
		e2e_fail start "edgewatch did not start: $(tail -n 3 "$E2E_EW_ERR")"
		return
	fi
	pid=$E2E_EW_PID
	send_spoofed_syns || e2e_fail send "the spoofed SYNs were not all sent"
	sleep 1.5	# a sweep and a ring poll
	e2e_edgewatch_stop "$pid"
	rc=$?
	[ $rc -eq 0 ] && e2e_pass clean_exit || e2e_fail clean_exit "edgewatch exited $rc: $(tail -n 3 "$E2E_EW_ERR")"
	out=$(check_storm "$eve")
	[ "$out" = ok ] && e2e_pass bounded_alerts || e2e_fail bounded_alerts "$out"
}

main
exit $E2E_FAILED
