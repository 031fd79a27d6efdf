// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * When replay sizes its flow table to the capture (userspace/replay_table.h), and the
 * reorder buffer that puts a sweep's records back in the configured table's walk order;
 * the LRU maps' entries for a capture (an LRU that evicts nothing: tests/bpf).
 * The walk order itself against a real kernel hash map: tests/bpf/test_replay_table.c.
 */
#include <string.h>

#include "replay_table.h"
#include "../support/test.h"

#define CONFIGURED 262144

static void test_small_capture_gets_a_small_table(struct test_case *t)
{
	/* the benchmark's day-long capture: 1,000 frames of 76 bytes + headers */
	EXPECT(t, replay_table_slots(CONFIGURED, 76024, 0) == 8192, "76 KB: %u slots, want 8192",
	       replay_table_slots(CONFIGURED, 76024, 0));
	EXPECT(t, replay_table_slots(CONFIGURED, 100, 0) == 1024, "100 bytes: %u, want 1024",
	       replay_table_slots(CONFIGURED, 100, 0));
	/* a power of two no smaller than the frames the bytes can hold (16 bytes each) */
	EXPECT(t, replay_table_slots(CONFIGURED, 16 * 40000, 0) == 65536, "640 KB: %u",
	       replay_table_slots(CONFIGURED, 16 * 40000, 0));
}

static void test_where_the_configured_table_stays(struct test_case *t)
{
	/* more frames than one pass of the ended ring holds */
	EXPECT(t, replay_table_slots(CONFIGURED, 16ULL * 70000, 0) == 0, "1.1 MB: sized");
	/* a capture that could bring the configured table near its pressure mark */
	EXPECT(t, replay_table_slots(4096, 16 * 3700, 0) == 0, "3,700 frames in 4,096: sized");
	/* nothing to gain: the configured table is no bigger */
	EXPECT(t, replay_table_slots(1024, 160, 0) == 0, "1,024 configured: sized");
	/* hot reports could overflow their ring: 40,000 frames, a report per 10 packets */
	EXPECT(t, replay_table_slots(CONFIGURED, 16 * 40000, 10) == 0, "hot 10: sized");
	EXPECT(t, replay_table_slots(CONFIGURED, 16 * 40000, 1000) == 65536, "hot 1000: %u",
	       replay_table_slots(CONFIGURED, 16 * 40000, 1000));
}

/* LRU entries: twice the frames the bytes can hold, and 128 for each CPU and one more */
static void test_lru_entries(struct test_case *t)
{
	EXPECT(t, replay_lru_entries(1599, 2) == 2 * 100 + 3 * 128, "1,599 bytes, 2 CPUs: %u",
	       replay_lru_entries(1599, 2));
	EXPECT(t, replay_lru_entries(16 * 40000, 8) == 80002 + 9 * 128, "40,000 frames: %u",
	       replay_lru_entries(16 * 40000, 8));
	EXPECT(t, replay_lru_entries(1ULL << 40, 2) == 0, "a TiB: keep the defaults");
	EXPECT(t, replay_lru_entries(100, -1) == 0, "CPUs unknown: keep the defaults");
}

struct rec {
	uint32_t tag;
	uint32_t pad;
	struct flow_key key;
};

struct collected {
	uint32_t tags[64];
	int n;
};

static void collect(void *ctx, const void *record)
{
	struct collected *c = ctx;
	const struct rec *r = record;

	if (c->n < 64)
		c->tags[c->n++] = r->tag;
}

/* Records come out by configured bucket, and in arrival order within one bucket. */
static void test_reorder_is_a_stable_sort_by_bucket(struct test_case *t)
{
	struct bucket_reorder ro;
	struct collected out = {};
	struct rec r[40];
	uint32_t b, last = 0;
	int i, j;

	bucket_reorder_init(&ro, 64, sizeof(struct rec), offsetof(struct rec, key));
	memset(r, 0, sizeof(r));
	for (i = 0; i < 40; i++) {
		r[i].tag = i;
		r[i].key.family = 4;
		r[i].key.proto = 17;
		r[i].key.port_a = (uint16_t)(i % 13);	/* duplicates: equal buckets */
		CHECK(t, bucket_reorder_add(&ro, &r[i]) == 0, "add %d failed", i);
	}
	bucket_reorder_flush(&ro, collect, &out);
	CHECK(t, out.n == 40, "%d records out of 40", out.n);
	for (i = 0; i < 40; i++) {
		b = flow_table_bucket(&r[out.tags[i]].key, 64);
		EXPECT(t, b >= last, "record %d (bucket %u) after bucket %u", i, b, last);
		for (j = 0; j < i; j++)	/* equal keys keep their arrival order */
			if (!memcmp(&r[out.tags[j]].key, &r[out.tags[i]].key, sizeof(r[0].key)))
				EXPECT(t, out.tags[j] < out.tags[i], "%u before %u", out.tags[j],
				       out.tags[i]);
		last = b;
	}
	out.n = 0;
	bucket_reorder_flush(&ro, collect, &out);	/* flushed: nothing held */
	EXPECT(t, out.n == 0, "%d records after the flush", out.n);
	bucket_reorder_free(&ro);
}

int main(void)
{
	test_program = "replay_table";
	RUN(test_small_capture_gets_a_small_table);
	RUN(test_where_the_configured_table_stays);
	RUN(test_lru_entries);
	RUN(test_reorder_is_a_stable_sort_by_bucket);
	return test_summary();
}
