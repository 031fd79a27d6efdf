#!/bin/sh
# /init of the kernel matrix's guest (scripts/test-kernels.sh builds the initramfs): busybox
# only, no python. Mounts what the tests need, loads the modules, runs the BPF table tests,
# the end-to-end test and the replay test, and prints their PASS/FAIL/SKIP lines between
# "EWGUEST BEGIN VERSION" and "EWGUEST END" on the serial console, then powers off.
export PATH=/bin
export HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
mount -t bpf bpf /sys/fs/bpf
# only the tests' lines on the console
echo 1 > /proc/sys/kernel/printk
# per-test bound, from the kernel command line (ew.timeout=SECONDS)
TEST_TIMEOUT=$(sed -n 's/.*ew\.timeout=\([0-9]*\).*/\1/p' /proc/cmdline)
export TEST_TIMEOUT=${TEST_TIMEOUT:-600}
# as tests/run.sh
export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export EDGEWATCH_RULES_DIR=

echo "EWGUEST BEGIN $(uname -r)"
for m in $(cat /modules/order); do
	err=$(insmod /modules/"$m" 2>&1) || echo "FAIL modules/$m: insmod: $err"
done
ip link set lo up

# Run one test program as tests/run.sh does: its result lines shown, and a program that
# ends badly without a FAIL line (a crash, a sanitizer report) is a FAIL of its own.
# ew.only=WORD on the kernel command line (GUEST_ONLY): only the programs whose name has it
ONLY=$(sed -n 's/.*ew\.only=\([^ ]*\).*/\1/p' /proc/cmdline)
run_program() {	# run_program NAME CMD...
	name=$1; shift
	case "$name" in *"$ONLY"*) ;; *) return ;; esac
	log=/tmp/$name.log
	start=$(date +%s)
	timeout "$TEST_TIMEOUT" "$@" > "$log" 2>&1
	rc=$?
	# where the guest's time goes (under TCG): a comment line, not a result
	echo "# $name: $(( $(date +%s) - start ))s"
	grep -E '^(PASS|FAIL|SKIP) ' "$log"
	if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$log"; then
		echo "FAIL $name: exited $rc without a FAIL line; last lines: $(tail -n 4 "$log" | tr '\n' ' ')"
	fi
}

[ -f /ew/debug.sh ] && (cd /ew && sh /ew/debug.sh 2>&1 | sed 's/^/# /')
for t in /ew/bin/test_*; do
	run_program "$(basename "$t")" "$t"
done
cd /ew
run_program guest_e2e sh /ew/guest_e2e.sh
run_program guest_replay sh /ew/guest_replay.sh
echo "EWGUEST END"
sync
poweroff -f
