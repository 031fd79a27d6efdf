#!/usr/bin/env bash
# `make demo`: a veth lab in network namespaces, edgewatch on the gateway's uplink for
# about 20 s while generated traffic crosses it, then a readable summary of what it saw.
#
#   [ext: 198.18.0.2, 2001:db8::2,   --veth--  [gw: uplink 198.18.0.1, 2001:db8::1]
#         admin 198.18.10.5]                     edgewatch run -i uplink -c scripts/demo.yaml
#        internet side: attacker and admin       services: web, ssh, dns
#
# The configuration protects the gateway's management plane (only 198.18.10.0/24 may
# reach it) and turns on the shipped rules, so the summary shows policy alerts,
# exposure, exploit and living-off-the-land alerts next to the flows.
#
# Everything stays inside the two namespaces this script creates (addresses from
# 198.18.0.0/15 and 2001:db8::/32, no routes out); they are removed on exit.
set -u
cd "$(dirname "$0")/.."
EW=${EDGEWATCH_BIN:-.output/edgewatch}
DURATION=${DEMO_SECONDS:-20}
ID=$(printf '%04x' $((RANDOM)))
GW=ewdemo-gw$ID EXT=ewdemo-ext$ID UP=ewdup$ID PEER=ewdpe$ID
OUT=${DEMO_OUT:-/tmp/edgewatch-demo}
EVE=$OUT/eve.json
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	ip netns del "$GW" 2>/dev/null
	ip netns del "$EXT" 2>/dev/null
	rm -rf "/run/edgewatch/bpffs/$UP" "/run/edgewatch/$UP.lock"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root (sudo make demo): it creates network namespaces" >&2
	exit 1
fi
mkdir -p "$OUT"
: > "$EVE"

echo "== building the lab: namespaces $GW and $EXT"
ip netns add "$GW" && ip netns add "$EXT" || exit 1
ip link add "$UP" netns "$GW" type veth peer name "$PEER" netns "$EXT" || exit 1
for ns in "$GW" "$EXT"; do ip -n "$ns" link set lo up; done
ip -n "$GW" link set "$UP" up
ip -n "$EXT" link set "$PEER" up
ip -n "$GW" addr add 198.18.0.1/24 dev "$UP"
ip -n "$EXT" addr add 198.18.0.2/24 dev "$PEER"
ip -n "$EXT" addr add 198.18.10.5/24 dev "$PEER"	# the admin network
ip -n "$GW" addr add 198.18.10.1/24 dev "$UP"	# so the gateway reaches the admin on-link
ip -n "$GW" addr add 2001:db8::1/64 dev "$UP" nodad
ip -n "$EXT" addr add 2001:db8::2/64 dev "$PEER" nodad

echo "== starting edgewatch on the gateway's uplink ($UP) for ${DURATION}s"
nsenter --net=/run/netns/"$GW" "$EW" run -i "$UP" -c scripts/demo.yaml -o "$EVE" \
	--duration "$DURATION" 2> "$OUT/edgewatch.log" &
EW_PID=$!
for _ in $(seq 1 50); do grep -q watching "$OUT/edgewatch.log" && break; sleep 0.1; done
if ! grep -q watching "$OUT/edgewatch.log"; then
	echo "demo: edgewatch did not start:" >&2
	cat "$OUT/edgewatch.log" >&2
	exit 1
fi

echo "== services on the gateway: web (tcp/80), ssh-like (tcp/22), dns-like (udp/53)"
ip netns exec "$GW" timeout $((DURATION + 5)) python3 scripts/demo_services.py 198.18.0.1 2001:db8::1 &
PIDS+=($!)
sleep 0.5

echo "== traffic from the internet side (bounded, ends by itself)"
ip netns exec "$EXT" timeout $((DURATION - 2)) python3 scripts/demo_traffic.py 198.18.0.1 2001:db8::1 &
PIDS+=($!)
ip netns exec "$EXT" ping -c 5 -i 0.5 -W 1 198.18.0.1 > /dev/null &
echo "== the admin (198.18.10.5) logs in over ssh: allowed, no alert"
ip netns exec "$EXT" timeout 5 python3 -c '
import socket
for _ in range(2):
    c = socket.create_connection(("198.18.0.1", 22), source_address=("198.18.10.5", 0), timeout=2)
    c.recv(256); c.sendall(b"SSH-2.0-admin\r\n"); c.close()
' || true
ip netns exec "$EXT" ping -6 -c 5 -i 0.5 -W 1 2001:db8::1 > /dev/null &

wait "$EW_PID"
echo
echo "== what edgewatch saw"
python3 scripts/eve_summary.py "$EVE"
echo
echo "EVE events: $EVE ($(wc -l < "$EVE") lines); edgewatch's log: $OUT/edgewatch.log"
