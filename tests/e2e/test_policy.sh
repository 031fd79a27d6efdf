#!/usr/bin/env bash
# End-to-end: the management policy on a real veth, with real listeners on the protected
# gateway (tcp/22, tcp/23, udp/161, tcp/9999) and two sources on the outside namespace,
# 198.18.0.2 (allowed) and 198.18.0.3 (not allowed).
# - alert mode, protected addresses left to the interface's own: the allowed source is
#   not affected and raises nothing; the other raises exactly one violation and one
#   exposure per flow (repeats within the rate limit counted in "suppressed", flushed at
#   shutdown); a connection the gateway opens to a destination egress does not allow
#   raises one egress alert, the allowed one none; `edgewatch status` shows the exposure
#   inventory and the decisions;
# - drop mode, IPv4 and IPv6: the source not allowed can no longer connect (one "blocked"
#   alert per flow), the allowed one still can, and other ports are not affected.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/policy
. tests/e2e/lib.sh

GW=ewgw$E2E_ID EXT=ewext$E2E_ID
UP=ewu$E2E_ID PEER=ewp$E2E_ID
ALLOWED=198.18.0.2 DENIED=198.18.0.3
ALLOWED6=2001:db8::2 DENIED6=2001:db8::3
LISTENERS=()

setup() {
	e2e_ns_add "$GW" && e2e_ns_add "$EXT" || return 1
	e2e_quiet_ipv6 "$GW"; e2e_quiet_ipv6 "$EXT"
	e2e_veth "$GW" "$UP" "$EXT" "$PEER" || return 1
	# no IPv6 on the gateway's uplink for the first run: its addresses are then exactly
	# 198.18.0.1 (no link-local address sending MLD reports, which egress would flag)
	ip netns exec "$GW" sysctl -qw "net.ipv6.conf.$UP.disable_ipv6=1"
	ip -n "$GW" addr add 198.18.0.1/24 dev "$UP"
	ip -n "$EXT" addr add $ALLOWED/24 dev "$PEER"
	ip -n "$EXT" addr add $DENIED/24 dev "$PEER"
	GW_MAC=$(e2e_mac "$GW" "$UP")
	EXT_MAC=$(e2e_mac "$EXT" "$PEER")
	e2e_static_neigh "$GW" "$UP" $ALLOWED "$EXT_MAC"
	e2e_static_neigh "$GW" "$UP" $DENIED "$EXT_MAC"
	e2e_static_neigh "$EXT" "$PEER" 198.18.0.1 "$GW_MAC"
}

setup_ipv6() {
	ip netns exec "$GW" sysctl -qw "net.ipv6.conf.$UP.disable_ipv6=0"
	ip -n "$GW" addr add 2001:db8::1/64 dev "$UP" nodad
	ip -n "$EXT" addr add $ALLOWED6/64 dev "$PEER" nodad
	ip -n "$EXT" addr add $DENIED6/64 dev "$PEER" nodad
	e2e_static_neigh "$GW" "$UP" $ALLOWED6 "$EXT_MAC"
	e2e_static_neigh "$GW" "$UP" $DENIED6 "$EXT_MAC"
	e2e_static_neigh "$EXT" "$PEER" 2001:db8::1 "$GW_MAC"
}

# Listeners for SECONDS: TCP ports answer a banner and close, UDP ports reply.
listen() {	# listen NS SECONDS TCP_PORTS UDP_PORTS
	ip netns exec "$1" timeout "$(($2 + 5))" python3 - "$2" "$3" "$4" <<'PY' &
import select, signal, socket, sys, time
signal.signal(signal.SIGINT, lambda *_: sys.exit(0))	# the teardown's SIGINT: quietly
deadline = time.time() + float(sys.argv[1])
tcp = [int(p) for p in sys.argv[2].split(",") if p]
udp = [int(p) for p in sys.argv[3].split(",") if p]
socks = {}
for family, any_addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
    for kind, ports in ((socket.SOCK_STREAM, tcp), (socket.SOCK_DGRAM, udp)):
        for port in ports:
            s = socket.socket(family, kind)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((any_addr, port))
            if kind == socket.SOCK_STREAM:
                s.listen(16)
            socks[s] = kind
while time.time() < deadline:
    ready, _, _ = select.select(list(socks), [], [], 0.2)
    for s in ready:
        if socks[s] == socket.SOCK_STREAM:
            c, _ = s.accept()
            c.sendall(b"banner\n")
            c.close()
        else:
            data, peer = s.recvfrom(2048)
            s.sendto(b"reply:" + data, peer)
PY
	E2E_PIDS+=($!)
	LISTENERS+=($!)
}

