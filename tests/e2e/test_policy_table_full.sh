#!/usr/bin/env bash
# End-to-end: the management policy while the flow table is full (issue 7, item 1).
# Drop mode, `flow.table-size: 1024`, a listener on tcp/22 of the protected gateway; a
# bounded hping3 SYN flood from the outside namespace fills the table with one-packet
# flows while a source the policy does not allow tries to connect to ssh:
# - the forbidden source never reaches the banner, the allowed one still does;
# - a violation alert is written for it, marked "flow_table_full" (no flow_id);
# - the drops are counted (verdict_drop_policy_noflow when the table had no room), and
#   the run balances;
# - the forced export gives space back while the flood goes on (measured and printed:
#   the share of status samples in which packets found the table full).
# The flood's packets go to random destinations in 198.19.0.0/16, routed via the
# gateway (its XDP program sees them, its stack, not forwarding, drops them): random
# flows without spoofing sources outside the test ranges (hping3 --rand-source would
# draw them from all of IPv4).
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/policy_table_full
. tests/e2e/lib.sh

GW=ewtf$E2E_ID EXT=ewtx$E2E_ID
UP=ewtu$E2E_ID PEER=ewtp$E2E_ID
ALLOWED=198.18.0.2 DENIED=198.18.0.3 FLOODER=198.18.0.4
FLOOD_COUNT=${FLOOD_COUNT:-400000}

if ! command -v hping3 >/dev/null; then
	e2e_skip flood "hping3 is not installed (make deps)"
	exit 0
fi

setup() {
	e2e_ns_add "$GW" && e2e_ns_add "$EXT" || return 1
	e2e_veth "$GW" "$UP" "$EXT" "$PEER" || return 1
	ip netns exec "$GW" sysctl -qw "net.ipv6.conf.$UP.disable_ipv6=1"
	ip netns exec "$EXT" sysctl -qw "net.ipv6.conf.$PEER.disable_ipv6=1"
	ip -n "$GW" addr add 198.18.0.1/24 dev "$UP"
	ip -n "$EXT" addr add $ALLOWED/24 dev "$PEER"
	ip -n "$EXT" addr add $DENIED/24 dev "$PEER"
	ip -n "$EXT" addr add $FLOODER/24 dev "$PEER"
	GW_MAC=$(e2e_mac "$GW" "$UP")
	EXT_MAC=$(e2e_mac "$EXT" "$PEER")
	e2e_static_neigh "$GW" "$UP" $ALLOWED "$EXT_MAC"
	e2e_static_neigh "$GW" "$UP" $DENIED "$EXT_MAC"
	e2e_static_neigh "$GW" "$UP" $FLOODER "$EXT_MAC"
	e2e_static_neigh "$EXT" "$PEER" 198.18.0.1 "$GW_MAC"
	# the flood's destinations: through the gateway, inside the test's namespaces
	ip -n "$EXT" route add 198.19.0.0/16 via 198.18.0.1 dev "$PEER"
}

# A listener on tcp/22 for SECONDS: a banner, then close.
listen_ssh() {	# listen_ssh NS SECONDS
	ip netns exec "$1" timeout "$(($2 + 5))" python3 - "$2" <<'PY' &
import select, signal, socket, sys, time
signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
deadline = time.time() + float(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 22))
s.listen(64)
while time.time() < deadline:
    if select.select([s], [], [], 0.2)[0]:
        c, _ = s.accept()
        c.sendall(b"banner\n")
        c.close()
PY
	E2E_PIDS+=($!)
}

# One TCP connection from SRC to the gateway's ssh: ok when the banner came (1.5 s; python
# itself may be slow to start on a machine the flood keeps busy).
connect_ssh() {	# connect_ssh SRC
	ip netns exec "$EXT" timeout 20 python3 - "$1" 2>>"$E2E_TMP/connect.err" <<'PY'
import socket, sys
try:
    c = socket.create_connection(("198.18.0.1", 22), timeout=1.5, source_address=(sys.argv[1], 0))
    ok = c.recv(64).startswith(b"banner")
    c.close()
except OSError:
    ok = False
print("ok" if ok else "fail")
PY
}

# pkt_flow_table_full and pkt_seen of XDP ingress, and the table's entries, from `status`.
table_state() {
	e2e_in "$GW" timeout 5 "$EDGEWATCH_BIN" status -i "$UP" --json 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)
x = s["datapath"]["xdp_ingress"]
print(x["outcome"]["pkt_flow_table_full"], x["pkt_seen"], s["flow_table_entries"])' 2>/dev/null
}

# A value from the final stats event: s is its "stats", x its XDP counters.
final_stats() {	# final_stats EVE PYTHON_EXPR
	python3 - "$1" "$2" <<'PY'
import json, sys
stats = [json.loads(l) for l in open(sys.argv[1]) if '"event_type":"stats"' in l]
s = stats[-1]["stats"]
x = s["datapath"]["xdp_ingress"]
print(eval(sys.argv[2].replace("\n", " ")))
PY
}

