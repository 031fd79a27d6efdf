/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The bounded queue between the ring buffer's consumer (one producer, the main thread)
 * and the scanner threads: fixed slots, each a copy of one sample record. A push never
 * waits for room: a full queue refuses the sample and the caller counts it. The lock is
 * held only to copy one record in or out (a few hundred bytes), never while scanning.
 */
#ifndef EDGEWATCH_SAMPLE_QUEUE_H
#define EDGEWATCH_SAMPLE_QUEUE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct sample_queue {
	pthread_mutex_t lock;
	pthread_cond_t not_empty;	/* a worker may pop */
	pthread_cond_t idle;		/* empty and no sample being scanned */
	uint8_t *slots;			/* capacity * slot_size bytes */
	uint32_t *lengths;		/* bytes used in each slot */
	size_t slot_size;
	size_t capacity;
	size_t head;			/* oldest sample */
	size_t count;
	size_t in_progress;		/* popped, not yet done */
	size_t high_water;		/* most samples ever waiting at once */
	int stopping;
};

/* 0 or -errno. */
int sample_queue_init(struct sample_queue *q, size_t capacity, size_t slot_size);
void sample_queue_destroy(struct sample_queue *q);

/* Copy a record in; -ENOSPC when the queue is full, -EMSGSIZE when len > slot_size. */
int sample_queue_push(struct sample_queue *q, const void *record, size_t len);

/*
 * Wait for a record and copy it out (buf has room for slot_size bytes); the caller scans
 * it, then calls sample_queue_done(). 0, or -ESHUTDOWN once stopping and empty.
 */
int sample_queue_pop(struct sample_queue *q, void *buf, size_t *len);
/*
 * The popped record is done: outcome (the counter of where it went) is incremented in
 * the same step, under the lock, so sample_queue_observe() sees each record either
 * pending or in its outcome, never both or neither.
 */
void sample_queue_done(struct sample_queue *q, uint64_t *outcome);

/* Call observe(ctx, pending) with the lock held: a consistent view of the counters. */
void sample_queue_observe(struct sample_queue *q, void (*observe)(void *ctx, size_t pending),
			  void *ctx);

/* Wait until the queue is empty and every popped record is done. */
void sample_queue_wait_idle(struct sample_queue *q);

/* Wake the workers for good: they empty the queue, then pop returns -ESHUTDOWN. */
void sample_queue_stop(struct sample_queue *q);

/* The most samples ever waiting at once. */
size_t sample_queue_high_water(struct sample_queue *q);

#endif /* EDGEWATCH_SAMPLE_QUEUE_H */
