/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The live flood counts' reader (datapath.h, "Live flood counts"): every tick the
 * engine reads the kernel's cumulative new-flow counts per destination (flood_dests,
 * per CPU), takes the differences from what it read the tick before, and hands them to
 * the detectors (detect_live_dest). Its memory is bounded like the map's: one entry
 * per destination the map holds (an LRU of the same capacity).
 */
#ifndef EDGEWATCH_FLOOD_LIVE_H
#define EDGEWATCH_FLOOD_LIVE_H

#include <stdint.h>

#include "output/stats.h"

struct flood_live;
struct detect;

/* A reader of the map map_fd (capacity entries); src_gen: the datapath's flood_src_gen
 * (its mmapped .bss). 0 or -errno. */
int flood_live_new(struct flood_live **out, int map_fd, uint32_t capacity,
		   volatile uint32_t *src_gen);
void flood_live_free(struct flood_live *fl);	/* NULL-safe */

/*
 * Read the map at now_ns (datapath clock) and report what changed since since_ns (the
 * previous read, or the start) to d. created and
 * failed: the kernel's flood_dest_created and flood_dest_failed counters (both hooks),
 * for the eviction count. 0 or -errno (counted in the stats).
 */
int flood_live_read(struct flood_live *fl, struct detect *d, uint64_t since_ns, uint64_t now_ns,
		    uint64_t created, uint64_t failed);

/* The reader's part of the stats (on, dests_*, reads, read_errors). */
void flood_live_stats(const struct flood_live *fl, struct stats_flood_live *out);

#endif /* EDGEWATCH_FLOOD_LIVE_H */
