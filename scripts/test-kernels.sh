#!/usr/bin/env bash
# The kernel matrix (issue 15): boot each kernel under qemu and run, inside the guest, the
# BPF table tests (tests/bpf/test_*), one end-to-end test on veth namespaces made inside the
# guest and a replay of a capture with its alert (tests/kernels/guest_*.sh). One line per
# kernel: "kernel VERSION: N passed, N failed"; exit status non-zero if any test failed or a
# guest did not boot or finish.
#
#   scripts/test-kernels.sh [--tier] [KERNEL...]
#
# KERNEL: debian-cloud (Debian 12's 6.1 cloud flavour), debian-generic (its generic
# flavour), debian-6.12 (the newest 6.12 cloud kernel Debian 12 also carries), host (this
# machine's /boot/vmlinuz-$(uname -r), if readable). Default: all four (KERNELS
# overrides). --tier: as a tier of tests/run.sh: every result line is
# prefixed "kernel/FLAVOUR/", and a guest that cannot be had (no qemu, no kernel package:
# no network) is a SKIP that says why, with exit 0; outside --tier it is a failure.
#
# Kernel packages are fetched with `apt-get download` into .output/kernels/cache and
# extracted with dpkg-deb; nothing downloaded or built here is committed. The guest runs
# under TCG (nested KVM is not usable on CI's machines): GUEST_TIMEOUT (s) bounds each.
# Needs the test build first (make test-build) and root only for apt-get download's cache.
# GUEST_ONLY=WORD runs only the guest's programs whose name has WORD (e.g. e2e), to iterate.
# What an older kernel's verifier says of each program, in about a minute (the rows are
# the "# " lines of .output/kernels/debian-cloud/console.log.txt):
#   GUEST_EXTRA_BIN=.output/bench/verifier_stats GUEST_ONLY=none GUEST_DEBUG_CMD=/ew/extra \
#   scripts/test-kernels.sh --tier debian-cloud
set -u
cd "$(dirname "$0")/.."

TIER=0
if [ "${1:-}" = --tier ]; then
	TIER=1
	shift
fi
KERNELS=${KERNELS:-debian-cloud debian-generic debian-6.12 host}
[ $# -gt 0 ] && KERNELS="$*"
WORK=.output/kernels
CACHE=$WORK/cache
ASAN=.output/asan
GUEST_TIMEOUT=${GUEST_TIMEOUT:-1500}
GUEST_MEM=${GUEST_MEM:-3072}
# modules the guest loads, in this order (dependencies are resolved from each .ko's
# "depends=" and loaded first): veth for the lab, sch_ingress for the clsact qdisc of the
# tc fallback (kernels without TCX), cls_bpf for the filter on it
GUEST_MODULES="veth sch_ingress cls_bpf"
# what the in-guest tests need besides busybox: iproute2 for namespaces and veth (busybox
# ip has neither), socat for connections from a chosen source address, tcpdump for the wire
GUEST_TOOLS="ip socat tcpdump"

mkdir -p "$WORK"
overall=0
report=()

say() { echo "$*"; }
# A kernel that cannot be had: a SKIP in the tier, a failure of the matrix otherwise.
unavailable() {	# unavailable FLAVOUR WHY
	echo "SKIP kernel/$1: $2"
	report+=("kernel $1: not run ($2)")
	[ $TIER = 1 ] || overall=1
}

# The kernel image package a flavour stands for: what the meta package depends on
# (linux-image-cloud-amd64 -> linux-image-6.1.0-N-cloud-amd64), or for debian-6.12 the
# newest 6.12 cloud image Debian 12 carries beside its 6.1 (no meta package of its own).
# Prints the package name without -unsigned, or nothing when the lists do not know it.
kernel_image_of() {	# kernel_image_of FLAVOUR
	case "$1" in
	debian-cloud) apt-cache depends linux-image-cloud-amd64 2>/dev/null |
			awk '/Depends: linux-image-/ {print $2; exit}' ;;
	debian-generic) apt-cache depends linux-image-amd64 2>/dev/null |
			awk '/Depends: linux-image-/ {print $2; exit}' ;;
	debian-6.12) apt-cache search --names-only \
			'^linux-image-6\.12\.[0-9.]+\+deb12-cloud-amd64-unsigned$' 2>/dev/null |
			awk '{print $1}' | sort -V | tail -n 1 | sed 's/-unsigned$//' ;;
	esac
}

