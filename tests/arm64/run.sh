#!/usr/bin/env bash
# The arm64 tier of tests/run.sh (README "arm64"): the cross build (make ARCH=arm64 into
# .output/arm64), its BPF objects against the native ones, and the arm64 unit tests under
# qemu-user. Prints PASS/FAIL/SKIP lines named arm64/...; SKIP (saying why) when the cross
# toolchain is not installed (make deps-arm64). The BPF table, pcap and e2e tests cannot
# run here: qemu-user does not emulate the bpf syscall.
# Usage (repository root): tests/arm64/run.sh
set -u
cd "$(dirname "$0")/../.."

OUT=${ARM64_OUTPUT:-.output/arm64}
VECTORSCAN_ARM64=${VECTORSCAN_ARM64:-/opt/edgewatch-arm64/vectorscan}
PER_PROGRAM_TIMEOUT=${PER_PROGRAM_TIMEOUT:-600}
LOG_DIR=$(mktemp -d /tmp/edgewatch-arm64.XXXXXX)
trap 'rm -rf "$LOG_DIR"' EXIT

if [ "$(uname -m)" = aarch64 ]; then
	echo "SKIP arm64: this host is arm64: the other tiers run natively on it"
	exit 0
fi
for tool in aarch64-linux-gnu-gcc qemu-aarch64-static; do
	if ! command -v "$tool" > /dev/null; then
		echo "SKIP arm64: no $tool: make deps-arm64 installs the cross toolchain and qemu-user"
		exit 0
	fi
done
if [ ! -e "$VECTORSCAN_ARM64/usr/include/hs/hs.h" ]; then
	echo "SKIP arm64: no Vectorscan for arm64 in $VECTORSCAN_ARM64: make deps-arm64 unpacks it"
	exit 0
fi

fails=0
fail() { echo "FAIL arm64/$1"; fails=$((fails + 1)); }

# The build: the release binary (what an arm64 box runs) and the unit tests (ASan+UBSan).
if make -j2 --no-print-directory ARCH=arm64 OUTPUT="$OUT" build unit-test-build \
		> "$LOG_DIR/build.log" 2>&1; then
	echo "PASS arm64/build: $OUT/edgewatch and the unit tests, cross-compiled"
else
	fail "build: make ARCH=arm64 failed: $(grep -m 3 -E 'error|Error' "$LOG_DIR/build.log" | tr '\n' ' ')"
	exit 1
fi

# The BPF objects are bytecode for the BPF machine, not for the host: compiled against the
# arm64 vmlinux.h, each program's instructions and relocations must be the native ones
# (only the BTF, which names the types CO-RE relocates against, may differ).
for obj in "$OUT"/*.bpf.o; do
	name=$(basename "$obj")
	native=.output/$name
	if [ ! -e "$native" ]; then
		echo "SKIP arm64/bpf_bytecode/$name: no native $native to compare (make build)"
		continue
	fi
	llvm-objdump -d -r "$obj" | sed 1,2d > "$LOG_DIR/arm64.dis"
	llvm-objdump -d -r "$native" | sed 1,2d > "$LOG_DIR/native.dis"
	if ! grep -q 'exit' "$LOG_DIR/arm64.dis"; then
		fail "bpf_bytecode/$name: llvm-objdump shows no program in it"
	elif cmp -s "$LOG_DIR/arm64.dis" "$LOG_DIR/native.dis"; then
		echo "PASS arm64/bpf_bytecode/$name: the native program's instructions"
	else
		fail "bpf_bytecode/$name: its instructions differ from $native's (llvm-objdump -d -r both)"
	fi
	if ! bpftool btf dump file "$obj" > /dev/null 2>&1; then
		fail "bpf_btf/$name: bpftool cannot read its BTF"
	fi
done

# qemu-user runs the arm64 programs with the :arm64 libraries of the host (multiarch,
# QEMU_LD_PREFIX=/) and Vectorscan from where deps-arm64 unpacked it. LeakSanitizer
# cannot stop the world under qemu-user (it aborts with "LeakSanitizer has encountered a
# fatal error"): leaks are left to the native unit tier, which runs the same tests.
export QEMU_LD_PREFIX=/
export LD_LIBRARY_PATH=$VECTORSCAN_ARM64/usr/lib/aarch64-linux-gnu
export ASAN_OPTIONS=detect_leaks=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_arm64() { timeout "$PER_PROGRAM_TIMEOUT" qemu-aarch64-static "$@"; }

# the binary itself: it starts, and links Vectorscan as its Hyperscan
if run_arm64 "$OUT/edgewatch" --version > "$LOG_DIR/version.log" 2>&1 &&
		grep -q '^Hyperscan: 5\.4\.9' "$LOG_DIR/version.log"; then
	echo "PASS arm64/version: $(grep '^Hyperscan' "$LOG_DIR/version.log")"
else
	fail "version: edgewatch --version under qemu: $(tail -n 2 "$LOG_DIR/version.log" | tr '\n' ' ')"
fi

# Every unit test program, two at a time (the machine's two cores; emulated, they are
# CPU-bound): its lines renamed arm64/..., a crash without a FAIL line is a FAIL. A program
# that loads the BPF programs (BPF_PROG_TEST_RUN through a skeleton) cannot run here.
run_unit() {	# run_unit NAME: NAME.log, NAME.rc and NAME.secs in LOG_DIR
	local name=$1 start=$SECONDS
	run_arm64 "$OUT/asan/tests/$name" > "$LOG_DIR/$name.log" 2>&1
	echo $? > "$LOG_DIR/$name.rc"
	echo $((SECONDS - start)) > "$LOG_DIR/$name.secs"
}
start=$SECONDS
names=()
for src in tests/unit/test_*.c; do
	name=$(basename "$src" .c)
	# a test that loads the datapath (directly, or through replay_batch_run_one)
	if grep -qE 'bpf_prog_test_run|datapath_load\(' "$src"; then
		echo "SKIP arm64/$name: loads the BPF programs, and qemu-user does not emulate the bpf syscall"
		continue
	fi
	names+=("$name")
	[ "$(jobs -rp | wc -l)" -ge 2 ] && wait -n
	run_unit "$name" &
done
wait
for name in "${names[@]}"; do
	log=$LOG_DIR/$name.log
	rc=$(cat "$LOG_DIR/$name.rc")
	sed -n 's/^\(PASS\|FAIL\|SKIP\) /\1 arm64\//p' "$log"
	if grep -q '^FAIL' "$log"; then
		fails=$((fails + 1))
	elif [ "$rc" -ne 0 ]; then
		[ "$rc" -eq 124 ] && why="timed out after ${PER_PROGRAM_TIMEOUT}s" || why="exited $rc"
		fail "$name: $why without a FAIL line; last lines: $(tail -n 3 "$log" | tr '\n' ' ')"
	fi
	echo "arm64: $name took $(cat "$LOG_DIR/$name.secs") s"
done
echo "arm64: the unit tests took $((SECONDS - start)) s under qemu-user, two at a time"
[ $fails -eq 0 ]
