// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Monotonic waits of the sinks' sender threads, and when they are woken (sink_clock.h). */
#include <time.h>

#include "output/sink_clock.h"

uint64_t sink_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void sink_wait_until(pthread_cond_t *cond, pthread_mutex_t *lock, uint64_t deadline_ms)
{
	struct timespec ts = {
		.tv_sec = (time_t)(deadline_ms / 1000),
		.tv_nsec = (long)(deadline_ms % 1000) * 1000000,
	};

	pthread_cond_timedwait(cond, lock, &ts);
}

int sink_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;
	int err = pthread_condattr_init(&attr);

	if (err)
		return -err;
	err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!err)
		err = pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
	return -err;
}

int sink_sync_init(pthread_mutex_t *lock, pthread_cond_t *wake, pthread_cond_t *idle)
{
	int err = sink_cond_init(wake);

	if (err)
		return err;
	err = sink_cond_init(idle);
	if (err) {
		pthread_cond_destroy(wake);
		return err;
	}
	err = -pthread_mutex_init(lock, NULL);
	if (err) {	/* what was made is undone: on failure the caller has nothing to free */
		pthread_cond_destroy(wake);
		pthread_cond_destroy(idle);
	}
	return err;
}

int sink_pace_queued(struct sink_pace *p, size_t count, size_t batch)
{
	if (p->state == SINK_SENDER_IDLE && count == 1)
		return 1;
	if (p->state == SINK_SENDER_GATHERING && count >= batch) {
		p->state = SINK_SENDER_RUNNING;	/* one wake per batch, not one per message */
		return 1;
	}
	return 0;
}

void sink_pace_idle(struct sink_pace *p, pthread_cond_t *wake, pthread_mutex_t *lock)
{
	p->state = SINK_SENDER_IDLE;
	p->gather_until_ms = 0;
	p->owed = 0;
	pthread_cond_wait(wake, lock);
	p->state = SINK_SENDER_RUNNING;
}

int sink_pace_gather(struct sink_pace *p, pthread_cond_t *wake, pthread_mutex_t *lock,
		     size_t count, size_t batch)
{
	uint64_t now;

	if (p->owed)
		return 0;
	if (!p->hurry && count < batch) {
		now = sink_now_ms();
		if (!p->gather_until_ms)
			p->gather_until_ms = now + SINK_GATHER_MS;
		if (now < p->gather_until_ms) {
			p->state = SINK_SENDER_GATHERING;
			sink_wait_until(wake, lock, p->gather_until_ms);
			p->state = SINK_SENDER_RUNNING;
			return 1;
		}
	}
	p->owed = count;
	p->gather_until_ms = 0;
	return 0;
}

void sink_pace_sent(struct sink_pace *p, size_t n)
{
	p->owed = n < p->owed ? p->owed - n : 0;
}

enum sink_sender_step sink_pace_next(struct sink_pace *p, pthread_cond_t *wake,
				     pthread_mutex_t *lock, size_t count, size_t batch,
				     int aborting, int stopping)
{
	if (aborting) {
		pthread_cond_wait(wake, lock);
		return SINK_LOOK_AGAIN;
	}
	if (!count) {
		if (stopping)
			return SINK_STOP;
		sink_pace_idle(p, wake, lock);
		return SINK_LOOK_AGAIN;
	}
	return sink_pace_gather(p, wake, lock, count, batch) ? SINK_LOOK_AGAIN : SINK_SEND;
}
