/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The sizes of the two large ring buffers, worked out at start from what fills them
 * (issue 11: kernel memory that follows the table and the sampling, not fixed sizes).
 *
 *  - ended_flows (the sweeper's records, struct flow_end): 64 bytes per flow table slot,
 *    the proportion the fixed 16 MiB ring had to the default 262,144-slot table (records
 *    for 22% of the slots). A sweep that finds the ring full stops, and the daemon
 *    drains it and runs the sweeper again (flow_sweep.c), so the ring's size sets how
 *    many passes a sweep takes when more than that ends at once, never a lost record.
 *  - samples (struct sample_header + snaplen + EW_SAMPLE_HEADROOM each): one sample for
 *    each 64 slots of the flow table, 256 to 65,536 of them (4,096 at the default table,
 *    the fixed 8 MiB ring's count at the default snaplen), of the record size that
 *    sampling.snaplen gives. The reloadable rates (first-packets, flagged-cap, one-in)
 *    do not size it: a reload can raise them, and a ring cannot grow without loading
 *    the programs again.
 *  - replay: the program stops after each frame that wrote a sample and the samples are
 *    read before the next frame runs, so the samples ring holds a few; the ended ring
 *    holds every flow the captures' frames can make (one pass per sweep, as the sized
 *    replay table needs: replay_table.h), when that is less than the live size.
 * Every size is a power of two and a whole number of pages, as the kernel requires.
 * events, hot_flows (256 KiB each) and clock_wake (one page) keep fixed sizes: their
 * volume is bounded by rate limits and a sweep's reports, not by the table.
 */
#ifndef EDGEWATCH_RING_SIZES_H
#define EDGEWATCH_RING_SIZES_H

#include <stddef.h>
#include <stdint.h>

struct ring_sizes {
	uint32_t ended_flows;	/* bytes */
	uint32_t samples;	/* bytes */
};

/*
 * The sizes for a flow table of table_size slots (the configured one, also in replay),
 * samples of snaplen payload bytes, and in replay the most frames the captures can
 * hold (0: a live run). page_size: the kernel's (sysconf(_SC_PAGESIZE)).
 */
void ring_sizes_for(struct ring_sizes *out, uint32_t table_size, uint32_t snaplen,
		    uint64_t replay_frames, size_t page_size);

/* The snaplen the datapath takes for a configured one: 0 or one over EW_SNAPLEN_MAX
 * gives EW_SNAPLEN_DEFAULT (the configuration allows neither). */
uint32_t sample_snaplen(uint32_t snaplen);

/* The most bytes of one sample record (struct sample_header, payload, frame headers) for
 * a configured snaplen: what a reader of the samples ring must make room for. */
size_t sample_record_bytes(uint32_t snaplen);

/* The bytes one sample takes in the samples ring, its 8-byte header included. */
size_t ring_sample_bytes(uint32_t snaplen);

/*
 * The records of record_bytes (the kernel adds an 8-byte header and rounds to 8) that a
 * ring of ring_bytes is sure to hold in one pass, with a margin of 16 (a kernel before
 * 6.2 holds one record fewer when the records divide the ring exactly).
 */
uint64_t ring_records(uint32_t ring_bytes, size_t record_bytes);

#endif /* EDGEWATCH_RING_SIZES_H */
