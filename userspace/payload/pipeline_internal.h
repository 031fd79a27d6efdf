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

/* What one thread scans with: its own Hyperscan scratch and HTTP parse. */
struct pipeline_scanner {
	struct sample_pipeline *sp;
	struct scan_ctx *ctx;
	struct http_request http;	/* the request for the alert when no rule needed HTTP */
	pthread_mutex_t stats_lock;	/* stats is read by the thread writing the stats event */
	struct scan_stats stats;	/* a copy of the context's counters after each scan */
	uint8_t *record;		/* live: the sample popped from the queue */
	pthread_t thread;
	int started;
};

struct sample_pipeline {
	struct ruleset *rules;		/* NULL: no payload rules */
	struct rules_load_summary rules_summary;
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

int pipeline_scanner_init(struct pipeline_scanner *s, struct sample_pipeline *sp);
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
 * TCP stream windows (stream_scan.c): the reassembler's tables, in shards locked apart
 * so that workers scanning different flows do not wait for each other.
 */
struct pipeline_streams;

/* 0 (also when the window is off: sp->streams stays NULL) or -errno. */
int pipeline_streams_new(struct sample_pipeline *sp, const struct ew_config *cfg);
void pipeline_streams_free(struct sample_pipeline *sp);
/* A stream segment: into its window, and the ranges it completes scanned. 0 or -errno. */
int pipeline_stream_add(struct pipeline_scanner *s, const struct sample_header *hdr,
			const uint8_t *payload);
/* The flow ended: what its windows hold and was not scanned yet is scanned now. */
void pipeline_streams_flow_end(struct sample_pipeline *sp, uint64_t flow_seq);
void pipeline_streams_stats(struct sample_pipeline *sp, struct stream_stats *out);

#endif /* EDGEWATCH_LOTL_PIPELINE_INTERNAL_H */
