#!/usr/bin/env bash
# End-to-end: edgewatch attached to a real veth in a namespace, real packets sent through
# it (ICMP, UDP, TCP over IPv4 and IPv6, ICMP over a VLAN sub-interface, packets leaving
# with a VLAN tag in the skb's metadata, 802.1Q and QinQ frames built by hand); the flows it
# writes must equal, packet for packet and byte for byte, what tcpdump saw on the link,
# and its conservation sum must balance. Also: a second `run` on the same interface is
# refused, `status` reads the running instance, and a SIGKILLed instance leaves nothing
# that stops the next start (its flows are exported as "recovered").
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=e2e/datapath
. tests/e2e/lib.sh

GW=ewgw$E2E_ID EXT=ewext$E2E_ID
UP=ewu$E2E_ID PEER=ewp$E2E_ID
# the gateway's second interface, whose packets leave through UP tagged in metadata
SCR=ewscr$E2E_ID SIDE=ewv$E2E_ID SIDE_PEER=ews$E2E_ID
EVE=$E2E_TMP/eve.json CAP=$E2E_TMP/link.pcap
HAVE_VLAN_DEV=0

setup() {
	# static neighbours: no ARP/ND of their own in the flows we compare
	e2e_lab "$GW" "$UP" "$EXT" "$PEER" || return 1
	# the gateway's side inserts VLAN tags "in hardware": tc egress must add them back
	ip netns exec "$GW" ethtool -K "$UP" tx-vlan-offload on >/dev/null 2>&1
	if e2e_have_vlan_devices "$GW" "$UP"; then
		HAVE_VLAN_DEV=1
		ip -n "$GW" link add link "$UP" name "$UP.100" type vlan id 100
		ip -n "$EXT" link add link "$PEER" name "$PEER.100" type vlan id 100
		ip -n "$GW" addr add 198.19.100.1/24 dev "$UP.100"
		ip -n "$EXT" addr add 198.19.100.2/24 dev "$PEER.100"
		ip -n "$GW" link set "$UP.100" up
		ip -n "$EXT" link set "$PEER.100" up
		e2e_static_neigh "$GW" "$UP.100" 198.19.100.2 "$EXT_MAC"
		e2e_static_neigh "$EXT" "$PEER.100" 198.19.100.1 "$GW_MAC"
	fi
	setup_hw_tag_redirect || return 1
	sleep 1	# let link-up chatter (MLD reports) pass before anyone listens
}

# A hardware VLAN tag on egress without 802.1Q devices (kernels without
# CONFIG_VLAN_8021Q, and no act_vlan either): the gateway's second interface SIDE (a veth
# to a scratch namespace, 198.19.101.1/24) runs tests/e2e/vlan_push.bpf.c on its egress,
# which tags each packet in the skb's metadata (bpf_skb_vlan_push: vlan_present and
# vlan_tci, the data untagged, as an 802.1Q device hands it to its lower device) and
# redirects it to the egress of UP, where edgewatch's tc program must take the VID from
# the metadata. (BPF_PROG_TEST_RUN cannot do this: it refuses an __sk_buff with
# vlan_present or vlan_tci set.)
setup_hw_tag_redirect() {
	local up_ifindex side_mac obj=$E2E_TMP/vlan_push.bpf.o
	e2e_ns_add "$SCR" || return 1
	e2e_quiet_ipv6 "$SCR"
	e2e_veth "$GW" "$SIDE" "$SCR" "$SIDE_PEER" || return 1
	ip -n "$GW" addr add 198.19.101.1/24 dev "$SIDE"
	side_mac=$(e2e_mac "$SCR" "$SIDE_PEER")
	e2e_static_neigh "$GW" "$SIDE" 198.19.101.2 "$side_mac"
	up_ifindex=$(ip netns exec "$GW" cat /sys/class/net/"$UP"/ifindex) || return 1
	if ! clang -O2 -g -target bpf -Wall -Werror -I/usr/include/"$(uname -m)"-linux-gnu \
		-DUP_IFINDEX="$up_ifindex" -DVLAN_ID=100 \
		-c tests/e2e/vlan_push.bpf.c -o "$obj" 2> "$E2E_TMP/vlan_push.err"; then
		echo "vlan_push.bpf.c does not build: $(head -n 3 "$E2E_TMP/vlan_push.err")" >&2
		return 1
	fi
	ip netns exec "$GW" tc qdisc add dev "$SIDE" clsact &&
	ip netns exec "$GW" tc filter add dev "$SIDE" egress bpf direct-action obj "$obj" sec tc ||
		{ echo "could not attach vlan_push.bpf.o to $SIDE egress" >&2; return 1; }
}

