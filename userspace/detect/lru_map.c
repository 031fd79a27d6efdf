// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The detectors' bounded map: see lru_map.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "detect/lru_map.h"

/* An entry: the uthash handle, then the key, then the value (8-byte aligned). */
struct lru_entry {
	UT_hash_handle hh;
	struct lru_entry *next_free;
	/* key (key_size bytes), padding, value (value_size bytes) */
	unsigned char data[] __attribute__((aligned(8)));
};

struct lru_map {
	struct lru_entry *table;	/* uthash; its application order is least recent first */
	struct lru_entry *free_list;
	unsigned char *pool;		/* capacity entries, allocated once (untouched pages */
	size_t capacity, count;		/* cost nothing until used) */
	size_t never_used;		/* entries [never_used, capacity) not handed out yet */
	size_t key_size, value_offset, value_size, entry_size;
	uint64_t evictions;
};

#define ALIGN8(n) (((n) + 7) & ~(size_t)7)

static struct lru_entry *entry_at(struct lru_map *m, size_t i)
{
	return (struct lru_entry *)(m->pool + i * m->entry_size);
}

static void *value_of(struct lru_map *m, struct lru_entry *e)
{
	return e->data + m->value_offset;
}

int lru_map_new(struct lru_map **out, size_t capacity, size_t key_size, size_t value_size)
{
	struct lru_map *m;

	*out = NULL;
	if (!capacity || !key_size)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->capacity = capacity;
	m->key_size = key_size;
	m->value_offset = ALIGN8(key_size);
	m->value_size = value_size;
	m->entry_size = ALIGN8(sizeof(struct lru_entry) + m->value_offset + value_size);
	m->pool = calloc(capacity, m->entry_size);
	if (!m->pool) {
		free(m);
		return -ENOMEM;
	}
	*out = m;
	return 0;
}

void lru_map_free(struct lru_map *m)
{
	if (!m)
		return;
	HASH_CLEAR(hh, m->table);
	free(m->pool);
	free(m);
}

static struct lru_entry *find(struct lru_map *m, const void *key)
{
	struct lru_entry *e = NULL;

	HASH_FIND(hh, m->table, key, m->key_size, e);
	return e;
}

/* Most recently used = last in uthash's application order. */
static void touch(struct lru_map *m, struct lru_entry *e)
{
	HASH_DELETE(hh, m->table, e);
	HASH_ADD_KEYPTR(hh, m->table, e->data, m->key_size, e);
}

void *lru_map_get(struct lru_map *m, const void *key)
{
	struct lru_entry *e = find(m, key);

	if (!e)
		return NULL;
	touch(m, e);
	return value_of(m, e);
}

static void release(struct lru_map *m, struct lru_entry *e)
{
	HASH_DELETE(hh, m->table, e);
	e->next_free = m->free_list;
	m->free_list = e;
	m->count--;
}

void *lru_map_upsert(struct lru_map *m, const void *key, int *created, lru_evict_fn evict,
		     void *ctx)
{
	struct lru_entry *e = find(m, key);

	if (created)
		*created = e == NULL;
	if (e) {
		touch(m, e);
		return value_of(m, e);
	}
	if (!m->free_list && m->never_used == m->capacity) {
		struct lru_entry *oldest = m->table;	/* least recently used */

		if (evict)
			evict(ctx, oldest->data, value_of(m, oldest));
		m->evictions++;
		release(m, oldest);
	}
	if (m->free_list) {
		e = m->free_list;
		m->free_list = e->next_free;
	} else {
		e = entry_at(m, m->never_used++);
	}
	memset(e, 0, m->entry_size);
	memcpy(e->data, key, m->key_size);
	HASH_ADD_KEYPTR(hh, m->table, e->data, m->key_size, e);
	m->count++;
	return value_of(m, e);
}

void lru_map_delete(struct lru_map *m, const void *key)
{
	struct lru_entry *e = find(m, key);

	if (e)
		release(m, e);
}

void lru_map_each(struct lru_map *m, lru_visit_fn visit, void *ctx)
{
	struct lru_entry *e, *next;

	HASH_ITER(hh, m->table, e, next) {
		if (visit(ctx, e->data, value_of(m, e)))
			release(m, e);
	}
}

size_t lru_map_count(const struct lru_map *m)
{
	return m->count;
}

size_t lru_map_capacity(const struct lru_map *m)
{
	return m->capacity;
}

uint64_t lru_map_evictions(const struct lru_map *m)
{
	return m->evictions;
}

size_t lru_map_bytes(const struct lru_map *m)
{
	/* the entries used so far (the pool's untouched rest is not memory yet), and
	 * uthash's buckets (at most one per two entries, 16 bytes each) */
	return sizeof(*m) + m->never_used * (m->entry_size + 8);
}
