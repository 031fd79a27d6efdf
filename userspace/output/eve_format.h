/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Every EVE JSON line edgewatch writes, formatted here and nowhere else: Suricata's
 * field names and layout, one order of the fields every event about a flow carries
 * (flow_id, in_iface, vlan, src/dest, proto, icmp, spi, community_id), so the parsers
 * SOCs already run (Filebeat, Vector, Splunk) read flows, alerts and stats unchanged.
 */
#ifndef EDGEWATCH_OUTPUT_EVE_FORMAT_H
#define EDGEWATCH_OUTPUT_EVE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "output/event.h"
#include "output/json_line.h"
#include "output/stats.h"

/* "2026-11-25T23:17:37.123456+0000" (UTC, microseconds), as Suricata writes it. */
#define EVE_TIMESTAMP_LEN 40
void eve_format_timestamp(uint64_t realtime_ns, char out[EVE_TIMESTAMP_LEN]);

/* A buffer big enough for the alert's line (its payload and HTTP fields escaped). */
size_t eve_alert_line_max(const struct alert_event *a);
/* The longest EVE line of an inventory event: its handshake's strings can be long. */
size_t eve_inventory_line_max(const struct inventory_event *ev);
/* The stats line's buffer: the EVE writer's longest line. */
#define EVE_STATS_LINE_MAX (64 * 1024)

/*
 * One event as one JSON object in jl (begun here; no newline); iface: in_iface, or
 * NULL. 0, or -ENOSPC when the line did not fit jl's buffer.
 */
int eve_format_flow(struct json_line *jl, const struct flow_event *ev, const char *iface);
int eve_format_alert(struct json_line *jl, const struct alert_event *ev, const char *iface);
int eve_format_stats(struct json_line *jl, const struct stats_snapshot *s, const char *iface);
int eve_format_inventory(struct json_line *jl, const struct inventory_event *ev,
			 const char *iface);
/*
 * Lines formatted by the calling thread so far (any of the three): the fan-out formats
 * each event's line once however many sinks carry it, and tests/unit/test_output_fanout.c
 * holds it to that. Per thread, so counting costs no atomic.
 */
uint64_t eve_lines_formatted(void);
/* One of them by type, ev a struct flow_event, alert_event, stats_snapshot or
 * inventory_event. */
int eve_format_event(struct json_line *jl, enum output_event_type type, const void *ev,
		     const char *iface);

/* The datapath's counters as the stats event's "datapath" object (a member named key). */
void eve_format_counters(struct json_line *jl, const char *key, const struct ew_counters *c);

#endif /* EDGEWATCH_OUTPUT_EVE_FORMAT_H */
