#!/usr/bin/env bash
# The idle daemon's CPU (issue 11: "idle daemon <= 0.5% of a core"): edgewatch runs on the
# gateway of a veth lab (tests/e2e/lib.sh: namespaces of its own, 198.18.0.0/15, no route
# out) that carries no traffic; after a 2 s settle its CPU seconds (utime + stime from
# /proc/PID/stat) are read over IDLE_S seconds, ROUNDS times. The goal is an absolute
# figure, 0.005 CPU-s/s, so the yardstick is the goal itself; with EDGEWATCH_BASE_BIN set
# the same rounds run for that build too, alternately, so before/after share the machine's
# load. Prints a Markdown table: the median and the spread (min-max) of the rounds.
set -u
cd "$(dirname "$0")/../.."
E2E_PREFIX=bench/idle
EDGEWATCH_BIN=${EDGEWATCH_BIN:-.output/edgewatch}
. tests/e2e/lib.sh
IDLE_S=${IDLE_S:-10}
ROUNDS=${ROUNDS:-3}
GW=ewigw$E2E_ID EXT=ewiext$E2E_ID UP=ewiu$E2E_ID PEER=ewip$E2E_ID
CLK=$(getconf CLK_TCK)

e2e_lab "$GW" "$UP" "$EXT" "$PEER" || { echo "idle: cannot make the lab"; exit 1; }

# idle_round BIN: prints the CPU-s/s of one round
idle_round() {
	local bin=$1 pid t0 t1 c0 c1
	EDGEWATCH_BIN=$bin
	e2e_edgewatch_start "$GW" "$UP" "$E2E_TMP/eve.json" || { echo "idle: edgewatch did not start" >&2; return 1; }
	pid=$E2E_EW_PID
	sleep 2
	t0=$(date +%s.%N) c0=$(awk '{print $14 + $15}' /proc/"$pid"/stat)
	sleep "$IDLE_S"
	t1=$(date +%s.%N) c1=$(awk '{print $14 + $15}' /proc/"$pid"/stat)
	e2e_edgewatch_stop "$pid"
	awk -v c="$((c1 - c0))" -v clk="$CLK" -v t0="$t0" -v t1="$t1" \
		'BEGIN { printf "%.4f\n", c / clk / (t1 - t0) }'
}

builds=("$EDGEWATCH_BIN")
[ -n "${EDGEWATCH_BASE_BIN:-}" ] && builds+=("$EDGEWATCH_BASE_BIN")
declare -A res
for r in $(seq 1 "$ROUNDS"); do
	for b in "${builds[@]}"; do
		v=$(idle_round "$b") || exit 1
		res[$b]="${res[$b]:-} $v"
	done
done
echo "### The idle daemon's CPU (\`tests/bench/idle.sh\`, $ROUNDS rounds of ${IDLE_S} s, goal <= 0.005)"
echo
echo "| build | CPU-s/s, median | min-max | rounds |"
echo "|---|---:|---:|---|"
for b in "${builds[@]}"; do
	# shellcheck disable=SC2086
	printf '%s\n' ${res[$b]} | sort -g | awk -v b="$b" '{ v[NR] = $1 } END {
		printf "| %s | %.4f | %.4f-%.4f |", b, v[int((NR + 1) / 2)], v[1], v[NR]
		for (i = 1; i <= NR; i++) printf " %.4f", v[i]; print " |" }'
done
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo
echo "Load average at the end: $load (2 cores shared; CLK_TCK $CLK, so one round resolves $(awk -v c="$CLK" -v s="$IDLE_S" 'BEGIN { printf "%.4f", 1 / c / s }') CPU-s/s)."
