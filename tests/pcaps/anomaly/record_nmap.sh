#!/usr/bin/env bash
# Records nmap's scan types into tests/pcaps/anomaly/nmap_*.pcap (README.md there gives the
# commands and the ground truth; tests/pcap/test_anomaly_scan.py replays them).
#
# The lab is tests/e2e/lib.sh's: namespaces GW (198.18.0.1, the target) and EXT
# (198.18.0.2, the scanner) joined by one veth pair, static neighbours, no default route;
# the sweep's 198.18.1.0/26 is routed from EXT to GW only (GW holds 198.18.1.1-4 and does
# not forward, so the other 60 never answer). tcpdump records on the scanner's side.
# Every nmap is bounded by `timeout` and --max-retries / --max-rate; the teardown always
# runs. Needs root, nmap, tcpdump.
#
# usage: tests/pcaps/anomaly/record_nmap.sh [OUTDIR]
set -u
cd "$(dirname "$0")/../../.." || exit 1
OUT=$(realpath "${1:-tests/pcaps/anomaly}")
E2E_PREFIX=record_nmap
. tests/e2e/lib.sh

GW=ewrgw$E2E_ID EXT=ewrx$E2E_ID UP=ewru$E2E_ID PEER=ewrp$E2E_ID
for tool in nmap tcpdump; do
	command -v $tool >/dev/null || { echo "$tool is not installed (make deps)" >&2; exit 1; }
done
e2e_lab "$GW" "$UP" "$EXT" "$PEER" || { echo "lab setup failed" >&2; exit 1; }
for i in 1 2 3 4; do ip -n "$GW" addr add 198.18.1.$i/32 dev lo; done
ip -n "$EXT" route add 198.18.1.0/26 via 198.18.0.1 dev "$PEER"
# closed UDP ports answer ICMP port unreachable at once (the default limit, 1 a second,
# would stretch the UDP scan to minutes); per namespace, the host's is untouched
ip netns exec "$GW" sysctl -qw net.ipv4.icmp_ratelimit=0 2>/dev/null
ip netns exec "$GW" sysctl -qw net.ipv4.icmp_msgs_per_sec=100000 2>/dev/null

# open ports on the target: tcp 22, 80, 443 accept and close; udp 53 answers anything.
# Bounded: 15 minutes at most (the whole recording takes about 5).
ip netns exec "$GW" timeout 900 python3 -c '
import select, signal, socket, sys
signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
socks = []
for port in (22, 80, 443):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("198.18.0.1", port)); s.listen(64); socks.append(s)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("198.18.0.1", 53))
while True:
    for s in select.select(socks + [u], [], [], 1.0)[0]:
        if s is u:
            data, peer = u.recvfrom(2048); u.sendto(data[:2] + b"\x81\x83" + data[4:], peer)
        else:
            c, _ = s.accept(); c.close()
' &
E2E_PIDS+=($!)
sleep 0.5

# record NAME SECONDS NMAP-ARGS...: one capture of one nmap run
record() {
	local name=$1 limit=$2 pcap=$E2E_TMP/$1.pcap cap; shift 2
	# nsenter execs tcpdump: $! is tcpdump itself, so the SIGINT below reaches it (through
	# the e2e_in function it would reach a subshell that waits)
	nsenter --net=/run/netns/"$EXT" tcpdump -i "$PEER" -n -U -w "$pcap" 'ip or ip6' \
		2>/dev/null &
	cap=$!
	E2E_PIDS+=("$cap")
	sleep 1
	echo "nmap $*" >&2
	e2e_in "$EXT" timeout "$limit" nmap -n -e "$PEER" --max-retries 1 "$@" >"$E2E_TMP/$name.out" 2>&1 ||
		echo "nmap $name: exit $? ($(tail -n 2 "$E2E_TMP/$name.out"))" >&2
	sleep 6	# the target's last answers, and the TIME_WAIT RSTs
	kill -INT "$cap"; wait "$cap" 2>/dev/null
	cp "$pcap" "$OUT/nmap_$name.pcap"
	echo "  $(stat -c %s "$OUT/nmap_$name.pcap") bytes" >&2
}

T=198.18.0.1
record sS 120 -Pn -sS --top-ports 100 --max-rate 500 $T
record sT 120 -Pn -sT --top-ports 100 --max-rate 500 $T
record sF 120 -Pn -sF --top-ports 100 --max-rate 500 $T
record sN 120 -Pn -sN --top-ports 100 --max-rate 500 $T
record sX 120 -Pn -sX --top-ports 100 --max-rate 500 $T
record sA 120 -Pn -sA --top-ports 100 --max-rate 500 $T
record sU 180 -Pn -sU --top-ports 100 --max-rate 500 $T
record sn-sweep 120 -sn --max-rate 500 198.18.1.0/26
# slow: one SYN a second over 45 ports; the capture's clock is then stretched 60 times
# (below) so that the probes are a minute apart, as --scan-delay 60s would make them, in
# 45 s of recording instead of 45 minutes
record slow-raw 120 -Pn -sS -p 20-64 --scan-delay 1s --max-retries 0 $T
python3 - "$OUT/nmap_slow-raw.pcap" "$OUT/nmap_slow-scan-delay-60s.pcap" <<'PY'
# Scale every packet's offset from the first by 60 (classic pcap, any byte order).
import struct, sys
data = open(sys.argv[1], "rb").read()
endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
nano = data[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
unit = 10**9 if nano else 10**6
out, off, t0 = [data[:24]], 24, None
while off + 16 <= len(data):
    sec, frac, incl, orig = struct.unpack(endian + "IIII", data[off:off + 16])
    t = sec * unit + frac
    t0 = t if t0 is None else t0
    t = t0 + (t - t0) * 60
    out.append(struct.pack(endian + "IIII", t // unit, t % unit, incl, orig))
    out.append(data[off + 16:off + 16 + incl])
    off += 16 + incl
open(sys.argv[2], "wb").write(b"".join(out))
PY
rm -f "$OUT/nmap_slow-raw.pcap"
echo "recorded into $OUT" >&2
