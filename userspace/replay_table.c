// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "flow_sweep.h"
#include "replay_table.h"
#include "ring_sizes.h"

/* The smallest record a capture holds: a pcap record header (a pcapng block is 32). */
#define CAPTURE_RECORD_MIN_BYTES 16
/* The most an LRU map's CPU takes from its global free list at a refill (the kernel's
 * LOCAL_FREE_TARGET). */
#define LRU_REFILL_MAX 128
/* A table smaller than this saves nothing worth the reordering. */
#define REPLAY_TABLE_MIN_SLOTS 1024
/* Hot reports the hot ring holds in one pass (its size is fixed: ring_sizes.h) */
#define HOT_RING_RECORDS ring_records(EW_HOT_RINGBUF_SIZE, sizeof(struct flow_hot))

static uint64_t pow2_at_least(uint64_t n)
{
	uint64_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

uint64_t replay_frames_bound(uint64_t capture_bytes)
{
	return capture_bytes / CAPTURE_RECORD_MIN_BYTES + 1;
}

uint32_t replay_table_slots(uint32_t configured, uint64_t capture_bytes, uint64_t hot_pkts)
{
	/* at most one flow per frame: more flows than frames cannot be */
	uint64_t frames = replay_frames_bound(capture_bytes);
	uint64_t slots = pow2_at_least(frames < REPLAY_TABLE_MIN_SLOTS ? REPLAY_TABLE_MIN_SLOTS
									: frames);
	struct ring_sizes live;

	/* the ended ring of a live run with the configured table (replay's own, when
	 * smaller, holds every flow the frames can make: ring_sizes_for) */
	ring_sizes_for(&live, configured, 0, 0, (size_t)sysconf(_SC_PAGESIZE));

	/* the forced exports and the debris pass pick flows in walk order */
	if (frames * 100 >= (uint64_t)configured * SWEEP_PRESSURE_PERCENT)
		return 0;
	/* one pass of the ended ring per sweep; no lost hot report */
	if (frames >= ring_records(live.ended_flows, sizeof(struct flow_end)) ||
	    (hot_pkts && frames / hot_pkts >= HOT_RING_RECORDS))
		return 0;
	if (slots >= pow2_at_least(configured))
		return 0;	/* as many buckets as the configured table: nothing to gain */
	return (uint32_t)slots;
}

uint32_t replay_lru_entries(uint64_t capture_bytes, int ncpus)
{
	uint64_t frames = replay_frames_bound(capture_bytes);

	if (ncpus <= 0 || frames > UINT32_MAX / 4)
		return 0;	/* unknown CPUs, or more than any default: keep the defaults */
	return (uint32_t)(2 * frames + ((uint64_t)ncpus + 1) * LRU_REFILL_MAX);
}

static inline uint32_t rol32(uint32_t w, unsigned int s)
{
	return (w << s) | (w >> (32 - s));
}

/*
 * The kernel's jhash2() (include/linux/jhash.h: Bob Jenkins' lookup3 over 32-bit words),
 * which its hash map applies to a key whose size is a multiple of 4 with the map's seed
 * (zero here). For such keys jhash() over the bytes gives the same value on a
 * little-endian machine, so kernels that use either agree; replay_table_order_matches()
 * checks the running kernel anyway.
 */
static uint32_t kernel_jhash2(const uint32_t *k, uint32_t words, uint32_t initval)
{
	uint32_t a, b, c;

	a = b = c = 0xdeadbeef + (words << 2) + initval;
	while (words > 3) {
		a += k[0];
		b += k[1];
		c += k[2];
		a -= c; a ^= rol32(c, 4);  c += b;
		b -= a; b ^= rol32(a, 6);  a += c;
		c -= b; c ^= rol32(b, 8);  b += a;
		a -= c; a ^= rol32(c, 16); c += b;
		b -= a; b ^= rol32(a, 19); a += c;
		c -= b; c ^= rol32(b, 4);  b += a;
		words -= 3;
		k += 3;
	}
	switch (words) {
	case 3:
		c += k[2];
		/* fall through */
	case 2:
		b += k[1];
		/* fall through */
	case 1:
		a += k[0];
		c ^= b; c -= rol32(b, 14);
		a ^= c; a -= rol32(c, 11);
		b ^= a; b -= rol32(a, 25);
		c ^= b; c -= rol32(b, 16);
		a ^= c; a -= rol32(c, 4);
		b ^= a; b -= rol32(a, 14);
		c ^= b; c -= rol32(b, 24);
		break;
	default:
		break;
	}
	return c;
}

uint32_t flow_table_bucket(const struct flow_key *key, uint32_t slots)
{
	uint32_t words[sizeof(*key) / 4];

	_Static_assert(sizeof(*key) % 4 == 0, "the kernel hashes the key as 32-bit words");
	memcpy(words, key, sizeof(words));
	return kernel_jhash2(words, sizeof(words) / 4, 0) & (uint32_t)(pow2_at_least(slots) - 1);
}

/* A key for the order check: every byte of it varies with i. */
static void probe_key(struct flow_key *key, uint32_t i)
{
	unsigned char *b = (unsigned char *)key;
	uint32_t x = i * 2654435761u + 12345;
	size_t j;

	for (j = 0; j < sizeof(*key); j++) {
		x = x * 1103515245u + 12345;
		b[j] = x >> 24;
	}
}

int replay_table_order_matches(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_ZERO_SEED | BPF_F_NO_PREALLOC);
	const uint32_t keys = 200;
	struct flow_key key, next;
	uint32_t i, value = 0, seen = 0, last = 0, bucket;
	int fd, ok = 1;

	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "ew_order_probe", sizeof(key), sizeof(value),
			    keys, &opts);
	if (fd < 0)
		return 0;
	for (i = 0; i < keys; i++) {
		probe_key(&key, i);
		if (bpf_map_update_elem(fd, &key, &value, BPF_NOEXIST)) {
			ok = 0;
			goto out;
		}
	}
	/* 200 max entries: 256 buckets, walked in order by get_next_key as by the sweeper */
	for (i = 0; !bpf_map_get_next_key(fd, i ? &key : NULL, &next); i++) {
		bucket = flow_table_bucket(&next, keys);
		if (bucket < last) {
			ok = 0;
			break;
		}
		last = bucket;
		seen++;
		key = next;
	}
	ok = ok && seen == keys;