# Deterministic traffic, every loop bounded.
send_traffic() {
	ip netns exec "$EXT" ping -c 3 -i 0.2 -W 1 198.18.0.1 >/dev/null
	ip netns exec "$EXT" ping -6 -c 2 -i 0.2 -W 1 2001:db8::1 >/dev/null
	# VLAN over a VLAN sub-interface, where the kernel has them (tagged "in hardware"
	# on the gateway's side, so tc egress must count the tag it does not see)
	if [ "$HAVE_VLAN_DEV" = 1 ]; then
		ip netns exec "$EXT" ping -c 2 -i 0.2 -W 1 198.19.100.1 >/dev/null
	fi
	# out of the second interface: tagged in metadata (VID 100), sent on through UP; no
	# answers (the scratch side sees tagged frames it has no VLAN for)
	ip netns exec "$GW" ping -c 2 -i 0.2 -W 1 198.19.101.2 >/dev/null
	# 802.1Q and QinQ frames built by hand, both directions (works on any kernel)
	ip netns exec "$EXT" python3 tests/e2e/send_frames.py "$PEER" "$GW_MAC" "$EXT_MAC" 100 \
		198.19.100.2 198.19.100.1 40100 7000 3 60
	ip netns exec "$GW" python3 tests/e2e/send_frames.py "$UP" "$EXT_MAC" "$GW_MAC" 100 \
		198.19.100.1 198.19.100.2 7000 40100 2 80
	ip netns exec "$EXT" python3 tests/e2e/send_frames.py "$PEER" "$GW_MAC" "$EXT_MAC" 200,100 \
		198.19.100.2 198.19.100.1 40200 7000 2 40
	# UDP: five 100-byte datagrams one way, and a request/answer pair
	ip netns exec "$GW" timeout 5 python3 - <<'PY' &
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.1", 5353))
s.settimeout(4)
for _ in range(6):
    data, peer = s.recvfrom(2048)
    if data.startswith(b"ask"):
        s.sendto(b"answer" * 10, peer)
PY
	local udp_srv=$!
	sleep 0.3
	ip netns exec "$EXT" timeout 5 python3 - <<'PY'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.2", 40001))
for _ in range(5):
    s.sendto(b"x" * 100, ("198.18.0.1", 5353))
    time.sleep(0.02)
s.sendto(b"ask", ("198.18.0.1", 5353))
s.settimeout(2)
s.recvfrom(2048)
PY
	wait $udp_srv
	# TCP over IPv4 and IPv6: connect, send, receive, close
	ip netns exec "$GW" timeout 8 python3 - <<'PY' &
import socket, threading
def serve(family, addr):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 8080))
    s.listen(1)
    s.settimeout(6)
    c, _ = s.accept()
    c.recv(4096)
    c.sendall(b"HTTP/1.0 200 OK\r\n\r\n" + b"y" * 500)
    c.close()
threads = [threading.Thread(target=serve, args=a) for a in
           ((socket.AF_INET, "198.18.0.1"), (socket.AF_INET6, "2001:db8::1"))]
