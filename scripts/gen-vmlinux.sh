#!/usr/bin/env bash
# Regenerate the vendored vmlinux.h (CO-RE type definitions) from the running kernel's BTF.
# Usage: scripts/gen-vmlinux.sh vmlinux/x86/vmlinux.h
set -euo pipefail
out=${1:?usage: $0 OUTPUT}
btf=/sys/kernel/btf/vmlinux
if [ ! -r "$btf" ]; then
	echo "gen-vmlinux: $btf not readable: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF)" >&2
	exit 1
fi
mkdir -p "$(dirname "$out")"
bpftool btf dump file "$btf" format c > "$out.tmp"
mv "$out.tmp" "$out"
echo "gen-vmlinux: wrote $out from $(uname -r)"
