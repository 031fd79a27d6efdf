/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The IPFIX sink's messages (RFC 7011): flow events as biflow data records (RFC 5103),
 * one template per address family.
 *
 * A message: the 16-byte header (version 10, length, export time, sequence number,
 * observation domain), then, when asked, one template set (set id 2) with both
 * templates, then data sets of consecutive records of one family. The sequence number
 * is the count (mod 2^32) of data records sent in this stream (a UDP session or one TCP
 * connection, RFC 7011 3.1) before this message; templates do not count.
 *
 * Record fields, in template order (IE number, enterprise 29305 = reverse direction):
 *   sourceIPv4Address 8 | sourceIPv6Address 27, destinationIPv4Address 12 |
 *   destinationIPv6Address 28, sourceTransportPort 7, destinationTransportPort 11,
 *   protocolIdentifier 4, icmpTypeCodeIPv4 32 | icmpTypeCodeIPv6 139, vlanId 58,
 *   reverse tcpControlBits 29305/6, tcpControlBits 6, flowEndReason 136,
 *   flowStartMilliseconds 152, flowEndMilliseconds 153, packetDeltaCount 2,
 *   octetDeltaCount 1, reverse packetDeltaCount 29305/2, reverse octetDeltaCount 29305/1.
 * Source is the initiator (RFC 5103 5.2), forward = initiator to responder. Counts are
 * deltas (IE 1/2, not the totals 85/86): an active-timeout record carries what the flow
 * did since its previous record, so a collector adds records up, and nfdump maps the
 * reverse deltas to its out packets/bytes. The reverse tcpControlBits comes before the
 * forward one: nfdump 1.7 reads any 29305 element it has no reverse mapping for as the
 * forward element, and the later element wins, so the forward flags stay right there.
 */
#ifndef EDGEWATCH_OUTPUT_IPFIX_FORMAT_H
#define EDGEWATCH_OUTPUT_IPFIX_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "output/event.h"

#define IPFIX_VERSION 10
#define IPFIX_HEADER_LEN 16
#define IPFIX_SET_HEADER_LEN 4
#define IPFIX_TEMPLATE_SET_ID 2
#define IPFIX_TEMPLATE_V4 256
#define IPFIX_TEMPLATE_V6 257
#define IPFIX_RECORD_V4_LEN 70
#define IPFIX_RECORD_V6_LEN 94
#define IPFIX_REVERSE_PEN 29305	/* RFC 5103 reverse information elements */

/* flowEndReason (IE 136) values, IANA "flowEndReason" registry */
enum ipfix_end_reason {
	IPFIX_END_IDLE_TIMEOUT = 1,
	IPFIX_END_ACTIVE_TIMEOUT = 2,
	IPFIX_END_OF_FLOW = 3,
	IPFIX_END_FORCED = 4,
	IPFIX_END_LACK_OF_RESOURCES = 5,
};

/* The data record of one flow event, host order, no pointers (it waits in a queue). */
struct ipfix_flow {
	uint8_t family;		/* 4 or 6 */
	uint8_t proto;
	uint8_t end_reason;	/* enum ipfix_end_reason */
	uint8_t tcp_flags[2];	/* forward (to server), reverse */
	uint16_t src_port;	/* 0 for protocols without ports */
	uint16_t dst_port;
	uint16_t icmp_type_code;	/* type << 8 | code (ICMP, ICMPv6), else 0 */
	uint16_t vlan;		/* the outermost VLAN id, 0: none */
	uint8_t src[16];	/* network order; IPv4 in the first 4 bytes */
	uint8_t dst[16];
	uint64_t start_ms;	/* wall clock, ms since the epoch */
	uint64_t end_ms;
	uint64_t packets[2];	/* forward, reverse: deltas since the flow's previous record */
	uint64_t bytes[2];
};

/* The IE 136 value of an edgewatch end reason. */
enum ipfix_end_reason ipfix_end_reason_of(enum ew_flow_end reason);

/* The record of a flow event. */
void ipfix_flow_of(const struct flow_event *ev, struct ipfix_flow *out);

/*
 * One exporter's stream: a UDP session, or one TCP connection. When the templates go:
 * TCP, first in each connection; UDP, first after each (re)connect and again once
 * template_interval_ms has passed since they last went (RFC 7011 8.4).
 */
struct ipfix_stream {
	uint32_t domain;	/* observationDomainId of every message */
	uint32_t sequence;	/* data records sent in this stream so far (mod 2^32) */
	int udp;
	uint64_t template_interval_ms;	/* UDP */
	uint64_t templates_due_ms;	/* UDP: when they go again */
	int templates_pending;		/* the next message carries them */
};

void ipfix_stream_init(struct ipfix_stream *st, uint32_t domain, int udp,
		       uint64_t template_interval_ms);
/* A (re)connect: the templates go first; TCP: a new stream, the sequence from 0. */
void ipfix_stream_connected(struct ipfix_stream *st);
/* Does the message built at now_ms carry the templates? */
int ipfix_stream_wants_templates(const struct ipfix_stream *st, uint64_t now_ms);
/* A message built at now_ms went out (with the templates or not). */
void ipfix_stream_sent(struct ipfix_stream *st, int with_templates, uint64_t now_ms);

/* Bytes of one data record of family (4 or 6). */
size_t ipfix_record_len(uint8_t family);

/* Bytes of the template set (both templates). */
size_t ipfix_template_set_len(void);

/*
 * Build one message into buf (cap bytes, at most 65535) from the first records of
 * flows[0..count): as many as fit, at least one (cap must hold the header, the templates
 * when with_templates, and one IPv6 record). *taken gets how many records went in; the
 * stream's sequence advances by that many. Returns the message length, or 0 when cap is
 * too small for that.
 */
size_t ipfix_message_build(struct ipfix_stream *st, uint32_t export_time_s, int with_templates,
			   const struct ipfix_flow *flows, size_t count, size_t *taken,
			   uint8_t *buf, size_t cap);

#endif /* EDGEWATCH_OUTPUT_IPFIX_FORMAT_H */
