// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The pipeline's lifecycle and its two ends: the ring buffer's callback (main thread,
 * never waits) and the worker threads that scan. Replay scans in the caller's thread.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "payload/payload_alert.h"
#include "payload/pipeline_internal.h"
#include "ring_sizes.h"

/*
 * The default queue holds as many samples as the kernel's ring buffer, whose size
 * follows the flow table and the snaplen (ring_sizes.h; README).
 */
static size_t default_queue_slots(const struct sample_pipeline *sp)
{
	const char *env = getenv("EDGEWATCH_SAMPLE_QUEUE_SLOTS");
	size_t ring = sp->dp ? bpf_map__max_entries(sp->dp->skel->maps.samples)
			     : EW_SAMPLES_RINGBUF_SIZE;
	size_t slots = ring / sp->record_size;

	if (env && *env) {
		char *end;
		unsigned long n = strtoul(env, &end, 10);

		if (!*end && n > 0 && n <= 1000000)
			return n;
		log_warn("EDGEWATCH_SAMPLE_QUEUE_SLOTS=%s is not 1..1000000: using %zu", env,
			 slots);
	}
	return slots;
}

static int worker_count(int requested)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (requested > 0)
		return requested < PIPELINE_MAX_WORKERS ? requested : PIPELINE_MAX_WORKERS;
	if (cpus < 1)
		cpus = 1;
	return cpus < PIPELINE_MAX_WORKERS ? (int)cpus : PIPELINE_MAX_WORKERS;
}

static void *worker_main(void *arg)
{
	struct pipeline_scanner *s = arg;
	struct sample_queue *q = &s->sp->queue;
	size_t len;

	while (sample_queue_pop(q, s->record, &len) == 0)
		sample_queue_done(q, pipeline_scan_record(s, s->record));
	return NULL;
}

int pipeline_context_count(const struct sample_pipeline *sp)
{
	/* live: the exporter's thread scans the windows of flows that end (stream_scan.c) */
	return sp->scanner_count + !sp->synchronous;
}

/*
 * At start when there are rules, or at the first reload that brings some: the scanners
 * (live: the queue and the worker threads, idle until a sample is queued, which only
 * happens once the rules are in force) and the stream windows.
 */
static int start_scanners(struct sample_pipeline *sp)
{
	int i, err, contexts;

	sp->scanner_count = sp->synchronous ? 1 : worker_count(sp->workers_requested);
	contexts = pipeline_context_count(sp);
	sp->scanners = calloc(contexts, sizeof(*sp->scanners));
	if (!sp->scanners)
		return -ENOMEM;
	for (i = 0; i < contexts; i++) {
		err = pipeline_scanner_init(&sp->scanners[i], sp, i);
		sp->scanners_initialised++;	/* released whether it succeeded or not */
		if (err)
			return err;
	}
	if (!sp->synchronous) {
		err = sample_queue_init(&sp->queue,
					sp->queue_slots_requested
						? sp->queue_slots_requested
						: default_queue_slots(sp),
					sp->record_size);
		if (err)
			return err;
	}
	for (i = 0; !sp->synchronous && i < sp->scanner_count; i++) {
		err = pthread_create(&sp->scanners[i].thread, NULL, worker_main, &sp->scanners[i]);
		if (err) {
			log_error("cannot start a scanner thread: %s", strerror(err));
			return -err;
		}
		sp->scanners[i].started = 1;
	}
	return pipeline_streams_new(sp);
}

int pipeline_start_scanners(struct sample_pipeline *sp)
{
	/* a start that failed half-way (at a reload) is not tried again: it said why, and
	 * each later reload that brings rules is refused with the same error */
	if (!sp->scanners)
		sp->scanners_err = start_scanners(sp);
	return sp->scanners_err;
}

