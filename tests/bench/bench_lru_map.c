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
 * spoofed source's first packet). 1,000,000 operations each, the best of 3 rounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "detect/lru_map.h"

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

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static double min_of(double a, double b)
{
	return a < b ? a : b;
}

int main(int argc, char **argv)
{
	size_t capacity = argc > 1 ? strtoul(argv[1], NULL, 10) : 131072, i;
	double fill, hit = 1e9, miss = 1e9, churn = 1e9, t0;
	uint8_t (*keys)[KEY_BYTES], (*fresh)[KEY_BYTES];
	uint64_t found = 0;
	struct lru_map *m;
	int created, r;

	keys = calloc(capacity, KEY_BYTES);
	fresh = calloc(OPS, KEY_BYTES);
	if (!capacity || !keys || !fresh || lru_map_new(&m, capacity, KEY_BYTES, VALUE_BYTES)) {
		fprintf(stderr, "usage: %s [CAPACITY > 0] (or out of memory)\n", argv[0]);
		return 2;
	}
	for (i = 0; i < capacity; i++)
		random_key(keys[i]);
	t0 = now_s();
	for (i = 0; i < capacity; i++)
		lru_map_upsert(m, keys[i], &created, NULL, NULL);
	fill = (now_s() - t0) / capacity;
	for (r = 0; r < ROUNDS; r++) {
		uint8_t absent[KEY_BYTES];

		t0 = now_s();
		for (i = 0; i < OPS; i++)
			found += lru_map_get(m, keys[rng_next() % capacity]) != NULL;
		hit = min_of(hit, (now_s() - t0) / OPS);
		t0 = now_s();
		for (i = 0; i < OPS; i++) {
			random_key(absent);
			found += lru_map_get(m, absent) != NULL;
		}
		miss = min_of(miss, (now_s() - t0) / OPS);
	}
	/* last: it replaces the keys the rounds above look up */
	for (i = 0; i < OPS; i++)
		random_key(fresh[i]);
	t0 = now_s();
	for (i = 0; i < OPS; i++)
		lru_map_upsert(m, fresh[i], &created, NULL, NULL);
	churn = (now_s() - t0) / OPS;

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
