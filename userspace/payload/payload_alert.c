// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>

#include "payload/payload_alert.h"

static struct event_bytes bytes_of(struct http_slice slice)
{
	return (struct event_bytes){ .data = slice.data, .len = slice.len };
}

int payload_packet_of(const struct flow_exporter *x, const struct sample_header *hdr,
		      const uint8_t *payload, struct alert_packet *pkt)
{
	if (!hdr->hdr_len)
		return -ENODATA;
	*pkt = (struct alert_packet){
		.ts_ns = hdr->ts_ns + (uint64_t)flow_exporter_to_realtime(x),
		.head = payload + hdr->cap_len,	/* after the payload: datapath.h */
		.head_len = hdr->hdr_len,
		.payload = payload,
		.payload_len = hdr->cap_len,
		.orig_len = hdr->frame_len,
	};
	return 0;
}

void payload_sample_evidence(const struct flow_exporter *x, const struct sample_header *hdr,
			     const uint8_t *payload)
{
	struct alert_packet pkt;

	if (x->out->evidence && !payload_packet_of(x, hdr, payload, &pkt))
		output_sample_evidence(x->out, flow_id_of(x->flow_id_salt, hdr->flow_seq), &pkt);
}

int payload_alert_emit(const struct flow_exporter *x, const struct payload_alert *a)
{
	const struct rule_info *rule = a->rule;
	struct alert_metadata *metadata = NULL;
	struct alert_event ev;
	struct alert_http http;
	struct alert_packet packet;
	size_t i;
	int err;

	if (rule->metadata_count) {
		metadata = calloc(rule->metadata_count, sizeof(*metadata));
		if (!metadata)
			return -ENOMEM;
		for (i = 0; i < rule->metadata_count; i++) {
			metadata[i].key = rule->metadata[i].key;
			metadata[i].value = rule->metadata[i].value;
		}
	}
	alert_event_init(&ev, &a->sample->key, a->flow, a->sample->from_a, a->sample->ts_ns,
			 flow_exporter_to_realtime(x), x->flow_id_salt);
	ev.gid = rule->gid;
	ev.sid = rule->sid;
	ev.rev = rule->rev;
	ev.signature = rule->msg;
	ev.category = rule->category;
	ev.severity = rule->severity;
	ev.blocked = a->blocked;
	ev.metadata = metadata;
	ev.metadata_count = rule->metadata_count;
	ev.references = rule->references;
	ev.reference_count = rule->reference_count;
	ev.payload = a->payload;
	ev.payload_len = a->sample->cap_len;
	if (!payload_packet_of(x, a->sample, a->payload, &packet))
		ev.packet = &packet;
	if (a->http) {
		/* Suricata's names for the request fields (rules/http.h says which is which) */
		http.hostname = bytes_of(a->http->host);
		http.url = bytes_of(a->http->uri_raw);
		http.user_agent = bytes_of(a->http->user_agent);
		http.method = bytes_of(a->http->method);
		http.protocol = bytes_of(a->http->protocol);
		ev.http = &http;
	}
	err = output_alert(x->out, &ev);
	free(metadata);
	return err;
}
