/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The flow events the output benchmarks write (bench_outputs.c, bench_seal.c): the same. */
#ifndef EDGEWATCH_BENCH_EVENTS_H
#define EDGEWATCH_BENCH_EVENTS_H

#include <arpa/inet.h>

#include "output/event.h"

#define FLOWS 1024	/* distinct flows the events cycle through */

static struct flow_key keys[FLOWS];
static struct flow_record recs[FLOWS];
static struct flow_event events[FLOWS];

static inline void make_events(void)
{
	int i;

	for (i = 0; i < FLOWS; i++) {
		struct flow_key *k = &keys[i];
		struct flow_record *r = &recs[i];

		k->family = 4;
		k->proto = IPPROTO_TCP;
		inet_pton(AF_INET, "198.18.1.1", k->addr_a.u8);
		inet_pton(AF_INET, "198.19.0.1", k->addr_b.u8);
		k->addr_a.u8[3] = (uint8_t)i;
		k->addr_a.u8[2] = (uint8_t)(i >> 8);
		k->port_a = htons((uint16_t)(30000 + i));
		k->port_b = htons(443);
		r->packets[0] = 12;
		r->packets[1] = 10;
		r->bytes[0] = 1800;
		r->bytes[1] = 9000;
		r->first_seen_ns = 1000000000ULL;
		r->last_seen_ns = 3000000000ULL;
		r->flow_seq = (uint64_t)i + 1;
		r->tcp_flags[0] = 0x1b;
		r->tcp_flags[1] = 0x1b;
		events[i].flow.key = k;
		events[i].flow.rec = r;
		flow_fields_of(k, r, 1, &events[i].flow.fields);
		events[i].reason = EW_END_CLOSED;
		events[i].packets[0] = 12;
		events[i].packets[1] = 10;
		events[i].bytes[0] = 1800;
		events[i].bytes[1] = 9000;
		events[i].start_ns = 1700000000000000000ULL;
		events[i].end_ns = events[i].start_ns + 2000000000ULL;
	}
}

#endif /* EDGEWATCH_BENCH_EVENTS_H */
