/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The anomaly detectors, as the engine sees them: one hub that takes every flow record
 * the exporter writes (ended flows and long flows' active-timeout records), hands it to
 * each enabled detector (detect/detector.h: a file per detector), and turns what they
 * report into alerts (episodes: start, update, end) on the output. Live runs and replay
 * drive it the same way, replay with the capture's clock, so both raise the same alerts.
 * Excluded prefixes (anomaly.exclude) are dropped before any detector sees the flow.
 * Single-threaded: the engine's main thread calls everything here.
 */
#ifndef EDGEWATCH_DETECT_DETECT_H
#define EDGEWATCH_DETECT_DETECT_H

#include <stdint.h>

#include "config/config.h"
#include "output/event.h"
#include "output/stats.h"

struct detect;
struct flow_exporter;

/*
 * The detectors cfg enables, alerting through x's output (its flow id salt and clock
 * offset). *out is NULL (and 0 returned) when anomaly detection is off. 0 or -errno.
 */
int detect_new(struct detect **out, const struct ew_config *cfg, const struct flow_exporter *x);
void detect_free(struct detect *d);	/* NULL-safe; call detect_finish first */

/*
 * A reload's configuration replaces the one detect_new was given (which the caller then
 * frees): anomaly.exclude and the management addresses take the new values at once; the
 * detectors, their thresholds and windows keep the ones they started with (start keys).
 * NULL-safe.
 */
void detect_reconfigure(struct detect *d, const struct ew_config *cfg);

/* A flow record as exported (output/event.h). */
void detect_flow(struct detect *d, const struct flow_event *ev);
/* Time passes (wall clock of the datapath's time: capture time in replay): windows
 * close, quiet episodes end. Called after every sweep. */
void detect_tick(struct detect *d, uint64_t now_ns);
/* The run is over: every detector reports what it still holds, every episode ends. */
void detect_finish(struct detect *d, uint64_t now_ns);

/*
 * Live flood counts (datapath.h, "Live flood counts"). detect_live_on: the engine will
 * feed them from now on (before the first record), so records no longer bring what they
 * count (new flows; packets already reported hot). detect_hot_packets: the sweeper's
 * hot_pkts for cfg (0: no flood detector, nothing to report).
 */
void detect_live_on(struct detect *d);
uint64_t detect_hot_packets(const struct ew_config *cfg);
/* New flows toward one destination since the previous read (counts by enum
 * ew_flood_class), the latest of them (last), their sources' bitmap (EW_FLOOD_SRC_BITS,
 * ew_flood_src_bit()); since_ns (the previous read) and now_ns: datapath clock. */
void detect_live_dest(struct detect *d, const struct flood_dest_key *dest,
		      const uint64_t new_flows[EW_FLOOD_CLASSES], uint64_t handshakes,
		      const struct flood_dest_count *last,
		      const uint64_t src_bits[EW_FLOOD_SRC_BITS / 64], uint64_t since_ns,
		      uint64_t now_ns);
/* A hot flow from the sweeper. */
void detect_hot_flow(struct detect *d, const struct flow_hot *h);

/* The detectors' account for the stats snapshot. */
void detect_stats(const struct detect *d, struct stats_anomaly *out);

#endif /* EDGEWATCH_DETECT_DETECT_H */
