/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * TCP stream windows: the first `depth` bytes of each direction of a TCP flow, put back
 * in sequence order from the segments the datapath sampled (reason EW_SAMPLE_STREAM),
 * and handed out in scan ranges so that a request cut into small segments, or with
 * segments swapped, is matched as if it had come in one. Pure code (no threads, no
 * clock, no I/O): the pipeline wraps it (stream_scan.c) and locks it.
 *
 * - Order: bytes are placed at their stream offset; out-of-order segments wait in place.
 * - Retransmissions and overlaps: the first copy of a byte wins (Suricata's default
 *   policy); a later copy with different bytes is an overlap conflict (an evasion
 *   attempt: counted per segment and byte, and reported to the caller).
 * - Holes: only the contiguous part from the window's start is scanned; what lies
 *   beyond a hole that is never filled is counted (gap) when the stream is released.
 *   Bytes the datapath saw but did not copy (the segment was longer than the snap
 *   length) are a known hole: the contiguous part goes on after it, as a new scan run.
 * - When to scan (scan_reason): the contiguous part has reached a complete HTTP request
 *   (headers + Content-Length body), a segment with PSH, the window's end, the flow's
 *   end, the stream's idle timeout, or its eviction. Each scan covers the current
 *   message from its start (HTTP parsing and offsets need the whole request), never
 *   the same bytes twice for the same boundary.
 * - Memory: each stream's buffer grows with the highest offset seen (up to depth);
 *   streams, held bytes and segments per stream are bounded; every overflow is counted
 *   by reason, and an evicted stream is scanned (what is contiguous) before it goes.
 */
#ifndef EDGEWATCH_STREAM_REASSEMBLY_H
#define EDGEWATCH_STREAM_REASSEMBLY_H

#include <stddef.h>
#include <stdint.h>

#include "datapath.h"

struct stream_limits {
	uint32_t depth;			/* window bytes per direction (sampling.stream-depth) */
	uint32_t max_segments;		/* segments taken per direction */
	uint32_t max_streams;		/* directions in reassembly at once */
	uint64_t max_bytes;		/* buffer bytes held by all of them */
	uint64_t idle_ns;		/* a stream with no segment for this long is released */
};

enum stream_scan_reason {
	STREAM_SCAN_HTTP,		/* a complete HTTP request */
	STREAM_SCAN_PUSH,		/* the sender pushed (PSH) */
	STREAM_SCAN_DEPTH,		/* the window is full */
	STREAM_SCAN_SNAP_HOLE,		/* bytes seen but not captured follow */
	STREAM_SCAN_FLOW_END,		/* the flow ended */
	STREAM_SCAN_IDLE,		/* no segment for idle_ns */
	STREAM_SCAN_EVICTED,		/* room was needed */
	STREAM_SCAN_REASONS,
};

/* Every counter only grows, except streams and bytes (now). */
struct stream_stats {
	uint64_t segments;		/* samples taken into a stream */
	uint64_t out_of_order;		/* ... that started past the contiguous end */
	uint64_t duplicate_bytes;	/* bytes already held, same value (retransmission) */
	uint64_t overlap_conflicts;	/* segments carrying a held byte with another value */
	uint64_t conflict_bytes;	/* ... those bytes (the first copy was kept) */
	uint64_t bytes_past_depth;	/* segment bytes beyond the window (not held) */
	uint64_t bytes_not_captured;	/* bytes beyond a sample's snap length (known hole) */
	uint64_t scans[STREAM_SCAN_REASONS];
	uint64_t bytes_scanned;
	uint64_t gaps;			/* streams released with bytes held beyond a hole */
	uint64_t gap_bytes;		/* ... those bytes (never scanned) */
	uint64_t released_complete;	/* window full and scanned */
	uint64_t released_flow_end;
	uint64_t released_idle;
	/* overflows, by reason */
	uint64_t overflow_segments;	/* a stream had max_segments: segment not taken */
	uint64_t overflow_streams;	/* max_streams reached: the least recent evicted */
	uint64_t overflow_bytes;	/* max_bytes reached: the least recent evicted */
	uint64_t overflow_no_memory;	/* allocation failed: segment not taken */
	uint64_t segments_after_release;	/* a segment of a window already scanned whole */
	uint64_t streams;		/* in reassembly now */
	uint64_t bytes;			/* buffer bytes held now */
	uint64_t streams_high_water;
	uint64_t bytes_high_water;
};

/* One sampled segment. */
struct stream_segment {
	const struct sample_header *hdr;	/* flow_seq, dir, stream_off, tcp_flags, ... */
	const uint8_t *payload;			/* hdr->cap_len bytes */
	uint64_t now_ns;			/* the sample's time (datapath clock) */
};

/*
 * A range to scan: len bytes starting at stream offset `offset` of the stream whose
 * latest segment's header is hdr (its addresses, ports, direction, flags; its cap_len
 * and payload_len are the segment's, not the range's). Valid during the call only.
 */
struct stream_chunk {
	const struct sample_header *hdr;
	const uint8_t *data;
	uint32_t offset;
	uint32_t len;
	enum stream_scan_reason reason;
};

typedef void (*stream_scan_fn)(void *user, const struct stream_chunk *chunk);

struct stream_table;

/* 0 or -ENOMEM / -EINVAL (a zero limit). */
int stream_table_new(struct stream_table **out, const struct stream_limits *limits);
void stream_table_free(struct stream_table *t);	/* NULL-safe; scans nothing */

/*
 * Take one segment (hdr->reason EW_SAMPLE_STREAM); scan() is called for every range it
 * makes ready (also those of streams expired or evicted to make room). Returns 1 if the
 * segment overlapped held bytes with different values, else 0.
 */
int stream_table_add(struct stream_table *t, const struct stream_segment *seg,
		     stream_scan_fn scan, void *user);

/* The flow ended: scan what is left of its two directions and release them. */
void stream_table_flow_end(struct stream_table *t, uint64_t flow_seq, stream_scan_fn scan,
			   void *user);

/* Release the streams idle since before now_ns - idle_ns, scanning what is left. */
void stream_table_expire(struct stream_table *t, uint64_t now_ns, stream_scan_fn scan,
			 void *user);

/* Scan and release every stream (shutdown, end of replay). */
void stream_table_flush(struct stream_table *t, stream_scan_fn scan, void *user);

void stream_table_get_stats(const struct stream_table *t, struct stream_stats *out);

/* Names of the scan reasons for the stats ("http", "push", ...). */
const char *stream_scan_reason_name(enum stream_scan_reason reason);

#endif /* EDGEWATCH_STREAM_REASSEMBLY_H */
