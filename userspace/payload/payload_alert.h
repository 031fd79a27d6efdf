/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The alert event for a payload rule that matched a sample: the rule (gid, signature_id,
 * rev, signature, category, severity, metadata, reference), the packet's direction,
 * the flow, the sampled payload, and the HTTP request's fields when the sample is one.
 */
#ifndef EDGEWATCH_PAYLOAD_ALERT_H
#define EDGEWATCH_PAYLOAD_ALERT_H

#include <stdint.h>

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

/*
 * The sampled packet whole for the evidence (outputs.pcap): the frame's headers carried
 * after the payload (struct sample_header) and the payload. 0, or -ENODATA when the
 * headers were not carried (longer than EW_SAMPLE_HEADROOM).
 */
int payload_packet_of(const struct flow_exporter *x, const struct sample_header *hdr,
		      const uint8_t *payload, struct alert_packet *pkt);
/* A sample that raised no alert: into the evidence if its flow has one (output.h). */
void payload_sample_evidence(const struct flow_exporter *x, const struct sample_header *hdr,
			     const uint8_t *payload);

/* Emit the alert through x's output. 0 or -errno (the EVE sink's). */
int payload_alert_emit(const struct flow_exporter *x, const struct payload_alert *a);

#endif /* EDGEWATCH_PAYLOAD_ALERT_H */
