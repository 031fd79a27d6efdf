// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The ring buffers' sizes (userspace/ring_sizes.h): what a table size, a snaplen and a
 * replay's frames give. That the kernel creates them so: tests/bpf/test_replay_load.c.
 */
#include "ring_sizes.h"
#include "datapath.h"
#include "../support/test.h"

#define PAGE 4096
#define MiB (1024u * 1024)

static int pow2_pages(uint32_t bytes, uint32_t page)
{
	return bytes >= page && !(bytes & (bytes - 1));
}

static void test_default_table_keeps_the_old_sizes(struct test_case *t)
{
	struct ring_sizes r;

	/* the proportions were chosen so: 262,144 slots and snaplen 1500 are 16 and 8 MiB */
	ring_sizes_for(&r, EW_FLOW_TABLE_DEFAULT, EW_SNAPLEN_DEFAULT, 0, PAGE);
	EXPECT(t, r.ended_flows == EW_ENDED_RINGBUF_SIZE, "ended %u", r.ended_flows);
	EXPECT(t, r.samples == EW_SAMPLES_RINGBUF_SIZE, "samples %u", r.samples);
	/* 0 is the default table and the default snaplen, as datapath_load takes them */
	ring_sizes_for(&r, 0, 0, 0, PAGE);
	EXPECT(t, r.ended_flows == EW_ENDED_RINGBUF_SIZE && r.samples == EW_SAMPLES_RINGBUF_SIZE,
	       "zeroes: %u %u", r.ended_flows, r.samples);
}

static void test_small_table_small_rings(struct test_case *t)
{
	struct ring_sizes r;

	ring_sizes_for(&r, 16384, EW_SNAPLEN_DEFAULT, 0, PAGE);
	/* 64 bytes per slot: 3,640 records of 288 bytes */
	EXPECT(t, r.ended_flows == 1 * MiB, "ended %u, want 1 MiB", r.ended_flows);
	/* 256 samples of 1,864 bytes at least: 512 KiB */
	EXPECT(t, r.samples == 512 * 1024, "samples %u, want 512 KiB", r.samples);
	EXPECT(t, ring_records(r.samples, sizeof(struct sample_header) + 1500 +
					      EW_SAMPLE_HEADROOM) >= 256 - 16,
	       "512 KiB holds %llu samples",
	       (unsigned long long)ring_records(r.samples, sizeof(struct sample_header) + 1500 +
								 EW_SAMPLE_HEADROOM));
	/* the smallest table the configuration takes: the floors */
	ring_sizes_for(&r, 1024, EW_SNAPLEN_DEFAULT, 0, PAGE);
	EXPECT(t, r.ended_flows == 64 * 1024, "ended %u, want the 64 KiB floor", r.ended_flows);
	EXPECT(t, ring_records(r.ended_flows, sizeof(struct flow_end)) ==
			  65536 / (sizeof(struct flow_end) + 8) - 16,
	       "64 KiB holds %llu records, want 227 of 288 bytes less the margin",
	       (unsigned long long)ring_records(r.ended_flows, sizeof(struct flow_end)));
	EXPECT(t, r.samples == 512 * 1024, "samples %u: the 256-sample floor", r.samples);
}

static void test_large_table_and_snaplen(struct test_case *t)
{
	struct ring_sizes r;

	/* the largest table: bounded (1 M records, 65,536 samples) */
	ring_sizes_for(&r, 16777216, EW_SNAPLEN_DEFAULT, 0, PAGE);
	EXPECT(t, r.ended_flows == 256 * MiB, "ended %u", r.ended_flows);
	EXPECT(t, r.samples == 128 * MiB, "samples %u (65,536 of 1,864 bytes)", r.samples);
	/* jumbo snaplen: the same count of larger samples */
	ring_sizes_for(&r, EW_FLOW_TABLE_DEFAULT, EW_SNAPLEN_MAX, 0, PAGE);
	EXPECT(t, r.samples == 32 * MiB, "snaplen 4096: %u", r.samples);
	EXPECT(t, ring_sample_bytes(EW_SNAPLEN_MAX) == 96 + 4096 + 256 + 8, "%zu",
	       ring_sample_bytes(EW_SNAPLEN_MAX));
	/* a small snaplen: rounded up to 8 with the header */
	ring_sizes_for(&r, EW_FLOW_TABLE_DEFAULT, 64, 0, PAGE);
	EXPECT(t, ring_sample_bytes(64) == 424, "%zu", ring_sample_bytes(64));
	EXPECT(t, r.samples == 2 * MiB, "snaplen 64: %u", r.samples);
}

