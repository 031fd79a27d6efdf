/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Time for the sinks with a thread and a queue of their own (syslog, kafka): their
 * bounded waits (drain at close, backoff) run on CLOCK_MONOTONIC, so a wall-clock step
 * neither cuts a drain short nor stretches it.
 */
#ifndef EDGEWATCH_OUTPUT_SINK_CLOCK_H
#define EDGEWATCH_OUTPUT_SINK_CLOCK_H

#include <pthread.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t sink_now_ms(void);
/* A condition variable whose timed waits use CLOCK_MONOTONIC. 0 or -errno. */
int sink_cond_init(pthread_cond_t *cond);
/* pthread_cond_timedwait until deadline_ms (sink_now_ms() time); lock held. */
void sink_cond_wait_until(pthread_cond_t *cond, pthread_mutex_t *lock, uint64_t deadline_ms);

#endif /* EDGEWATCH_OUTPUT_SINK_CLOCK_H */
