// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Monotonic waits of the sinks' sender threads (sink_clock.h). */
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

	if (!err)
		err = sink_cond_init(idle);
	if (!err)
		err = -pthread_mutex_init(lock, NULL);
	return err;
}