/* One rule for the snaplen the datapath takes and the record a reader makes room for:
 * the samples ring and the sample pipeline's slots use the same size. */
static void test_sample_record_bytes(struct test_case *t)
{
	EXPECT(t, sample_snaplen(64) == 64, "%u", sample_snaplen(64));
	EXPECT(t, sample_snaplen(EW_SNAPLEN_MAX) == EW_SNAPLEN_MAX, "%u",
	       sample_snaplen(EW_SNAPLEN_MAX));
	EXPECT(t, sample_snaplen(0) == EW_SNAPLEN_DEFAULT, "%u", sample_snaplen(0));
	EXPECT(t, sample_snaplen(EW_SNAPLEN_MAX + 1) == EW_SNAPLEN_DEFAULT, "%u",
	       sample_snaplen(EW_SNAPLEN_MAX + 1));
	EXPECT(t, sample_record_bytes(64) == 96 + 64 + 256, "%zu", sample_record_bytes(64));
	EXPECT(t, sample_record_bytes(0) == sample_record_bytes(EW_SNAPLEN_DEFAULT), "%zu",
	       sample_record_bytes(0));
	/* the ring's record: the kernel's 8-byte header, rounded to 8 */
	EXPECT(t, ring_sample_bytes(100) == ((sample_record_bytes(100) + 8 + 7) & ~(size_t)7),
	       "%zu", ring_sample_bytes(100));
}

static void test_replay_sizes_to_the_frames(struct test_case *t)
{
	struct ring_sizes r;
	uint64_t frames;

	/* a one-frame capture: a page or two, not 24 MiB */
	ring_sizes_for(&r, EW_FLOW_TABLE_DEFAULT, EW_SNAPLEN_DEFAULT, 1, PAGE);
	EXPECT(t, r.ended_flows == 8192, "ended %u", r.ended_flows);
	EXPECT(t, r.samples == 32 * 1024, "samples %u (16 of 1,864 bytes)", r.samples);
	/* every flow the frames can make fits one pass */
	for (frames = 1; frames < 70000; frames = frames * 3 + 1) {
		ring_sizes_for(&r, EW_FLOW_TABLE_DEFAULT, EW_SNAPLEN_DEFAULT, frames, PAGE);
		if (r.ended_flows < EW_ENDED_RINGBUF_SIZE)
			EXPECT(t, ring_records(r.ended_flows, sizeof(struct flow_end)) > frames,
			       "%llu frames, ring of %u", (unsigned long long)frames,
			       r.ended_flows);
	}
	/* more frames than the live ring holds: the live ring (never larger) */
	ring_sizes_for(&r, EW_FLOW_TABLE_DEFAULT, EW_SNAPLEN_DEFAULT, 10000000, PAGE);
	EXPECT(t, r.ended_flows == EW_ENDED_RINGBUF_SIZE, "ended %u", r.ended_flows);
	ring_sizes_for(&r, 1024, EW_SNAPLEN_DEFAULT, 100000, PAGE);
	EXPECT(t, r.ended_flows == 64 * 1024, "small table, big capture: %u", r.ended_flows);
}

static void test_every_size_is_pages(struct test_case *t)
{
	static const uint32_t tables[] = { 1024, 5000, 262144, 300000, 16777216 };
	static const uint32_t snaplens[] = { 64, 1500, 4096 };
	static const uint64_t frames[] = { 0, 1, 1000, 123457 };
	static const uint32_t pages[] = { 4096, 16384, 65536 };
	struct ring_sizes r;
	size_t a, b, c, d;

	for (a = 0; a < 5; a++)
		for (b = 0; b < 3; b++)
			for (c = 0; c < 4; c++)
				for (d = 0; d < 3; d++) {
					ring_sizes_for(&r, tables[a], snaplens[b], frames[c],
						       pages[d]);
					EXPECT(t, pow2_pages(r.ended_flows, pages[d]) &&
							  pow2_pages(r.samples, pages[d]),
					       "table %u snaplen %u frames %llu page %u: %u %u",
					       tables[a], snaplens[b],
					       (unsigned long long)frames[c], pages[d],
					       r.ended_flows, r.samples);
					/* a sample always fits */
					EXPECT(t, r.samples >= 16 * ring_sample_bytes(snaplens[b]),
					       "samples %u", r.samples);
				}
}

int main(void)
{
	test_program = "ring_sizes";
	RUN(test_default_table_keeps_the_old_sizes);
	RUN(test_small_table_small_rings);
	RUN(test_large_table_and_snaplen);
	RUN(test_sample_record_bytes);
	RUN(test_replay_sizes_to_the_frames);
	RUN(test_every_size_is_pages);
	return test_summary();
}