stop_listeners() {
	local pid
	for pid in "${LISTENERS[@]}"; do
		kill -INT "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	LISTENERS=()
}

# One exchange from SRC; prints ok or fail (bounded: 2 s).
exchange() {	# exchange NS SRC DST PORT tcp|udp
	ip netns exec "$1" timeout 5 python3 - "$2" "$3" "$4" "$5" <<'PY'
import socket, sys
src, dst, port, proto = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
family = socket.AF_INET6 if ":" in dst else socket.AF_INET
try:
    if proto == "tcp":
        c = socket.create_connection((dst, port), timeout=2, source_address=(src, 0))
        ok = c.recv(64).startswith(b"banner")
    else:
        c = socket.socket(family, socket.SOCK_DGRAM)
        c.bind((src, 0))
        c.settimeout(2)
        c.sendto(b"get", (dst, port))
        ok = c.recv(64).startswith(b"reply")
    c.close()
except OSError:
    ok = False
print("ok" if ok else "fail")
PY
}

# Compare the alerts in an EVE file with what was expected: one line per subject,
# "SID SRC DST DPORT PROTO EVENTS" (EVENTS = alerts + their "suppressed"), flows as their
# initiator sees them; any other policy alert is a difference. Prints the differences.
check_alerts() {	# check_alerts EVE EXPECTED...
	python3 - "$@" <<'PY'
import collections, json, sys
path, expected = sys.argv[1], sys.argv[2:]
events = collections.Counter()
alerts = collections.Counter()
for line in open(path):
    ev = json.loads(line)
    if ev.get("event_type") != "alert" or not 9000000 <= ev["alert"]["signature_id"] < 9100000:
        continue
    f = ev["flow"]
    key = "%d %s %s %s %s" % (ev["alert"]["signature_id"], f["src_ip"], f["dest_ip"],
                              f.get("dest_port", 0), ev["proto"])
    alerts[key] += 1
    events[key] += 1 + ev.get("suppressed", 0)
want = collections.Counter()
for e in expected:
    key, n = e.rsplit(" ", 1)
    want[key] = int(n)
for key in sorted(set(want) | set(events)):
    if want[key] != events[key]:
        print("%s: %d events in %d alerts, expected %d" % (key, events[key], alerts[key], want[key]))
PY
}

# A value from the final stats event: s is its "stats", p its "policy", x its XDP counters.
final_stats() {	# final_stats EVE PYTHON_EXPR
	python3 - "$1" "$2" <<'PY'
import json, sys
stats = [json.loads(l) for l in open(sys.argv[1]) if '"event_type":"stats"' in l]
s = stats[-1]["stats"]
p, x = s["policy"], s["datapath"]["xdp_ingress"]
print(eval(sys.argv[2].replace("\n", " ")))
PY
}

