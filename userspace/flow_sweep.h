/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The flow sweeper: reads the kernel's flow table, exports the flows that ended, and
 * deletes them. The only place flows leave the table, so every flow is exported.
 */
#ifndef EDGEWATCH_FLOW_SWEEP_H
#define EDGEWATCH_FLOW_SWEEP_H

#include <stdint.h>
#include "flow_export.h"

struct sweep_policy {
	uint64_t idle_timeout_ns;
	uint64_t active_timeout_ns;
	uint64_t tcp_closed_timeout_ns;
	uint32_t table_size;	/* max entries of the flow table */
	uint64_t fill_hint;	/* entries the previous sweep saw (pressure from the start) */
};

/* When the table is this full, idle flows are exported early (reason "forced"). */
#define SWEEP_PRESSURE_PERCENT 90
/* ... those idle for this fraction of the idle timeout. */
#define SWEEP_PRESSURE_IDLE_DIVISOR 8

struct sweep_result {
	uint64_t flows_in_table;	/* entries left in the table after this sweep */
	uint64_t exported[FLOW_END_MAX];
	uint64_t packets_pending;	/* packets in flows left in the table, not yet exported */
	uint64_t delete_races;		/* gone before we could delete it (not ours: none) */
	uint64_t errors;		/* syscall failures */
};

/*
 * One pass over the table at kernel time now_ns. With shutdown set, every flow is
 * exported (reason shutdown, or recovered when exporting a dead instance's table) and
 * deleted: call it only after the programs are detached. 0 or -errno.
 */
int flow_table_sweep(int flows_fd, struct flow_exporter *x, const struct sweep_policy *policy,
		     uint64_t now_ns, int shutdown, enum flow_end_reason shutdown_reason,
		     struct sweep_result *result);

#endif /* EDGEWATCH_FLOW_SWEEP_H */
