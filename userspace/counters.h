/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The datapath's counters: reading them (summed over CPUs) and naming them. */
#ifndef EDGEWATCH_COUNTERS_H
#define EDGEWATCH_COUNTERS_H

#include <stdint.h>
#include "datapath.h"

enum counter_group {
	COUNTER_GROUP_SEEN,
	COUNTER_GROUP_OUTCOME,
	COUNTER_GROUP_VERDICT,
	COUNTER_GROUP_ENCAP,
	COUNTER_GROUP_EVENT,
};

/* Stable snake_case name of a counter ("pkt_flow", "encap_vxlan", ...). */
const char *counter_name(enum ew_counter id);
/* Name of a group ("outcome", ...) and of a hook ("xdp_ingress", "tc_egress"). */
enum counter_group counter_group_of(enum ew_counter id);
const char *counter_group_name(enum counter_group group);
const char *hook_name(enum ew_hook hook);

/* Sum the per-CPU values of the counters map into *sum. 0 or -errno. */
int counters_read(int counters_map_fd, struct ew_counters *sum);

/* Sum of one counter over both hooks. */
uint64_t counters_total(const struct ew_counters *c, enum ew_counter id);

/* Sum of the OUTCOME group for one hook (== EW_CNT_PKT_SEEN when nothing is lost). */
uint64_t counters_outcome_sum(const struct ew_counters *c, enum ew_hook hook);
/* Sum of the VERDICT group for one hook (== EW_CNT_PKT_SEEN too). */
uint64_t counters_verdict_sum(const struct ew_counters *c, enum ew_hook hook);

#endif /* EDGEWATCH_COUNTERS_H */
