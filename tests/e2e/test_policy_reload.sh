#!/usr/bin/env bash
# End-to-end: reloading the policy under traffic, without a gap. Policy A allows the
# source S (198.18.0.2) to reach udp/161 on the gateway, policy B does not (both in drop
# mode). A bounded sender sends datagrams from S to udp/161 without pause (one flow)
# while the policy is swapped 100 times, alternately by SIGHUP and `edgewatch reload`,
# each time with the other file. Then, from the pinned `policy_decisions` map (through
# `edgewatch status --json`, before the instance stops):
#   - every generation installed from A (odd: A is installed at start) has violation 0,
#     every generation from B has allowed 0: no packet was judged by a mix of the two;
#   - the decisions add up to the datagrams sent, and the listener received exactly the
#     allowed ones (B's were dropped in XDP);
#   - all 100 reloads were done, none refused.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/policy_reload
. tests/e2e/lib.sh

GW=ewgw$E2E_ID EXT=ewext$E2E_ID
UP=ewu$E2E_ID PEER=ewp$E2E_ID
SOURCE=198.18.0.2
RELOADS=100
CFG=$E2E_TMP/edgewatch.yaml
STOP=$E2E_TMP/stop-sending

setup() {
	e2e_ns_add "$GW" && e2e_ns_add "$EXT" || return 1
	e2e_quiet_ipv6 "$GW"; e2e_quiet_ipv6 "$EXT"
	e2e_veth "$GW" "$UP" "$EXT" "$PEER" || return 1
	ip -n "$GW" addr add 198.18.0.1/24 dev "$UP"
	ip -n "$EXT" addr add $SOURCE/24 dev "$PEER"
	local gw_mac ext_mac
	gw_mac=$(e2e_mac "$GW" "$UP")
	ext_mac=$(e2e_mac "$EXT" "$PEER")
	e2e_static_neigh "$GW" "$UP" $SOURCE "$ext_mac"
	e2e_static_neigh "$EXT" "$PEER" 198.18.0.1 "$gw_mac"
}

write_policy() {	# write_policy FILE ALLOWED_SOURCE
	cat > "$1" <<EOF
management:
  action: drop
  addresses: [198.18.0.1]
  ports: [ssh, snmp]
  allow:
    - from: [$2]
EOF
}

# Count datagrams on udp/161 until SIGINT (or 120 s); write the count to FILE.
start_listener() {	# start_listener FILE
	ip netns exec "$GW" timeout 130 python3 - "$1" <<'PY' &
import signal, socket, sys, time
out = sys.argv[1]
stop = []
signal.signal(signal.SIGINT, lambda *_: stop.append(1))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
s.bind(("198.18.0.1", 161))
s.settimeout(0.2)
received, deadline = 0, time.time() + 120
while not stop and time.time() < deadline:
    try:
        s.recv(2048)
        received += 1
    except (socket.timeout, InterruptedError):
        pass
# what is still queued was received too
s.setblocking(False)
try:
    while True:
        s.recv(2048)
        received += 1
except BlockingIOError:
    pass
open(out, "w").write("%d\n" % received)
PY
	LISTENER=$!
	E2E_PIDS+=($LISTENER)
}

# Send from SOURCE:40161 to udp/161 until STOP exists (at most 200,000 datagrams or
# 90 s); write the count sent to FILE.
start_sender() {	# start_sender FILE
	ip netns exec "$EXT" timeout 100 python3 - "$1" "$STOP" "$SOURCE" <<'PY' &
import os, socket, sys, time
out, stop, source = sys.argv[1:4]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((source, 40161))
sent, deadline = 0, time.time() + 90
while not os.path.exists(stop) and sent < 200000 and time.time() < deadline:
    s.sendto(b"get-next", ("198.18.0.1", 161))
    sent += 1
    time.sleep(0.0003)
open(out, "w").write("%d\n" % sent)
PY
	SENDER=$!
	E2E_PIDS+=($SENDER)
}

reloads_done() {
	grep -c ": reloaded " "$E2E_EW_ERR"
}

# Swap the file (rename: the daemon never reads a half-written one) and reload.
reload_to() {	# reload_to N FILE
	local n=$1 i
	cp "$2" "$CFG.tmp" && mv "$CFG.tmp" "$CFG"
	if [ $((n % 2)) = 0 ]; then
		"$EDGEWATCH_BIN" reload -i "$UP" > /dev/null || return 1
	else
		kill -HUP "$EW" || return 1
	fi
	for i in $(seq 1 250); do
		[ "$(reloads_done)" -ge "$n" ] && return 0
		grep -q "reload refused" "$E2E_EW_ERR" && return 1
		sleep 0.02
	done
	return 1
}

