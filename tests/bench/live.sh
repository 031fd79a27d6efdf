#!/usr/bin/env bash
# Live benchmark: frames pushed into a veth pair inside namespaces (bench_live gen), the
# program under test on the receiving veth. Received packet rate of edgewatch (passive:
# XDP_DROP after accounting, as on a SPAN sensor) as a ratio to an empty XDP_DROP
# program measured in the same run, for 1 flow and 50,000 flows, and to a minimal flow
# counter (issue 11's yardstick) and to that counter with the datapath's table shape
# (what the table alone costs) and to that counter with a compact table (a 64-byte hot
# entry per flow, with the 48-byte key and with a 16-byte one: what a flow table whose
# per-packet part is small would cost); and the same with the management policy on (-c),
# every frame a management flow from an allowed source. The programs alternate round by round
# (LIVE_ROUNDS, 5); the tables give the median and the spread of the rounds.
# Prints Markdown tables. Bounded: COUNT frames per run, two runs per program a round.
set -u
cd "$(dirname "$0")/../.."
EW=${EDGEWATCH_BIN:-.output/edgewatch}
GEN=.output/bench/bench_live
COUNT=${LIVE_COUNT:-3000000}
ID=$(printf '%05x' $(( RANDOM * 32 + RANDOM % 32 )))
NS_TX=ewbtx$ID NS_RX=ewbrx$ID TX=ewbt$ID RX=ewbr$ID
TMP=$(mktemp -d /tmp/edgewatch-bench.XXXXXX)
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null; done
	sleep 0.3
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	ip netns del "$NS_TX" 2>/dev/null
	ip netns del "$NS_RX" 2>/dev/null
	rm -rf "/run/edgewatch/bpffs/$RX" "/run/edgewatch/$RX.lock" "$TMP"
}
trap cleanup EXIT

ip netns add "$NS_TX" && ip netns add "$NS_RX" || exit 1
ip link add "$TX" netns "$NS_TX" type veth peer name "$RX" netns "$NS_RX" || exit 1
ip -n "$NS_TX" link set "$TX" up
ip -n "$NS_RX" link set "$RX" up
RX_MAC=$(ip -n "$NS_RX" -br link show "$RX" | awk '{print $3}')
# the generator's veth needs an XDP program of its own for XDP_TX to work on veth
ip netns exec "$NS_TX" "$GEN" drop "$TX" > /dev/null &
PIDS+=($!)
sleep 0.5

rx_packets() {
	ip netns exec "$NS_RX" ethtool -S "$RX" | awk '/rx_queue_[0-9]+_xdp_packets/ {s += $2} END {print s + 0}'
}

# received frames per second for one run of COUNT frames over FLOWS flows
measure() {	# measure FLOWS
	local before after secs
	before=$(rx_packets)
	secs=$(ip netns exec "$NS_TX" "$GEN" gen "$TX" "$RX_MAC" "$1" "$COUNT") || return 1
	sleep 0.2
	after=$(rx_packets)
	python3 -c "print(($after - $before) / $secs)"
}

# A bench program on RX until stop_rx (bench_live MODE: drop, the empty XDP_DROP
# program; counter, the minimal flow counter of bpf/bench.bpf.c, an IPv4 5-tuple LRU hash
# of packets and bytes then XDP_DROP, issue 11's yardstick; shape, the same counting in a
# table of the datapath's shape, its 48-byte key and 224-byte record preallocated;
# compact and compact16, the same counting in a 64-byte hot entry with the 48-byte key
# and with a 16-byte one).
RX_PID=
start_bench_program() {	# start_bench_program MODE
	ip netns exec "$NS_RX" "$GEN" "$1" "$RX" > "$TMP/$1.out" &
	RX_PID=$!
	PIDS+=($RX_PID)
	local i
	for i in $(seq 1 50); do grep -q attached "$TMP/$1.out" && return 0; sleep 0.1; done
	return 1
}

# edgewatch --passive on RX, with the configuration file $1 when given
start_edgewatch() {	# start_edgewatch [CONFIG]
	local i
	nsenter --net=/run/netns/"$NS_RX" "$EW" run -i "$RX" --passive ${1:+-c "$1"} \
		-o /dev/null 2> "$TMP/ew.err" &
	RX_PID=$!
	PIDS+=($RX_PID)
	for i in $(seq 1 100); do grep -q watching "$TMP/ew.err" && return 0; sleep 0.1; done
	return 1
}

# Stop RX's program, forget its PID (the exit trap must not signal a reused one), and
# let the kernel free its tables before the next program is measured.
stop_rx() {
	local p kept=()
	kill -INT "$RX_PID" 2>/dev/null
	wait "$RX_PID" 2>/dev/null
	for p in "${PIDS[@]}"; do [ "$p" = "$RX_PID" ] || kept+=("$p"); done
	PIDS=("${kept[@]}")
	sleep 1
}

# The management policy for the policy-on rows: the generator's frames (198.18.0.2 ->
# 198.18.0.1, udp/9) made management flows from an allowed source, so every packet takes
# the policy's path (a decision per new flow, then the cached verdict).
printf '%s\n' "management:" "  addresses: [198.18.0.1]" "  ports: [ssh, udp/9]" \
	"  allow:" "    - from: [198.18.0.2]" "      ports: [udp/9]" > "$TMP/policy.yaml"

