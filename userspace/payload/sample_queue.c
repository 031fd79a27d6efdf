// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "payload/sample_queue.h"

int sample_queue_init(struct sample_queue *q, size_t capacity, size_t slot_size)
{
	memset(q, 0, sizeof(*q));
	if (!capacity || !slot_size)
		return -EINVAL;
	q->slots = calloc(capacity, slot_size);
	q->lengths = calloc(capacity, sizeof(*q->lengths));
	if (!q->slots || !q->lengths) {
		free(q->slots);
		free(q->lengths);
		q->slots = NULL;
		q->lengths = NULL;
		return -ENOMEM;
	}
	q->capacity = capacity;
	q->slot_size = slot_size;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->idle, NULL);
	return 0;
}

void sample_queue_destroy(struct sample_queue *q)
{
	if (!q->slots)
		return;
	pthread_cond_destroy(&q->idle);
	pthread_cond_destroy(&q->not_empty);
	pthread_mutex_destroy(&q->lock);
	free(q->slots);
	free(q->lengths);
	q->slots = NULL;
	q->lengths = NULL;
}

int sample_queue_push(struct sample_queue *q, const void *record, size_t len)
{
	size_t tail;

	if (len > q->slot_size)
		return -EMSGSIZE;
	pthread_mutex_lock(&q->lock);
	if (q->count == q->capacity) {
		pthread_mutex_unlock(&q->lock);
		return -ENOSPC;
	}
	tail = (q->head + q->count) % q->capacity;
	memcpy(q->slots + tail * q->slot_size, record, len);
	q->lengths[tail] = (uint32_t)len;
	q->count++;
	if (q->count > q->high_water)
		q->high_water = q->count;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
	return 0;
}

int sample_queue_pop(struct sample_queue *q, void *buf, size_t *len)
{
	pthread_mutex_lock(&q->lock);
	while (!q->count && !q->stopping)
		pthread_cond_wait(&q->not_empty, &q->lock);
	if (!q->count) {
		pthread_mutex_unlock(&q->lock);
		return -ESHUTDOWN;
	}
	*len = q->lengths[q->head];
	memcpy(buf, q->slots + q->head * q->slot_size, *len);
	q->head = (q->head + 1) % q->capacity;
	q->count--;
	q->in_progress++;
	pthread_mutex_unlock(&q->lock);
	return 0;
}

void sample_queue_done(struct sample_queue *q, uint64_t *outcome)
{
	pthread_mutex_lock(&q->lock);
	__atomic_add_fetch(outcome, 1, __ATOMIC_RELAXED);
	q->in_progress--;
	if (!q->count && !q->in_progress)
		pthread_cond_broadcast(&q->idle);
	pthread_mutex_unlock(&q->lock);
}

void sample_queue_wait_idle(struct sample_queue *q)
{
	pthread_mutex_lock(&q->lock);
	while (q->count || q->in_progress)
		pthread_cond_wait(&q->idle, &q->lock);
	pthread_mutex_unlock(&q->lock);
}

void sample_queue_stop(struct sample_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->stopping = 1;
	pthread_cond_broadcast(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

void sample_queue_observe(struct sample_queue *q, void (*observe)(void *ctx, size_t pending),
			  void *ctx)
{
	pthread_mutex_lock(&q->lock);
	observe(ctx, q->count + q->in_progress);
	pthread_mutex_unlock(&q->lock);
}

size_t sample_queue_high_water(struct sample_queue *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = q->high_water;
	pthread_mutex_unlock(&q->lock);
	return n;
}
