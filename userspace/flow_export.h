/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Flows as EVE events: a flow table entry becomes a Suricata "flow" event, with the
 * Community ID, and edgewatch's totals of what it exported (the daemon's side of the
 * conservation sum).
 */
#ifndef EDGEWATCH_FLOW_EXPORT_H
#define EDGEWATCH_FLOW_EXPORT_H

#include <stdint.h>

#include "datapath.h"
#include "community_id.h"
#include "eve.h"
#include "json_line.h"

/* Why a flow event was written (flow.reason). */
enum flow_end_reason {
	FLOW_END_TIMEOUT = 0,	/* idle for flow.idle-timeout */
	FLOW_END_ACTIVE_TIMEOUT,	/* a long flow's periodic record; the flow goes on */
	FLOW_END_CLOSED,	/* TCP FIN both ways or RST, then quiet for tcp-closed-timeout */
	FLOW_END_FORCED,	/* table nearly full: idle flows exported early */
	FLOW_END_SHUTDOWN,	/* daemon stopped / end of replay */
	FLOW_END_RECOVERED,	/* left in a pinned table by an instance that died */
	FLOW_END_MAX,
};

const char *flow_end_reason_name(enum flow_end_reason reason);

/* The flow seen from its initiator: source = the side that started it. */
struct flow_endpoints {
	int family;
	const uint8_t *src_addr;
	const uint8_t *dst_addr;
	uint16_t src_port;	/* host order */
	uint16_t dst_port;
};

void flow_endpoints_of(const struct flow_key *key, const struct flow_record *rec,
		       struct flow_endpoints *ep);

/* Stable flow_id from the kernel's per-flow sequence: 51 bits (exact in JSON doubles). */
uint64_t flow_id_of(uint64_t salt, uint64_t flow_seq);

/* "TCP", "UDP", "ICMP", "IPv6-ICMP", "SCTP", or the number as a string. */
const char *proto_name(uint8_t proto, char buf[8]);

/* TCP, UDP and SCTP: the protocols whose events carry src_port and dest_port. */
int proto_has_ports(uint8_t proto);

/* What every event about a flow says about it, seen from its initiator. */
struct flow_fields {
	uint64_t flow_id;
	char src_ip[46];	/* INET6_ADDRSTRLEN */
	char dest_ip[46];
	uint16_t src_port;
	uint16_t dest_port;
	int has_ports;		/* TCP, UDP, SCTP */
	int is_icmp;
	char proto_buf[8];
	const char *proto;
	int has_community_id;
	char community_id[COMMUNITY_ID_LEN];
};

void flow_fields_of(const struct flow_key *key, const struct flow_record *rec, uint64_t salt,
		    struct flow_fields *f);

struct flow_export_totals {
	uint64_t flows[FLOW_END_MAX];
	uint64_t packets;	/* both directions, all flow events written (but recovered) */
	uint64_t bytes;
	uint64_t recovered_packets;	/* in flows of a dead instance: not this one's to count */
	uint64_t write_errors;	/* events the EVE writer could not write */
	uint64_t write_failed_packets;	/* their packets (in no event: lost, counted) */
};

struct flow_exporter {
	struct eve_writer *eve;
	const char *iface;
	uint64_t flow_id_salt;
	int64_t clock_to_realtime_ns;	/* kernel timestamp + this = wall clock */
	/*
	 * The flow events handed to the writer (and those it refused at once). A flush that
	 * fails later loses some of them: flow_export_totals() takes those out, so read the
	 * totals through it.
	 */
	struct flow_export_totals handed;
	struct json_line line;		/* the flow event being written (one at a time) */
	/* did a payload rule alert on the flow? (flow.alerted; NULL: only the kernel's)
	 * ended: the record ends the flow (not an active-timeout record) */
	int (*alerted)(void *ctx, uint64_t flow_seq, int ended);
	void *alerted_ctx;
};

void flow_exporter_init(struct flow_exporter *x, struct eve_writer *eve, const char *iface,
			uint64_t flow_id_salt, int64_t clock_to_realtime_ns);
void flow_exporter_destroy(struct flow_exporter *x);

/* The flow events written so far, and the ones lost (at once or in a later flush). */
void flow_export_totals(const struct flow_exporter *x, struct flow_export_totals *out);
/* The EVE writer's tally class (eve_write_tallied_line) of flow records ended for reason. */
unsigned int flow_export_tally_class(enum flow_end_reason reason);

/*
 * Write a flow event for rec. Every record covers what happened since the flow's
 * previous active-timeout record (rec's exported_* baselines, which the kernel's sweeper
 * keeps), so the records of one flow_id add up to the flow; an active-timeout record
 * leaves the flow going, the others end it. now_ns is in the datapath's clock. 0 or
 * -errno (counted in totals, with the packets the event would have carried).
 */
int flow_export(struct flow_exporter *x, const struct flow_key *key, const struct flow_record *rec,
		enum flow_end_reason reason, uint64_t now_ns);

/* Flow events written, all reasons. */
uint64_t flow_export_total_events(const struct flow_exporter *x);

#endif /* EDGEWATCH_FLOW_EXPORT_H */
