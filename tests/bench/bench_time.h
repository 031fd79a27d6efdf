/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The benchmarks' clock: one definition for every bench program that times in userspace. */
#ifndef EDGEWATCH_BENCH_TIME_H
#define EDGEWATCH_BENCH_TIME_H

#include <time.h>

/* Monotonic seconds, for differences. */
static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

#endif /* EDGEWATCH_BENCH_TIME_H */
