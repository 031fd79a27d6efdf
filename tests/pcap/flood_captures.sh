#!/usr/bin/env bash
# Record the hping3 flood captures of tests/pcaps/anomaly/ (flood_hping3-*.pcap): real
# hping3 floods in two network namespaces this script creates (tests/e2e/lib.sh: veth,
# 198.18.0.0/15 only, no route out, teardown on exit), recorded by tcpdump on the
# gateway's side, bounded by tcpdump -c, hping3 -c and timeout. Only packets toward the
# gateway are kept (its port-unreachable answers are not the flood).
#   tests/pcap/flood_captures.sh [OUTDIR]   (root; default tests/pcaps/anomaly)
set -u
cd "$(dirname "$0")/../.."
OUT=$(realpath "${1:-tests/pcaps/anomaly}")
E2E_PREFIX=flood_captures
. tests/e2e/lib.sh
GW=ewgw$E2E_ID EXT=ewext$E2E_ID UP=ewu$E2E_ID PEER=ewp$E2E_ID
e2e_lab "$GW" "$UP" "$EXT" "$PEER" || { echo "cannot make the lab" >&2; exit 1; }

record() {	# record FILE COUNT: tcpdump of COUNT packets toward the gateway, 30 s at most
	ip netns exec "$GW" timeout 30 tcpdump -q -n -i "$UP" -c "$2" -w "$OUT/$1" \
		"dst host 198.18.0.1" 2>/dev/null &
	E2E_PIDS+=($!)
	sleep 1
}

# SYN flood from 16 spoofed sources, 8 hping3 at a time, 400 SYNs each
record flood_hping3-syn-spoofed.pcap 3000
for b in 0 1; do
	for i in $(seq 1 8); do
		e2e_in "$EXT" timeout 10 hping3 -q -S -p 80 -a 198.18.1.$((b * 8 + i)) -I "$PEER" \
			-i u100 -c 400 198.18.0.1 >/dev/null 2>&1 &
	done
	wait "${!}"
done
wait "${E2E_PIDS[-1]}"

# UDP flood, one flow (-k: one source port)
record flood_hping3-udp-one-flow.pcap 3000
e2e_in "$EXT" timeout 10 hping3 -q --udp -p 9 -s 5000 -k -I "$PEER" -i u50 -c 3200 \
	198.18.0.1 >/dev/null 2>&1
wait "${E2E_PIDS[-1]}"

# ICMP echo flood, one flow
record flood_hping3-icmp-echo.pcap 3000
e2e_in "$EXT" timeout 10 hping3 -q --icmp -I "$PEER" -i u50 -c 3200 198.18.0.1 \
	>/dev/null 2>&1
wait "${E2E_PIDS[-1]}"
ls -l "$OUT"/flood_hping3-*.pcap
