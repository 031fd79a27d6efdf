// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The alert rate limiter and the event deduplicator: see alert_limiter.h. Both are
 * uthash tables with a bound; the limiter's keys are kept in use order (an entry is
 * moved to the end when it is used), so "the oldest" is the least recently used.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "detect/alert_limiter.h"

struct limit_entry {
	struct alert_limit_key key;
	uint64_t window_start_ns;	/* when the last alert of the key was written */
	uint64_t held;			/* events since then, not written */
	struct ew_event latest;		/* the latest held event (for the flush) */
	UT_hash_handle hh;
};

struct alert_limiter {
	struct limit_entry *entries;	/* uthash, least recently used first */
	size_t max_keys;
	uint64_t window_ns;
	uint64_t held;
};

int alert_limiter_new(struct alert_limiter **out, size_t max_keys)
{
	struct alert_limiter *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->max_keys = max_keys ? max_keys : 1;
	*out = l;
	return 0;
}

static void forget(struct alert_limiter *l, struct limit_entry *e)
{
	l->held -= e->held;
	HASH_DEL(l->entries, e);
	free(e);
}

void alert_limiter_free(struct alert_limiter *l)
{
	struct limit_entry *e, *tmp;

	if (!l)
		return;
	HASH_ITER(hh, l->entries, e, tmp)
		forget(l, e);
	free(l);
}

void alert_limiter_set_window(struct alert_limiter *l, uint64_t window_ns)
{
	l->window_ns = window_ns;
}

/* Write a key's held events: its latest, standing for the others too. */
static void emit_held(struct limit_entry *e, alert_limit_emit_fn emit, void *ctx)
{
	if (e->held)
		emit(ctx, &e->latest, e->held - 1);
}

/* Room for one more key: the least recently used one goes, its held events written. */
static void make_room(struct alert_limiter *l, alert_limit_emit_fn emit, void *ctx)
{
	struct limit_entry *oldest;

	while (HASH_COUNT(l->entries) >= l->max_keys) {
		oldest = l->entries;
		emit_held(oldest, emit, ctx);
		forget(l, oldest);
	}
}

enum alert_limit_verdict alert_limiter_check(struct alert_limiter *l,
					     const struct alert_limit_key *k,
					     const struct ew_event *ev, uint64_t now_ns,
					     uint64_t *suppressed, alert_limit_emit_fn emit,
					     void *ctx)
{
	struct limit_entry *e;

	*suppressed = 0;
	if (!l->window_ns)
		return ALERT_LIMIT_WRITE;
	HASH_FIND(hh, l->entries, k, sizeof(*k), e);
	if (!e) {
		make_room(l, emit, ctx);
		e = calloc(1, sizeof(*e));
		if (!e)
			return ALERT_LIMIT_WRITE;	/* cannot remember it: write it */
		e->key = *k;
		e->window_start_ns = now_ns;
		HASH_ADD(hh, l->entries, key, sizeof(e->key), e);
		return ALERT_LIMIT_WRITE;
	}
	/* most recently used last */
	HASH_DEL(l->entries, e);
	HASH_ADD(hh, l->entries, key, sizeof(e->key), e);
	/* events may come a little out of order (per-CPU): earlier is inside the window */
	if (now_ns < e->window_start_ns || now_ns - e->window_start_ns < l->window_ns) {
		e->held++;
		l->held++;
		e->latest = *ev;
		return ALERT_LIMIT_HOLD;
	}
	*suppressed = e->held;
	l->held -= e->held;
	e->held = 0;
	e->window_start_ns = now_ns;
	return ALERT_LIMIT_WRITE;
}

void alert_limiter_flush(struct alert_limiter *l, alert_limit_emit_fn emit, void *ctx)
{
	struct limit_entry *e, *tmp;

	HASH_ITER(hh, l->entries, e, tmp) {
		emit_held(e, emit, ctx);
		forget(l, e);
	}
}

uint64_t alert_limiter_held(const struct alert_limiter *l)
{
	return l->held;
}

size_t alert_limiter_keys(const struct alert_limiter *l)
{
	return HASH_COUNT(l->entries);
}

/* ---- deduplication ----------------------------------------------------------------- */

struct dedup_key {
	uint64_t flow_seq;
	uint32_t type;
	uint32_t pad;
};

struct dedup_entry {
	struct dedup_key key;
	UT_hash_handle hh;
};

/* A ring of the last capacity pairs, indexed by a hash; the oldest is overwritten. */
struct event_dedup {
	struct dedup_entry *ring;
	struct dedup_entry *index;	/* uthash over ring[] */
	size_t capacity;
	size_t next;			/* the ring slot written next */
	size_t used;
};

int event_dedup_new(struct event_dedup **out, size_t capacity)
{
	struct event_dedup *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->capacity = capacity ? capacity : 1;
	d->ring = calloc(d->capacity, sizeof(*d->ring));
	if (!d->ring) {
		free(d);
		return -ENOMEM;
	}
	*out = d;
	return 0;
}

void event_dedup_free(struct event_dedup *d)
{
	if (!d)
		return;
	HASH_CLEAR(hh, d->index);
	free(d->ring);
	free(d);
}

int event_dedup_seen(struct event_dedup *d, uint64_t flow_seq, uint32_t type)
{
	struct dedup_key k = { .flow_seq = flow_seq, .type = type };
	struct dedup_entry *e;

	HASH_FIND(hh, d->index, &k, sizeof(k), e);
	if (e)
		return 1;
	e = &d->ring[d->next];
	if (d->used == d->capacity)
		HASH_DEL(d->index, e);	/* the oldest pair goes */
	else
		d->used++;
	e->key = k;
	HASH_ADD(hh, d->index, key, sizeof(e->key), e);
	d->next = (d->next + 1) % d->capacity;
	return 0;
}
