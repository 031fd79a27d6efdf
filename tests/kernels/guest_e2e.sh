#!/bin/sh
# The kernel matrix's end-to-end test, inside the guest (busybox sh, no python): two network
# namespaces made here joined by a veth pair, `edgewatch run` attached to the gateway's end
# (XDP ingress, tc egress: a TCX link from 6.6, a clsact filter before), a few TCP
# exchanges from an allowed (198.18.0.2) and a denied (198.18.0.3) source to the gateway's
# ssh (tcp/22) and to tcp/9999:
# - alert mode: every exchange goes through; the flows exported equal the packets tcpdump
#   saw on the outside end; the denied source's ssh flow raises a policy violation;
# - drop mode: the denied source's ssh connection fails with a "blocked" alert; the
#   allowed one and the other port still work.
# Addresses from 198.18.0.0/15 only; no route leaves the namespaces; every wait bounded.
GW=ewkgw EXT=ewkext UP=ewkup PEER=ewkpeer
ALLOWED=198.18.0.2 DENIED=198.18.0.3
T=/tmp/e2e
EW=/ew/edgewatch
FAILED=0
PIDS=""
mkdir -p $T

# iproute2, socat and tcpdump are in /usr/bin: busybox's own "ip" has no netns or veth
ip() { /usr/bin/ip "$@"; }
export PATH=/usr/bin:/bin

pass() { echo "PASS e2e/$1"; }
fail() { echo "FAIL e2e/$1: $2"; FAILED=1; }
in_ns() { ns=$1; shift; nsenter --net=/run/netns/"$ns" "$@"; }
# Background jobs are started with nsenter itself, not through a function: $! is then
# the program (nsenter execs it), not a subshell that signals would not reach past. A
# non-interactive shell starts them with SIGINT ignored: they are stopped with SIGTERM
# (edgewatch handles both as a clean stop).

teardown() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.5
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
	ip netns del $GW 2>/dev/null
	ip netns del $EXT 2>/dev/null
}
trap teardown EXIT

setup() {
	ip netns add $GW && ip netns add $EXT || return 1
	ip link add $UP netns $GW type veth peer name $PEER netns $EXT || return 1
	for ns in $GW $EXT; do
		ip -n $ns link set lo up
		# IPv4 only: no link-local address, MLD or router solicitation in the flows
		in_ns $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	done
	in_ns $GW sysctl -qw net.ipv6.conf.$UP.disable_ipv6=1
	in_ns $EXT sysctl -qw net.ipv6.conf.$PEER.disable_ipv6=1
	ip -n $GW link set $UP up && ip -n $EXT link set $PEER up || return 1
	ip -n $GW addr add 198.18.0.1/24 dev $UP
	ip -n $EXT addr add $ALLOWED/24 dev $PEER
	ip -n $EXT addr add $DENIED/24 dev $PEER
	gw_mac=$(ip -n $GW -br link show $UP | awk '{print $3}')
	ext_mac=$(ip -n $EXT -br link show $PEER | awk '{print $3}')
	# static neighbours: no ARP in the flows compared
	ip -n $GW neigh replace $ALLOWED lladdr "$ext_mac" dev $UP nud permanent
	ip -n $GW neigh replace $DENIED lladdr "$ext_mac" dev $UP nud permanent
	ip -n $EXT neigh replace 198.18.0.1 lladdr "$gw_mac" dev $PEER nud permanent
}

# Listeners on the gateway: each TCP connection gets a banner line and is closed.
listen() {	# listen SECONDS
	for port in 22 9999; do
		nsenter --net=/run/netns/$GW timeout "$1" socat TCP-LISTEN:$port,fork,reuseaddr \
			SYSTEM:"echo banner" &
		PIDS="$PIDS $!"
	done
	sleep 0.5
}

# One connection from SRC to the gateway's PORT: prints ok or fail (bounded: 5 s).
exchange() {	# exchange SRC PORT
	out=$(in_ns $EXT timeout 5 socat -T 3 -t 2 STDIO \
		TCP:198.18.0.1:$2,bind=$1,connect-timeout=2 < /dev/null 2>/dev/null)
	[ "$out" = banner ] && echo ok || echo fail
}