# What an earlier download of a flavour is called in the cache (offline runs).
cached_glob_of() {	# cached_glob_of FLAVOUR
	case "$1" in
	debian-cloud) echo "linux-image-6.1.*-cloud-amd64-unsigned_*.deb" ;;
	debian-generic) echo "linux-image-6.1.*-amd64-unsigned_*.deb" ;;
	debian-6.12) echo "linux-image-6.12.*-cloud-amd64-unsigned_*.deb" ;;
	esac
}

# Fetch and extract the Debian kernel package of FLAVOUR. Prints the extracted root; on
# failure prints why on stderr and returns 1.
debian_kernel() {	# debian_kernel FLAVOUR
	local flavour=$1 image pkg deb root
	image=$(kernel_image_of "$flavour")
	if [ -z "$image" ] && [ "$(id -u)" -eq 0 ]; then
		# a fresh machine whose package lists were never fetched (make deps had nothing
		# to install, so it did not update them)
		apt-get update -qq >/dev/null 2>&1
		image=$(kernel_image_of "$flavour")
	fi
	mkdir -p "$CACHE"
	if [ -n "$image" ]; then
		pkg=$image-unsigned
		deb=$(ls "$CACHE"/"$pkg"_*.deb 2>/dev/null | tail -n 1)
		if [ -z "$deb" ]; then
			(cd "$CACHE" && apt-get download -q "$pkg" >/dev/null 2>"$pkg.err") ||
				{ echo "apt-get download $pkg failed: $(tail -n 1 "$CACHE/$pkg.err")" >&2
				  return 1; }
			deb=$(ls "$CACHE"/"$pkg"_*.deb 2>/dev/null | tail -n 1)
		fi
	else
		# no package lists (apt-get update not run, offline): an earlier download will do
		deb=$(ls "$CACHE"/$(cached_glob_of "$flavour") 2>/dev/null | sort -V | tail -n 1)
		[ -n "$deb" ] || { echo "the package lists know no kernel for $flavour (apt-get update?) and none is cached" >&2
				   return 1; }
	fi
	root=$CACHE/$(basename "$deb" .deb)
	if [ ! -d "$root/boot" ]; then
		rm -rf "$root.tmp" && dpkg-deb -x "$deb" "$root.tmp" && mv "$root.tmp" "$root" ||
			{ echo "dpkg-deb -x $deb failed" >&2; return 1; }
	fi
	echo "$root"
}

# Copy a program and every shared library it needs (ldd) into the guest's root.
copy_with_libs() {	# copy_with_libs ROOT PROGRAM [DEST]
	local root=$1 prog=$2 dest=${3:-$2} lib
	mkdir -p "$root/$(dirname "$dest")"
	cp -L "$prog" "$root/$dest"
	for lib in $(ldd "$prog" | awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}'); do
		[ -e "$root/$lib" ] && continue
		mkdir -p "$root/$(dirname "$lib")"
		cp -L "$lib" "$root/$lib"
	done
}

# The modules the guest loads, dependencies first: one path under ROOT a line.
module_order() {	# module_order MODDIR NAME...
	local moddir=$1 name ko dep; shift
	for name in "$@"; do
		ko=$(find "$moddir" -name "$name.ko" -o -name "$name.ko.xz" | head -n 1)
		# built in (or absent: the guest's own tests then say what is missing)
		[ -n "$ko" ] || continue
		case "$ko" in *.xz) dep=$(xz -dc "$ko" | tr '\0' '\n') ;; *) dep=$(tr '\0' '\n' < "$ko") ;; esac
		dep=$(echo "$dep" | sed -n 's/^depends=//p' | head -n 1 | tr ',' ' ')
		[ -n "$dep" ] && module_order "$moddir" $dep
		echo "$ko"
	done | awk '!seen[$0]++'
}

