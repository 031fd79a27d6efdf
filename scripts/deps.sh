#!/usr/bin/env bash
# Install every Debian package edgewatch needs to build, test, benchmark and run its demo.
# A no-op (no apt call at all) when everything is already installed.
# --arm64 (make deps-arm64): the arm64 cross build and its unit tests under qemu-user
# instead (scripts/deps-arm64.sh; README "arm64").
set -euo pipefail
if [ "${1:-}" = --arm64 ]; then
	exec "$(dirname "$0")/deps-arm64.sh"
fi

# build: BPF toolchain, libbpf skeletons, userspace libraries
build_pkgs=(clang llvm make gcc pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev
	libhyperscan-dev libyaml-dev libjson-c-dev libssl-dev libpcap-dev libpcre2-dev
	uthash-dev libclang-rt-14-dev libmicrohttpd-dev librdkafka-dev
	libcap-dev	# the privilege drop: libcap and libpsx (userspace/privdrop.c)
	libsystemd-dev	# sd_notify: the service's readiness, reload and watchdog
	pandoc		# the man pages (scripts/gen-man.sh)
	libncurses-dev)	# edgewatch top
# tests, demo and benchmarks: namespaces, traffic, listeners, capture
test_pkgs=(iproute2 iputils-ping socat tcpdump python3 ethtool procps hping3 tshark nmap
	curl prometheus)	# prometheus: promtool checks the /metrics exposition
# the syslog sink's collector in tests/e2e/test_syslog.sh (imtcp, and gtls for TLS)
test_pkgs+=(rsyslog rsyslog-gnutls openssl)
# the IPFIX sink's collectors in tests/e2e/test_ipfix.sh (nfcapd/nfdump, ipfixDump)
test_pkgs+=(nfdump libfixbuf-tools)
# make deb and its test: the Debian tools, lintian
test_pkgs+=(debhelper dpkg-dev lintian)
# edgewatch top under tmux (tests/e2e/test_top.sh); the man pages rendered (test_install.sh);
# systemd-analyze verify/security of the unit
test_pkgs+=(tmux man-db systemd)
# tests/pcap/test_eve_seal.py forges seals with a stolen key (Ed25519) as an intruder would
test_pkgs+=(python3-cryptography)
# the replay benchmark's yardstick (tests/bench/replay_speed.sh): softflowd -r on the same capture
test_pkgs+=(softflowd)
# the kernel matrix (scripts/test-kernels.sh): guests under qemu, busybox as their userland,
# cpio for their initramfs, xz for compressed kernel modules
test_pkgs+=(qemu-system-x86 busybox-static cpio xz-utils)

missing=()
for p in "${build_pkgs[@]}" "${test_pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages: ${missing[*]}" >&2
	echo "deps: run 'sudo make deps' (or as root) to install them" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
