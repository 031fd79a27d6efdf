// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "payload/flow_alerts.h"
#include "payload/flow_block.h"

struct flow_entry {
	uint64_t flow_seq;
	struct flow_key key;
	uint64_t *rules;	/* (gid << 32) | sid of each rule that alerted */
	size_t rule_count;
	size_t rule_cap;
	int blocked;
	UT_hash_handle hh;	/* the hash's order is the eviction order: oldest first */
};

struct flow_alerts {
	pthread_mutex_t lock;
	struct flow_entry *entries;
	size_t count;
	size_t max_flows;
	struct flow_blocker *blocker;
	uint64_t forgotten;
	uint64_t evicted;
};

int flow_alerts_new(struct flow_alerts **out, size_t max_flows, struct flow_blocker *blocker)
{
	struct flow_alerts *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	t->max_flows = max_flows ? max_flows : FLOW_ALERTS_MAX_DEFAULT;
	t->blocker = blocker;
	*out = t;
	return 0;
}

/* Unlink, release the block, free. Called with the lock held. */
static void forget(struct flow_alerts *t, struct flow_entry *e)
{
	HASH_DEL(t->entries, e);
	t->count--;
	if (e->blocked && t->blocker)
		flow_blocker_release(t->blocker, &e->key);
	free(e->rules);
	free(e);
}

void flow_alerts_free(struct flow_alerts *t)
{
	struct flow_entry *e, *tmp;

	if (!t)
		return;
	HASH_ITER(hh, t->entries, e, tmp)
		forget(t, e);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static struct flow_entry *entry_for(struct flow_alerts *t, uint64_t flow_seq,
				    const struct flow_key *key)
{
	struct flow_entry *e = NULL;

	HASH_FIND(hh, t->entries, &flow_seq, sizeof(flow_seq), e);
	if (e)
		return e;
	if (t->count >= t->max_flows) {
		forget(t, t->entries);	/* the head: alerted on least recently */
		t->evicted++;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->flow_seq = flow_seq;
	e->key = *key;
	HASH_ADD(hh, t->entries, flow_seq, sizeof(e->flow_seq), e);
	t->count++;
	return e;
}

static int has_rule(const struct flow_entry *e, uint64_t rule)
{
	size_t i;

	for (i = 0; i < e->rule_count; i++)
		if (e->rules[i] == rule)
			return 1;
	return 0;
}

int flow_alerts_claim(struct flow_alerts *t, uint64_t flow_seq, const struct flow_key *key,
		      uint32_t gid, uint32_t sid)
{
	uint64_t rule = (uint64_t)gid << 32 | sid;
	struct flow_entry *e;
	int ret = 1;

	pthread_mutex_lock(&t->lock);
	e = entry_for(t, flow_seq, key);
	if (!e) {
		ret = -ENOMEM;
		goto out;
	}
	if (has_rule(e, rule)) {
		ret = 0;
		goto out;
	}
	if (e->rule_count == e->rule_cap) {
		size_t cap = e->rule_cap ? e->rule_cap * 2 : 4;
		uint64_t *grown = realloc(e->rules, cap * sizeof(*grown));

		if (!grown) {
			ret = -ENOMEM;
			goto out;
		}
		e->rules = grown;
		e->rule_cap = cap;
	}
	e->rules[e->rule_count++] = rule;
	/* most recently alerted on: last to be evicted */
	HASH_DEL(t->entries, e);
	HASH_ADD(hh, t->entries, flow_seq, sizeof(e->flow_seq), e);
out:
	pthread_mutex_unlock(&t->lock);
	return ret;
}

int flow_alerts_block(struct flow_alerts *t, uint64_t flow_seq)
{
	struct flow_entry *e = NULL;
	int ret = 0;

	if (!t->blocker)
		return 0;
	pthread_mutex_lock(&t->lock);
	HASH_FIND(hh, t->entries, &flow_seq, sizeof(flow_seq), e);
	if (e && !e->blocked && flow_blocker_block(t->blocker, &e->key) == 0)
		e->blocked = 1;
	ret = e && e->blocked;
	pthread_mutex_unlock(&t->lock);
	return ret;
}

int flow_alerts_exported(struct flow_alerts *t, uint64_t flow_seq, int ended)
{
	struct flow_entry *e = NULL;
	int alerted;

	pthread_mutex_lock(&t->lock);
	HASH_FIND(hh, t->entries, &flow_seq, sizeof(flow_seq), e);
	alerted = e != NULL;
	if (e && ended) {
		forget(t, e);
		t->forgotten++;
	}
	pthread_mutex_unlock(&t->lock);
	return alerted;
}

void flow_alerts_get_stats(struct flow_alerts *t, struct flow_alerts_stats *out)
{
	pthread_mutex_lock(&t->lock);
	out->flows = t->count;
	out->forgotten = t->forgotten;
	out->evicted = t->evicted;
	pthread_mutex_unlock(&t->lock);
}
