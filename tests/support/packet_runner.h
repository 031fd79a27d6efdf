/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Runs frames through the datapath's programs with BPF_PROG_TEST_RUN, for the BPF
 * table tests: load the skeleton (replay clock on, so each packet's time is the test's),
 * run a frame through ew_xdp_ingress or ew_tc_egress, read the counters and the flow
 * table, clear the tables between rows.
 */
#ifndef EDGEWATCH_PACKET_RUNNER_H
#define EDGEWATCH_PACKET_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datapath.h"

struct datapath;

struct dp_options {
	bool passive;		/* rodata cfg_passive: drop after accounting */
	uint32_t flow_table_size;	/* 0: the default */
};

struct dp {
	struct datapath *skel;
	int flows_fd;
	int frags_fd;
	int frag_pending_fd;
	int counters_fd;
	int xdp_fd;
	int tc_fd;
};

/* Open and load the datapath (0 or -errno; the libbpf message went to stderr). */
int dp_open(struct dp *dp, const struct dp_options *opt);
void dp_close(struct dp *dp);
/* Empty the flow and fragment tables, pending fragments too (counters are read as
 * deltas instead). */
int dp_reset(struct dp *dp);

/*
 * Run one frame through ew_xdp_ingress at time now_ns; *verdict gets the XDP action.
 * 0 or -errno. BPF_PROG_TEST_RUN refuses frames shorter than an Ethernet header
 * (-EINVAL); such frames are tried with XDP metadata in front, so the program would
 * see exactly len bytes, which kernels that count the metadata in the minimum accept
 * (6.18 does not: it wants 14 bytes after the metadata).
 */
int dp_run_xdp(struct dp *dp, const void *frame, size_t len, uint64_t now_ns, uint32_t *verdict);
/*
 * Run one frame through ew_tc_egress as an skb with the given GSO segments and size.
 * The kernel refuses (-EINVAL) frames shorter than 14 bytes, and IPv4/IPv6 frames
 * whose IP header is not all there: the tc program never sees those.
 */
int dp_run_tc(struct dp *dp, const void *frame, size_t len, uint32_t gso_segs, uint32_t gso_size,
	      uint64_t now_ns, uint32_t *verdict);

/* The counters summed over CPUs. 0 or -errno. */
int dp_counters(struct dp *dp, struct ew_counters *out);
/* The flow of key, its counts folded (flow_record_fold): 0, -ENOENT, or -errno. */
int dp_flow_get(struct dp *dp, const struct flow_key *key, struct flow_record *rec);
/* Entries in the flow table, or -errno. */
int dp_flow_count(struct dp *dp);
/* Copy up to max entries of the flow table, folded; returns how many, or -errno. */
int dp_flow_list(struct dp *dp, struct flow_key *keys, struct flow_record *recs, int max);

/*
 * Build the canonical flow key for a packet from src:sport to dst:dport (addresses as
 * text), the way bpf/flow.bpf.h orders endpoints. *src_is_a says whether the source
 * became endpoint a. Returns 0, or -EINVAL for an address that does not parse.
 */
int dp_flow_key(struct flow_key *key, bool *src_is_a, const char *src, uint16_t sport,
		const char *dst, uint16_t dport, uint8_t proto);

#endif /* EDGEWATCH_PACKET_RUNNER_H */
