// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The alert rate limiter, its aggregation and the event deduplicator: see
 * alert_limiter.h. All are uthash tables with a bound; the limiter's keys and aggregates
 * are kept in use order (an entry is moved to the end when it is used), so "the oldest"
 * is the least recently used. A key remembers the aggregate window it was counted in,
 * so a source is counted once per window without a set per aggregate.
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
	uint64_t agg_window;		/* the aggregate window it was counted in (0: none) */
	int aggregated;			/* in that window, its events go to the aggregate */
	UT_hash_handle hh;
	unsigned char latest[];		/* the latest held event (for the flush) */
};

/* What an aggregate is about: the key without the source. */
struct aggregate_key {
	uint32_t type;
	uint8_t family;
	uint8_t proto;
	uint16_t port;
	uint8_t target[16];
};

struct aggregate_entry {
	struct aggregate_key key;
	uint64_t window_start_ns;
	uint64_t window;		/* this window's id (the limiter's window_seq) */
	uint64_t distinct;		/* sources counted in this window */
	uint64_t events;		/* aggregated and not written yet */
	uint64_t sources;		/* their distinct sources */
	size_t sample_count;
	uint8_t sample[ALERT_SAMPLE_SOURCES][16];
	UT_hash_handle hh;
	unsigned char latest[];		/* the latest aggregated event */
};

struct alert_limiter {
	struct limit_entry *entries;	/* uthash, least recently used first */
	struct aggregate_entry *aggregates;	/* the same */
	size_t max_keys;		/* and aggregates */
	size_t event_size;
	uint64_t window_ns;
	uint32_t aggregate_sources;	/* 0: no aggregation */
	uint64_t window_seq;		/* the last aggregate window id handed out */
	uint64_t held;			/* in entries and in aggregates */
};

int alert_limiter_new(struct alert_limiter **out, size_t max_keys, size_t event_size)
{
	struct alert_limiter *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->max_keys = max_keys ? max_keys : 1;
	l->event_size = event_size;
	l->aggregate_sources = ALERT_AGGREGATE_SOURCES_DEFAULT;
	*out = l;
	return 0;
}

static void forget(struct alert_limiter *l, struct limit_entry *e)
{
	l->held -= e->held;
	HASH_DEL(l->entries, e);
	free(e);
}

static void forget_aggregate(struct alert_limiter *l, struct aggregate_entry *a)
{
	l->held -= a->events;
	HASH_DEL(l->aggregates, a);
	free(a);
}

void alert_limiter_free(struct alert_limiter *l)
{
	struct aggregate_entry *a, *atmp;
	struct limit_entry *e, *tmp;

	if (!l)
		return;
	HASH_ITER(hh, l->entries, e, tmp)
		forget(l, e);
	HASH_ITER(hh, l->aggregates, a, atmp)
		forget_aggregate(l, a);
	free(l);
}

void alert_limiter_set_window(struct alert_limiter *l, uint64_t window_ns)
{
	l->window_ns = window_ns;
}

void alert_limiter_set_aggregate(struct alert_limiter *l, uint32_t sources)
{
	l->aggregate_sources = sources;
}

/* Write a key's held events: its latest, standing for the others too. */
static void emit_held(struct limit_entry *e, alert_limit_emit_fn emit, void *ctx)
{
	struct alert_summary s = {};

	if (!e->held)
		return;
	s.suppressed = e->held - 1;
	emit(ctx, e->latest, &s);
}

