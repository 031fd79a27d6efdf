/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Payload samples from the datapath's ring buffer to EVE alerts: the ring buffer's
 * consumer only copies samples into a bounded queue (it never blocks), worker threads
 * with their own Hyperscan scratch match them against the rules, and every sample is
 * either scanned or counted as dropped (queue full: the scanner fell behind).
 * userspace/payload/README.md says why it is built this way.
 */
#ifndef EDGEWATCH_SAMPLE_PIPELINE_H
#define EDGEWATCH_SAMPLE_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include "config/config.h"
#include "datapath_loader.h"
#include "flow_export.h"
#include "output/stats.h"

struct sample_pipeline;

struct sample_pipeline_params {
	const struct ew_config *cfg;	/* rules, variables, cache */
	struct datapath_instance *dp;	/* blocked_flows for `drop` rules in enforce mode */
	const struct flow_exporter *exporter;	/* the output alerts go to, flow_id salt,
						 * clock offset */
	int synchronous;		/* replay: scan in the caller's thread, in order */
	int workers;			/* scanner threads (0: one per CPU, at most 4) */
	/*
	 * Samples the queue holds (0: as many as the kernel's ring buffer, see README;
	 * the environment variable EDGEWATCH_SAMPLE_QUEUE_SLOTS overrides the default).
	 */
	size_t queue_slots;
};

/* Load the rules (cached database) and start the workers. 0 or -errno (logged). */
int sample_pipeline_new(struct sample_pipeline **out, const struct sample_pipeline_params *p);
void sample_pipeline_free(struct sample_pipeline *sp);	/* NULL-safe; drains first */

/* One record from the samples ring buffer (struct sample_header + payload). */
int sample_pipeline_on_sample(struct sample_pipeline *sp, const void *data, size_t size);

/* Wait until every queued sample has been scanned (end of replay, shutdown). */
void sample_pipeline_drain(struct sample_pipeline *sp);

/*
 * Did any rule alert on the flow (for flow.alerted)? Asked when a flow event is written:
 * when it ends the flow (ended; not an active-timeout record), the flow is forgotten
 * then, and its block (drop rule) released.
 */
int sample_pipeline_flow_alerted(struct sample_pipeline *sp, uint64_t flow_seq, int ended);

/*
 * Reloading the rules (SIGHUP), in two steps around the policy's install, so that a
 * reload is taken whole or not at all:
 * - prepare loads cfg's rules beside the running ones, with every scan context they
 *   need. On error (a rule file that does not parse or compile, a missing file) the
 *   running rules stay, why says which file, line and reason (also logged), and
 *   rules.reloads_failed counts it. 0 and *next (its rules NULL for a config without rule
 *   files), or -errno. The load runs on a thread of its own while keep_up(user) is
 *   called again and again on this one (it must wait a little: the run loop's poll of
 *   the ring buffers); keep_up NULL: loaded here.
 * - commit swaps next in between two samples and frees the old rules once no scanner
 *   uses them; abort discards next (the reload was refused for another reason; counted
 *   as failed: the rules did not change).
 * Called from the thread that calls sample_pipeline_on_sample (payload/README.md).
 */
struct rules_generation;
int sample_pipeline_rules_prepare(struct sample_pipeline *sp, const struct ew_config *cfg,
				  struct rules_generation **next, char *why, size_t why_len,
				  void (*keep_up)(void *), void *user);
void sample_pipeline_rules_commit(struct sample_pipeline *sp, struct rules_generation *next);
void sample_pipeline_rules_abort(struct sample_pipeline *sp, struct rules_generation *next);

/*
 * The pipeline's part of the stats snapshot: where every sample went, the rules, and
 * the TCP stream windows (streams->on 0 when they are off).
 */
void sample_pipeline_stats(struct sample_pipeline *sp, struct stats_samples *samples,
			   struct stats_rules *rules, struct stats_streams *streams);

#endif /* EDGEWATCH_SAMPLE_PIPELINE_H */