test_flood() {
	local eve=$E2E_TMP/eve.json cfg=$E2E_TMP/drop.yaml r i full=0 state prev now
	local denied="" allowed="" samples=0 full_samples=0 flood
	# every event an alert (no rate limit): a flow-less event held behind an earlier
	# one of the same subject would only be counted in "suppressed"
	cat > "$cfg" <<EOF
flow:
  table-size: 1024
management:
  action: drop
  addresses: [198.18.0.1]
  ports: [ssh]
  alert-rate-limit: 0
  allow:
    - from: [$ALLOWED]
EOF
	listen_ssh "$GW" 120
	sleep 0.5
	if ! e2e_edgewatch_start "$GW" "$UP" "$eve" -c "$cfg"; then
		e2e_fail flood "edgewatch did not start"
		return
	fi
	local ew=$E2E_EW_PID
	# bounded twice: a packet count and a time limit
	ip netns exec "$EXT" timeout 60 hping3 -q -S -p 443 -a $FLOODER -I "$PEER" \
		--rand-dest -i u20 -c "$FLOOD_COUNT" 198.19.x.x >/dev/null 2>&1 &
	flood=$!
	E2E_PIDS+=($flood)
	# wait (bounded) until new flows find the table full
	for i in $(seq 1 50); do
		state=$(table_state)
		[ "${state%% *}" -gt 0 ] 2>/dev/null && { full=1; break; }
		sleep 0.2
	done
	if [ $full = 0 ]; then
		e2e_fail flood "the flood never filled the table (status: ${state:-none})"
		kill -INT $flood 2>/dev/null
		e2e_edgewatch_stop "$ew"
		return
	fi
	# ten tries from the forbidden source (each fails after 1.5 s), three allowed
	for i in $(seq 1 10); do
		denied+="$(connect_ssh $DENIED) "
	done
	for i in 1 2 3; do
		allowed+="$(connect_ssh $ALLOWED) "
	done
	# measure while the flood goes on (5 s): in how many 0.2 s samples did packets find
	# the table full (pkt_flow_table_full moved), and what share of the packets did
	local first last
	first=$(table_state)
	prev=$first
	for i in $(seq 1 25); do
		kill -0 $flood 2>/dev/null || break
		sleep 0.2
		now=$(table_state) || continue
		samples=$((samples + 1))
		set -- $now $prev
		[ "$1" -gt "$4" ] 2>/dev/null && full_samples=$((full_samples + 1))
		prev=$now
	done
	last=$prev
	set -- $last $first
	echo "# flood: the table was full in $full_samples of $samples samples of 0.2 s;" \
		"$(( ($1 - $4) * 100 / ($2 - $5 + 1) ))% of $(($2 - $5)) packets found it full" \
		"(entries at the end: $3 of 1024)"
	kill -INT $flood 2>/dev/null
	wait $flood 2>/dev/null
	e2e_edgewatch_stop "$ew"
	r=$?
	if [ "$denied" = "$(printf 'fail %.0s' $(seq 1 10))" ]; then
		e2e_pass forbidden_source_blocked_while_table_full
	else
		e2e_fail forbidden_source_blocked_while_table_full "10 tries from $DENIED: $denied"
	fi
	if [ "$allowed" = "ok ok ok " ]; then
		e2e_pass allowed_source_passes_while_table_full
	else
		e2e_fail allowed_source_passes_while_table_full "3 tries from $ALLOWED: $allowed"
	fi
	if [ $r -ne 0 ]; then
		e2e_fail flood "edgewatch exited $r: $(tail -n 3 "$E2E_EW_ERR")"
		return
	fi
	r=$(python3 - "$eve" "$DENIED" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    ev = json.loads(line)
    if ev.get("event_type") != "alert" or ev["alert"]["signature_id"] != 9000001:
        continue
    if ev["src_ip"] == sys.argv[2] and ev.get("dest_port") == 22 and \
       ev.get("flow_table_full") is True and "flow_id" not in ev and \
       ev["alert"]["action"] == "blocked":
        n += 1
print(n)
PY
)
	if [ "${r:-0}" -ge 1 ]; then
		e2e_pass alert_written_table_full
	else
		e2e_fail alert_written_table_full "no blocked flow_table_full alert from $DENIED: $(grep '9000001' "$eve" | head -c 600)"
	fi
	# the sweeper makes room all the time now: some tries may have found a slot
	r=$(final_stats "$eve" 'x["verdict"]["verdict_drop_policy_noflow"] >= 1 and
		x["verdict"]["verdict_drop_policy"] + x["verdict"]["verdict_drop_policy_noflow"] >= 10 and
		x["outcome"]["pkt_flow_table_full"] > 0 and s["conservation"]["balanced"]')
	if [ "$r" = True ]; then
		e2e_pass noflow_drops_counted_and_balanced
	else
		e2e_fail noflow_drops_counted_and_balanced "$(final_stats "$eve" 's["datapath"]["xdp_ingress"]["verdict"], s["datapath"]["xdp_ingress"]["outcome"]["pkt_flow_table_full"], s["conservation"]')"
	fi
}

if ! setup; then
	e2e_fail setup "could not build the veth lab"
	exit 1
fi
test_flood
exit $E2E_FAILED