test_reload_under_traffic() {
	local eve=$E2E_TMP/eve.json a=$E2E_TMP/a.yaml b=$E2E_TMP/b.yaml
	local sent_file=$E2E_TMP/sent received_file=$E2E_TMP/received i status check rc
	write_policy "$a" $SOURCE
	write_policy "$b" 198.18.0.99
	cp "$a" "$CFG"
	start_listener "$received_file"
	if ! e2e_edgewatch_start "$GW" "$UP" "$eve" -c "$CFG"; then
		e2e_fail reload_under_traffic "edgewatch did not start"
		return
	fi
	EW=$E2E_EW_PID
	start_sender "$sent_file"
	sleep 0.3
	for i in $(seq 1 $RELOADS); do
		if [ $((i % 2)) = 1 ]; then
			reload_to "$i" "$b" || break
		else
			reload_to "$i" "$a" || break
		fi
		sleep 0.02	# a few datagrams per generation
	done
	touch "$STOP"
	wait "$SENDER"
	sleep 0.5	# the last datagrams through XDP and into the socket
	kill -INT "$LISTENER"; wait "$LISTENER"
	if [ "$(reloads_done)" != $RELOADS ] || grep -q "reload refused" "$E2E_EW_ERR"; then
		e2e_fail reloads_all_done "$(reloads_done) of $RELOADS reloads; $(grep -m1 'refused' "$E2E_EW_ERR")"
	else
		e2e_pass reloads_all_done
	fi
	status=$(e2e_in "$GW" "$EDGEWATCH_BIN" status -i "$UP" --json 2>&1)
	check=$(echo "$status" | python3 -c '
import json, sys
decisions = {d["slot"]: d for d in json.load(sys.stdin)["policy"]["decisions"]}
sent, received, last = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
problems = []
for gen, d in sorted(decisions.items()):
    if gen < 1 or gen > last:
        problems.append("decisions in slot %d, past generation %d" % (gen, last))
    elif gen % 2 == 1 and d["violation"]:
        problems.append("generation %d (A) has %d violations" % (gen, d["violation"]))
    elif gen % 2 == 0 and d["allowed"]:
        problems.append("generation %d (B) has %d allowed" % (gen, d["allowed"]))
total = sum(d["allowed"] + d["violation"] for d in decisions.values())
allowed = sum(d["allowed"] for d in decisions.values())
if total != sent:
    problems.append("decisions %d != datagrams sent %d" % (total, sent))
if allowed != received:
    problems.append("allowed %d != datagrams received %d" % (allowed, received))
if len(decisions) < last // 2:
    problems.append("only %d of %d generations saw datagrams" % (len(decisions), last))
print("; ".join(problems) if problems else
      "ok: %d datagrams over %d generations, %d allowed" % (sent, len(decisions), allowed))
' "$(cat "$sent_file")" "$(cat "$received_file")" $((RELOADS + 1)) 2>&1)
	case "$check" in
	ok:*)
		echo "# $check"
		e2e_pass no_packet_saw_a_mixed_policy ;;
	*)
		e2e_fail no_packet_saw_a_mixed_policy "$check" ;;
	esac
	e2e_edgewatch_stop "$EW"
	rc=$?
	# a run that ends non-zero lost something or did not balance its conservation sum
	if [ $rc -ne 0 ]; then
		e2e_fail clean_exit "edgewatch exited $rc: $(tail -n 3 "$E2E_EW_ERR" | tr '\n' ' ')"
	else
		e2e_pass clean_exit
	fi
	if python3 - "$eve" $((RELOADS + 1)) <<'PY'
import json, sys
stats = [json.loads(l) for l in open(sys.argv[1]) if '"event_type":"stats"' in l]
p = stats[-1]["stats"]["policy"]
assert p["generation"] == int(sys.argv[2]), p
assert p["installs"]["done"] == int(sys.argv[2]) and p["installs"]["refused"] == 0, p
assert p["installs"]["cleanup_errors"] == 0, p
assert stats[-1]["stats"]["conservation"]["balanced"]
PY
	then
		e2e_pass final_stats_generation
	else
		e2e_fail final_stats_generation "$(grep '"event_type":"stats"' "$eve" | tail -n 1 | head -c 600)"
	fi
}

if ! setup; then
	e2e_fail setup "could not build the veth lab"
	exit 1
fi
test_reload_under_traffic
exit $E2E_FAILED
