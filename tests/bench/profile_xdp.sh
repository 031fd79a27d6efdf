#!/usr/bin/env bash
# Where edgewatch's XDP program spends its time on an established TCP flow, by source
# line: the daemon (--passive) on a veth in a namespace of its own, BPF_PROG_TEST_RUN of
# one TCP ACK frame REPEAT times through the attached ew_xdp_ingress (bpftool prog run)
# under `perf record -a`, the samples' addresses mapped to source lines by bpf_lines
# (tests/bench/bpf_lines.c). Prints the kernel symbols' shares of the samples, then the
# program's TOP lines. A developer's tool, not part of `make bench` (it needs perf:
# Debian's linux-perf). Root. Bounded: one run of REPEAT (50,000,000: ~3 s) test runs,
# on CPU PROFILE_CPU (0).
set -u
cd "$(dirname "$0")/../.."
EW=${EDGEWATCH_BIN:-.output/edgewatch}
LINES=.output/bench/bpf_lines
REPEAT=${REPEAT:-50000000}
TOP=${TOP:-40}
ID=$$
NS=ewprof$ID
TMP=$(mktemp -d)
PID=

for tool in perf bpftool python3; do
	command -v "$tool" > /dev/null || { echo "profile_xdp: needs $tool (perf: apt install linux-perf)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "profile_xdp: run as root" >&2; exit 1; }
[ -x "$EW" ] && [ -x "$LINES" ] || { echo "profile_xdp: make build test-build first" >&2; exit 1; }

cleanup() {
	[ -n "$PID" ] && kill -INT "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ip netns add "$NS" || exit 1
ip -n "$NS" link add vp0 type veth peer name vp1 || exit 1
ip -n "$NS" link set vp0 up && ip -n "$NS" link set vp1 up
EDGEWATCH_RULES_DIR= nsenter --net=/run/netns/"$NS" "$EW" run -i vp0 --passive -o /dev/null \
	2> "$TMP/ew.err" &
PID=$!
for _ in $(seq 1 50); do grep -q watching "$TMP/ew.err" && break; sleep 0.1; done
PROG=$(ip -n "$NS" -d link show vp0 | grep -o 'prog/xdp id [0-9]*' | awk '{print $3}')
[ -n "$PROG" ] || { echo "profile_xdp: edgewatch did not attach:" >&2; cat "$TMP/ew.err" >&2; exit 1; }

# Ethernet / IPv4 / TCP ACK, 198.18.0.1:40000 -> 198.19.0.1:443 (the first run creates
# the flow; every later one is the established path)
python3 - "$TMP/frame" <<'PY'
import struct, sys
tcp = struct.pack('!HHIIBBHHH', 40000, 443, 1000, 2000, 5 << 4, 0x10, 65535, 0, 0)
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0,
                 bytes([198, 18, 0, 1]), bytes([198, 19, 0, 1]))
eth = bytes.fromhex('020000000002' '020000000001') + struct.pack('!H', 0x0800)
open(sys.argv[1], 'wb').write(eth + ip + tcp)
PY
# pinned: the CPU of the first run owns the flow's counters (struct flow_record), and a
# long test run can move to another CPU when it yields, which then counts atomically
perf record -q -a -o "$TMP/perf.data" -- taskset -c "${PROFILE_CPU:-0}" \
	bpftool prog run id "$PROG" data_in "$TMP/frame" repeat "$REPEAT" > "$TMP/run.out" 2>&1
echo "### ew_xdp_ingress (prog $PROG), $REPEAT test runs of an established TCP ACK: $(grep -o 'duration.*' "$TMP/run.out")"
echo
echo "Kernel symbols, share of all samples (the other CPU's idle included):"
perf report -i "$TMP/perf.data" --stdio --sort sym 2>/dev/null | grep -v '^#' | grep . | head -8
echo
echo "The program's own samples by source line (top $TOP):"
perf script -i "$TMP/perf.data" -F ip,sym 2>/dev/null | awk '/ew_xdp_ingress/ {print $1}' |
	"$LINES" "$PROG" | head -"$TOP"
