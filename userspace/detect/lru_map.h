/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A bounded map for the detectors' state (per source, per destination, per pair): fixed
 * key and value sizes, at most `capacity` entries allocated once at creation, the least
 * recently used entry forgotten when a new one needs its place, each such eviction
 * counted (and shown to the detector first, so it can close what the entry held). A
 * million spoofed sources cost capacity entries, never more. uthash underneath.
 *
 *   struct lru_map *m;
 *   lru_map_new(&m, 65536, sizeof(struct pair_key), sizeof(struct pair_state));
 *   struct pair_state *st = lru_map_upsert(m, &key, &created, on_evict, ctx);
 */
#ifndef EDGEWATCH_DETECT_LRU_MAP_H
#define EDGEWATCH_DETECT_LRU_MAP_H

#include <stddef.h>
#include <stdint.h>

struct lru_map;

/* An entry about to be forgotten to make room (its key and value are still valid). */
typedef void (*lru_evict_fn)(void *ctx, const void *key, void *value);
/* A visit: return 1 to delete the entry, 0 to keep it. */
typedef int (*lru_visit_fn)(void *ctx, const void *key, void *value);

/* 0 or -ENOMEM/-EINVAL (capacity or key_size 0). Keys are compared as bytes: zero them. */
int lru_map_new(struct lru_map **out, size_t capacity, size_t key_size, size_t value_size);
void lru_map_free(struct lru_map *m);	/* NULL-safe */

/* The value of key, made the most recently used; NULL when absent. */
void *lru_map_get(struct lru_map *m, const void *key);
/*
 * The value of key, made the most recently used; created zeroed when absent (*created
 * = 1), taking the least recently used entry's place when the map is full (evict, may
 * be NULL, sees it first). Never NULL.
 */
void *lru_map_upsert(struct lru_map *m, const void *key, int *created, lru_evict_fn evict,
		     void *ctx);
void lru_map_delete(struct lru_map *m, const void *key);
/* Visit every entry, least recently used first; the visitor may delete the entry it sees. */
void lru_map_each(struct lru_map *m, lru_visit_fn visit, void *ctx);

size_t lru_map_count(const struct lru_map *m);
size_t lru_map_capacity(const struct lru_map *m);
/* Entries forgotten to make room, since creation. */
uint64_t lru_map_evictions(const struct lru_map *m);
/* Bytes in use (for the stats: memory is bounded, by capacity, and shown). */
size_t lru_map_bytes(const struct lru_map *m);

#endif /* EDGEWATCH_DETECT_LRU_MAP_H */
