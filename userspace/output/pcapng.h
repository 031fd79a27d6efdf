/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small pcapng writer (the packet evidence, pcap_evidence.c): one Section Header Block,
 * one Interface Description Block (Ethernet, nanosecond timestamps), then Enhanced Packet
 * Blocks each with an opt_comment. Written here because libpcap's pcap_dump writes only
 * classic pcap (no comments), and libwiretap (Wireshark's writer) is GPL and has no stable
 * API; the format is small (draft-ietf-opsawg-pcapng), and tshark and libpcap read it back
 * (tests/unit/test_pcapng.c parses what this writes; tests/pcap/test_pcap_evidence.py
 * reads it with tshark and replays it).
 *
 * Blocks are built in memory and written with one fwrite each, so a block that fails
 * (disk full) is the caller's to count; nothing half-written is reported as a packet.
 */
#ifndef EDGEWATCH_OUTPUT_PCAPNG_H
#define EDGEWATCH_OUTPUT_PCAPNG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define PCAPNG_BT_SHB 0x0A0D0D0Au
#define PCAPNG_BT_IDB 0x00000001u
#define PCAPNG_BT_EPB 0x00000006u
#define PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define PCAPNG_LINKTYPE_ETHERNET 1
#define PCAPNG_OPT_ENDOFOPT 0
#define PCAPNG_OPT_COMMENT 1
#define PCAPNG_OPT_SHB_USERAPPL 4
#define PCAPNG_OPT_IF_TSRESOL 9
/* the longest comment written (longer ones are cut: the signature is the tail) */
#define PCAPNG_COMMENT_MAX 512
/* the largest frame written whole (EW_SAMPLE_HEADROOM + EW_SNAPLEN_MAX fits) */
#define PCAPNG_FRAME_MAX 65535

/* Bytes of pcapng_write_header()'s blocks (the application "edgewatch"). */
#define PCAPNG_HEADER_SIZE (48 + 32)	/* SHB with its option, IDB with if_tsresol */
/* Bytes of the block pcapng_write_packet() writes for cap_len bytes and comment. */
uint64_t pcapng_packet_size(uint32_t cap_len, const char *comment);

/* The section and interface header that starts every file; bytes written, or -errno. */
ssize_t pcapng_write_header(FILE *f, const char *application);
/*
 * One packet (an EPB): ts_ns since the epoch, cap_len bytes of data, orig_len its length on
 * the wire, comment (NULL: none). Bytes written, or -errno (-EINVAL: cap_len > orig_len or
 * > PCAPNG_FRAME_MAX).
 */
ssize_t pcapng_write_packet(FILE *f, uint64_t ts_ns, const uint8_t *data, uint32_t cap_len,
			    uint32_t orig_len, const char *comment);

#endif /* EDGEWATCH_OUTPUT_PCAPNG_H */