out:
	close(fd);
	return ok;
}

void bucket_reorder_init(struct bucket_reorder *r, uint32_t slots, size_t size,
			 size_t key_offset)
{
	memset(r, 0, sizeof(*r));
	r->slots = slots;
	r->size = size;
	r->key_offset = key_offset;
}

int bucket_reorder_add(struct bucket_reorder *r, const void *record)
{
	const struct flow_key *key;

	if (r->count == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		unsigned char *items = realloc(r->items, cap * r->size);
		uint64_t *sort_keys;

		if (!items)
			return -ENOMEM;
		r->items = items;
		sort_keys = realloc(r->sort_keys, cap * sizeof(*sort_keys));
		if (!sort_keys)
			return -ENOMEM;
		r->sort_keys = sort_keys;
		r->cap = cap;
	}
	memcpy(r->items + r->count * r->size, record, r->size);
	key = (const void *)(r->items + r->count * r->size + r->key_offset);
	r->sort_keys[r->count] = (uint64_t)flow_table_bucket(key, r->slots) << 32 | r->count;
	r->count++;
	return 0;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void bucket_reorder_flush(struct bucket_reorder *r, void (*fn)(void *ctx, const void *record),
			  void *ctx)
{
	size_t i;

	if (!r->count)
		return;	/* qsort(NULL, 0, ...) is undefined */
	qsort(r->sort_keys, r->count, sizeof(*r->sort_keys), compare_u64);
	for (i = 0; i < r->count; i++)
		fn(ctx, r->items + (r->sort_keys[i] & 0xffffffffu) * r->size);
	r->count = 0;
}

void bucket_reorder_free(struct bucket_reorder *r)
{
	free(r->items);
	free(r->sort_keys);
	memset(r, 0, sizeof(*r));
}
