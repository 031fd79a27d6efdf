#!/usr/bin/env bash
# Regenerate the vendored vmlinux.h (CO-RE type definitions) from a kernel's BTF.
# Usage: scripts/gen-vmlinux.sh OUTPUT [ARCH]
#   ARCH the host's (default): from the running kernel, /sys/kernel/btf/vmlinux.
#   another ARCH (arm64 on x86): from Debian's kernel package for it (linux-image-cloud-ARCH,
#   fetched with apt-get download; needs `make deps-arm64`, which adds the architecture).
#   Its vmlinuz is the raw kernel Image (gzip-compressed on some kernels) with the .BTF
#   section inside: scripts/extract_btf.py cuts it out and bpftool dumps it as C.
set -euo pipefail
out=${1:?usage: $0 OUTPUT [ARCH]}
host_arch=$(uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')
arch=${2:-$host_arch}
mkdir -p "$(dirname "$out")"

if [ "$arch" = "$host_arch" ]; then
	btf=/sys/kernel/btf/vmlinux
	if [ ! -r "$btf" ]; then
		echo "gen-vmlinux: $btf not readable: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF)" >&2
		exit 1
	fi
	from=$(uname -r)
else
	case $arch in
	arm64) deb_arch=arm64 ;;
	*) echo "gen-vmlinux: no kernel package known for ARCH=$arch" >&2; exit 1 ;;
	esac
	meta=linux-image-cloud-$deb_arch
	image=$(apt-cache depends "$meta:$deb_arch" 2>/dev/null |
		awk '/Depends: linux-image-/ {print $2; exit}')
	if [ -z "$image" ]; then
		echo "gen-vmlinux: apt knows no $meta:$deb_arch: run 'make deps-arm64' first" \
			"(it adds the $deb_arch architecture and updates the package lists)" >&2
		exit 1
	fi
	pkg=${image%%:*}-unsigned
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	if ! (cd "$work" && apt-get download -q "$pkg:$deb_arch") > "$work/download.log" 2>&1; then
		cat "$work/download.log" >&2
		echo "gen-vmlinux: apt-get download $pkg:$deb_arch failed" >&2
		exit 1
	fi
	dpkg-deb -x "$work"/"$pkg"_*.deb "$work/root"
	vmlinuz=$(ls "$work"/root/boot/vmlinuz-* | head -n 1)
	btf=$work/vmlinux.btf
	python3 "$(dirname "$0")/extract_btf.py" "$vmlinuz" "$btf"
	from="$(basename "$vmlinuz" | sed 's/^vmlinuz-//') (Debian package $pkg)"
fi

bpftool btf dump file "$btf" format c > "$out.tmp"
mv "$out.tmp" "$out"
echo "gen-vmlinux: wrote $out from $from"