# Start edgewatch on the gateway's uplink; 0 when it watches (bounded: 60 s under TCG).
ew_start() {	# ew_start CONFIG EVE
	# an error file of its own per start: an earlier run's "watching" must not count
	EW_ERR=$T/ew-$(basename "$2" .json).err
	nsenter --net=/run/netns/$GW $EW run -i $UP -c "$1" -o "$2" > $T/ew.out 2> $EW_ERR &
	EW_PID=$!
	PIDS="$PIDS $EW_PID"
	i=0
	while [ $i -lt 600 ]; do
		grep -q watching $EW_ERR 2>/dev/null && return 0
		kill -0 $EW_PID 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

ew_stop() {	# SIGINT, the final flush, bounded: 60 s; 0 if it exited 0
	kill -TERM $EW_PID
	i=0
	while [ $i -lt 600 ] && kill -0 $EW_PID 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	if kill -0 $EW_PID 2>/dev/null; then
		kill -KILL $EW_PID
		return 124
	fi
	wait $EW_PID
}

# The packets of the TCP flows from SRC to PORT in the EVE file's flow events (both
# directions), and what tcpdump saw of them on the wire.
eve_packets() {	# eve_packets EVE SRC PORT
	grep '"event_type":"flow"' "$1" | grep "\"src_ip\":\"$2\"" | grep "\"dest_port\":$3," |
		sed -n 's/.*"pkts_toserver":\([0-9]*\),"pkts_toclient":\([0-9]*\).*/\1 \2/p' |
		awk '{n += $1 + $2} END {print n + 0}'
}
wire_packets() {	# wire_packets PCAP SRC PORT
	# -Z root: Debian's tcpdump drops to a "tcpdump" user the guest has not got
	tcpdump -Z root -nn -r "$1" "tcp and host $2 and port $3" 2>/dev/null | wc -l
}

test_alert_mode() {
	eve=$T/eve-alert.json
	cat > $T/alert.yaml <<EOF
management:
  action: alert
  addresses: [198.18.0.1]
  ports: [ssh]
  allow:
    - from: [$ALLOWED]
EOF
	listen 600
	nsenter --net=/run/netns/$EXT timeout 600 tcpdump -Z root -nn -U -i $PEER \
		-w $T/wire.pcap tcp 2> $T/tcpdump.err &
	dump=$!
	PIDS="$PIDS $dump"
	i=0
	while [ $i -lt 100 ] && ! grep -q "listening on" $T/tcpdump.err; do
		sleep 0.1
		i=$((i + 1))
	done
	if ! ew_start $T/alert.yaml $eve; then
		fail alert_mode "edgewatch did not start: $(tail -n 5 $EW_ERR | tr '\n' ' ')"
		return
	fi
	# before 6.6 (no TCX) the probe must say so and the clsact fallback carry egress (the
	# flows below include the gateway's replies, which only the egress program sees)
	major=$(uname -r | cut -d. -f1) minor=$(uname -r | cut -d. -f2)
	if [ "$major" -lt 6 ] || { [ "$major" = 6 ] && [ "$minor" -lt 6 ]; }; then
		want_warning=1
	else
		want_warning=0
	fi
	got_warning=0
	grep -q "no TCX links for tc programs (Linux 6.6).*clsact" $EW_ERR && got_warning=1
	if [ $got_warning = $want_warning ]; then
		pass tcx_probe_matches_the_kernel
	else
		fail tcx_probe_matches_the_kernel "kernel $(uname -r): TCX fallback warned $got_warning, expected $want_warning"
	fi
	r="$(exchange $ALLOWED 22) $(exchange $DENIED 22) $(exchange $DENIED 9999)"
	if [ "$r" = "ok ok ok" ]; then
		pass alert_mode_affects_no_connection
	else
		fail alert_mode_affects_no_connection "allowed/denied ssh, other port: $r"
	fi
	sleep 1
	ew_stop
	rc=$?
	kill -TERM $dump 2>/dev/null
	wait $dump 2>/dev/null
	if [ $rc -ne 0 ]; then
		fail alert_mode "edgewatch exited $rc: $(tail -n 3 $EW_ERR | tr '\n' ' ')"
		return
	fi
	pass edgewatch_run_attached_and_stopped
	bad=""
	for f in "$ALLOWED 22" "$DENIED 22" "$DENIED 9999"; do
		e=$(eve_packets $eve $f)
		w=$(wire_packets $T/wire.pcap $f)
		[ "$e" -gt 0 ] && [ "$e" = "$w" ] || bad="$bad [$f: eve $e, wire $w]"
	done
	if [ -z "$bad" ]; then
		pass flows_equal_the_wire
	else
		fail flows_equal_the_wire "$bad; tcpdump: $(tr '\n' ' ' < $T/tcpdump.err | head -c 300)"
	fi
	n=$(grep '"signature_id":9000001' $eve | grep -c "\"src_ip\":\"$DENIED\"")
	others=$(grep '"signature_id":9000001' $eve | grep -vc "\"src_ip\":\"$DENIED\"")
	if [ "$n" -ge 1 ] && [ "$others" = 0 ]; then
		pass violation_alerted
	else
		fail violation_alerted "$n alerts for the denied source, $others for others"
	fi
}

test_drop_mode() {
	eve=$T/eve-drop.json
	sed 's/action: alert/action: drop/' $T/alert.yaml > $T/drop.yaml
	if ! ew_start $T/drop.yaml $eve; then
		fail drop_mode "edgewatch did not start: $(tail -n 5 $EW_ERR | tr '\n' ' ')"
		return
	fi
	r="$(exchange $ALLOWED 22) $(exchange $DENIED 22) $(exchange $DENIED 9999)"
	if [ "$r" = "ok fail ok" ]; then
		pass drop_blocks_only_the_source_not_allowed
	else
		fail drop_blocks_only_the_source_not_allowed "allowed/denied ssh, other port: $r"
	fi
	ew_stop
	rc=$?
	if [ $rc -ne 0 ]; then
		fail drop_mode "edgewatch exited $rc: $(tail -n 3 $EW_ERR | tr '\n' ' ')"
		return
	fi
	if grep '"signature_id":9000001' $eve | grep "\"src_ip\":\"$DENIED\"" | grep -q '"action":"blocked"'; then
		pass drop_alerted_blocked
	else
		fail drop_alerted_blocked "no blocked alert: $(grep '"event_type":"alert"' $eve | head -c 400)"
	fi
}

if ! setup 2> $T/setup.err; then
	fail setup "could not build the veth lab: $(tail -n 3 $T/setup.err | tr '\n' ' ')"
	exit 1
fi
test_alert_mode
test_drop_mode
exit $FAILED
