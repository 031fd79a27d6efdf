/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `drop` rules in enforce mode: the flow's key goes into the datapath's blocked_flows
 * map and the XDP program drops the rest of the flow (bpf/datapath.bpf.c flow_blocked()).
 * blocked_count (.bss) counts the entries we put there, so that while it is 0 no packet
 * pays for the lookup; it is changed with atomic operations (scanner threads block,
 * the sweeper's thread releases).
 */
#ifndef EDGEWATCH_LOTL_FLOW_BLOCK_H
#define EDGEWATCH_LOTL_FLOW_BLOCK_H

#include <stdint.h>

#include "datapath.h"

struct datapath;

struct flow_blocker {
	struct datapath *skel;
	int blocked_fd;		/* blocked_flows */
	int configs_fd;		/* policy_configs: rules_enforce of the set in force */
	uint64_t blocked;	/* flows put in blocked_flows */
	uint64_t released;	/* ... taken out again when the flow ended */
	uint64_t failed;	/* the map refused an insert (the alert says "allowed") */
};

void flow_blocker_init(struct flow_blocker *b, struct datapath *skel);

/* Does the policy in force make `drop` rules drop (policy_config.rules_enforce)? */
int flow_blocker_enforcing(const struct flow_blocker *b);

/* Drop the rest of the flow in XDP. 0 or -errno (counted in failed). */
int flow_blocker_block(struct flow_blocker *b, const struct flow_key *key);

/* The flow ended: its key may be a new flow's, let it through again. */
void flow_blocker_release(struct flow_blocker *b, const struct flow_key *key);

#endif /* EDGEWATCH_LOTL_FLOW_BLOCK_H */
