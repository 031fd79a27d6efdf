// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <time.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>

#include "clock.h"

#define NS_PER_SEC 1000000000ULL
#define BPF_RUNS_FALLBACK_WAIT_US 50000

uint64_t datapath_clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

int64_t datapath_clock_to_realtime_ns(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return ((int64_t)real.tv_sec - mono.tv_sec) * (int64_t)NS_PER_SEC +
	       (real.tv_nsec - mono.tv_nsec);
}

uint64_t wait_for_bpf_runs(void)
{
	uint64_t start = datapath_clock_now_ns();

	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) != 0)
		usleep(BPF_RUNS_FALLBACK_WAIT_US);
	return datapath_clock_now_ns() - start;
}
