/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Addresses, ports and small building blocks shared by the datapath table tests.
 * Addresses come from the documentation/benchmark ranges (198.18.0.0/15, 2001:db8::/32):
 * .0.x are tunnel endpoints, .1.x the hosts inside.
 */
#ifndef EDGEWATCH_TESTS_DATAPATH_PACKETS_H
#define EDGEWATCH_TESTS_DATAPATH_PACKETS_H

#include "../support/packet_builder.h"
#include "row_runner.h"

#define OUTER_A "198.18.0.1"
#define OUTER_B "198.18.0.2"
#define CLIENT4 "198.18.1.1"
#define SERVER4 "198.18.1.2"
#define OUTER6_A "2001:db8::1"
#define OUTER6_B "2001:db8::2"
#define CLIENT6 "2001:db8:1::1"
#define SERVER6 "2001:db8:1::2"

#define CLIENT_PORT 40000
#define SERVER_PORT 443
#define TUNNEL_SPORT 51000	/* source port of UDP tunnels (entropy port) */

/* A flow of one TCP SYN from CLIENT4:CLIENT_PORT to SERVER4:SERVER_PORT. */
#define SYN4_FLOW                                                                              \
	.src = CLIENT4, .sport = CLIENT_PORT, .dst = SERVER4, .dport = SERVER_PORT,           \
	.proto = IPPROTO_NUM_TCP, .tcp_flags = { PKT_TCP_SYN, 0 }
#define SYN6_FLOW                                                                              \
	.src = CLIENT6, .sport = CLIENT_PORT, .dst = SERVER6, .dport = SERVER_PORT,           \
	.proto = IPPROTO_NUM_TCP, .tcp_flags = { PKT_TCP_SYN, 0 }
/* The counters of a packet that opened a flow. */
#define NEW_FLOW { EW_CNT_PKT_FLOW, 1 }, { EW_CNT_FLOW_CREATED, 1 }
/* The row is a single packet, in flow 0 from the initiator. */
#define ONE_PACKET(build) { { build, 0, EW_DIR_TO_SERVER } }

static inline void ip4(struct pkt *p, const char *src, const char *dst)
{
	pkt_ipv4(p, &(struct pkt_ipv4){ .src = src, .dst = dst });
}

/* IPv4 + TCP SYN from the client, the innermost headers of most rows. */
static inline void syn4(struct pkt *p)
{
	ip4(p, CLIENT4, SERVER4);
	pkt_tcp(p, CLIENT_PORT, SERVER_PORT, PKT_TCP_SYN, 0);
}

static inline void syn6(struct pkt *p)
{
	pkt_ipv6(p, CLIENT6, SERVER6);
	pkt_tcp(p, CLIENT_PORT, SERVER_PORT, PKT_TCP_SYN, 0);
}

/* Ethernet + outer IPv4 between the tunnel endpoints. */
static inline void outer4(struct pkt *p)
{
	pkt_eth(p);
	ip4(p, OUTER_A, OUTER_B);
}

static inline void finish(struct pkt *p)
{
	pkt_finish(p);
	pkt_pad(p, 60);
}

#endif /* EDGEWATCH_TESTS_DATAPATH_PACKETS_H */
