/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the sinks with a sender thread of their own (syslog, IPFIX, Kafka) share: a monotonic
 * clock in milliseconds and condition variables that wait on it, so a deadline does not
 * move when the wall clock is set.
 */
#ifndef EDGEWATCH_OUTPUT_SINK_CLOCK_H
#define EDGEWATCH_OUTPUT_SINK_CLOCK_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in ms. */
uint64_t sink_now_ms(void);

/* pthread_cond_timedwait until a sink_now_ms() time (the cond made by sink_sync_init). */
void sink_wait_until(pthread_cond_t *cond, pthread_mutex_t *lock, uint64_t deadline_ms);

/* A cond on CLOCK_MONOTONIC. 0 or -errno. */
int sink_cond_init(pthread_cond_t *cond);

/* The lock and two conds on CLOCK_MONOTONIC. 0 or -errno (then none is left made). */
int sink_sync_init(pthread_mutex_t *lock, pthread_cond_t *wake, pthread_cond_t *idle);

/*
 * When a sender thread is woken. A sender that empties its queue and sleeps, woken by
 * the next message, costs the producer (the engine) a futex wake per message and the
 * sender a context switch per message: on this project's machine 1.4-1.9 us of the
 * engine's CPU per message and sink, several times the sink's own instructions
 * (BENCHMARKS.md, output wing). So the sender gathers: woken by the first message into
 * an empty queue, it waits up to SINK_GATHER_MS for `batch` messages (the producer
 * wakes it once when they are there), then sends everything queued at that moment
 * before it gathers again. A message waits at most SINK_GATHER_MS plus the sends
 * before it; a drain or close (hurry) ends the gathering.
 * Every field is under the sink's lock.
 */
#define SINK_GATHER_MS 5

enum sink_sender_state {
	SINK_SENDER_RUNNING,	/* sending, or about to look at the queue */
	SINK_SENDER_IDLE,	/* the queue was empty: the first message wakes it */
	SINK_SENDER_GATHERING,	/* waits for a batch or the deadline */
};

struct sink_pace {
	enum sink_sender_state state;
	uint64_t gather_until_ms;	/* 0: no gathering begun */
	size_t owed;			/* messages to send before the next gathering */
	int hurry;			/* a drain or close waits for the queue */
};

/* The producer, after queuing one (count: the queue's length now): 1 if it must
 * signal the sender's wake cond. */
int sink_pace_queued(struct sink_pace *p, size_t count, size_t batch);

/* The sender, with an empty queue: wait for a message (or stop, or abort). */
void sink_pace_idle(struct sink_pace *p, pthread_cond_t *wake, pthread_mutex_t *lock);

/* The sender, with count queued: 1 if it waited to gather more (look at the queue
 * again), 0 to send now. */
int sink_pace_gather(struct sink_pace *p, pthread_cond_t *wake, pthread_mutex_t *lock,
		     size_t count, size_t batch);

/* What a sender does next (sink_pace_next). */
enum sink_sender_step {
	SINK_SEND,	/* send from the queue's head now */
	SINK_LOOK_AGAIN,	/* it waited: look at the queue (and the sink's state) again */
	SINK_STOP,	/* the queue is empty and the sink stops */
};

/*
 * The sender's loop, under the lock: with aborting set (the closer empties the queue)
 * it waits for a wake; with count queued it gathers (sink_pace_gather) or sends; with
 * none it stops when stopping is set, else waits for a message (sink_pace_idle).
 */
enum sink_sender_step sink_pace_next(struct sink_pace *p, pthread_cond_t *wake,
				     pthread_mutex_t *lock, size_t count, size_t batch,
				     int aborting, int stopping);

/* The sender, after a send: n messages left the queue (sent or counted as lost). */
void sink_pace_sent(struct sink_pace *p, size_t n);

#endif /* EDGEWATCH_OUTPUT_SINK_CLOCK_H */
