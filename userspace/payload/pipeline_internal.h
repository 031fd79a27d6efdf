/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The pipeline's parts, shared by its files: sample_pipeline.c (lifecycle, the ring
 * buffer side, the worker threads), sample_scan.c (one sample through the rules to its
 * alerts) and pipeline_stats.c (the stats event). Not for use outside userspace/payload/.
 */
#ifndef EDGEWATCH_LOTL_PIPELINE_INTERNAL_H
#define EDGEWATCH_LOTL_PIPELINE_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "payload/flow_alerts.h"
#include "payload/flow_block.h"
#include "payload/rules_config.h"
#include "payload/sample_pipeline.h"
#include "payload/sample_queue.h"
#include "payload/stream_reassembly.h"
#include "rules/http.h"
#include "rules/rules.h"

#define PIPELINE_MAX_WORKERS 4

/*
 * Every sample read ends in exactly one of: scanned, scan_failed, dropped_queue_full,
 * dropped_malformed, not_scanned_no_rules (or is still queued). Updated with atomic
 * adds: the ring buffer's thread and the workers count at once.
 */
struct pipeline_counters {
	uint64_t read;			/* records from the ring buffer (or replay) */
	uint64_t queued;		/* handed to the workers (live) */
	uint64_t scanned;		/* went through the rules */
	uint64_t scan_failed;		/* the rules engine returned an error (out of memory) */
	uint64_t dropped_queue_full;	/* the scanner was behind: the queue was full */
	uint64_t dropped_malformed;	/* shorter than its header or its cap_len says */
	uint64_t not_scanned_no_rules;	/* no rule files configured */

	uint64_t rule_matches;		/* every rule match, before deduplication */
	uint64_t alerts;		/* alert events written */
	uint64_t deduplicated;		/* matches of a rule that had alerted on the flow */
	uint64_t alert_errors;		/* alerts not written (out of memory, write error) */
	uint64_t drop_matches;		/* matches of `drop` rules */
	uint64_t drop_monitor;		/* ... while the policy does not enforce them */
	uint64_t drop_flow_gone;	/* ... on a flow already exported (nothing to block) */
	uint64_t stream_scan_failed;	/* stream windows whose scan at the flow's end failed */
};

/*
 * One generation of the payload rules: the ruleset and one scan context per scanner
 * (Hyperscan scratch belongs to one ruleset's databases), made whole by the reload path before it
 * is published in sample_pipeline.current, freed only once no scanner holds it
 * (rules_swap.c; payload/README.md, "Reloading the rules").
 */
struct rules_generation {
	uint64_t number;		/* 1 for the set loaded at start, +1 per reload */
	struct ruleset *rules;		/* NULL: no payload rules */
	struct rules_load_summary summary;
	struct scan_ctx **ctx;		/* [scanner index]; NULL without rules */
	int ctx_count;
};

/* What one thread scans with: its own Hyperscan scratch and HTTP parse. */
struct pipeline_scanner {
	struct sample_pipeline *sp;
	int index;			/* its scan context in every generation */
	/*
	 * The generation this scanner is scanning with, published before it is used
	 * (a hazard pointer): a reload frees a generation only once no scanner holds it.
	 * NULL between samples. gen is the same pointer, for this thread's own use.
	 */
	struct rules_generation *hazard;
	struct rules_generation *gen;
	uint64_t gen_seen;		/* the number of the generation it last scanned with */
	struct scan_stats stats_base;	/* the counters of the contexts of earlier generations */
	struct http_request http;	/* the request for the alert when no rule needed HTTP */
	pthread_mutex_t stats_lock;	/* stats is read by the thread writing the stats event */
	struct scan_stats stats;	/* stats_base + the context's counters, after each scan */
	uint8_t *record;		/* live: the sample popped from the queue */
	pthread_t thread;
	int started;
};

struct sample_pipeline {
	/*
	 * The rules in force (never NULL; its rules may be). Written by the reload path,
	 * which is also the ring buffer's consumer; read by every scanner (rules_swap.c).
	 */
	struct rules_generation *current;
	uint64_t reloads_ok;		/* rule reloads swapped in */
	uint64_t reloads_failed;	/* rule reloads refused (the running set stayed) */
	/* read at start, kept for scanners started by a reload that brings the first rules */
	int workers_requested;
	size_t queue_slots_requested;
	uint32_t stream_depth, stream_segments, idle_timeout;
	struct datapath_instance *dp;	/* NULL: no kernel flow table, nothing blocked */
	int flows_fd;			/* -1 without dp */
	const struct flow_exporter *exporter;
	int synchronous;
	size_t record_size;		/* struct sample_header + the snap length */

