/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The EVE "alert" for a payload rule that matched a sample, as Suricata writes one: the
 * rule (gid, signature_id, rev, signature, category, severity, metadata, reference), the
 * packet's direction, the flow, the sampled payload, and an "http" object when the
 * sample is an HTTP request.
 */
#ifndef EDGEWATCH_LOTL_PAYLOAD_ALERT_H
#define EDGEWATCH_LOTL_PAYLOAD_ALERT_H

#include <stdint.h>
#include <json-c/json.h>

#include "datapath.h"
#include "flow_export.h"
#include "rules/http.h"
#include "rules/rules.h"

struct payload_alert {
	const struct sample_header *sample;
	const uint8_t *payload;			/* sample->cap_len bytes */
	const struct flow_record *flow;		/* the flow as of now (or rebuilt: see .c) */
	const struct rule_info *rule;
	const struct http_request *http;	/* NULL: not an HTTP request */
	int blocked;				/* the rest of the flow is dropped */
};

/* The event, ready for eve_write(); NULL when out of memory. */
struct json_object *payload_alert_event(const struct flow_exporter *x,
					const struct payload_alert *a);

#endif /* EDGEWATCH_LOTL_PAYLOAD_ALERT_H */
