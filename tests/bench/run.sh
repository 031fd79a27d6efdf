#!/usr/bin/env bash
# `make bench`: every benchmark, each against a baseline measured in the same run, written
# to BENCHMARKS.md (the machine is shared and noisy: compare the ratios).
set -u
cd "$(dirname "$0")/../.."
OUT=BENCHMARKS.md
TMP=$(mktemp)
trap 'rm -f "$TMP"' EXIT

# the benchmarks measure what their configurations name, not the shipped rules default
export EDGEWATCH_RULES_DIR=
if [ "$(id -u)" -ne 0 ]; then
	echo "bench: run as root (BPF_PROG_TEST_RUN, namespaces)" >&2
	exit 1
fi
{
	echo "## Results of \`make bench\`"
	echo
	echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores of $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)."
	echo
	.output/bench/bench_datapath
	.output/bench/bench_policy
	tests/bench/live.sh
	if [ -x .output/bench/bench_rules ]; then
		.output/bench/bench_rules
	fi
	.output/bench/bench_pipeline
	.output/bench/bench_outputs
	python3 tests/bench/replay_speed.py .output/edgewatch
	tests/bench/flood_cost.sh
	tests/bench/idle.sh
	.output/bench/bench_seal
} | tee "$TMP"
# keep the hand-written part of BENCHMARKS.md (everything before the results)
if [ -f "$OUT" ]; then
	sed '/^## Results of `make bench`/,$d' "$OUT" > "$OUT.new"
else
	echo "# Benchmarks" > "$OUT.new"
fi
cat "$TMP" >> "$OUT.new"
mv "$OUT.new" "$OUT"
echo "bench: results written to $OUT"
