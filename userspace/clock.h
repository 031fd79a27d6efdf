/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The clocks the daemon uses, and waiting until no BPF program run is still going. */
#ifndef EDGEWATCH_CLOCK_H
#define EDGEWATCH_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in ns: the datapath's clock in a live run (engine_start_clock). */
uint64_t datapath_clock_now_ns(void);
/* Wall clock minus that clock, in ns. */
int64_t datapath_clock_to_realtime_ns(void);

/*
 * Wait until every BPF program run that had started when this was called has ended:
 * XDP and tc programs (and BPF_PROG_TEST_RUN) run inside RCU read-side critical
 * sections, so one RCU grace period is exactly that. membarrier(MEMBARRIER_CMD_GLOBAL)
 * is how userspace asks for one (the kernel implements it with synchronize_rcu(): 5-30
 * ms here); on nohz_full systems it is refused, and a 50 ms sleep, thousands of times one
 * program run, stands in. Returns the ns waited.
 */
uint64_t wait_for_bpf_runs(void);

#endif /* EDGEWATCH_CLOCK_H */
