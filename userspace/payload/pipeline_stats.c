// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The pipeline's part of the stats snapshot: "samples" (where every sample read went:
 * the sum is in samples.balanced) and "rules" (the load, the matches, the alerts, the
 * blocks, and the scan counters of every scanner added up).
 */
#include <string.h>

#include "payload/pipeline_internal.h"

static void scan_stats_sum(struct sample_pipeline *sp, struct scan_stats *sum)
{
	int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < sp->scanners_initialised; i++) {
		struct pipeline_scanner *s = &sp->scanners[i];

		pthread_mutex_lock(&s->stats_lock);
		scan_stats_add(sum, &s->stats);
		pthread_mutex_unlock(&s->stats_lock);
	}
}

/* The outcome counters as one view: each sample read is in exactly one, or pending. */
struct samples_view {
	struct sample_pipeline *sp;
	struct pipeline_counters c;
	uint64_t pending;
};

static void take_view(void *ctx, size_t pending)
{
	struct samples_view *v = ctx;
	const struct pipeline_counters *c = &v->sp->counters;

	v->pending = pending;
	v->c.scanned = counter_get(&c->scanned);
	v->c.scan_failed = counter_get(&c->scan_failed);
	v->c.queued = counter_get(&c->queued);
	/* the ring buffer's side: counted by this thread (stats are written by it too) */
	v->c.dropped_queue_full = counter_get(&c->dropped_queue_full);
	v->c.dropped_malformed = counter_get(&c->dropped_malformed);
	v->c.not_scanned_no_rules = counter_get(&c->not_scanned_no_rules);
	v->c.read = counter_get(&c->read);
}

static void samples_stats(struct sample_pipeline *sp, struct stats_samples *o)
{
	struct samples_view v = { .sp = sp };
	const struct pipeline_counters *c = &v.c;
	uint64_t ended;

	if (sp->queue.slots)
		sample_queue_observe(&sp->queue, take_view, &v);
	else
		take_view(&v, 0);
	ended = c->scanned + c->scan_failed + c->dropped_queue_full + c->dropped_malformed +
		c->not_scanned_no_rules;
	o->read = c->read;
	o->queued = c->queued;
	o->scanned = c->scanned;
	o->scan_failed = c->scan_failed;
	o->dropped_queue_full = c->dropped_queue_full;
	o->dropped_malformed = c->dropped_malformed;
	o->not_scanned_no_rules = c->not_scanned_no_rules;
	o->in_queue = v.pending;
	o->queue_slots = sp->queue.capacity;
	o->queue_high_water = sp->queue.slots ? sample_queue_high_water(&sp->queue) : 0;
	o->workers = sp->synchronous ? 0 : (uint64_t)sp->scanner_count;
	o->balanced = c->read == ended + v.pending;
}

static void rules_stats(struct sample_pipeline *sp, struct stats_rules *o)
{
	/* the stats are taken by the thread that reloads: current stays while we read it */
	const struct rules_generation *g = __atomic_load_n(&sp->current, __ATOMIC_ACQUIRE);
	const struct pipeline_counters *c = &sp->counters;
	struct flow_alerts_stats fa;
	struct scan_stats scan;

	o->files = g->summary.files;
	o->loaded = g->summary.loaded;
	o->skipped = g->summary.skipped;
	o->no_prefilter = g->summary.no_prefilter;
	o->cache_hit = g->summary.cache_hit;
	o->generation = g->number;
	o->reloads_ok = counter_get(&sp->reloads_ok);
	o->reloads_failed = counter_get(&sp->reloads_failed);
	o->matches = counter_get(&c->rule_matches);
	o->alerts = counter_get(&c->alerts);
	o->deduplicated = counter_get(&c->deduplicated);
	o->alert_errors = counter_get(&c->alert_errors);
	o->drop_matches = counter_get(&c->drop_matches);
	o->drop_not_enforced = counter_get(&c->drop_monitor);
	o->drop_flow_gone = counter_get(&c->drop_flow_gone);
	o->flows_blocked = counter_get(&sp->blocker.blocked);
	o->flows_unblocked = counter_get(&sp->blocker.released);
	o->block_failed = counter_get(&sp->blocker.failed);
	flow_alerts_get_stats(sp->flow_alerts, &fa);
	o->flows_with_alerts = fa.flows;
	o->flows_forgotten = fa.forgotten;
	o->flows_evicted = fa.evicted;

	scan_stats_sum(sp, &scan);
	o->http_requests = scan.http_requests;
	o->http_truncated = scan.http_truncated;
	o->candidates = scan.candidates;
	o->budget_exhausted = scan.budget_exhausted;
	o->pcre_errors = scan.pcre_errors;
	o->scan_errors = scan.scan_errors;
}

static void streams_stats(struct sample_pipeline *sp, struct stats_streams *o)
{
	struct stream_stats s;

	if (!sp->streams)
		return;
	pipeline_streams_stats(sp, &s);
	o->on = 1;
	o->segments = s.segments;
	o->out_of_order = s.out_of_order;
	o->duplicate_bytes = s.duplicate_bytes;
	o->overlap_conflicts = s.overlap_conflicts;
	o->conflict_bytes = s.conflict_bytes;
	o->bytes_past_depth = s.bytes_past_depth;
	o->bytes_not_captured = s.bytes_not_captured;
	o->scans_http = s.scans[STREAM_SCAN_HTTP];
	o->scans_push = s.scans[STREAM_SCAN_PUSH];
	o->scans_depth = s.scans[STREAM_SCAN_DEPTH];
	o->scans_snap_hole = s.scans[STREAM_SCAN_SNAP_HOLE];
	o->scans_flow_end = s.scans[STREAM_SCAN_FLOW_END];
	o->scans_idle = s.scans[STREAM_SCAN_IDLE];
	o->scans_evicted = s.scans[STREAM_SCAN_EVICTED];
	o->bytes_scanned = s.bytes_scanned;
	o->gaps = s.gaps;
	o->gap_bytes = s.gap_bytes;
	o->overflow_segments = s.overflow_segments;
	o->overflow_streams = s.overflow_streams;
	o->overflow_bytes = s.overflow_bytes;
	o->overflow_no_memory = s.overflow_no_memory;
	o->segments_after_release = s.segments_after_release;
	o->scan_failed = counter_get(&sp->counters.stream_scan_failed);
	o->streams = s.streams;
	o->bytes = s.bytes;
	o->streams_high_water = s.streams_high_water;
	o->bytes_high_water = s.bytes_high_water;
}

void sample_pipeline_stats(struct sample_pipeline *sp, struct stats_samples *samples,
			   struct stats_rules *rules, struct stats_streams *streams)
{
	memset(samples, 0, sizeof(*samples));
	memset(rules, 0, sizeof(*rules));
	memset(streams, 0, sizeof(*streams));
	samples_stats(sp, samples);
	rules_stats(sp, rules);
	streams_stats(sp, streams);
}