test_alert_mode() {
	local eve=$E2E_TMP/eve-alert.json cfg=$E2E_TMP/alert.yaml r diff status i
	cat > "$cfg" <<EOF
management:
  action: alert
  ports: [ssh, telnet, snmp]
  alert-rate-limit: 60
  allow:
    - from: [$ALLOWED]
egress:
  allow:
    - to: [$ALLOWED]
      ports: [tcp/8080]
EOF
	listen "$GW" 30 22,23,9999 161
	listen "$EXT" 30 8080,9000 ""
	sleep 0.5
	if ! e2e_edgewatch_start "$GW" "$UP" "$eve" -c "$cfg"; then
		e2e_fail alert_mode "edgewatch did not start"
		return
	fi
	local ew=$E2E_EW_PID results=""
	results+="$(exchange "$EXT" $ALLOWED 198.18.0.1 22 tcp)"
	results+="$(exchange "$EXT" $ALLOWED 198.18.0.1 22 tcp)"
	results+="$(exchange "$EXT" $ALLOWED 198.18.0.1 23 tcp)"
	results+="$(exchange "$EXT" $ALLOWED 198.18.0.1 161 udp)"
	for i in 1 2 3; do
		results+="$(exchange "$EXT" $DENIED 198.18.0.1 22 tcp)"
	done
	results+="$(exchange "$EXT" $DENIED 198.18.0.1 23 tcp)"
	results+="$(exchange "$EXT" $DENIED 198.18.0.1 161 udp)"
	results+="$(exchange "$GW" 198.18.0.1 $ALLOWED 8080 tcp)"
	results+="$(exchange "$GW" 198.18.0.1 $DENIED 9000 tcp)"
	if [ "$results" = "$(printf 'ok%.0s' $(seq 1 11))" ]; then
		e2e_pass alert_mode_affects_no_connection
	else
		e2e_fail alert_mode_affects_no_connection "exchanges: $results"
	fi
	sleep 0.5
	status=$(e2e_in "$GW" "$EDGEWATCH_BIN" status -i "$UP" --json 2>&1)
	if echo "$status" | python3 -c '
import json, sys
s = json.load(sys.stdin)["policy"]
exp = {(e["ip"], e["port"]): e for e in s["exposures"]}
assert set(exp) == {("198.18.0.1", "tcp/22"), ("198.18.0.1", "tcp/23"),
                    ("198.18.0.1", "udp/161")}, exp
assert exp[("198.18.0.1", "tcp/22")]["flows"] == 3, exp
assert exp[("198.18.0.1", "tcp/22")]["service"] == "ssh", exp
assert all(e["last_source"] == "198.18.0.3" for e in exp.values()), exp
d = {x["slot"]: x for x in s["decisions"]}
assert list(d) == [1] and d[1]["allowed"] > 0 and d[1]["violation"] > 0, d
' 2>"$E2E_TMP/status.err"; then
		e2e_pass status_shows_exposures_and_decisions
	else
		e2e_fail status_shows_exposures_and_decisions "$(tail -n 2 "$E2E_TMP/status.err") $(echo "$status" | head -c 400)"
	fi
	if e2e_in "$GW" "$EDGEWATCH_BIN" status -i "$UP" 2>&1 |
		grep -q "198.18.0.1 tcp/22 (ssh): 3 flows"; then
		e2e_pass status_text_exposures
	else
		e2e_fail status_text_exposures "no exposure line in the text status"
	fi
	e2e_edgewatch_stop "$ew"
	r=$?
	stop_listeners
	if [ $r -ne 0 ]; then
		e2e_fail alert_mode "edgewatch exited $r: $(tail -n 3 "$E2E_EW_ERR")"
		return
	fi
	diff=$(check_alerts "$eve" \
		"9000001 $DENIED 198.18.0.1 22 TCP 3" "9000002 $DENIED 198.18.0.1 22 TCP 3" \
		"9000001 $DENIED 198.18.0.1 23 TCP 1" "9000002 $DENIED 198.18.0.1 23 TCP 1" \
		"9000001 $DENIED 198.18.0.1 161 UDP 1" "9000002 $DENIED 198.18.0.1 161 UDP 1" \
		"9000003 198.18.0.1 $DENIED 9000 TCP 1")
	if [ -z "$diff" ]; then
		e2e_pass alerts_one_per_flow_and_only_those
	else
		e2e_fail alerts_one_per_flow_and_only_those "$(echo "$diff" | tr '\n' ';')"
	fi
	# three ssh flows within the rate limit: the first alert now, one at the flush
	# standing for the other two ("suppressed": 1)
	if [ "$(grep '"signature_id":9000001' "$eve" | grep -c '"dest_port":22,"proto":"TCP"')" = 2 ] &&
	   grep '"signature_id":9000001' "$eve" | grep -q '"suppressed":1'; then
		e2e_pass rate_limited_repeats_counted
	else
		e2e_fail rate_limited_repeats_counted "$(grep '"signature_id":9000001' "$eve" | head -c 600)"
	fi
	# every event read is an alert, a "suppressed" or aggregated one, or a duplicate;
	# none still held
	r=$(final_stats "$eve" 'p["events"]["read"] == p["events"]["alerts_written"] +
		p["events"]["suppressed"] + p["events"]["aggregated"] +
		p["events"]["deduplicated"] and
		p["events"]["held"] == 0 and p["generation"] == 1 and s["conservation"]["balanced"]')
	if [ "$r" = True ]; then
		e2e_pass stats_account_for_every_event
	else
		e2e_fail stats_account_for_every_event "$(final_stats "$eve" 's["policy"]')"
	fi
	if grep -q "management on (1 protected address of the interface" \
		"$E2E_EW_ERR"; then
		e2e_pass addresses_from_interface
	else
		e2e_fail addresses_from_interface "$(grep 'policy generation' "$E2E_EW_ERR")"
	fi
}

test_drop_mode() {
	local eve=$E2E_TMP/eve-drop.json cfg=$E2E_TMP/drop.yaml r diff results=""
	setup_ipv6
	cat > "$cfg" <<EOF
management:
  action: drop
  addresses: [198.18.0.1, "2001:db8::1"]
  ports: [ssh, telnet, snmp]
  allow:
    - from: [$ALLOWED, "$ALLOWED6"]
EOF
	listen "$GW" 30 22,23,9999 161
	sleep 0.5
	if ! e2e_edgewatch_start "$GW" "$UP" "$eve" -c "$cfg"; then
		e2e_fail drop_mode "edgewatch did not start"
		return
	fi
	local ew=$E2E_EW_PID
	results+="$(exchange "$EXT" $ALLOWED 198.18.0.1 22 tcp) "
	results+="$(exchange "$EXT" $DENIED 198.18.0.1 22 tcp) "
	results+="$(exchange "$EXT" $ALLOWED 198.18.0.1 22 tcp) "
	results+="$(exchange "$EXT" $ALLOWED6 2001:db8::1 22 tcp) "
	results+="$(exchange "$EXT" $DENIED6 2001:db8::1 22 tcp) "
	results+="$(exchange "$EXT" $DENIED 198.18.0.1 9999 tcp)"
	if [ "$results" = "ok fail ok ok fail ok" ]; then
		e2e_pass drop_blocks_only_the_source_not_allowed
	else
		e2e_fail drop_blocks_only_the_source_not_allowed "allowed/denied/allowed/allowed6/denied6/other port: $results"
	fi
	e2e_edgewatch_stop "$ew"
	r=$?
	stop_listeners
	if [ $r -ne 0 ]; then
		e2e_fail drop_mode "edgewatch exited $r: $(tail -n 3 "$E2E_EW_ERR")"
		return
	fi
	diff=$(check_alerts "$eve" "9000001 $DENIED 198.18.0.1 22 TCP 1" \
		"9000001 $DENIED6 2001:db8::1 22 TCP 1")
	if [ -z "$diff" ] &&
	   [ "$(grep '"signature_id":9000001' "$eve" | grep -c '"action":"blocked".*"severity":1')" = 2 ]; then
		e2e_pass drop_alerts_blocked_one_per_flow
	else
		e2e_fail drop_alerts_blocked_one_per_flow "$(echo "$diff" | tr '\n' ';') $(grep '"signature_id":9000001' "$eve" | head -c 400)"
	fi
	r=$(final_stats "$eve" 'x["verdict"]["verdict_drop_policy"] >= 2 and
		x["event"]["policy_allowed"] > 0 and s["conservation"]["balanced"]')
	if [ "$r" = True ]; then
		e2e_pass drop_counted
	else
		e2e_fail drop_counted "$(final_stats "$eve" 's["datapath"]["xdp_ingress"]')"
	fi
}

if ! setup; then
	e2e_fail setup "could not build the veth lab"
	exit 1
fi
test_alert_mode
test_drop_mode
exit $E2E_FAILED
