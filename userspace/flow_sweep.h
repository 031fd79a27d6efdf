/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The flow sweeper: flows leave the kernel's flow table only through it, and every flow
 * that leaves is exported. Normally the datapath's own sweeper program (ew_sweep, in the
 * kernel) decides which flows ended and hands them over on a ring buffer; a table no
 * program of ours sweeps (a dead instance's, recover.c) is drained from userspace.
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
	uint64_t fill_hint;	/* entries the previous sweep left (pressure from the start) */
};

/* When the table is this full, idle flows are exported early (reason "forced") ... */
#define SWEEP_PRESSURE_PERCENT 90
/* ... those idle for this fraction of the idle timeout. */
#define SWEEP_PRESSURE_IDLE_DIVISOR 8

struct sweep_result {
	uint64_t flows_in_table;	/* entries left in the table after this sweep */
	uint64_t exported[FLOW_END_MAX];	/* flow events written, by reason */
	uint64_t packets_pending;	/* packets in flows left in the table, not yet exported */
	uint64_t delete_races;		/* gone before the sweeper could delete it */
	uint64_t reused_before_refresh;	/* see struct sweep_args */
	uint64_t errors;		/* syscall or export failures */
};

struct datapath;
struct ring_buffer;

/* The ended_flows ring buffer callback's context. */
struct sweep_run {
	struct flow_exporter *x;
	uint64_t now_ns;
	struct sweep_result *result;
};

/*
 * One sweep by the kernel's sweeper at datapath time run->now_ns: ended flows come back
 * through ended_rb (whose callback is flow_sweep_on_ended with run as its context) and
 * are exported. With shutdown set every flow ends (reason shutdown): only after the
 * programs are detached, or in replay. 0 or -errno.
 */
int flow_table_sweep_bpf(struct datapath *skel, struct ring_buffer *ended_rb,
			 struct sweep_run *run, const struct sweep_policy *policy, int shutdown);
/* The ring buffer callback that exports one struct flow_end; ctx is a struct sweep_run. */
int flow_sweep_on_ended(void *ctx, void *data, size_t size);

/*
 * Export and delete every flow of a table no program of ours runs on (a dead instance's),
 * from userspace, with reason: batch by batch, a flow is deleted only once its line is
 * flushed to the output, so a failed write leaves the flows not written in the table.
 * 0 or -errno; result->exported counts the flows written and deleted.
 */
int flow_table_drain(int flows_fd, struct flow_exporter *x, enum flow_end_reason reason,
		     uint64_t now_ns, struct sweep_result *result);

#endif /* EDGEWATCH_FLOW_SWEEP_H */
