#!/usr/bin/env bash
# End-to-end: the IPFIX sink against real collectors. In a network namespace of its own
# (its loopback only), captures with IPv4, IPv6, VLAN and many-flow traffic are replayed
# with outputs.ipfix pointing at a tiny relay (tests/e2e/ipfix_relay.py) that saves
# every message to a file and forwards it as a datagram to a real `nfcapd` (nfcapd takes
# UDP only; over UDP the relay changes nothing, over TCP it cuts the stream into its
# messages). Then (tests/e2e/ipfix_check.py):
#   udp, tcp   `nfdump -o json` shows exactly the EVE file's flows (every flow, with
#              packets and bytes both ways, start and end), the saved file's sequence
#              numbers count the records before each message, and `ipfixDump` parses it
#   udp_refused nothing listens on the UDP port: the socket's refusals (ICMP port
#              unreachable) are counted send_failed, the account adds up, exit 0
#   tcp_down   nothing listens on the TCP port: every record counted lost, exit 0
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/ipfix
. tests/e2e/lib.sh

NS=ewip$E2E_ID
PCAPS="tests/pcaps/tunnel_teredo.pcap tests/pcaps/exploit_nikto-cgi-ipv6-vlan.pcap
tests/pcaps/flood_syn-100-per-sec-synthetic.pcap"
PIDS_STARTED=()

stop_started() {
	local pid
	for pid in "${PIDS_STARTED[@]}"; do
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	PIDS_STARTED=()
}
trap 'stop_started; e2e_teardown' EXIT

if ! command -v nfcapd >/dev/null || ! command -v ipfixDump >/dev/null; then
	e2e_skip all "nfcapd or ipfixDump is not installed (make deps: nfdump, libfixbuf-tools)"
	exit 0
fi
e2e_ns_add "$NS" || { e2e_fail setup "cannot create namespace $NS"; exit 1; }

# replay NAME COLLECTOR TRANSPORT: the captures with that outputs.ipfix; EVE in
# $E2E_TMP/NAME.eve, stderr in NAME.stderr, exit status in $rc.
replay() {
	local name=$1 conf=$E2E_TMP/$1.yaml
	cat >"$conf" <<-YAML
	outputs:
	  ipfix:
	    collector: $2
	    transport: $3
	    observation-domain: 7
	YAML
	# shellcheck disable=SC2086
	ip netns exec "$NS" timeout 120 "$EDGEWATCH_BIN" replay -c "$conf" -o "$E2E_TMP/$name.eve" \
		$PCAPS 2>"$E2E_TMP/$name.stderr"
	rc=$?
}

# the final stats event's outputs.ipfix, as "taken sent send_failed lost_at_close sum_ok"
account() {
	python3 - "$E2E_TMP/$1.eve" <<-'PY'
	import json, sys
	last = [json.loads(l) for l in open(sys.argv[1]) if '"event_type":"stats"' in l][-1]
	a = last["stats"]["outputs"]["ipfix"]
	lost = sum(a[k] for k in ("in_queue", "dropped_queue_full", "lost_at_close",
	                          "send_failed", "format_failed"))
	print(a["taken"], a["sent"], a["send_failed"], a["lost_at_close"],
	      int(a["taken"] == a["sent"] + lost))
	PY
}

