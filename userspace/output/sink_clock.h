/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the sinks with a sender thread of their own (syslog, IPFIX, Kafka) share: a monotonic
 * clock in milliseconds and condition variables that wait on it, so a deadline does not
 * move when the wall clock is set.
 */
#ifndef EDGEWATCH_OUTPUT_SINK_CLOCK_H
#define EDGEWATCH_OUTPUT_SINK_CLOCK_H

#include <pthread.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in ms. */
uint64_t sink_now_ms(void);

/* pthread_cond_timedwait until a sink_now_ms() time (the cond made by sink_sync_init). */
void sink_wait_until(pthread_cond_t *cond, pthread_mutex_t *lock, uint64_t deadline_ms);

/* A cond on CLOCK_MONOTONIC. 0 or -errno. */
int sink_cond_init(pthread_cond_t *cond);

/* The lock and two conds on CLOCK_MONOTONIC. 0 or -errno. */
int sink_sync_init(pthread_mutex_t *lock, pthread_cond_t *wake, pthread_cond_t *idle);

#endif /* EDGEWATCH_OUTPUT_SINK_CLOCK_H */
