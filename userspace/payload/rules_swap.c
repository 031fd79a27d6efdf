// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The payload rules replaced while samples are scanned (SIGHUP, `edgewatch reload`).
 *
 * A generation (struct rules_generation) is a ruleset with a scan context (Hyperscan
 * scratch, PCRE2 match data) for every scanner. The reload path loads the new rules (from
 * the cache when their expressions did not change) and allocates every context *beside*
 * the running generation, then publishes it with one atomic exchange of sp->current.
 * A scanner takes the current generation once per sample (pipeline_scanner_enter) and
 * keeps it until the sample and every range of its stream window are scanned, so a
 * sample is scanned by one whole database, old or new, never by a half-built one, and
 * no sample waits or is dropped for the swap: the queue is not touched.
 *
 * Freeing the old generation is RCU-like, with one hazard pointer per scanner: a scanner
 * publishes the generation it is about to use, then checks it is still current (if a
 * swap came in between, the reloader may have missed the hazard: it takes the new one).
 * After the exchange, the reloader waits until no scanner's hazard is the old generation
 * (at most the scan of one sample: bounded by the snap length, the stream depth and the
 * rules' match budget) and frees it. Only the reloader waits; scanners never do.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "payload/pipeline_internal.h"

struct rules_generation *pipeline_scanner_enter(struct pipeline_scanner *s)
{
	struct sample_pipeline *sp = s->sp;
	struct rules_generation *g;

	do {
		g = __atomic_load_n(&sp->current, __ATOMIC_ACQUIRE);
		__atomic_store_n(&s->hazard, g, __ATOMIC_SEQ_CST);
	} while (g != __atomic_load_n(&sp->current, __ATOMIC_SEQ_CST));
	if (g->number != s->gen_seen) {
		/* a new context counts from 0: what the older ones counted stays in the base */
		pthread_mutex_lock(&s->stats_lock);
		s->stats_base = s->stats;
		pthread_mutex_unlock(&s->stats_lock);
		s->gen_seen = g->number;
	}
	s->gen = g;
	return g;
}

void pipeline_scanner_leave(struct pipeline_scanner *s)
{
	s->gen = NULL;
	__atomic_store_n(&s->hazard, NULL, __ATOMIC_RELEASE);
}

void rules_generation_free(struct rules_generation *g)
{
	int i;

	if (!g)
		return;
	for (i = 0; g->ctx && i < g->ctx_count; i++)
		scan_ctx_free(g->ctx[i]);
	free(g->ctx);
	ruleset_free(g->rules);
	free(g);
}

int rules_generation_new(struct sample_pipeline *sp, struct ruleset *rules,
			 const struct rules_load_summary *summary, uint64_t number,
			 struct rules_generation **out)
{
	struct rules_generation *g = calloc(1, sizeof(*g));
	int i;

	*out = NULL;
	if (!g) {
		ruleset_free(rules);
		return -ENOMEM;
	}
	g->number = number;
	g->rules = rules;
	g->summary = *summary;
	if (rules) {
		/* the scratch of every scanner, before anyone can see the database */
		g->ctx_count = pipeline_context_count(sp);
		g->ctx = calloc(g->ctx_count, sizeof(*g->ctx));
		for (i = 0; g->ctx && i < g->ctx_count; i++)
			if (!(g->ctx[i] = scan_ctx_new(rules)))
				break;
		if (!g->ctx || i < g->ctx_count) {
			rules_generation_free(g);
			return -ENOMEM;
		}
	}
	*out = g;
	return 0;
}

/* A rules load on a thread of its own, so that the caller keeps up meanwhile. */
struct rules_load_job {
	const struct ew_config *cfg;
	struct ruleset *rules;
	struct rules_load_summary summary;
	char *why;
	size_t why_len;
	int err;
	int done;
};

static void *rules_load_main(void *arg)
{
	struct rules_load_job *job = arg;

	job->err = rules_load_from_config(job->cfg, &job->rules, &job->summary, job->why,
					  job->why_len);
	__atomic_store_n(&job->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Compiling the shipped rules without the cache takes seconds: on a thread of its own,
 * while keep_up (the ring buffers, the sweeps) runs on this one, so the kernel's ring
 * buffer is read meanwhile and no sample is lost to the compile. Without keep_up, or
 * when no thread can be made, here.
 */
static void rules_load_keeping_up(struct rules_load_job *job, void (*keep_up)(void *),
				  void *user)
{
	pthread_t thread;

	if (!keep_up || pthread_create(&thread, NULL, rules_load_main, job)) {
		rules_load_main(job);
		return;
	}
	while (!__atomic_load_n(&job->done, __ATOMIC_ACQUIRE))
		keep_up(user);
	pthread_join(thread, NULL);
}

int sample_pipeline_rules_prepare(struct sample_pipeline *sp, const struct ew_config *cfg,
				  struct rules_generation **next, char *why, size_t why_len,
				  void (*keep_up)(void *), void *user)
{
	const struct rules_generation *running = sp->current;
	struct rules_load_job job = { .cfg = cfg, .why = why, .why_len = why_len };
	int err;

	*next = NULL;
	rules_load_keeping_up(&job, keep_up, user);
	err = job.err;
	if (err)
		goto fail;
	/* the first rules of a pipeline started without any: its scanners, idle until the
	 * swap (nothing is queued while no rules are in force) */
	if (job.rules)
		err = pipeline_start_scanners(sp);
	if (!err)
		err = rules_generation_new(sp, job.rules, &job.summary, running->number + 1,
					   next);
	else
		ruleset_free(job.rules);
	if (err) {
		snprintf(why, why_len, "the payload rules could not be made ready: %s",
			 strerror(-err));
		log_error("%s", why);
		goto fail;
	}
	return 0;
fail:
	counter_add(&sp->reloads_failed, 1);
	log_error("rules: reload failed, generation %llu (%zu rules) stays in force",
		  (unsigned long long)running->number, running->summary.loaded);
	return err;
}

void sample_pipeline_rules_abort(struct sample_pipeline *sp, struct rules_generation *next)
{
	if (!next)
		return;
	counter_add(&sp->reloads_failed, 1);
	rules_generation_free(next);
}

/* Until no scanner holds old: each one is between samples or scanning with a newer one. */
static void wait_until_unused(struct sample_pipeline *sp, const struct rules_generation *old)
{
	struct timespec pause = { .tv_sec = 0, .tv_nsec = 50 * 1000 };
	int i;

	for (i = 0; i < sp->scanners_initialised; i++)
		while (__atomic_load_n(&sp->scanners[i].hazard, __ATOMIC_SEQ_CST) == old)
			nanosleep(&pause, NULL);
}

void sample_pipeline_rules_commit(struct sample_pipeline *sp, struct rules_generation *next)
{
	struct rules_generation *old;

	/* to no rules: what is queued was read under rules and is scanned by them first
	 * (this thread is the only one that queues, and it is here) */
	if (!next->rules)
		sample_pipeline_drain(sp);
	old = __atomic_exchange_n(&sp->current, next, __ATOMIC_SEQ_CST);
	wait_until_unused(sp, old);
	counter_add(&sp->reloads_ok, 1);
	log_info("rules: generation %llu in force: %zu loaded, %zu skipped, from %zu file%s%s "
		 "(generation %llu had %zu)",
		 (unsigned long long)next->number, next->summary.loaded, next->summary.skipped,
		 next->summary.files, next->summary.files == 1 ? "" : "s",
		 next->summary.cache_hit ? ", cached database" : "",
		 (unsigned long long)old->number, old->summary.loaded);
	rules_generation_free(old);
}
