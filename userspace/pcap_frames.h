/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Frames from pcap/pcapng files (libpcap) as Ethernet frames for the XDP program:
 * Linux cooked captures (SLL, SLL2), raw IP and BSD loopback get a synthesised
 * Ethernet header carrying the protocol they name.
 */
#ifndef EDGEWATCH_PCAP_FRAMES_H
#define EDGEWATCH_PCAP_FRAMES_H

#include <stddef.h>
#include <stdint.h>

/* libpcap's handle; <pcap/pcap.h> stays out of this header because its struct
 * bpf_insn clashes with the kernel's <linux/bpf.h>, which the callers include. */
struct pcap;

/* The XDP test run takes at most about a page; headers are always in the first bytes. */
#define PCAP_FRAME_MAX 3072

struct pcap_frames {
	struct pcap *pcap;
	const char *path;
	int linktype;
	uint64_t file_size;
	uint64_t index;		/* 1-based number of the last frame read */
	uint8_t buf[PCAP_FRAME_MAX + 64];
};

struct pcap_frame {
	const uint8_t *data;	/* Ethernet frame (possibly cut at PCAP_FRAME_MAX) */
	uint32_t len;		/* bytes in data */
	uint32_t wire_len;	/* the frame's length on the wire, as the capture says */
	uint64_t ts_ns;		/* capture timestamp, ns since the epoch */
	int not_convertible;	/* a link-layer header too short to convert: count, skip */
};

/* Open a capture. 0, or -1 with a message in err (file and reason). */
int pcap_frames_open(struct pcap_frames *pf, const char *path, char *err, size_t errlen);
/*
 * Next frame: 1 = a frame in *frame, 0 = end of file, -1 = the capture is truncated
 * or corrupt (message in err: file, frame number, reason).
 */
int pcap_frames_next(struct pcap_frames *pf, struct pcap_frame *frame, char *err, size_t errlen);
/* Fraction of the file read, 0..100. */
int pcap_frames_progress(const struct pcap_frames *pf);
void pcap_frames_close(struct pcap_frames *pf);

#endif /* EDGEWATCH_PCAP_FRAMES_H */
