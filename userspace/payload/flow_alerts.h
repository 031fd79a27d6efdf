/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the payload rules have done to each flow: the rules that alerted on it (each rule
 * alerts at most once per flow) and whether a `drop` rule blocked it. Shared by the
 * scanner threads (under a lock).
 *
 * Lifetime: an entry lives while its flow does. The flow exporter asks whether a flow
 * alerted each time it writes the flow's event (flow.alerted); that is when an entry is
 * forgotten, and its block released, unless the flow is still in the kernel's table with
 * the same flow_seq (an active-timeout record: the flow goes on). Entries for flows that
 * had already left the table when their alert was written (the scanner was behind) are
 * never asked about again: the table is bounded, and when full the entry alerted on
 * least recently goes first (counted as evicted).
 */
#ifndef EDGEWATCH_LOTL_FLOW_ALERTS_H
#define EDGEWATCH_LOTL_FLOW_ALERTS_H

#include <stddef.h>
#include <stdint.h>

#include "datapath.h"

struct flow_alerts;
struct flow_blocker;

/* Flows with alerts remembered at once (as many as blocked_flows holds). */
#define FLOW_ALERTS_MAX_DEFAULT 65536

struct flow_alerts_stats {
	uint64_t flows;		/* flows remembered now */
	uint64_t forgotten;	/* flows forgotten because they ended */
	uint64_t evicted;	/* flows forgotten because the table was full */
};

/* blocker: releases the blocks of flows forgotten (NULL: nothing is ever blocked). */
int flow_alerts_new(struct flow_alerts **out, size_t max_flows, struct flow_blocker *blocker);
void flow_alerts_free(struct flow_alerts *t);	/* releases every block still held */

/*
 * Rule (gid, sid) matched on the flow: 1 when it is the first time (write the alert),
 * 0 when it already alerted on this flow, -ENOMEM.
 */
int flow_alerts_claim(struct flow_alerts *t, uint64_t flow_seq, const struct flow_key *key,
		      uint32_t gid, uint32_t sid);

/*
 * Block the flow (a `drop` rule in enforce mode) unless it already is. 1 when the flow
 * is blocked (now or before), 0 when it could not be (the map refused; not remembered).
 */
int flow_alerts_block(struct flow_alerts *t, uint64_t flow_seq);

/*
 * A flow event for flow_seq is being written: did a rule alert on the flow? Forgets the
 * flow and releases its block when the event ends it (ended; an active-timeout record
 * does not: the flow goes on, and so do its dedupe and its block).
 */
int flow_alerts_exported(struct flow_alerts *t, uint64_t flow_seq, int ended);

void flow_alerts_get_stats(struct flow_alerts *t, struct flow_alerts_stats *out);

#endif /* EDGEWATCH_LOTL_FLOW_ALERTS_H */
