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
 * One pass over a flow table from userspace, with batch reads and a lookup-and-delete
 * per ended flow, at datapath time now_ns. With shutdown set, every flow is exported
 * (shutdown_reason) and deleted. For a table no program of ours sweeps: a dead
 * instance's (recover.c). 0 or -errno.
 */
int flow_table_sweep(int flows_fd, struct flow_exporter *x, const struct sweep_policy *policy,
		     uint64_t now_ns, int shutdown, enum flow_end_reason shutdown_reason,
		     struct sweep_result *result);

struct datapath;
struct ring_buffer;

/*
 * The same with the datapath's own sweeper (ew_sweep, in the kernel), which is three
 * times faster: ended flows come back through the ended_flows ring buffer (ended_rb,
 * whose callback context must be the sweep_run below). With shutdown set, every flow
 * ends (reason shutdown): call it only after the programs are detached (or in replay).
 */
struct sweep_run {
	struct flow_exporter *x;
	uint64_t now_ns;
	struct sweep_result *result;
	int export_errors;
};

int flow_table_sweep_bpf(struct datapath *skel, struct ring_buffer *ended_rb,
			 struct sweep_run *run, const struct sweep_policy *policy, int shutdown);
/* The ring buffer callback that exports one struct flow_end; ctx is a struct sweep_run. */
int flow_sweep_on_ended(void *ctx, void *data, size_t size);

#endif /* EDGEWATCH_FLOW_SWEEP_H */