for t in threads: t.start()
for t in threads: t.join()
PY
	local tcp_srv=$!
	sleep 0.5
	ip netns exec "$EXT" timeout 8 python3 - <<'PY'
import socket, time
for family, addr in ((socket.AF_INET, "198.18.0.1"), (socket.AF_INET6, "2001:db8::1")):
    c = socket.create_connection((addr, 8080), timeout=5)
    c.sendall(b"GET / HTTP/1.0\r\nHost: gw\r\n\r\n" + b"z" * 1000)
    while c.recv(4096):
        pass
    c.close()
    time.sleep(0.2)
PY
	wait $tcp_srv
	sleep 0.5	# last FIN/ACKs
}

# Wait (bounded) until tcpdump says it captures: a packet sent before that is not in the
# capture the flows are compared with. 0 when it does.
wait_tcpdump_listening() {	# wait_tcpdump_listening PID STDERR_FILE
	local i
	for i in $(seq 1 100); do
		grep -q "listening on" "$2" 2>/dev/null && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

test_flows_match_capture() {
	ip netns exec "$EXT" tcpdump -i "$PEER" -w "$CAP" -U --immediate-mode -s 256 \
		> "$E2E_TMP/tcpdump.out" 2>&1 &
	local dump=$!
	E2E_PIDS+=("$dump")
	if ! wait_tcpdump_listening "$dump" "$E2E_TMP/tcpdump.out"; then
		e2e_fail flows_match_capture "tcpdump did not start capturing within 10 s: $(tail -n 3 "$E2E_TMP/tcpdump.out" | tr '\n' ' ')"
		return
	fi
	if ! e2e_edgewatch_start "$GW" "$UP" "$EVE"; then
		e2e_fail flows_match_capture "edgewatch did not start"
		return
	fi
	local ew=$E2E_EW_PID
	test_second_instance_refused
	send_traffic
	test_status_sees_instance
	e2e_edgewatch_stop "$ew"
	local rc=$?
	sleep 0.5
	kill -INT "$dump"; wait "$dump" 2>/dev/null
	if [ $rc -ne 0 ]; then
		e2e_fail flows_match_capture "edgewatch exited $rc: $(tail -n 3 "$E2E_EW_ERR")"
		return
	fi
	# the ICMP echo over IPv4: 3 requests and 3 replies of 98 bytes, known in advance
	local diff
	diff=$(python3 tests/e2e/compare_flows.py "$CAP" "$EVE" \
		--expect "198.18.0.2 198.18.0.1 1 0 0 3 294" \
		--expect "198.18.0.1 198.18.0.2 1 0 0 3 294")
	if [ -n "$diff" ]; then
		e2e_fail flows_match_capture "$(echo "$diff" | head -n 5 | tr '\n' ';')"
	else
		e2e_pass flows_match_capture
	fi
	# tagged flows carry their VLAN ids, QinQ both
	if grep -q '"vlan":\[100\],"src_ip":"198.19.100.2","src_port":40100' "$EVE" &&
	   grep -q '"vlan":\[200,100\],"src_ip":"198.19.100.2","src_port":40200' "$EVE"; then
		e2e_pass vlan_flows_tagged
	else
		e2e_fail vlan_flows_tagged "no flow with vlan [100] and [200,100] from 198.19.100.2"
	fi
	if [ "$HAVE_VLAN_DEV" = 1 ]; then
		if grep -q '"vlan":\[100\],"src_ip":"198.19.100.2","dest_ip":"198.19.100.1","proto":"ICMP"' "$EVE"; then
			e2e_pass vlan_subinterface_hw_tag
		else
			e2e_fail vlan_subinterface_hw_tag "no ICMP flow with vlan [100]"
		fi
	else
		e2e_skip vlan_subinterface_hw_tag "this kernel has no 802.1Q VLAN devices (CONFIG_VLAN_8021Q unset); egress_hw_vlan_tag tests the metadata tag without them"
	fi
	# the tag existed only in the skb's metadata: 2 echo requests of 98 bytes, each 102
	# on the wire with the tag the stack inserts after tc egress
	if grep -q '"vlan":\[100\],"src_ip":"198.19.101.1","dest_ip":"198.19.101.2","proto":"ICMP".*"pkts_toserver":2,"pkts_toclient":0,"bytes_toserver":204,' "$EVE"; then
		e2e_pass egress_hw_vlan_tag
	else
		e2e_fail egress_hw_vlan_tag "no ICMP flow 198.19.101.1 -> 198.19.101.2 with vlan [100], 2 packets, 204 bytes; flows from 198.19.101.1: $(grep '"src_ip":"198.19.101.1"' "$EVE" | head -n 2 | cut -c 1-400)"
	fi
	if grep -q '"reason":"shutdown"' "$EVE" && grep -q '"event_type":"stats"' "$EVE"; then
		e2e_pass shutdown_flush_and_stats
	else
		e2e_fail shutdown_flush_and_stats "no shutdown flows or no stats event"
	fi
	if [ -e "$E2E_PIN_ROOT/$UP" ]; then
		e2e_fail clean_detach "pins left in $E2E_PIN_ROOT/$UP"
	elif ip netns exec "$GW" ip link show "$UP" | grep -q xdp; then
		e2e_fail clean_detach "XDP still attached to $UP"
	else
		e2e_pass clean_detach
	fi
}

test_second_instance_refused() {
	local out
	out=$(e2e_in "$GW" timeout 10 "$EDGEWATCH_BIN" run --user root -i "$UP" -o /dev/null 2>&1)
	if [ $? -ne 0 ] && echo "$out" | grep -q "already running on $UP"; then
		e2e_pass second_instance_refused
	else
		e2e_fail second_instance_refused "second run was not refused clearly: $out"
	fi
}

test_status_sees_instance() {
	local out
	out=$(e2e_in "$GW" "$EDGEWATCH_BIN" status -i "$UP" --json 2>&1)
	if echo "$out" | python3 -c '
import json, sys
s = json.load(sys.stdin)
assert s["running"] and s["xdp_mode"] == "native", s
assert s["datapath"]["xdp_ingress"]["pkt_seen"] > 0
assert s["datapath"]["tc_egress"]["pkt_seen"] > 0
# the counters in the shape of the stats event: groups under each hook
assert s["datapath"]["xdp_ingress"]["outcome"]["pkt_flow"] > 0, s["datapath"]
assert s["flow_table_entries"] > 0 and s["top_talkers"]
# the daemon'"'"'s own account: its latest stats snapshot, the stats event'"'"'s layout
d = s["daemon"]
assert d["event_type"] == "stats" and d["in_iface"] == s["interface"], d
assert set(d["stats"]["flows"]["exported"]) >= {"timeout", "closed", "shutdown"}, d
assert "conservation" in d["stats"] and "eve" in d["stats"] and "policy" in d["stats"], d
' 2>/dev/null; then
		e2e_pass status_reads_running_instance
	else
		e2e_fail status_reads_running_instance "unexpected status: $(echo "$out" | head -c 300)"
	fi
}

# The kernel id of the map pinned at PATH, or nothing.
pinned_map_id() {	# pinned_map_id PATH
	bpftool -j map show pinned "$1" 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])' 2>/dev/null
}