	struct sample_queue queue;	/* live only */
	struct pipeline_scanner *scanners;	/* workers (live) or the one (synchronous); live:
						 * one more, without a thread, for the stream
						 * windows scanned when their flow ends */
	int scanner_count;
	int scanners_initialised;
	int scanners_err;		/* how starting them failed (0: it did not) */

	struct flow_blocker blocker;
	struct flow_alerts *flow_alerts;
	struct pipeline_counters counters;

	struct pipeline_streams *streams;	/* TCP stream windows; NULL when off */
};

static inline void counter_add(uint64_t *counter, uint64_t n)
{
	__atomic_add_fetch(counter, n, __ATOMIC_RELAXED);
}

static inline uint64_t counter_get(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

_Static_assert(sizeof(struct scan_stats) % sizeof(uint64_t) == 0,
	       "scan_stats is u64 counters only (scan_stats_add adds them field by field)");

static inline void scan_stats_add(struct scan_stats *sum, const struct scan_stats *add)
{
	uint64_t *to = (uint64_t *)sum;
	const uint64_t *from = (const uint64_t *)add;
	size_t i;

	for (i = 0; i < sizeof(*sum) / sizeof(uint64_t); i++)
		to[i] += from[i];
}

int pipeline_scanner_init(struct pipeline_scanner *s, struct sample_pipeline *sp, int index);
/* Scan one sample (or a reassembled window) and write its alerts. 0 or -errno. */
int pipeline_scan_payload(struct pipeline_scanner *s, const struct sample_header *hdr,
			  const uint8_t *payload);
void pipeline_scanner_release(struct pipeline_scanner *s);
/*
 * Scan one validated record and write its alerts. Returns the counter of the sample's
 * outcome (scanned or scan_failed) for the caller to increment: a worker does it as it
 * marks the record done in the queue (see sample_queue_done()).
 */
uint64_t *pipeline_scan_record(struct pipeline_scanner *s, const uint8_t *record);

/*
 * The rules' generations (rules_swap.c). A scanner enters before it uses sp->current
 * and leaves after its last use: in between, s->gen is whole and stays allocated.
 */
struct rules_generation *pipeline_scanner_enter(struct pipeline_scanner *s);
void pipeline_scanner_leave(struct pipeline_scanner *s);
/* A generation with a scan context for each of sp's scanners; rules is taken over. */
int rules_generation_new(struct sample_pipeline *sp, struct ruleset *rules,
			 const struct rules_load_summary *summary, uint64_t number,
			 struct rules_generation **out);
void rules_generation_free(struct rules_generation *g);	/* NULL-safe */
/* The scanners (live: threads and their queue), for a pipeline with rules. 0 or -errno. */
int pipeline_start_scanners(struct sample_pipeline *sp);
/* The contexts a generation needs: the scanners, and live the flow-end one. */
int pipeline_context_count(const struct sample_pipeline *sp);

/*
 * TCP stream windows (stream_scan.c): the reassembler's tables, in shards locked apart
 * so that workers scanning different flows do not wait for each other.
 */
struct pipeline_streams;

/* 0 (also when the window is off: sp->streams stays NULL) or -errno. */
int pipeline_streams_new(struct sample_pipeline *sp);
void pipeline_streams_free(struct sample_pipeline *sp);
/* A stream segment: into its window, and the ranges it completes scanned. 0 or -errno. */
int pipeline_stream_add(struct pipeline_scanner *s, const struct sample_header *hdr,
			const uint8_t *payload);
/* The flow ended: what its windows hold and was not scanned yet is scanned now. */
void pipeline_streams_flow_end(struct sample_pipeline *sp, uint64_t flow_seq);
void pipeline_streams_stats(struct sample_pipeline *sp, struct stream_stats *out);

#endif /* EDGEWATCH_LOTL_PIPELINE_INTERNAL_H */
