/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Flows as events: a flow table entry that ended becomes a typed flow record
 * (output/event.h) handed to the output, and edgewatch's totals of what it exported
 * (the daemon's side of the conservation sum).
 */
#ifndef EDGEWATCH_FLOW_EXPORT_H
#define EDGEWATCH_FLOW_EXPORT_H

#include <stdint.h>

#include "datapath.h"
#include "output/output.h"

struct flow_exporter {
	struct output *out;
	uint64_t flow_id_salt;
	int64_t clock_to_realtime_ns;	/* kernel timestamp + this = wall clock */
	/*
	 * The flow events handed to the output (and those it refused at once). A flush that
	 * fails later loses some of them: flow_export_totals() takes those out, so read the
	 * totals through it.
	 */
	struct flow_export_totals handed;
	/* did a payload rule alert on the flow? (flow.alerted; NULL: only the kernel's)
	 * ended: the record ends the flow (not an active-timeout record) */
	int (*alerted)(void *ctx, uint64_t flow_seq, int ended);
	void *alerted_ctx;
	/* every flow record also goes to this consumer (the anomaly detectors), whether
	 * or not the output took it; NULL: none */
	void (*observe)(void *ctx, const struct flow_event *ev);
	void *observe_ctx;
};

void flow_exporter_init(struct flow_exporter *x, struct output *out, uint64_t flow_id_salt,
			int64_t clock_to_realtime_ns);
void flow_exporter_destroy(struct flow_exporter *x);

/* The flow events written so far, and the ones lost (at once or in a later flush). */
void flow_export_totals(const struct flow_exporter *x, struct flow_export_totals *out);

/*
 * Export a flow record for rec. Every record covers what happened since the flow's
 * previous active-timeout record (rec's exported_* baselines, which the kernel's sweeper
 * keeps), so the records of one flow_id add up to the flow; an active-timeout record
 * leaves the flow going, the others end it. now_ns is in the datapath's clock. 0 or
 * -errno (counted in totals, with the packets the event would have carried).
 */
int flow_export(struct flow_exporter *x, const struct flow_key *key, const struct flow_record *rec,
		enum ew_flow_end reason, uint64_t now_ns);

/* Flow events written, all reasons. */
uint64_t flow_export_total_events(const struct flow_exporter *x);

/* The wall clock of a datapath time (the offset is updated while scanner threads read it). */
static inline int64_t flow_exporter_to_realtime(const struct flow_exporter *x)
{
	return __atomic_load_n(&x->clock_to_realtime_ns, __ATOMIC_RELAXED);
}

#endif /* EDGEWATCH_FLOW_EXPORT_H */
