#!/usr/bin/env python3
"""Cut the kernel's BTF out of a kernel image (scripts/gen-vmlinux.sh, foreign ARCH).

Usage: extract_btf.py VMLINUZ OUT.btf

A Debian arm64 vmlinuz is the raw Image, not an ELF file, so bpftool cannot read its .BTF
section by name; the section is there byte for byte, though. It starts with the BTF header
(magic 0xeB9F, version 1, a 24-byte header whose type section starts at 0 and whose string
section follows it, the strings beginning with a NUL); the largest such blob is the kernel's.
"""
import gzip
import struct
import sys

MAGIC = b'\x9f\xeb\x01\x00'     # 0xeB9F little-endian, version 1, flags 0
HEADER_LEN = 24


def find_btf(image):
    best = None
    pos = image.find(MAGIC)
    while pos >= 0:
        if pos + HEADER_LEN <= len(image):
            hdr_len, type_off, type_len, str_off, str_len = struct.unpack_from(
                '<5I', image, pos + 4)
            end = pos + hdr_len + str_off + str_len
            if (hdr_len == HEADER_LEN and type_off == 0 and str_off == type_len
                    and end <= len(image) and image[pos + hdr_len + str_off] == 0
                    and (best is None or end - pos > best[1] - best[0])):
                best = (pos, end)
        pos = image.find(MAGIC, pos + 1)
    return best


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: extract_btf.py VMLINUZ OUT.btf')
    with open(sys.argv[1], 'rb') as f:
        image = f.read()
    if image[:2] == b'\x1f\x8b':
        image = gzip.decompress(image)
    found = find_btf(image)
    if found is None:
        sys.exit(f'extract_btf: {sys.argv[1]}: no BTF found in the image '
                 '(a kernel built without CONFIG_DEBUG_INFO_BTF?)')
    with open(sys.argv[2], 'wb') as f:
        f.write(image[found[0]:found[1]])
    print(f'extract_btf: {found[1] - found[0]} bytes of BTF at offset {found[0]:#x}',
          file=sys.stderr)


if __name__ == '__main__':
    main()
