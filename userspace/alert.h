/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * EVE "alert" events, Suricata's layout: the packet's direction in src/dest, the rule
 * in "alert", the flow it belongs to in "flow" and flow_id/community_id, so built-in
 * detections and payload rules read the same in a SIEM.
 */
#ifndef EDGEWATCH_ALERT_H
#define EDGEWATCH_ALERT_H

#include <stdint.h>
#include <json-c/json.h>

#include "datapath.h"
#include "flow_export.h"

struct alert_info {
	uint32_t gid;
	uint32_t sid;
	uint32_t rev;
	const char *signature;		/* msg */
	const char *category;		/* classification description, or the detection */
	int severity;			/* 1 (high) .. 3 */
	int blocked;			/* alert.action "blocked", else "allowed" */
	/* metadata: key -> [values], as Suricata writes it */
	const char *const *metadata_keys;
	const char *const *metadata_values;
	size_t metadata_count;
};

/*
 * A new alert event for a packet of the flow (key, rec) at ts_ns (datapath clock),
 * going from endpoint a when from_a. Adds the rule, the direction, the flow's counters
 * and times so far. The caller adds what is specific (payload, http, policy) and writes
 * it with eve_write(). NULL when out of memory.
 */
struct json_object *alert_event_new(const struct flow_exporter *x, uint64_t ts_ns,
				    const struct flow_key *key, const struct flow_record *rec,
				    int from_a, const struct alert_info *info);

/* "payload" (base64) and "payload_printable" of len bytes, as Suricata adds them. */
void alert_add_payload(struct json_object *event, const uint8_t *payload, size_t len);

#endif /* EDGEWATCH_ALERT_H */
