// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One sample through the rules: the scan input from the sample's header, then for each
 * match the per-flow deduplication, the block of a `drop` rule, and the alert.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>

#include "payload/payload_alert.h"
#include "payload/pipeline_internal.h"


/* What the match callback needs about the sample being scanned. */
struct sample_match {
	struct pipeline_scanner *scanner;
	const struct sample_header *hdr;
	const uint8_t *payload;
	struct flow_record flow;
	int flow_known;		/* flow holds something: looked up or rebuilt */
	int flow_live;		/* ... and it is the kernel's record of this very flow */
	const struct http_request *http;
	int http_parsed;	/* http was looked for (it may be NULL: not a request) */
	int alerted;		/* an alert carried this sample's packet to the evidence */
};

/* Its scan contexts are in the rules' generations (rules_generation_new). */
int pipeline_scanner_init(struct pipeline_scanner *s, struct sample_pipeline *sp, int index)
{
	memset(s, 0, sizeof(*s));
	s->sp = sp;
	s->index = index;
	http_request_init(&s->http);
	pthread_mutex_init(&s->stats_lock, NULL);
	s->record = malloc(sp->record_size);
	return s->record ? 0 : -ENOMEM;
}

void pipeline_scanner_release(struct pipeline_scanner *s)
{
	http_request_release(&s->http);
	pthread_mutex_destroy(&s->stats_lock);
	free(s->record);
	s->record = NULL;
}

/*
 * flow:established from the packet itself: a TCP segment with ACK and without SYN comes
 * after a handshake. Decided per packet, not from the flow's record, because the
 * record a scanner thread reads may already hold later packets: replay and a live run
 * must decide alike. A TCP Fast Open SYN carrying data is not established.
 */
static int sample_established(const struct sample_header *hdr)
{
	return hdr->key.proto == IPPROTO_TCP && (hdr->tcp_flags & EW_TCP_ACK) &&
	       !(hdr->tcp_flags & EW_TCP_SYN);
}

static void scan_input_of(const struct sample_header *hdr, const uint8_t *payload,
			  struct scan_input *in)
{
	const union ew_addr *src = hdr->from_a ? &hdr->key.addr_a : &hdr->key.addr_b;
	const union ew_addr *dst = hdr->from_a ? &hdr->key.addr_b : &hdr->key.addr_a;

	memset(in, 0, sizeof(*in));
	in->payload = payload;
	in->len = hdr->cap_len;
	in->orig_len = hdr->payload_len;
	in->proto = hdr->key.proto;
	in->family = hdr->key.family;
	in->to_server = hdr->dir == EW_DIR_TO_SERVER;
	in->established = sample_established(hdr);
	memcpy(in->src_addr, src->u8, sizeof(in->src_addr));
	memcpy(in->dst_addr, dst->u8, sizeof(in->dst_addr));
	in->src_port = ntohs(hdr->from_a ? hdr->key.port_a : hdr->key.port_b);
	in->dst_port = ntohs(hdr->from_a ? hdr->key.port_b : hdr->key.port_a);
}

/*
 * The flow as the alert shows it: the kernel's record when the flow is still in the
 * table; when it has already been exported (the scanner was behind), a record rebuilt
 * from the sample (its initiator, its time; packet counts 0).
 */
static void flow_of_sample(struct sample_match *m)
{
	struct sample_pipeline *sp = m->scanner->sp;

	if (m->flow_known)
		return;
	m->flow_known = 1;
	if (sp->flows_fd >= 0 && !bpf_map_lookup_elem(sp->flows_fd, &m->hdr->key, &m->flow) &&
	    m->flow.flow_seq == m->hdr->flow_seq) {
		flow_record_fold(&m->flow);	/* one count per direction (datapath.h) */
		m->flow_live = 1;
		return;
	}
	memset(&m->flow, 0, sizeof(m->flow));
	m->flow.flow_seq = m->hdr->flow_seq;
	m->flow.initiator = m->hdr->initiator;
	m->flow.first_seen_ns = m->hdr->ts_ns;
	m->flow.last_seen_ns = m->hdr->ts_ns;
	m->flow.policy_verdict = m->hdr->policy_verdict;
}