int sample_pipeline_new(struct sample_pipeline **out, const struct sample_pipeline_params *p)
{
	struct sample_pipeline *sp = calloc(1, sizeof(*sp));
	struct rules_load_summary summary;
	struct ruleset *rules = NULL;
	int err;

	*out = NULL;
	if (!sp)
		return -ENOMEM;
	sp->dp = p->dp;
	sp->flows_fd = p->dp ? bpf_map__fd(p->dp->skel->maps.flows) : -1;
	sp->exporter = p->exporter;
	sp->synchronous = p->synchronous;
	sp->record_size = sample_record_bytes(p->cfg->sampling.snaplen);
	/* start keys (a reload does not change them), kept for a reload's first rules */
	sp->workers_requested = p->workers;
	sp->queue_slots_requested = p->queue_slots;
	sp->stream_depth = p->cfg->sampling.stream_depth;
	sp->stream_segments = p->cfg->sampling.stream_segments;
	sp->idle_timeout = p->cfg->flow.idle_timeout;
	if (p->dp)
		flow_blocker_init(&sp->blocker, p->dp->skel);
	err = flow_alerts_new(&sp->flow_alerts, FLOW_ALERTS_MAX_DEFAULT,
			      p->dp ? &sp->blocker : NULL);
	if (!err)
		err = rules_load_from_config(p->cfg, &rules, &summary, NULL, 0);
	if (err)
		goto fail;
	if (!rules)
		log_info("no payload rules configured (rules.files): samples are counted, not "
			 "scanned");
	else
		err = pipeline_start_scanners(sp);
	if (!err)
		err = rules_generation_new(sp, rules, &summary, 1, &sp->current);
	else
		ruleset_free(rules);
	if (err)
		goto fail;
	*out = sp;
	return 0;
fail:
	sample_pipeline_free(sp);
	return err;
}

void sample_pipeline_free(struct sample_pipeline *sp)
{
	int i;

	if (!sp)
		return;
	if (sp->queue.slots) {
		/* stopping empties the queue first: nothing read is left unscanned */
		sample_queue_stop(&sp->queue);
		for (i = 0; i < sp->scanner_count; i++)
			if (sp->scanners[i].started)
				pthread_join(sp->scanners[i].thread, NULL);
		sample_queue_destroy(&sp->queue);
	}
	pipeline_streams_free(sp);
	for (i = 0; i < sp->scanners_initialised; i++)
		pipeline_scanner_release(&sp->scanners[i]);
	free(sp->scanners);
	flow_alerts_free(sp->flow_alerts);
	rules_generation_free(sp->current);
	free(sp);
}

int sample_pipeline_on_sample(struct sample_pipeline *sp, const void *data, size_t size)
{
	/* sp->current is only replaced by this same thread (sample_pipeline_rules_commit) */
	const struct rules_generation *g = __atomic_load_n(&sp->current, __ATOMIC_ACQUIRE);
	const struct sample_header *hdr = data;
	size_t len;

	counter_add(&sp->counters.read, 1);
	/* the payload, then the frame's headers (hdr_len: 0 or all of them, datapath.h) */
	if (size < sizeof(*hdr) || hdr->cap_len > size - sizeof(*hdr) ||
	    hdr->hdr_len > size - sizeof(*hdr) - hdr->cap_len ||
	    (hdr->hdr_len && hdr->hdr_len != hdr->payload_off) ||
	    sizeof(*hdr) + hdr->cap_len + hdr->hdr_len > sp->record_size) {
		counter_add(&sp->counters.dropped_malformed, 1);
		return 0;
	}
	if (!g->rules) {
		counter_add(&sp->counters.not_scanned_no_rules, 1);
		/* no rules, but a policy alert's flow still has its packets kept */
		payload_sample_evidence(sp->exporter, hdr, (const uint8_t *)(hdr + 1));
		return 0;
	}
	len = sizeof(*hdr) + hdr->cap_len + hdr->hdr_len;
	if (sp->synchronous) {
		counter_add(pipeline_scan_record(&sp->scanners[0], data), 1);
		return 0;
	}
	if (sample_queue_push(&sp->queue, data, len) == 0)
		counter_add(&sp->counters.queued, 1);
	else
		counter_add(&sp->counters.dropped_queue_full, 1);
	return 0;
}

void sample_pipeline_drain(struct sample_pipeline *sp)
{
	if (sp && sp->queue.slots)
		sample_queue_wait_idle(&sp->queue);
}

int sample_pipeline_flow_alerted(struct sample_pipeline *sp, uint64_t flow_seq, int ended)
{
	/* never had rules: no alert, no window (after a reload to no rules, the flows
	 * alerted on before still release their blocks and windows here) */
	if (!sp->scanners)
		return 0;
	/* what the flow's stream windows hold unscanned is scanned before the answer */
	if (ended)
		pipeline_streams_flow_end(sp, flow_seq);
	return flow_alerts_exported(sp->flow_alerts, flow_seq, ended);
}