/* Write an aggregate's events as one alert: its latest, standing for the others. */
static void emit_aggregate(struct alert_limiter *l, struct aggregate_entry *a,
			   alert_limit_emit_fn emit, void *ctx)
{
	struct alert_summary s = {};

	if (!a->events)
		return;
	s.aggregate = 1;
	s.aggregated = a->events - 1;
	s.sources = a->sources;
	s.family = a->key.family;
	s.sample_count = a->sample_count;
	memcpy(s.sample, a->sample, sizeof(s.sample));
	emit(ctx, a->latest, &s);
	l->held -= a->events;
	a->events = 0;
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

/* events may come a little out of order (per-CPU): earlier is inside the window */
static int in_window(const struct alert_limiter *l, uint64_t start_ns, uint64_t now_ns)
{
	return now_ns < start_ns || now_ns - start_ns < l->window_ns;
}

static void aggregate_open_window(struct alert_limiter *l, struct aggregate_entry *a,
				  uint64_t now_ns)
{
	a->window_start_ns = now_ns;
	a->window = ++l->window_seq;
	a->distinct = 0;
	a->sources = 0;
	a->sample_count = 0;
}

/*
 * The aggregate of k, most recently used, its window current (a window over is written
 * first); a full table forgets the least recently used one, written first. NULL: no
 * memory (the event is then limited per key only).
 */
static struct aggregate_entry *aggregate_of(struct alert_limiter *l,
					    const struct alert_limit_key *k, uint64_t now_ns,
					    alert_limit_emit_fn emit, void *ctx)
{
	struct aggregate_key ak;
	struct aggregate_entry *a;

	memset(&ak, 0, sizeof(ak));
	ak.type = k->type;
	ak.family = k->family;
	ak.proto = k->proto;
	ak.port = k->port;
	memcpy(ak.target, k->target, sizeof(ak.target));
	HASH_FIND(hh, l->aggregates, &ak, sizeof(ak), a);
	if (a) {
		HASH_DEL(l->aggregates, a);
		HASH_ADD(hh, l->aggregates, key, sizeof(a->key), a);
		if (!in_window(l, a->window_start_ns, now_ns)) {
			emit_aggregate(l, a, emit, ctx);
			aggregate_open_window(l, a, now_ns);
		}
		return a;
	}
	while (HASH_COUNT(l->aggregates) >= l->max_keys) {
		emit_aggregate(l, l->aggregates, emit, ctx);
		forget_aggregate(l, l->aggregates);
	}
	a = calloc(1, sizeof(*a) + l->event_size);
	if (!a)
		return NULL;
	a->key = ak;
	aggregate_open_window(l, a, now_ns);
	HASH_ADD(hh, l->aggregates, key, sizeof(a->key), a);
	return a;
}

static void sample_add(struct aggregate_entry *a, const uint8_t source[16])
{
	size_t i;

	for (i = 0; i < a->sample_count; i++)
		if (!memcmp(a->sample[i], source, 16))
			return;
	if (a->sample_count < ALERT_SAMPLE_SOURCES)
		memcpy(a->sample[a->sample_count++], source, 16);
}

/*
 * Count e's source in a's window once; past the bound it is aggregated for the rest of
 * the window. 1 if the key must start afresh: it was aggregated in an earlier window (it
 * never had an alert of its own since) and is alerted one by one again.
 */
static int count_source(struct alert_limiter *l, struct aggregate_entry *a,
			struct limit_entry *e)
{
	int was_aggregated = e->aggregated;

	if (!a) {
		e->aggregated = 0;
		return was_aggregated;
	}
	if (e->agg_window == a->window)
		return 0;
	e->agg_window = a->window;
	a->distinct++;
	e->aggregated = a->distinct > l->aggregate_sources;
	if (e->aggregated) {
		a->sources++;
		sample_add(a, e->key.source);
	}
	return was_aggregated && !e->aggregated;
}

enum alert_limit_verdict alert_limiter_check(struct alert_limiter *l,
					     const struct alert_limit_key *k, const void *event,
					     uint64_t now_ns, struct alert_summary *summary,
					     alert_limit_emit_fn emit, void *ctx)
{
	struct aggregate_entry *a = NULL;
	struct limit_entry *e;
	int fresh = 0;

	memset(summary, 0, sizeof(*summary));
	if (!l->window_ns)
		return ALERT_LIMIT_WRITE;
	if (l->aggregate_sources)
		a = aggregate_of(l, k, now_ns, emit, ctx);
	HASH_FIND(hh, l->entries, k, sizeof(*k), e);
	if (!e) {
		make_room(l, emit, ctx);
		e = calloc(1, sizeof(*e) + l->event_size);
		if (!e)
			return ALERT_LIMIT_WRITE;	/* cannot remember it: write it */
		e->key = *k;
		HASH_ADD(hh, l->entries, key, sizeof(e->key), e);
		fresh = 1;
	} else {
		/* most recently used last */
		HASH_DEL(l->entries, e);
		HASH_ADD(hh, l->entries, key, sizeof(e->key), e);
	}
	if (count_source(l, a, e))
		fresh = 1;
	if (e->aggregated) {
		a->events++;
		l->held++;
		memcpy(a->latest, event, l->event_size);
		return ALERT_LIMIT_HOLD;
	}
	if (!fresh && in_window(l, e->window_start_ns, now_ns)) {
		e->held++;
		l->held++;
		memcpy(e->latest, event, l->event_size);
		return ALERT_LIMIT_HOLD;
	}
	summary->suppressed = e->held;
	l->held -= e->held;
	e->held = 0;
	e->window_start_ns = now_ns;
	return ALERT_LIMIT_WRITE;
}

void alert_limiter_flush(struct alert_limiter *l, alert_limit_emit_fn emit, void *ctx)
{
	struct aggregate_entry *a, *atmp;
	struct limit_entry *e, *tmp;

	HASH_ITER(hh, l->entries, e, tmp) {
		emit_held(e, emit, ctx);
		forget(l, e);
	}
	HASH_ITER(hh, l->aggregates, a, atmp) {
		emit_aggregate(l, a, emit, ctx);
		forget_aggregate(l, a);
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

size_t alert_limiter_aggregates(const struct alert_limiter *l)
{
	return HASH_COUNT(l->aggregates);
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
