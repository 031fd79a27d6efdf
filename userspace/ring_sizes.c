// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "datapath.h"
#include "ring_sizes.h"

/* The kernel adds this header to every ring buffer record and rounds it up to 8. */
#define RING_RECORD_HEADER 8
/* Records kept free of a ring's count (ring_records) */
#define RING_MARGIN 16
/* Bytes of the ended ring per flow table slot: 16 MiB at the default table, as the
 * fixed ring had (58,000 records of 288 bytes, 22% of the table) */
#define ENDED_RING_BYTES_PER_SLOT 64
/* The ended ring's bounds: 227 records (a sweep of a small table in a few passes),
 * and 932,000 (a 16 M-slot table then sweeps in at most 18 passes) */
#define ENDED_RING_MIN (64u * 1024)
#define ENDED_RING_MAX (256u * 1024 * 1024)
/* One sample for this many flow table slots, and the bounds of that count */
#define SAMPLE_SLOTS_PER_RECORD 64
#define SAMPLE_RECORDS_MIN 256
#define SAMPLE_RECORDS_MAX 65536
#define SAMPLES_RING_MAX (256u * 1024 * 1024)
/* Replay reads the samples after each frame that wrote one: a frame writes one or two */
#define REPLAY_SAMPLE_RECORDS 16

static uint64_t record_bytes_in_ring(size_t record_bytes)
{
	return ((uint64_t)record_bytes + RING_RECORD_HEADER + 7) & ~7ULL;
}

/* The least power of two holding `bytes`, within [floor, ceiling] (both powers of two). */
static uint32_t ring_bytes(uint64_t bytes, uint64_t floor, uint64_t ceiling)
{
	uint64_t p = floor;

	while (p < bytes && p < ceiling)
		p <<= 1;
	return (uint32_t)p;
}

uint32_t sample_snaplen(uint32_t snaplen)
{
	return snaplen && snaplen <= EW_SNAPLEN_MAX ? snaplen : EW_SNAPLEN_DEFAULT;
}

size_t sample_record_bytes(uint32_t snaplen)
{
	return sizeof(struct sample_header) + sample_snaplen(snaplen) + EW_SAMPLE_HEADROOM;
}

size_t ring_sample_bytes(uint32_t snaplen)
{
	return (size_t)record_bytes_in_ring(sample_record_bytes(snaplen));
}

uint64_t ring_records(uint32_t ring_bytes_total, size_t record_bytes)
{
	uint64_t n = ring_bytes_total / record_bytes_in_ring(record_bytes);

	return n > RING_MARGIN ? n - RING_MARGIN : 0;
}

void ring_sizes_for(struct ring_sizes *out, uint32_t table_size, uint32_t snaplen,
		    uint64_t replay_frames, size_t page_size)
{
	uint64_t end_rec = record_bytes_in_ring(sizeof(struct flow_end));
	uint64_t page = page_size >= 4096 ? page_size : 4096;
	uint64_t ended_floor = ENDED_RING_MIN > page ? ENDED_RING_MIN : page;
	uint64_t samples;

	if (!table_size)
		table_size = EW_FLOW_TABLE_DEFAULT;
	out->ended_flows = ring_bytes((uint64_t)table_size * ENDED_RING_BYTES_PER_SLOT,
				      ended_floor, ENDED_RING_MAX);
	samples = (uint64_t)table_size / SAMPLE_SLOTS_PER_RECORD;
	if (samples < SAMPLE_RECORDS_MIN)
		samples = SAMPLE_RECORDS_MIN;
	if (samples > SAMPLE_RECORDS_MAX)
		samples = SAMPLE_RECORDS_MAX;
	out->samples = ring_bytes(samples * ring_sample_bytes(snaplen), page, SAMPLES_RING_MAX);
	if (replay_frames) {
		/* every flow the frames can make, in one pass, and the margin (more frames
		 * than the largest ring holds keep the live size) */
		uint32_t ended = replay_frames < ENDED_RING_MAX / end_rec
					 ? ring_bytes((replay_frames + RING_MARGIN + 1) * end_rec,
						      page, ENDED_RING_MAX)
					 : ENDED_RING_MAX;

		if (ended < out->ended_flows)
			out->ended_flows = ended;
		out->samples = ring_bytes(REPLAY_SAMPLE_RECORDS * ring_sample_bytes(snaplen), page,
					  SAMPLES_RING_MAX);
	}
}