# One round: every program in turn, each measured at 1 flow and at 50,000 (after a short
# run that creates the 50,000 flows, so the measured run counts established flows only),
# one line per program into $TMP/rates: "ROUND NAME RATE_1 RATE_50K". Alternating the
# programs round by round puts each ratio's two sides close in time, and changing their
# order (rotated, every other round reversed) spreads what one program may leave behind
# over the others; the spread over the rounds is the noise.
one_round() {	# one_round ROUND
	local name r1 r50 order=(drop counter shape compact compact16 edgewatch policy) i
	local n=${#order[@]}
	for i in $(seq 0 $((n - 1))); do
		# each round starts one program later, and every other round runs backwards:
		# a program follows different ones from round to round
		if (( $1 % 2 )); then
			name=${order[$(( (n - 1 - i + $1) % n ))]}
		else
			name=${order[$(( (i + $1) % n ))]}
		fi
		case $name in
		edgewatch) start_edgewatch || return 1 ;;
		policy) start_edgewatch "$TMP/policy.yaml" || return 1 ;;
		*) start_bench_program "$name" || return 1 ;;
		esac
		r1=$(measure 1) || return 1
		ip netns exec "$NS_TX" "$GEN" gen "$TX" "$RX_MAC" 50000 200000 > /dev/null || return 1
		r50=$(measure 50000) || return 1
		stop_rx
		echo "$1 $name $r1 $r50" >> "$TMP/rates"
	done
}

ROUNDS=${LIVE_ROUNDS:-5}
: > "$TMP/rates"
for round in $(seq 1 "$ROUNDS"); do
	one_round "$round" || { echo "live: round $round failed" >&2; exit 1; }
done
python3 - "$TMP/rates" "$COUNT" "$ROUNDS" <<'PY'
import statistics, sys
rates = {}
for line in open(sys.argv[1]):
    rnd, name, r1, r50 = line.split()
    rates.setdefault(name, {}).setdefault(1, []).append(float(r1))
    rates[name].setdefault(50000, []).append(float(r50))
count, rounds = int(sys.argv[2]), int(sys.argv[3])

def med(xs):
    return statistics.median(xs)

def rate(name, flows):
    xs = rates[name][flows]
    return "%.2f (%.2f-%.2f)" % (med(xs) / 1e6, min(xs) / 1e6, max(xs) / 1e6)

def ratio(a, b, flows):
    """a / b round by round (both measured in the same round): median (min-max)."""
    xs = [x / y for x, y in zip(rates[a][flows], rates[b][flows])]
    return med(xs), "%.2f (%.2f-%.2f)" % (med(xs), min(xs), max(xs))

print("### Live veth, %d frames of 64 bytes per run, %d rounds, programs alternating"
      " round by round\n" % (count, rounds))
print("Rates in Mpps and ratios as median (min-max) over the rounds; each ratio is taken"
      " round by round, its two sides measured in the same round. The spread is the"
      " machine's noise.\n")
print("| flows | empty XDP_DROP (Mpps) | edgewatch --passive (Mpps) | ratio | goal |")
print("|---:|---:|---:|---:|---:|")
for flows, label, goal in ((1, "1", ">= 0.60"), (50000, "50,000", ">= 0.42")):
    print("| %s | %s | %s | %s | %s |" % (label, rate("drop", flows), rate("edgewatch", flows),
                                         ratio("edgewatch", "drop", flows)[1], goal))
for flows, label in ((1, "1"), (50000, "50,000")):
    print("| %s, management policy on (-c: allowed management flow) | %s | %s | %s | "
          "policy off: %.2f |" % (label, rate("drop", flows), rate("policy", flows),
                                  ratio("policy", "drop", flows)[1],
                                  ratio("edgewatch", "drop", flows)[0]))
print("\n| flows | minimal flow counter (Mpps) | counter / empty | edgewatch --passive (Mpps) |"
      " edgewatch / counter | goal |")
print("|---:|---:|---:|---:|---:|---:|")
for flows, label in ((1, "1"), (50000, "50,000")):
    print("| %s | %s | %s | %s | %s | >= 0.85 |"
          % (label, rate("counter", flows), ratio("counter", "drop", flows)[1],
             rate("edgewatch", flows), ratio("edgewatch", "counter", flows)[1]))
print("\nThe same counting in a table of the datapath's shape (48-byte key, 224-byte record,"
      " preallocated hash: bench_ladder_table_shape), to split edgewatch's gap to the"
      " counter between the table and the rest of the datapath's work:\n")
print("| flows | counter, table shape (Mpps) | table shape / counter | edgewatch / table shape |")
print("|---:|---:|---:|---:|")
for flows, label in ((1, "1"), (50000, "50,000")):
    print("| %s | %s | %s | %s |" % (label, rate("shape", flows), ratio("shape", "counter", flows)[1],
                                    ratio("edgewatch", "shape", flows)[1]))
print("\nThe same counting in a compact table (a 64-byte hot entry per flow, the rest of a"
      " record elsewhere: bench_ladder_compact with the 48-byte key, bench_ladder_compact_key16"
      " with a 16-byte one), what the datapath's table would cost if its per-packet part"
      " were that small:\n")
print("| flows | compact, 48-byte key (Mpps) | compact / counter | compact, 16-byte key (Mpps) |"
      " compact16 / counter |")
print("|---:|---:|---:|---:|---:|")
for flows, label in ((1, "1"), (50000, "50,000")):
    print("| %s | %s | %s | %s | %s |" % (label, rate("compact", flows),
                                         ratio("compact", "counter", flows)[1],
                                         rate("compact16", flows),
                                         ratio("compact16", "counter", flows)[1]))
PY
