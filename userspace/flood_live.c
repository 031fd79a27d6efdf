// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.h"
#include "detect/detect.h"
#include "detect/lru_map.h"
#include "flood_live.h"

/* Entries read per batch syscall. */
#define LIVE_BATCH 1024

/* What was read last for one destination (sums over the CPUs). */
struct live_prev {
	uint64_t new_flows[EW_FLOOD_CLASSES];
	uint64_t handshakes;
};

struct flood_live {
	int map_fd;
	int ncpu;
	volatile uint32_t *src_gen;	/* the datapath's flood_src_gen */
	uint32_t closed_gen;		/* the generation this read collects */
	uint32_t capacity;
	struct lru_map *prev;		/* struct flood_dest_key -> struct live_prev */
	struct flood_dest_key *keys;	/* LIVE_BATCH */
	struct flood_dest_count *values;	/* LIVE_BATCH x ncpu */
	struct stats_flood_live stats;
};

int flood_live_new(struct flood_live **out, int map_fd, uint32_t capacity,
		   volatile uint32_t *src_gen)
{
	struct flood_live *fl = calloc(1, sizeof(*fl));
	int err;

	*out = NULL;
	if (!fl)
		return -ENOMEM;
	fl->map_fd = map_fd;
	fl->src_gen = src_gen;
	fl->capacity = capacity;
	fl->ncpu = libbpf_num_possible_cpus();
	if (fl->ncpu <= 0) {
		err = fl->ncpu ? fl->ncpu : -EINVAL;
		goto fail;
	}
	err = lru_map_new(&fl->prev, capacity, sizeof(struct flood_dest_key),
			  sizeof(struct live_prev));
	if (err)
		goto fail;
	fl->keys = calloc(LIVE_BATCH, sizeof(*fl->keys));
	/* a per-CPU value is read as one per possible CPU (64 bytes: no rounding) */
	fl->values = calloc((size_t)LIVE_BATCH * fl->ncpu, sizeof(*fl->values));
	if (!fl->keys || !fl->values) {
		err = -ENOMEM;
		goto fail;
	}
	fl->stats.on = 1;
	fl->stats.dests_capacity = capacity;
	*out = fl;
	return 0;
fail:
	flood_live_free(fl);
	return err;
}

void flood_live_free(struct flood_live *fl)
{
	if (!fl)
		return;
	lru_map_free(fl->prev);
	free(fl->keys);
	free(fl->values);
	free(fl);
}

/* One destination: the CPUs' sums against the previous read. */
static void live_one(struct flood_live *fl, struct detect *d, const struct flood_dest_key *key,
		     const struct flood_dest_count *per_cpu, uint64_t since_ns, uint64_t now_ns)
{
	const struct flood_dest_count *last = &per_cpu[0];
	uint64_t delta[EW_FLOOD_CLASSES], sum[EW_FLOOD_CLASSES] = { 0 }, hs = 0, dhs, any = 0;
	uint64_t src_bits[EW_FLOOD_SRC_BITS / 64] = { 0 };
	struct live_prev *prev;
	int cpu, c, created, i;

	for (cpu = 0; cpu < fl->ncpu; cpu++) {
		const struct flood_dest_count *v = &per_cpu[cpu];

		/* the sources of the interval just closed (an older generation: none since) */
		if (v->src_gen == fl->closed_gen)
			for (i = 0; i < EW_FLOOD_SRC_BITS / 64; i++)
				src_bits[i] |= v->src_bits[i];

		for (c = 0; c < EW_FLOOD_CLASSES; c++)
			sum[c] += v->new_flows[c];
		hs += v->handshakes;
		/* the latest flow: the highest sequence is the newest on its CPU, a good
		 * enough pick across CPUs for an alert's example flow */
		if (v->last_proto && (!last->last_proto || v->last_flow_seq > last->last_flow_seq))
			last = v;
	}
	prev = lru_map_upsert(fl->prev, key, &created, NULL, NULL);
	/* a count below the last one: the kernel evicted the entry and made it again */
	for (c = 0; c < EW_FLOOD_CLASSES; c++) {
		delta[c] = sum[c] >= prev->new_flows[c] ? sum[c] - prev->new_flows[c] : sum[c];
		any |= delta[c];
		prev->new_flows[c] = sum[c];
	}
	dhs = hs >= prev->handshakes ? hs - prev->handshakes : hs;
	prev->handshakes = hs;
	if (any)
		detect_live_dest(d, key, delta, dhs, last, src_bits, since_ns, now_ns);
}

int flood_live_read(struct flood_live *fl, struct detect *d, uint64_t since_ns, uint64_t now_ns,
		    uint64_t created, uint64_t failed)
{
	__u32 token = 0, count, i;
	uint64_t present = 0;
	int err = 0, first = 1;

	if (!fl)
		return 0;
	fl->stats.reads++;
	/* close the interval: new flows from here on set bits of the next generation */
	fl->closed_gen = *fl->src_gen;
	__atomic_store_n(fl->src_gen, fl->closed_gen + 1, __ATOMIC_RELEASE);
	for (;;) {
		count = LIVE_BATCH;
		if (bpf_map_lookup_batch(fl->map_fd, first ? NULL : &token, &token, fl->keys,
					 fl->values, &count, NULL)) {
			err = errno == ENOENT ? 0 : -errno;
			if (err)
				count = 0;
		}
		for (i = 0; i < count; i++)
			live_one(fl, d, &fl->keys[i], &fl->values[(size_t)i * fl->ncpu],
				 since_ns, now_ns);
		present += count;
		first = 0;
		if (err || count < LIVE_BATCH)
			break;
	}
	if (err) {
		fl->stats.read_errors++;
		return err;
	}
	fl->stats.dests_tracked = present;
	/* entries are only ever removed by the LRU: what was entered and is gone, was evicted */
	fl->stats.dests_evicted = created > present ? created - present : 0;
	fl->stats.dests_failed = failed;
	return 0;
}

void flood_live_stats(const struct flood_live *fl, struct stats_flood_live *out)
{
	if (fl)
		*out = fl->stats;
}
