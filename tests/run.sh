#!/usr/bin/env bash
# The whole suite: C unit tests, BPF table tests, fuzz targets (short), pcap tests,
# end-to-end tests, the arm64 build with its unit tests under qemu-user, and the nearest
# kernel of the kernel matrix under qemu.
# Run from the repository root as root (`make test` builds everything first).
# Every tier prints "PASS name", "FAIL name: why" or "SKIP name: why" lines; this script
# counts them and ends with one line: "N passed, N failed, N skipped".
# V=1 shows every PASS line too; by default only FAIL/SKIP lines and tier headers.
set -u
cd "$(dirname "$0")/.."

ASAN=.output/asan
BIN=$ASAN/edgewatch
LOG_DIR=$(mktemp -d /tmp/edgewatch-test.XXXXXX)
RESULTS=$LOG_DIR/results
: > "$RESULTS"
PER_TEST_TIMEOUT=${PER_TEST_TIMEOUT:-600}

# ASan/UBSan: fail on the first error, report leaks, keep stack traces readable.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export EDGEWATCH_BIN=$BIN
# Without rules.files, edgewatch loads the shipped rules (payload/shipped_rules.h). The
# tests judge each capture by the rules their configuration names, so the suite turns the
# shipped default off here; tests/pcap/test_rules_out_of_box.py unsets it to test it.
export EDGEWATCH_RULES_DIR=

record() {	# a result line from a tier: keep it, show it unless it is a PASS
	echo "$1" >> "$RESULTS"
	case "$1" in
	PASS*) [ "${V:-0}" = 1 ] && echo "  $1" ;;
	*) echo "  $1" ;;
	esac
}

# Run one test program; any line that is not a result goes to its log. A program that
# ends badly without saying FAIL (a crash, a sanitizer report) is a FAIL of its own.
run_program() {
	local name=$1; shift
	local log=$LOG_DIR/$name.log fails_before rc
	fails_before=$(grep -c '^FAIL' "$RESULTS")
	timeout "$PER_TEST_TIMEOUT" "$@" > "$log" 2>&1
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		PASS\ *|FAIL\ *|SKIP\ *) record "$line" ;;
		esac
	done < "$log"
	if [ $rc -ne 0 ] && [ "$(grep -c '^FAIL' "$RESULTS")" -eq "$fails_before" ]; then
		[ $rc -eq 124 ] && why="timed out after ${PER_TEST_TIMEOUT}s" || why="exited $rc"
		record "FAIL $name: $why without a FAIL line (crash or sanitizer report?); last lines: $(tail -n 3 "$log" | tr '\n' ' ')"
	fi
}

echo "== unit and BPF table tests"
if [ "$(id -u)" -ne 0 ]; then
	record "SKIP bpf: not root; the BPF table, pcap and end-to-end tests need root"
fi
for t in $ASAN/tests/test_*; do
	[ -x "$t" ] || continue
	run_program "$(basename "$t")" "$t"
done

# Each libFuzzer target for FUZZ_SECONDS (20 by default) from its seeds: what a long run
# finds is caught early when it is cheap to find (tests/fuzz/run.sh; README for long runs).
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
echo "== fuzz targets (libFuzzer, ${FUZZ_SECONDS}s each)"
run_program fuzz tests/fuzz/run.sh "$FUZZ_SECONDS"

echo "== pcap tests (replay vs tshark ground truth)"
for t in tests/pcap/test_*.py tests/pcap/test_*.sh; do
	# every test file runs, executable bit or not (seven .py files without it were
	# skipped silently); only an unmatched glob is passed over
	[ -e "$t" ] || continue
	if [ "$(id -u)" -ne 0 ]; then
		record "SKIP pcap/$(basename "$t"): replay runs BPF programs, which needs root"
		continue
	fi
	case "$t" in
	# the two that replay every capture under ASan (the goldens; batched against frame by
	# frame, twice per capture): 600 s was not enough on a loaded 2-core machine
	*/test_eve_golden.py|*/test_replay_batch.py)
		PER_TEST_TIMEOUT=$((PER_TEST_TIMEOUT * 3)) run_program "$(basename "$t" .py)" \
			python3 "$t" "$BIN" ;;
	*.py) run_program "$(basename "$t" .py)" python3 "$t" "$BIN" ;;
	*) run_program "$(basename "$t" .sh)" bash "$t" ;;
	esac
done

echo "== end-to-end tests (veth namespaces)"
for t in tests/e2e/test_*.sh; do
	[ -e "$t" ] || continue
	if [ "$(id -u)" -ne 0 ]; then
		record "SKIP e2e/$(basename "$t" .sh): needs root for network namespaces"
		continue
	fi
	run_program "$(basename "$t" .sh)" bash "$t"
done

# The arm64 build (make ARCH=arm64 into .output/arm64) and its unit tests under qemu-user
# (tests/arm64/run.sh; README "arm64"): SKIP saying why without the cross toolchain
# (make deps-arm64, which make test runs). TEST_ARM64=0 leaves the tier out.
echo "== arm64 (cross build, unit tests under qemu-user)"
if [ "${TEST_ARM64:-1}" != 0 ]; then
	# the build and about 45 programs under emulation: more than the per-program 600 s
	PER_TEST_TIMEOUT=3600 run_program arm64 tests/arm64/run.sh
fi

# The nearest kernel of the matrix (Debian 12's 6.1) under qemu: the BPF table tests, an
# end-to-end test and a replay in the guest, each result "kernel/FLAVOUR/..."; the whole
# matrix is `make test-kernels` (README: "Kernels"). No qemu or no kernel package (no
# network) is a SKIP saying why. TEST_KERNELS="" leaves the tier out.
echo "== kernel matrix (qemu, TCG): ${TEST_KERNELS-debian-cloud}"
if [ -n "${TEST_KERNELS-debian-cloud}" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		record "SKIP kernels: needs root (apt-get download's cache, the guest's tests)"
	else
		PER_TEST_TIMEOUT=3600 run_program kernels scripts/test-kernels.sh --tier \
			${TEST_KERNELS-debian-cloud}
	fi
fi

passed=$(grep -c '^PASS' "$RESULTS")
failed=$(grep -c '^FAIL' "$RESULTS")
skipped=$(grep -c '^SKIP' "$RESULTS")
echo "logs: $LOG_DIR"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
