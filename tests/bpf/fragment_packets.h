/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The fragmented datagrams the fragment tests share (test_datapath_fragments.c,
 * test_datapath_frag_pending.c): a TCP datagram from the client in three IPv4
 * fragments and a UDP datagram in two IPv6 fragments, each with its fragment id as a
 * parameter, so two datagrams of one flow can be told apart.
 */
#ifndef EDGEWATCH_TESTS_FRAGMENT_PACKETS_H
#define EDGEWATCH_TESTS_FRAGMENT_PACKETS_H

#include "datapath_packets.h"

#define FRAG_ID 0x4242
#define FRAG_ID_B 0x4343		/* the second datagram: another flow (CLIENT_PORT + 1) */
#define FRAG6_ID 0xBEEF0001
#define FRAG6_ID_B 0xBEEF0002		/* the second datagram: the same flow */

/* IPv4 fragment header from the client: offset in bytes, MF. */
static inline void frag4_of(struct pkt *p, uint16_t id, uint16_t offset, bool more)
{
	pkt_ipv4(p, &(struct pkt_ipv4){ .src = CLIENT4, .dst = SERVER4, .id = id,
					 .frag_offset = offset, .more_fragments = more });
}

static inline void frag4(struct pkt *p, uint16_t offset, bool more)
{
	frag4_of(p, FRAG_ID, offset, more);
}

/* First fragment: TCP SYN header + 20 bytes of data (40 bytes of IP payload). */
static inline void v4_first_of(struct pkt *p, uint16_t id, uint16_t sport)
{
	pkt_eth(p);
	frag4_of(p, id, 0, true);
	pkt_tcp(p, sport, SERVER_PORT, PKT_TCP_SYN, 0);
	pkt_payload(p, 20, 0);
	finish(p);
}

static inline void v4_middle_of(struct pkt *p, uint16_t id)
{
	pkt_eth(p);
	frag4_of(p, id, 40, true);
	pkt_payload_as(p, 6, 40);
	finish(p);
}

static inline void v4_last_of(struct pkt *p, uint16_t id)
{
	pkt_eth(p);
	frag4_of(p, id, 80, false);
	pkt_payload_as(p, 6, 30);
	finish(p);
}

static inline void v4_first(struct pkt *p) { v4_first_of(p, FRAG_ID, CLIENT_PORT); }
static inline void v4_middle(struct pkt *p) { v4_middle_of(p, FRAG_ID); }
static inline void v4_last(struct pkt *p) { v4_last_of(p, FRAG_ID); }
static inline void v4b_first(struct pkt *p) { v4_first_of(p, FRAG_ID_B, CLIENT_PORT + 1); }
static inline void v4b_middle(struct pkt *p) { v4_middle_of(p, FRAG_ID_B); }
static inline void v4b_last(struct pkt *p) { v4_last_of(p, FRAG_ID_B); }

static inline void v6_frag_of(struct pkt *p, uint32_t id, uint16_t offset, bool more)
{
	pkt_eth(p);
	pkt_ipv6(p, CLIENT6, SERVER6);
	pkt_ipv6_frag(p, offset, more, id);
}

static inline void v6_frag(struct pkt *p, uint16_t offset, bool more)
{
	v6_frag_of(p, FRAG6_ID, offset, more);
}

static inline void v6_first_of(struct pkt *p, uint32_t id)
{
	v6_frag_of(p, id, 0, true);
	pkt_udp(p, 53000, 53);
	pkt_payload(p, 1224, 0);	/* 1232 bytes of fragmentable part: a multiple of 8 */
	finish(p);
}

static inline void v6_last_of(struct pkt *p, uint32_t id)
{
	v6_frag_of(p, id, 1232, false);
	pkt_payload_as(p, 17, 300);
	finish(p);
}

static inline void v6_first(struct pkt *p) { v6_first_of(p, FRAG6_ID); }
static inline void v6_last(struct pkt *p) { v6_last_of(p, FRAG6_ID); }
static inline void v6b_first(struct pkt *p) { v6_first_of(p, FRAG6_ID_B); }
static inline void v6b_last(struct pkt *p) { v6_last_of(p, FRAG6_ID_B); }

#define FRAG_TCP_FLOW                                                                          \
	.src = CLIENT4, .sport = CLIENT_PORT, .dst = SERVER4, .dport = SERVER_PORT,           \
	.proto = IPPROTO_NUM_TCP, .tcp_flags = { PKT_TCP_SYN, 0 }, .encap = ENCAP(FRAGMENT),  \
	.flags = EW_FLOW_F_FRAGMENTED
#define FRAG6_UDP_FLOW                                                                         \
	.src = CLIENT6, .sport = 53000, .dst = SERVER6, .dport = 53, .proto = IPPROTO_NUM_UDP, \
	.encap = ENCAP(IPV6_EXT) | ENCAP(FRAGMENT), .flags = EW_FLOW_F_FRAGMENTED

/* 60 s is the fragment timeout (EW_FRAG_TIMEOUT_NS, bpf/frag_pending.bpf.h). */
#define SECONDS(n) ((int64_t)(n) * 1000000000LL)

#endif /* EDGEWATCH_TESTS_FRAGMENT_PACKETS_H */