# Is the map with this id gone from the kernel? Freeing a map is deferred (RCU, a
# workqueue): wait for it, bounded.
map_freed() {	# map_freed ID
	local i
	for i in $(seq 1 50); do
		bpftool map show id "$1" >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	return 1
}

# SIGKILL leaves pinned maps; the next start exports their flows (with what the killed
# instance counted) as "recovered", removes the stale pins, starts cleanly and stops with
# its own conservation sum balanced.
test_restart_after_sigkill() {
	local eve1=$E2E_TMP/eve-killed.json eve2=$E2E_TMP/eve-restarted.json
	local stale_id new_id rc why
	if ! e2e_edgewatch_start "$GW" "$UP" "$eve1"; then
		e2e_fail restart_after_sigkill "first instance did not start"
		return
	fi
	# 2 echo requests in through XDP, 2 replies out through tc, counted by the victim only
	ip netns exec "$EXT" ping -c 2 -i 0.2 -W 1 198.18.0.1 >/dev/null
	kill -KILL "$E2E_EW_PID"; wait "$E2E_EW_PID" 2>/dev/null
	if [ ! -e "$E2E_PIN_ROOT/$UP/flows" ]; then
		e2e_fail restart_after_sigkill "expected the killed instance's pinned flow table"
		return
	fi
	stale_id=$(pinned_map_id "$E2E_PIN_ROOT/$UP/flows")
	if ! e2e_edgewatch_start "$GW" "$UP" "$eve2"; then
		e2e_fail restart_after_sigkill "the next start failed after SIGKILL"
		return
	fi
	# while it runs, the pins are its own: the stale table was unpinned
	new_id=$(pinned_map_id "$E2E_PIN_ROOT/$UP/flows")
	e2e_edgewatch_stop "$E2E_EW_PID"
	rc=$?
	if [ $rc -ne 0 ]; then
		e2e_fail restart_after_sigkill "the restarted instance exited $rc (its final conservation sum?): $(tail -n 3 "$E2E_EW_ERR" | tr '\n' ' ')"
		return
	fi
	# exactly one recovered ICMP flow from 198.18.0.2, with what the killed instance saw
	why=$(python3 - "$eve2" <<'PY'
import json, sys
events = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
flows = [e for e in events if e.get("event_type") == "flow"]
rec = [e for e in flows if e["flow"]["reason"] == "recovered" and e["src_ip"] == "198.18.0.2"
       and e["dest_ip"] == "198.18.0.1" and e["proto"] == "ICMP"]
if len(rec) != 1:
    print("%d recovered ICMP flows from 198.18.0.2 (flow events: %s)" % (
        len(rec), [(e["src_ip"], e["proto"], e["flow"]["reason"]) for e in flows]))
elif (rec[0]["flow"]["pkts_toserver"], rec[0]["flow"]["pkts_toclient"]) != (2, 2):
    print("recovered flow has pkts %d/%d, the killed instance saw 2/2" % (
        rec[0]["flow"]["pkts_toserver"], rec[0]["flow"]["pkts_toclient"]))
elif rec[0]["flow"]["bytes_toserver"] != 196 or rec[0]["flow"]["bytes_toclient"] != 196:
    print("recovered flow has bytes %d/%d, want 196/196 (2 x 98)" % (
        rec[0]["flow"]["bytes_toserver"], rec[0]["flow"]["bytes_toclient"]))
PY
)
	if [ -n "$why" ]; then
		e2e_fail restart_after_sigkill "$why"
	elif [ -z "$stale_id" ] || [ -z "$new_id" ] || [ "$stale_id" = "$new_id" ]; then
		e2e_fail restart_after_sigkill "the stale flow table (map id ${stale_id:-?}) is still pinned while the restarted instance runs (map id ${new_id:-?})"
	elif [ -e "$E2E_PIN_ROOT/$UP" ]; then
		e2e_fail restart_after_sigkill "pins left in $E2E_PIN_ROOT/$UP after the restarted instance stopped"
	elif ! map_freed "$stale_id"; then
		e2e_fail restart_after_sigkill "the killed instance's flow table (map id $stale_id) still exists"
	else
		e2e_pass restart_after_sigkill
	fi
}

if ! setup; then
	e2e_fail setup "could not build the veth lab"
	exit 1
fi
test_flows_match_capture
test_restart_after_sigkill
exit $E2E_FAILED
