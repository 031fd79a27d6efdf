/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The beacon tests' rig (detect_rig.h is the other detectors', with flow records
 * built from a few fields): a hub over an EVE file in /tmp with the default
 * configuration (the caller adjusts r->cfg between hub_rig_prepare() and
 * hub_rig_start()), and a seeded random series, so every run sees the same numbers.
 */
#ifndef EDGEWATCH_TESTS_DETECT_HUB_RIG_H
#define EDGEWATCH_TESTS_DETECT_HUB_RIG_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "detect/detect.h"
#include "flow_export.h"
#include "output/output.h"

static uint64_t rng_state;

static inline double uniform(void)	/* 0..1, xorshift64 of rng_state */
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) / (double)(1ull << 53);
}

struct hub_rig {
	char path[64];
	struct output out;
	struct flow_exporter x;
	struct ew_config *cfg;
	struct detect *d;
};

/* The EVE file, the default configuration with anomaly detection on. 0 or -1. */
static inline int hub_rig_prepare(struct hub_rig *r)
{
	int fd;

	memset(r, 0, sizeof(*r));
	strcpy(r->path, "/tmp/edgewatch-test-detect.XXXXXX");
	fd = mkstemp(r->path);
	if (fd < 0)
		return -1;
	close(fd);
	r->cfg = config_defaults();
	if (!r->cfg || output_open(&r->out, r->path, "test0"))
		return -1;
	flow_exporter_init(&r->x, &r->out, 1, 0);
	r->cfg->anomaly.on = 1;
	return 0;
}

/* The hub with r->cfg as it is now. 0 or -1. */
static inline int hub_rig_start(struct hub_rig *r)
{
	return detect_new(&r->d, r->cfg, &r->x) || !r->d ? -1 : 0;
}

#endif /* EDGEWATCH_TESTS_DETECT_HUB_RIG_H */
