// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A replay table sized to the capture walks, once its records are sorted by the
 * configured table's buckets, in the configured table's order (userspace/replay_table.h):
 * checked here against real zero-seeded kernel hash maps of both sizes, given the same
 * inserts, replacements (which move an entry to its bucket's head) and deletes. And an
 * LRU map of replay_lru_entries() entries evicts nothing of what the capture can put in
 * it, whichever CPUs the updates run on.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "replay_table.h"
#include "../support/test.h"

#define BIG 65536
#define SMALL 4096
#define KEYS 3000

static int hash_map(uint32_t slots)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_ZERO_SEED | BPF_F_NO_PREALLOC);

	return bpf_map_create(BPF_MAP_TYPE_HASH, "ew_order_test", sizeof(struct flow_key),
			      sizeof(uint32_t), slots, &opts);
}

static void key_of(struct flow_key *k, uint32_t i)
{
	memset(k, 0, sizeof(*k));
	k->family = 4;
	k->proto = i % 3 ? 17 : 6;
	k->addr_a.be32[0] = 0xc6120000u + i;	/* 198.18.x.y; byte order does not matter */
	k->addr_b.be32[0] = 0xc6120001u;
	k->port_a = (uint16_t)(1024 + i);
	k->port_b = 53;
}

/* Every key of the map, in the kernel's walk order (get_next_key walks like the sweeper). */
static uint32_t walk(int fd, struct flow_key *out, uint32_t max)
{
	struct flow_key key, next;
	uint32_t n = 0;

	while (n < max && !bpf_map_get_next_key(fd, n ? &key : NULL, &next)) {
		out[n++] = next;
		key = next;
	}
	return n;
}

struct sorted {
	struct flow_key *keys;
	uint32_t n;
};

static void take(void *ctx, const void *record)
{
	struct sorted *s = ctx;

	s->keys[s->n++] = *(const struct flow_key *)record;
}

static void apply(int fd, uint32_t i, int op)
{
	struct flow_key k;
	uint32_t v = i;

	key_of(&k, i);
	if (op == 0)
		bpf_map_update_elem(fd, &k, &v, BPF_NOEXIST);
	else if (op == 1)
		bpf_map_update_elem(fd, &k, &v, BPF_EXIST);	/* replaced: to the head */
	else
		bpf_map_delete_elem(fd, &k);
}

static void test_sorted_small_walk_is_the_big_walk(struct test_case *t)
{
	static struct flow_key big_walk[KEYS + 600], small_walk[KEYS + 600], sorted[KEYS + 600];
	struct sorted s = { .keys = sorted };
	struct bucket_reorder ro;
	uint32_t nb, ns, i, step, same_unsorted = 1;
	int big = hash_map(BIG), small = hash_map(SMALL);

	CHECK(t, big >= 0 && small >= 0, "cannot make the hash maps: %s", strerror(errno));
	for (step = 0; step < KEYS + 2000; step++) {
		/* mostly new keys, some replaced, some deleted, in a seeded mix */
		uint32_t r = step * 2654435761u ^ (step >> 3) * 40503u;
		int op = step < 200 ? 0 : r % 10 < 7 ? 0 : r % 10 < 9 ? 1 : 2;
		uint32_t i = op == 0 ? step : (r >> 8) % step;

		if (op == 0 && step >= KEYS + 500)
			continue;
		apply(big, i, op);
		apply(small, i, op);
	}
	nb = walk(big, big_walk, KEYS + 600);
	ns = walk(small, small_walk, KEYS + 600);
	CHECK(t, nb == ns && nb > 1000, "%u flows in the big table, %u in the small one", nb, ns);
	bucket_reorder_init(&ro, BIG, sizeof(struct flow_key), 0);
	for (i = 0; i < ns; i++)
		CHECK(t, bucket_reorder_add(&ro, &small_walk[i]) == 0, "out of memory");
	bucket_reorder_flush(&ro, take, &s);
	bucket_reorder_free(&ro);
	for (i = 0; i < nb; i++) {
		if (memcmp(&big_walk[i], &small_walk[i], sizeof(big_walk[i])))
			same_unsorted = 0;
		CHECK(t, !memcmp(&big_walk[i], &sorted[i], sizeof(big_walk[i])),
		      "flow %u of the walk differs after sorting", i);
	}
	/* the test has teeth: without the sort the orders differ */
	EXPECT(t, !same_unsorted, "the small table already walked in the big one's order");
	close(big);
	close(small);
}

/* Whether an LRU map of `entries` keeps all of `keys` distinct keys, each inserted then
 * updated once, the updates spread over every CPU this process may run on. 1 kept, 0
 * evicted, -errno when the map could not be made. */
static int lru_keeps_all(uint32_t entries, uint32_t keys)
{
	cpu_set_t allowed, one;
	int fd, cpu = -1, kept = 1;
	uint32_t i, v;
	struct flow_key k;

	fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "ew_lru_test", sizeof(struct flow_key),
			    sizeof(uint32_t), entries, NULL);
	if (fd < 0)
		return -errno;
	sched_getaffinity(0, sizeof(allowed), &allowed);
	for (i = 0; i < 2 * keys; i++) {
		do	/* the next allowed CPU: each takes its own local free list */
			cpu = (cpu + 1) % CPU_SETSIZE;
		while (!CPU_ISSET(cpu, &allowed));
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		sched_setaffinity(0, sizeof(one), &one);
		key_of(&k, i % keys);
		v = i;
		bpf_map_update_elem(fd, &k, &v, BPF_ANY);	/* the second round updates */
	}
	sched_setaffinity(0, sizeof(allowed), &allowed);
	for (i = 0; i < keys && kept; i++) {
		key_of(&k, i);
		kept = !bpf_map_lookup_elem(fd, &k, &v);
	}
	close(fd);
	return kept;
}

static void test_lru_sized_to_the_capture_keeps_all(struct test_case *t)
{
	const uint64_t bytes = KEYS * 16 - 1;	/* at most KEYS frames of 16 bytes */
	uint32_t entries = replay_lru_entries(bytes, libbpf_num_possible_cpus());
	int kept = lru_keeps_all(entries, KEYS), small;

	CHECK(t, kept >= 0, "LRU map of %u entries: %s", entries, strerror(-kept));
	EXPECT(t, kept == 1, "an LRU of %u entries evicted some of %u keys", entries, KEYS);
	/* the margin is needed: as many entries as keys evicts (or the test shows nothing) */
	small = lru_keeps_all(KEYS, KEYS);
	EXPECT(t, small == 0, "an LRU of exactly %u entries kept all %u keys (%d): the margin "
	       "this test checks would not be needed", KEYS, KEYS, small);
}

static void test_kernel_order_is_known(struct test_case *t)
{
	EXPECT(t, replay_table_order_matches(), "this kernel's hash map walks in an order "
	       "flow_table_bucket() does not compute: replay would keep the configured table");
}

int main(void)
{
	test_program = "replay_table_order";
	if (geteuid() != 0) {
		printf("SKIP %s: needs root (BPF)\n", test_program);
		return 0;
	}
	log_set_level(LOG_LEVEL_ERROR);
	RUN(test_kernel_order_is_known);
	RUN(test_sorted_small_walk_is_the_big_walk);
	RUN(test_lru_sized_to_the_capture_keeps_all);
	return test_summary();
}
