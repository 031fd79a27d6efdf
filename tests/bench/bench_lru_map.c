// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The detectors' bounded map (userspace/detect/lru_map.h) at a spoofed flood's sizes:
 * ns per operation on a map of CAPACITY entries of the scan and beacon detectors' pair
 * key (36 bytes) and a 64-byte value, filled with random keys. A developer's tool for
 * issue 11 (replay of a spoofed flood spends ~8% of its time in the map's lookups), not
 * part of `make bench`:
 *
 *   .output/bench/bench_lru_map [CAPACITY]     (default 131072; taskset -c 1 to pin)
 *
 * Prints Markdown: filling the map, a get that hits (random key), a get that misses, and
 * an upsert of a new key into the full map (the least recently used entry evicted: a
 * spoofed source's first packet). 1,000,000 operations each (filling: CAPACITY); hits and
 * misses the best of 3 rounds, filling and the full map's upserts once (each changes the
 * map it would be repeated on).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/lru_map.h"
#include "bench_time.h"

#define KEY_BYTES 36	/* struct pair_key of scan.c and beacon.c */
#define VALUE_BYTES 64
#define OPS 1000000
#define ROUNDS 3

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng_next(void)	/* xorshift64: keys, not cryptography */
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void random_key(uint8_t *key)
{
	uint64_t words[(KEY_BYTES + 7) / 8];
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		words[i] = rng_next();
	memcpy(key, words, KEY_BYTES);
}

/* Seconds per upsert of n keys, each new to the map. */
static double time_upserts(struct lru_map *m, uint8_t (*keys)[KEY_BYTES], size_t n)
{
	double t0 = now_s();
	int created;
	size_t i;

	for (i = 0; i < n; i++)
		lru_map_upsert(m, keys[i], &created, NULL, NULL);
	return (now_s() - t0) / n;
}

int main(int argc, char **argv)
{
	size_t capacity = argc > 1 ? strtoul(argv[1], NULL, 10) : 131072, i;
	double fill, hit = 1e9, miss = 1e9, churn, t0, took;
	uint8_t (*keys)[KEY_BYTES], (*fresh)[KEY_BYTES];
	uint64_t found = 0;
	struct lru_map *m;
	int r;

	keys = calloc(capacity, KEY_BYTES);
	fresh = calloc(OPS, KEY_BYTES);
	if (!capacity || !keys || !fresh || lru_map_new(&m, capacity, KEY_BYTES, VALUE_BYTES)) {
		fprintf(stderr, "usage: %s [CAPACITY > 0] (or out of memory)\n", argv[0]);
		return 2;
	}
	for (i = 0; i < capacity; i++)
		random_key(keys[i]);
	fill = time_upserts(m, keys, capacity);
	for (r = 0; r < ROUNDS; r++) {
		uint8_t absent[KEY_BYTES];

		t0 = now_s();
		for (i = 0; i < OPS; i++)
			found += lru_map_get(m, keys[rng_next() % capacity]) != NULL;
		took = (now_s() - t0) / OPS;
		hit = took < hit ? took : hit;
		t0 = now_s();
		for (i = 0; i < OPS; i++) {
			random_key(absent);
			found += lru_map_get(m, absent) != NULL;
		}
		took = (now_s() - t0) / OPS;
		miss = took < miss ? took : miss;
	}
	/* last: it replaces the keys the rounds above look up */
	for (i = 0; i < OPS; i++)
		random_key(fresh[i]);
	churn = time_upserts(m, fresh, OPS);

	printf("### The detectors' map (lru_map), %zu entries of a %d-byte key and a %d-byte "
	       "value\n\n", capacity, KEY_BYTES, VALUE_BYTES);
	printf("| operation | ns |\n|---|---:|\n");
	printf("| upsert while filling (no eviction) | %.0f |\n", fill * 1e9);
	printf("| get, hit (random key; made the most recently used) | %.0f |\n", hit * 1e9);
	printf("| get, miss | %.0f |\n", miss * 1e9);
	printf("| upsert of a new key into the full map (evicts the least recently used) | "
	       "%.0f |\n", churn * 1e9);
	printf("\n%zu entries, %llu evictions, %zu bytes (lru_map_bytes); %llu hits counted\n",
	       lru_map_count(m), (unsigned long long)lru_map_evictions(m), lru_map_bytes(m),
	       (unsigned long long)found);
	lru_map_free(m);
	free(keys);
	free(fresh);
	return 0;
}