# Build the guest's initramfs (an uncompressed cpio: unpacking gzip under TCG costs more
# than the bigger image) for the kernel whose modules are in MODDIR.
build_initramfs() {	# build_initramfs OUT MODDIR
	local out=$1 moddir=$2 root=$1.root ko prog t
	rm -rf "$root" && mkdir -p "$root"/{bin,proc,sys,dev,tmp,run,ew/bin,modules,etc}
	cp /bin/busybox "$root/bin/busybox"
	for t in $(/bin/busybox --list); do
		[ "$t" = busybox ] || ln -sf busybox "$root/bin/$t"
	done
	# in /usr/bin: Debian's busybox runs its own applet for a bare "ip" whatever PATH says
	# (a standalone shell), so the guest's scripts call these by their full path
	for prog in $GUEST_TOOLS; do
		copy_with_libs "$root" "$(command -v "$prog")" "/usr/bin/$prog"
	done
	copy_with_libs "$root" "$ASAN/edgewatch" /ew/edgewatch
	# GUEST_EXTRA_BIN: one more program (and its libraries) as /ew/extra, for GUEST_DEBUG_CMD
	# (e.g. tests/bench/verifier_stats: what the guest kernel's verifier says of each program)
	[ -n "${GUEST_EXTRA_BIN:-}" ] && copy_with_libs "$root" "$GUEST_EXTRA_BIN" /ew/extra
	for t in tests/bpf/test_*.c; do
		t=$(basename "$t" .c)
		copy_with_libs "$root" "$ASAN/tests/$t" "/ew/bin/$t"
	done
	: > "$root/modules/order"
	for ko in $(module_order "$moddir" $GUEST_MODULES); do
		case "$ko" in
		*.xz) xz -dc "$ko" > "$root/modules/$(basename "$ko" .xz)" ;;
		*) cp "$ko" "$root/modules/" ;;
		esac
		basename "${ko%.xz}" >> "$root/modules/order"
	done
	cp /etc/services /etc/protocols "$root/etc/" 2>/dev/null
	echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
	# the repository's layout under /ew: the configuration names ../../rules
	cp -r rules "$root/ew/rules"
	mkdir -p "$root/ew/tests/config" "$root/ew/tests/pcaps"
	cp tests/config/alerts.yaml "$root/ew/tests/config/"
	cp tests/pcaps/exploit_log4shell-useragent.pcap "$root/ew/tests/pcaps/"
	cp tests/kernels/guest_*.sh "$root/ew/"
	# GUEST_DEBUG_CMD: a command the guest runs first, its output on the console (e.g.
	# GUEST_DEBUG_CMD='/ew/edgewatch replay -v ...' to read the verifier's log)
	if [ -n "${GUEST_DEBUG_CMD:-}" ]; then
		echo "$GUEST_DEBUG_CMD" > "$root/ew/debug.sh"
	fi
	cp tests/kernels/guest_init.sh "$root/init"
	chmod +x "$root/init" "$root"/ew/*.sh
	(cd "$root" && find . | cpio -o -H newc --quiet) > "$out" || return 1
	rm -rf "$root"
}

# Boot one kernel, run the guest's tests, print their result lines and the summary.
run_kernel() {	# run_kernel FLAVOUR VMLINUZ MODDIR
	local flavour=$1 vmlinuz=$2 moddir=$3 dir=$WORK/$1 log start secs version
	local passed failed line prefix=""
	[ $TIER = 1 ] && prefix="kernel/$flavour/"
	mkdir -p "$dir"
	if ! build_initramfs "$dir/initramfs.cpio" "$moddir"; then
		echo "FAIL ${prefix}initramfs: could not build the guest's initramfs"
		report+=("kernel $flavour: did not boot (initramfs)"); overall=1
		return
	fi
	log=$dir/console.log
	start=$(date +%s)
	# -cpu max: Hyperscan needs SSSE3 at least, which the default qemu64 lacks.
	# panic=-1 with -no-reboot: a kernel panic ends qemu at once instead of at the timeout.
	timeout "$GUEST_TIMEOUT" qemu-system-x86_64 -machine q35 -cpu max -smp 2 -m "$GUEST_MEM" \
		-nodefaults -display none -serial stdio -no-reboot \
		-kernel "$vmlinuz" -initrd "$dir/initramfs.cpio" \
		-append "console=ttyS0 panic=-1 quiet loglevel=3 ew.timeout=${GUEST_TEST_TIMEOUT:-600} ew.only=${GUEST_ONLY:-}" \
		< /dev/null > "$log" 2>&1
	secs=$(( $(date +%s) - start ))
	tr -d '\r' < "$log" > "$log.txt"
	version=$(sed -n 's/^EWGUEST BEGIN //p' "$log.txt" | head -n 1)
	[ -n "$version" ] || version="$flavour"
	while IFS= read -r line; do
		case "$line" in
		PASS\ *|FAIL\ *|SKIP\ *) echo "${line%% *} $prefix${line#* }" ;;
		esac
	done < <(sed -n '/^EWGUEST BEGIN/,/^EWGUEST END/p' "$log.txt")
	passed=$(sed -n '/^EWGUEST BEGIN/,/^EWGUEST END/p' "$log.txt" | grep -c '^PASS ')
	failed=$(sed -n '/^EWGUEST BEGIN/,/^EWGUEST END/p' "$log.txt" | grep -c '^FAIL ')
	if ! grep -q '^EWGUEST END' "$log.txt"; then
		failed=$((failed + 1))
		grep -q '^EWGUEST BEGIN' "$log.txt" && why="did not finish" || why="did not boot"
		echo "FAIL ${prefix}guest: $why within ${GUEST_TIMEOUT}s (console: $log); last lines: $(tail -n 5 "$log.txt" | tr '\n' ' ')"
	fi
	[ "$failed" -eq 0 ] || overall=1
	report+=("kernel $version: $passed passed, $failed failed (${secs}s under TCG)")
}

if ! command -v qemu-system-x86_64 >/dev/null; then
	for k in $KERNELS; do unavailable "$k" "no qemu-system-x86_64 (make deps installs qemu-system-x86)"; done
elif [ ! -x /bin/busybox ] || ! ldd /bin/busybox 2>&1 | grep -q "not a dynamic"; then
	for k in $KERNELS; do unavailable "$k" "no static /bin/busybox (make deps installs busybox-static)"; done
elif [ ! -x "$ASAN/edgewatch" ]; then
	for k in $KERNELS; do unavailable "$k" "no $ASAN/edgewatch: run make test-build first"; done
else
	for k in $KERNELS; do
		case "$k" in
		debian-cloud|debian-generic|debian-6.12)
			if ! root=$(debian_kernel "$k" 2>"$WORK/$k.err"); then
				unavailable "$k" "$(cat "$WORK/$k.err")"
				continue
			fi
			vmlinuz=$(ls "$root"/boot/vmlinuz-* | head -n 1)
			run_kernel "$k" "$vmlinuz" "$root/lib/modules"
			;;
		host)
			vmlinuz=/boot/vmlinuz-$(uname -r)
			if [ ! -r "$vmlinuz" ]; then
				# not a failure even outside the tier: this machine ships none
				echo "SKIP kernel/host: $vmlinuz is not there or not readable"
				report+=("kernel $(uname -r): not run ($vmlinuz is not there)")
				continue
			fi
			run_kernel host "$vmlinuz" "/lib/modules/$(uname -r)"
			;;
		*)
			echo "FAIL kernel/$k: unknown kernel (debian-cloud, debian-generic, debian-6.12 or host)"
			overall=1
			;;
		esac
	done
fi
# the summary, also kept for the README's table of the last run (.output/kernels/last-run.txt)
printf '%s\n' "${report[@]}" | tee "$WORK/last-run.txt"
# outside make test, the README's table follows (its rows for the kernels that ran)
if [ $TIER = 0 ] && ! python3 scripts/kernel_table.py --readme README.md "$WORK/last-run.txt"; then
	echo "README.md's kernel table not updated (see above)"
	overall=1
fi
exit $overall
