// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The summary sink: what a replay found, counted as the events go by, for the few lines
 * an analyst reads on stderr when it ends (issue 13: "replay ends with a short human
 * summary"). It keeps counts only: flow records (and their packets and bytes), alerts
 * by signature (gid:sid:rev, with its category and text), the first SUMMARY_SIGNATURES
 * distinct signatures exactly and the rest as one count, so a capture full of distinct
 * rules cannot grow it. Alerts come from the scanner threads too: a mutex.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/output.h"

#define SUMMARY_SIGNATURES 64
#define SUMMARY_TEXT_LEN 96

struct summary_signature {
	uint32_t gid, sid, rev;
	uint64_t alerts;
	char category[SUMMARY_TEXT_LEN];
	char signature[SUMMARY_TEXT_LEN];
};

struct summary_sink {
	struct output_sink base;
	pthread_mutex_t lock;
	uint64_t flow_records, packets, bytes;
	uint64_t alerts;
	uint64_t alerts_other;	/* of signatures past the first SUMMARY_SIGNATURES */
	size_t signature_count;
	struct summary_signature sigs[SUMMARY_SIGNATURES];
};

static int summary_flow(struct output_sink *s, const struct flow_event *ev,
			const struct output_line *line)
{
	struct summary_sink *ss = (struct summary_sink *)s;

	/* only the main thread exports flows; alerts may read them at the same time */
	pthread_mutex_lock(&ss->lock);
	ss->flow_records++;
	ss->packets += ev->packets[0] + ev->packets[1];
	ss->bytes += ev->bytes[0] + ev->bytes[1];
	pthread_mutex_unlock(&ss->lock);
	return 0;
}

static void copy_text(char *dst, const char *src)
{
	snprintf(dst, SUMMARY_TEXT_LEN, "%s", src ? src : "");
}

static int summary_alert(struct output_sink *s, const struct alert_event *ev,
			 const struct output_line *line)
{
	struct summary_sink *ss = (struct summary_sink *)s;
	struct summary_signature *sig = NULL;
	size_t i;

	pthread_mutex_lock(&ss->lock);
	ss->alerts++;
	for (i = 0; i < ss->signature_count; i++) {
		sig = &ss->sigs[i];
		if (sig->gid == ev->gid && sig->sid == ev->sid && sig->rev == ev->rev)
			break;
	}
	if (i == ss->signature_count) {
		if (i < SUMMARY_SIGNATURES) {
			sig = &ss->sigs[ss->signature_count++];
			sig->gid = ev->gid;
			sig->sid = ev->sid;
			sig->rev = ev->rev;
			copy_text(sig->category, ev->category);
			copy_text(sig->signature, ev->signature);
		} else {
			sig = NULL;
			ss->alerts_other++;
		}
	}
	if (sig)
		sig->alerts++;
	pthread_mutex_unlock(&ss->lock);
	return 0;
}

static int summary_stats(struct output_sink *s, const struct stats_snapshot *snap,
			 const struct output_line *line)
{
	return 0;
}

static int summary_flush(struct output_sink *s)
{
	return 0;
}

static int summary_reopen(struct output_sink *s)
{
	return 0;
}

static void summary_close(struct output_sink *s)
{
	struct summary_sink *ss = (struct summary_sink *)s;

	pthread_mutex_destroy(&ss->lock);
	free(ss);
}

static const struct output_sink_ops summary_ops = {
	.name = "summary",
	.flow = summary_flow,
	.alert = summary_alert,
	.stats = summary_stats,
	.flush = summary_flush,
	.reopen = summary_reopen,
	.close = summary_close,
	.not_a_destination = 1,
};

int summary_sink_open(struct output_sink **out)
{
	struct summary_sink *ss = calloc(1, sizeof(*ss));

	*out = NULL;
	if (!ss)
		return -ENOMEM;
	pthread_mutex_init(&ss->lock, NULL);
	ss->base.ops = &summary_ops;
	*out = &ss->base;
	return 0;
}

static int by_alerts_desc(const void *a, const void *b)
{
	const struct summary_signature *x = a, *y = b;

	if (x->alerts != y->alerts)
		return x->alerts < y->alerts ? 1 : -1;
	return x->sid < y->sid ? -1 : x->sid > y->sid;
}

/* One line: each category with its alerts, most first (of the listed signatures). */
static void print_categories(const struct summary_sink *ss, FILE *out, const char *prefix)
{
	struct { const char *name; uint64_t alerts; } cats[SUMMARY_SIGNATURES];
	size_t n = 0, i, j;

	for (i = 0; i < ss->signature_count; i++) {
		const char *name = ss->sigs[i].category[0] ? ss->sigs[i].category : "no category";

		for (j = 0; j < n && strcmp(cats[j].name, name); j++)
			;
		if (j == n) {
			cats[n].name = name;
			cats[n++].alerts = 0;
		}
		cats[j].alerts += ss->sigs[i].alerts;
	}
	if (!n)
		return;
	for (i = 1; i < n; i++)	/* insertion sort, most alerts first: n <= 64 */
		for (j = i; j > 0 && cats[j].alerts > cats[j - 1].alerts; j--) {
			typeof(cats[0]) t = cats[j];

			cats[j] = cats[j - 1];
			cats[j - 1] = t;
		}
	fprintf(out, "%salerts by category:", prefix);
	for (i = 0; i < n; i++)
		fprintf(out, "%s %s %" PRIu64, i ? "," : "", cats[i].name, cats[i].alerts);
	fprintf(out, "\n");
}

void summary_sink_print(struct output_sink *s, FILE *out, const char *prefix)
{
	struct summary_sink *ss = (struct summary_sink *)s;
	size_t i;

	pthread_mutex_lock(&ss->lock);
	fprintf(out, "%sflows: %" PRIu64 " records (%" PRIu64 " packets, %" PRIu64 " bytes)\n",
		prefix, ss->flow_records, ss->packets, ss->bytes);
	fprintf(out, "%salerts: %" PRIu64 "%s\n", prefix, ss->alerts,
		ss->alerts ? ", by signature:" : "");
	qsort(ss->sigs, ss->signature_count, sizeof(ss->sigs[0]), by_alerts_desc);
	print_categories(ss, out, prefix);
	for (i = 0; i < ss->signature_count; i++) {
		const struct summary_signature *sig = &ss->sigs[i];

		fprintf(out, "%s  %8" PRIu64 "  [%u:%u:%u] %s (%s)\n", prefix, sig->alerts,
			sig->gid, sig->sid, sig->rev, sig->signature,
			sig->category[0] ? sig->category : "no category");
	}
	if (ss->alerts_other)
		fprintf(out, "%s  %8" PRIu64 "  of further signatures (only the first %d are "
			"listed)\n", prefix, ss->alerts_other, SUMMARY_SIGNATURES);
	pthread_mutex_unlock(&ss->lock);
}