/* The HTTP request for the alert: the engine's parse, or ours when no rule needed one. */
static const struct http_request *http_of_sample(struct sample_match *m,
						 const struct http_request *engine_http)
{
	if (engine_http)
		return engine_http;
	if (!m->http_parsed) {
		m->http_parsed = 1;
		if (m->hdr->key.proto == IPPROTO_TCP && m->hdr->cap_len &&
		    http_request_parse(&m->scanner->http, m->payload, m->hdr->cap_len) == 0)
			m->http = &m->scanner->http;
	}
	return m->http;
}

/* A `drop` rule matched: block the flow when the policy enforces. 1 if blocked. */
static int block_flow(struct sample_match *m)
{
	struct sample_pipeline *sp = m->scanner->sp;

	counter_add(&sp->counters.drop_matches, 1);
	if (!m->flow_live) {
		counter_add(&sp->counters.drop_flow_gone, 1);
		return 0;
	}
	if (!sp->dp || !flow_blocker_enforcing(&sp->blocker)) {
		counter_add(&sp->counters.drop_monitor, 1);
		return 0;
	}
	return flow_alerts_block(sp->flow_alerts, m->hdr->flow_seq);
}

static int on_match(const struct rule_info *rule, const struct scan_input *in,
		    const struct http_request *http, void *user)
{
	struct sample_match *m = user;
	struct sample_pipeline *sp = m->scanner->sp;
	struct payload_alert alert = { .sample = m->hdr, .payload = m->payload, .rule = rule };
	int first;

	counter_add(&sp->counters.rule_matches, 1);
	first = flow_alerts_claim(sp->flow_alerts, m->hdr->flow_seq, &m->hdr->key, rule->gid,
				  rule->sid);
	if (first == 0) {
		counter_add(&sp->counters.deduplicated, 1);
		return 0;
	}
	/* first < 0 (out of memory): alert anyway, a duplicate is better than nothing */
	flow_of_sample(m);
	if (rule->action == EW_ACTION_DROP)
		alert.blocked = block_flow(m);
	alert.flow = &m->flow;
	alert.http = http_of_sample(m, http);
	if (payload_alert_emit(sp->exporter, &alert))
		counter_add(&sp->counters.alert_errors, 1);
	else
		counter_add(&sp->counters.alerts, 1);
	m->alerted = 1;
	return 0;
}

int pipeline_scan_payload(struct pipeline_scanner *s, const struct sample_header *hdr,
			  const uint8_t *payload)
{
	struct sample_match m = { .scanner = s, .hdr = hdr, .payload = payload };
	struct scan_ctx *ctx;
	struct scan_input in;
	int err = 0;

	/* s->gen: entered by the caller (pipeline_scanner_enter); no rules, no scan (a
	 * window released after a reload to `rules.files: []`) */
	if (s->gen->rules) {
		ctx = s->gen->ctx[s->index];
		scan_input_of(m.hdr, m.payload, &in);
		err = ruleset_scan(s->gen->rules, ctx, &in, on_match, &m);
		pthread_mutex_lock(&s->stats_lock);
		scan_ctx_stats(ctx, &s->stats);
		scan_stats_add(&s->stats, &s->stats_base);
		pthread_mutex_unlock(&s->stats_lock);
	}
	if (!m.alerted)	/* a later packet of an alerted flow follows its alert */
		payload_sample_evidence(s->sp->exporter, m.hdr, m.payload);
	return err;
}

uint64_t *pipeline_scan_record(struct pipeline_scanner *s, const uint8_t *record)
{
	struct sample_pipeline *sp = s->sp;
	const struct sample_header *hdr = (const struct sample_header *)record;
	const uint8_t *payload = record + sizeof(*hdr);
	int err;

	/* the whole sample (all the ranges a segment completes) with one generation */
	if (!pipeline_scanner_enter(s)->rules) {
		/* queued before a reload to no rules, which drains the queue first: only
		 * if that drain was cut short */
		pipeline_scanner_leave(s);
		return &sp->counters.not_scanned_no_rules;
	}
	/* a segment of a TCP stream window: scanned when its window has something whole.
	 * The segment itself is the packet evidence (the window scanned is no frame): it
	 * goes to the evidence first, so an alert on its window finds it there. */
	if (hdr->reason == EW_SAMPLE_STREAM && sp->streams) {
		payload_sample_evidence(sp->exporter, hdr, payload);
		err = pipeline_stream_add(s, hdr, payload);
	}
	else
		err = pipeline_scan_payload(s, hdr, payload);
	pipeline_scanner_leave(s);
	return err ? &sp->counters.scan_failed : &sp->counters.scanned;
}
