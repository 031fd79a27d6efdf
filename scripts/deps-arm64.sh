#!/usr/bin/env bash
# The arm64 cross build's packages (`make deps-arm64`, `scripts/deps.sh --arm64`):
# Debian's cross gcc, the :arm64 multiarch libraries the link line names, qemu-user for
# the unit tests, and Vectorscan for arm64 unpacked beside the system (see below).
# Idempotent: no apt call at all when everything is there. Never removes a native package.
set -euo pipefail

VECTORSCAN_ARM64=${VECTORSCAN_ARM64:-/opt/edgewatch-arm64/vectorscan}
# one :arm64 -dev package per library of the Makefile's PKG_LIBS (libhs aside); every one
# of them is Multi-Arch: same, so it installs beside its amd64 twin
cross_pkgs=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static
	libbpf-dev:arm64 libelf-dev:arm64 zlib1g-dev:arm64 libyaml-dev:arm64 libjson-c-dev:arm64
	libssl-dev:arm64 libpcap-dev:arm64 libpcre2-dev:arm64 libmicrohttpd-dev:arm64
	librdkafka-dev:arm64 libncurses-dev:arm64 libsystemd-dev:arm64 libcap-dev:arm64
	libstdc++6:arm64	# libhs.so.5 (Vectorscan) is C++
	# the sanitizers of the arm64 unit tests, beside the same libc as every other :arm64
	# library (the cross packages' copies in /usr/aarch64-linux-gnu/lib come with a libc
	# of another build, and loading both hangs the first pthread_create)
	libasan8:arm64 libubsan1:arm64)

if [ "$(uname -m)" = aarch64 ]; then	# an arm64 host builds natively: make deps is its list
	exit 0
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for p in "${cross_pkgs[@]}"; do
	installed "$p" || missing+=("$p")
done
have_vectorscan=0
[ -e "$VECTORSCAN_ARM64/usr/include/hs/hs.h" ] &&
	[ -e "$VECTORSCAN_ARM64/usr/lib/aarch64-linux-gnu/libhs.so.5" ] && have_vectorscan=1

if [ ${#missing[@]} -eq 0 ] && [ $have_vectorscan = 1 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps-arm64: missing: ${missing[*]}$([ $have_vectorscan = 1 ] || echo " Vectorscan in $VECTORSCAN_ARM64")" >&2
	echo "deps-arm64: run 'sudo make deps-arm64' (or as root) to install them" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	echo "deps-arm64: dpkg --add-architecture arm64"
	dpkg --add-architecture arm64
fi
apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps-arm64: installing ${missing[*]}"
	# the simulation first: a package that would remove a native one (as libvectorscan5
	# would remove libhyperscan5) stops here instead of breaking the x86 build
	if apt-get -s install --no-install-recommends "${missing[@]}" | grep '^Remv'; then
		echo "deps-arm64: installing these would remove the packages above: not done" >&2
		exit 1
	fi
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Debian 12 builds Hyperscan for amd64 only. Vectorscan, its portable fork (the same hs.h
# API), is built for arm64, but both libvectorscan5 and libvectorscan-dev Conflict with
# libhyperscan5/-dev of any architecture, and the native build needs those. So its two
# packages are unpacked (dpkg-deb -x, not installed) into VECTORSCAN_ARM64: the Makefile
# compiles and links against them there, the qemu-user tests load libhs.so.5 from there
# (LD_LIBRARY_PATH), and an arm64 box installs libvectorscan5 for real.
if [ $have_vectorscan = 0 ]; then
	echo "deps-arm64: unpacking Vectorscan for arm64 into $VECTORSCAN_ARM64"
	dl=$(mktemp -d)
	trap 'rm -rf "$dl"' EXIT
	if ! (cd "$dl" && apt-get download -q libvectorscan5:arm64 libvectorscan-dev:arm64) \
			> "$dl/download.log" 2>&1; then
		cat "$dl/download.log" >&2
		echo "deps-arm64: apt-get download of Vectorscan for arm64 failed" >&2
		exit 1
	fi
	rm -rf "$VECTORSCAN_ARM64.tmp"
	mkdir -p "$VECTORSCAN_ARM64.tmp"
	for deb in "$dl"/*.deb; do
		dpkg-deb -x "$deb" "$VECTORSCAN_ARM64.tmp"
	done
	rm -rf "$VECTORSCAN_ARM64"
	mv "$VECTORSCAN_ARM64.tmp" "$VECTORSCAN_ARM64"
fi
