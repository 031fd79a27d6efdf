/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the XDP benchmarks measure with, so they measure the same way. */
#ifndef EDGEWATCH_BENCH_RUN_H
#define EDGEWATCH_BENCH_RUN_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "../support/packet_builder.h"

/* Average ns per run over repeat runs of one packet, the best of 3 tries. */
static inline double bench_ns_per_packet(int prog_fd, const struct pkt *p, int repeat)
{
	double best = 1e18;
	int i;

	for (i = 0; i < 3; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->data, .data_size_in = p->len,
			    .repeat = repeat);

		if (bpf_prog_test_run_opts(prog_fd, &opts)) {
			fprintf(stderr, "test run failed: %s\n", strerror(errno));
			exit(1);
		}
		if (opts.duration < best)
			best = opts.duration;
	}
	return best;
}

/*
 * Average ns of single runs, each the first packet of a new flow: p is Ethernet + IPv4
 * (no options) + TCP; its source port and the second byte of its source address change.
 */
static inline double bench_ns_per_new_flow(int prog_fd, struct pkt *p, int flows)
{
	uint64_t total = 0;
	int i;

	for (i = 0; i < flows; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->data, .data_size_in = p->len,
			    .repeat = 1);

		p->data[34] = (1024 + i) >> 8;	/* TCP source port: Ethernet 14 + IPv4 20 */
		p->data[35] = (1024 + i) & 0xff;
		p->data[26] = i >> 8;		/* the source address, past 64k flows */
		if (bpf_prog_test_run_opts(prog_fd, &opts)) {
			fprintf(stderr, "test run failed: %s\n", strerror(errno));
			exit(1);
		}
		total += opts.duration;
	}
	return (double)total / flows;
}

#endif /* EDGEWATCH_BENCH_RUN_H */
