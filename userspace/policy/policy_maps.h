/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The policy maps of one set (bpf/datapath.h "Management and egress policy"): write a
 * set from tables, empty a set, reset a generation's decision counters, and wait until
 * no program still runs on the set that was in force.
 */
#ifndef EDGEWATCH_POLICY_MAPS_H
#define EDGEWATCH_POLICY_MAPS_H

#include <stdint.h>

#include "datapath.h"
#include "policy/policy_tables.h"

struct datapath;

struct policy_map_fds {
	int mgmt_ports;
	int egress_ports;
	int protected_addrs;
	int mgmt_allow_v4;
	int mgmt_allow_v6;
	int egress_allow_v4;
	int egress_allow_v6;
	int configs;
	int decisions;
};

void policy_map_fds_of(struct datapath *skel, struct policy_map_fds *fds);

/* Fill set from t, with policy_configs[set] for generation gen. 0 or -errno. */
int policy_maps_write_set(const struct policy_map_fds *m, uint8_t set,
			  const struct policy_tables *t, uint32_t gen);

/* Delete every entry of set in the hash and LPM maps. 0 or the first -errno. */
int policy_maps_clear_set(const struct policy_map_fds *m, uint8_t set);

/* Entries of set in each keyed map, summed (tests: an emptied set holds none). */
int policy_maps_count_set(const struct policy_map_fds *m, uint8_t set, uint64_t *entries);

/* Zero the policy_decisions slot of generation gen (it last held gen - 256). */
int policy_maps_zero_decisions(const struct policy_map_fds *m, uint32_t gen);

/* policy_decisions of generation gen, summed over CPUs. 0 or -errno. */
int policy_maps_read_decisions(int decisions_fd, uint32_t gen, struct policy_decisions *out);

#endif /* EDGEWATCH_POLICY_MAPS_H */