# delivered NAME TRANSPORT PORT: relay and nfcapd, the replay, then the comparison
delivered() {
	local name=$1 transport=$2 port=$3 nfport=$(($3 + 1)) why i
	mkdir -p "$E2E_TMP/$name.nf"
	ip netns exec "$NS" nfcapd -b 127.0.0.1 -p "$nfport" -w "$E2E_TMP/$name.nf" -t 3600 \
		>"$E2E_TMP/$name.nfcapd.log" 2>&1 &
	PIDS_STARTED+=($!)
	ip netns exec "$NS" python3 tests/e2e/ipfix_relay.py "$transport" "$port" \
		"$E2E_TMP/$name.ipfix" "$nfport" >"$E2E_TMP/$name.relay.log" 2>&1 &
	PIDS_STARTED+=($!)
	for i in $(seq 50); do
		grep -q listening "$E2E_TMP/$name.relay.log" 2>/dev/null &&
			ip netns exec "$NS" ss -lnuH | grep -q "127.0.0.1:$nfport " && break
		sleep 0.1
	done
	replay "$name" "127.0.0.1:$port" "$transport"
	sleep 0.5	# the relay's last forwards
	stop_started	# nfcapd writes its file at exit
	if [ "$rc" != 0 ]; then
		e2e_fail "$name" "replay exited $rc: $(tail -3 "$E2E_TMP/$name.stderr")"
		return
	fi
	TZ=UTC nfdump -R "$E2E_TMP/$name.nf" -o json >"$E2E_TMP/$name.nfdump.json" \
		2>"$E2E_TMP/$name.nfdump.err" ||
		{ e2e_fail "$name" "nfdump: $(head -3 "$E2E_TMP/$name.nfdump.err")"; return; }
	ipfixDump --in "$E2E_TMP/$name.ipfix" >"$E2E_TMP/$name.dump" 2>"$E2E_TMP/$name.dump.err" ||
		{ e2e_fail "$name" "ipfixDump: $(head -3 "$E2E_TMP/$name.dump.err")"; return; }
	if ! why=$(python3 tests/e2e/ipfix_check.py "$E2E_TMP/$name.eve" \
			"$E2E_TMP/$name.nfdump.json" "$E2E_TMP/$name.ipfix" "$E2E_TMP/$name.dump" 2>&1); then
		e2e_fail "$name" "$why"
	elif ! grep -q "Sequence Errors: 0" "$E2E_TMP/$name.nfcapd.log"; then
		e2e_fail "$name" "nfcapd saw sequence errors: $(grep Sequence "$E2E_TMP/$name.nfcapd.log")"
	elif [ "$(account "$name" | cut -d' ' -f5)" != 1 ] || [ "$(account "$name" | cut -d' ' -f3)" != 0 ]; then
		e2e_fail "$name" "account (taken sent send_failed lost_at_close adds_up): $(account "$name")"
	else
		e2e_pass "$name"
	fi
}

delivered udp udp 14739
delivered tcp tcp 14749

# nobody listens on UDP 14759: the first datagram's ICMP port unreachable makes a later
# send fail with ECONNREFUSED (several messages: the 200-flow capture), counted
replay udp_refused 127.0.0.1:14759 udp
read -r taken sent failed lost sum_ok < <(account udp_refused)
if [ "$rc" != 0 ]; then
	e2e_fail udp_refused "replay exited $rc: $(tail -3 "$E2E_TMP/udp_refused.stderr")"
elif [ "$failed" -lt 1 ] || [ "$sum_ok" != 1 ]; then
	e2e_fail udp_refused "taken $taken sent $sent send_failed $failed (want > 0), adds up: $sum_ok"
elif ! grep -q "ipfix: .*send failed" "$E2E_TMP/udp_refused.stderr"; then
	e2e_fail udp_refused "the loss is not reported on stderr"
else
	e2e_pass udp_refused
fi

replay tcp_down 127.0.0.1:14769 tcp
read -r taken sent failed lost sum_ok < <(account tcp_down)
if [ "$rc" != 0 ]; then
	e2e_fail tcp_down "replay exited $rc: $(tail -3 "$E2E_TMP/tcp_down.stderr")"
elif [ "$sent" != 0 ] || [ "$lost" != "$taken" ] || [ "$taken" -lt 1 ] || [ "$sum_ok" != 1 ]; then
	e2e_fail tcp_down "taken $taken sent $sent lost_at_close $lost (want all lost)"
else
	e2e_pass tcp_down
fi

exit "$E2E_FAILED"
