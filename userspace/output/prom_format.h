/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The stats snapshot in the Prometheus text exposition format (0.0.4), for the
 * Prometheus sink (prometheus_sink.c). Names follow Prometheus' rules: an edgewatch_
 * prefix, base units (seconds, bytes), counters end in _total, HELP and TYPE for every
 * family, and labels only for bounded sets (hook, counter group, end reason, sink, event
 * type, alert category): never an address. The values are the snapshot's, so a scrape
 * and the EVE stats event of the same snapshot agree (tests/e2e/test_prometheus.sh).
 */
#ifndef EDGEWATCH_OUTPUT_PROM_FORMAT_H
#define EDGEWATCH_OUTPUT_PROM_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "output/stats.h"

/* Text that grows as it is written; a failed allocation sticks (err = -ENOMEM). */
struct prom_text {
	char *buf;
	size_t len;
	size_t cap;
	int err;
};

/* Alerts of one category, counted by the sink as they passed (builtin: sid reserved). */
struct prom_alert_class {
	char *category;
	int builtin;
	uint64_t alerts;
};

struct prom_alert_counts {
	const struct prom_alert_class *classes;
	size_t count;
	uint64_t overflow;	/* alerts whose category found no free row */
};

/*
 * Append the exposition of snap and of the alert counts to t. 0, or -ENOMEM (t->err).
 * t->buf is NUL-terminated when it succeeds.
 */
int prom_format_stats(struct prom_text *t, const struct stats_snapshot *snap,
		      const struct prom_alert_counts *alerts);

void prom_text_free(struct prom_text *t);

#endif /* EDGEWATCH_OUTPUT_PROM_FORMAT_H */
