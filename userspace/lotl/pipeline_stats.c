// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The pipeline's part of the stats event: "samples" (where every sample read went: the
 * sum is in samples.balanced) and "rules" (the load, the matches, the alerts, the
 * blocks, and the scan counters of every scanner added up).
 */
#include <string.h>

#include "eve.h"
#include "lotl/pipeline_internal.h"

static void scan_stats_sum(struct sample_pipeline *sp, struct scan_stats *sum)
{
	int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < sp->scanners_initialised; i++) {
		struct pipeline_scanner *s = &sp->scanners[i];

		pthread_mutex_lock(&s->stats_lock);
		sum->samples += s->stats.samples;
		sum->http_requests += s->stats.http_requests;
		sum->http_truncated += s->stats.http_truncated;
		sum->candidates += s->stats.candidates;
		sum->matches += s->stats.matches;
		sum->budget_exhausted += s->stats.budget_exhausted;
		sum->pcre_errors += s->stats.pcre_errors;
		sum->scan_errors += s->stats.scan_errors;
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

static void add_samples(struct sample_pipeline *sp, struct json_object *stats)
{
	struct json_object *o = eve_add_object(stats, "samples");
	struct samples_view v = { .sp = sp };
	const struct pipeline_counters *c = &v.c;
	uint64_t ended;

	if (sp->queue.slots)
		sample_queue_observe(&sp->queue, take_view, &v);
	else
		take_view(&v, 0);
	ended = c->scanned + c->scan_failed + c->dropped_queue_full + c->dropped_malformed +
		c->not_scanned_no_rules;
	eve_add_u64(o, "read", c->read);
	eve_add_u64(o, "queued", c->queued);
	eve_add_u64(o, "scanned", c->scanned);
	eve_add_u64(o, "scan_failed", c->scan_failed);
	eve_add_u64(o, "dropped_queue_full", c->dropped_queue_full);
	eve_add_u64(o, "dropped_malformed", c->dropped_malformed);
	eve_add_u64(o, "not_scanned_no_rules", c->not_scanned_no_rules);
	eve_add_u64(o, "in_queue", v.pending);
	eve_add_u64(o, "queue_slots", sp->queue.capacity);
	eve_add_u64(o, "queue_high_water", sp->queue.slots ? sample_queue_high_water(&sp->queue)
							   : 0);
	eve_add_u64(o, "workers", sp->synchronous ? 0 : (uint64_t)sp->scanner_count);
	eve_add_bool(o, "balanced", c->read == ended + v.pending);
}

static void add_rules(struct sample_pipeline *sp, struct json_object *stats)
{
	const struct pipeline_counters *c = &sp->counters;
	struct json_object *o = eve_add_object(stats, "rules");
	struct flow_alerts_stats fa;
	struct scan_stats scan;

	eve_add_u64(o, "files", sp->rules_summary.files);
	eve_add_u64(o, "loaded", sp->rules_summary.loaded);
	eve_add_u64(o, "skipped", sp->rules_summary.skipped);
	eve_add_u64(o, "no_prefilter", sp->rules_summary.no_prefilter);
	eve_add_bool(o, "cache_hit", sp->rules_summary.cache_hit);
	eve_add_u64(o, "matches", counter_get(&c->rule_matches));
	eve_add_u64(o, "alerts", counter_get(&c->alerts));
	eve_add_u64(o, "deduplicated", counter_get(&c->deduplicated));
	eve_add_u64(o, "alert_errors", counter_get(&c->alert_errors));
	eve_add_u64(o, "drop_matches", counter_get(&c->drop_matches));
	eve_add_u64(o, "drop_not_enforced", counter_get(&c->drop_monitor));
	eve_add_u64(o, "drop_flow_gone", counter_get(&c->drop_flow_gone));
	eve_add_u64(o, "flows_blocked", counter_get(&sp->blocker.blocked));
	eve_add_u64(o, "flows_unblocked", counter_get(&sp->blocker.released));
	eve_add_u64(o, "block_failed", counter_get(&sp->blocker.failed));
	flow_alerts_get_stats(sp->flow_alerts, &fa);
	eve_add_u64(o, "flows_with_alerts", fa.flows);
	eve_add_u64(o, "flows_forgotten", fa.forgotten);
	eve_add_u64(o, "flows_evicted", fa.evicted);

	scan_stats_sum(sp, &scan);
	eve_add_u64(o, "http_requests", scan.http_requests);
	eve_add_u64(o, "http_truncated", scan.http_truncated);
	eve_add_u64(o, "candidates", scan.candidates);
	eve_add_u64(o, "budget_exhausted", scan.budget_exhausted);
	eve_add_u64(o, "pcre_errors", scan.pcre_errors);
	eve_add_u64(o, "scan_errors", scan.scan_errors);
}

void sample_pipeline_add_stats(struct sample_pipeline *sp, struct json_object *stats)
{
	add_samples(sp, stats);
	add_rules(sp, stats);
}
