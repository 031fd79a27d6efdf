/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Packet builder for the BPF table tests: append headers outermost first, then
 * pkt_finish() fills in what each header says about the next one (ethertype, IP
 * protocol, next header, GRE/Geneve protocol, PPP protocol, MPLS bottom of stack) and
 * every length field (IPv4 total length and checksum, IPv6 payload length, UDP length,
 * PPPoE length), so a row only states what it is about.
 *
 *   struct pkt p;
 *   pkt_init(&p);
 *   pkt_eth(&p);
 *   pkt_vlan(&p, PKT_TPID_8021Q, 100);
 *   pkt_ipv4(&p, &(struct pkt_ipv4){ .src = "198.18.0.1", .dst = "198.18.0.2" });
 *   pkt_tcp(&p, 40000, 443, PKT_TCP_SYN, 0);
 *   pkt_finish(&p);
 *
 * The builder remembers where each header starts and how long it is (p.layer[]), so a
 * test can cut the frame at every header boundary or corrupt one field afterwards.
 * Addresses are text ("198.18.0.1", "2001:db8::1"); a header that does not fit, or an
 * address that does not parse, sets p.error (check it with pkt_ok()).
 */
#ifndef EDGEWATCH_PACKET_BUILDER_H
#define EDGEWATCH_PACKET_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PKT_MAX_LEN 4096
#define PKT_MAX_LAYERS 48

#define PKT_TPID_8021Q 0x8100
#define PKT_TPID_8021AD 0x88A8

#define PKT_TCP_FIN 0x01
#define PKT_TCP_SYN 0x02
#define PKT_TCP_RST 0x04
#define PKT_TCP_PSH 0x08
#define PKT_TCP_ACK 0x10

enum pkt_kind {
	PKT_ETH,
	PKT_VLAN,
	PKT_MPLS,
	PKT_PW_CW,		/* RFC 4385 pseudowire control word (first nibble 0) */
	PKT_PPPOE,		/* PPPoE session header + PPP protocol */
	PKT_PPP,		/* PPP in enhanced GRE: address, control, protocol; or only a
				 * 1-byte protocol (address/control and protocol compressed) */
	PKT_ARP,
	PKT_IPV4,
	PKT_IPV6,
	PKT_IPV6_HOPOPTS,
	PKT_IPV6_ROUTING,
	PKT_IPV6_DSTOPTS,
	PKT_IPV6_FRAG,
	PKT_AH,
	PKT_GRE,
	PKT_ERSPAN2,
	PKT_ERSPAN3,
	PKT_VXLAN,
	PKT_GENEVE,
	PKT_TEREDO_AUTH,
	PKT_TEREDO_ORIGIN,
	PKT_TCP,
	PKT_UDP,
	PKT_ICMP,
	PKT_ICMPV6,
	PKT_SCTP,
	PKT_ESP,
	PKT_PAYLOAD,
};

struct pkt_layer {
	enum pkt_kind kind;
	uint16_t off;		/* where the header starts */
	uint16_t len;		/* header length, options included */
	uint32_t type;		/* PKT_PAYLOAD: what the header before calls it; VLAN: TPID */
	uint32_t type_override;	/* nonzero: write this as the next-protocol field */
};

struct pkt {
	uint8_t data[PKT_MAX_LEN];
	size_t len;
	struct pkt_layer layer[PKT_MAX_LAYERS];
	int layers;
	int error;		/* a header did not fit or an address did not parse */
};

struct pkt_ipv4 {
	const char *src;
	const char *dst;
	uint16_t id;
	uint16_t frag_offset;	/* bytes, a multiple of 8 */
	bool more_fragments;
	bool dont_fragment;
	uint8_t ttl;		/* 0: 64 */
	const uint8_t *options;	/* raw option bytes, a multiple of 4 long */
	uint8_t options_len;
	uint8_t proto;		/* 0: from the next header */
};

struct pkt_gre {
	bool csum;
	bool key_present;
	uint32_t key;
	bool seq_present;
	uint32_t seq;
	uint8_t version;	/* 1: enhanced GRE (PPTP): key = payload length | call id */
	uint16_t call_id;
	bool ack_present;
	uint16_t proto;		/* 0: from the next header */
};

void pkt_init(struct pkt *p);
static inline bool pkt_ok(const struct pkt *p)
{
	return !p->error;
}

void pkt_eth(struct pkt *p);
void pkt_vlan(struct pkt *p, uint16_t tpid, uint16_t vid);
void pkt_mpls(struct pkt *p, uint32_t label);
void pkt_pw_cw(struct pkt *p);
void pkt_pppoe(struct pkt *p, uint16_t session_id);
void pkt_ppp(struct pkt *p);
void pkt_ppp_compressed(struct pkt *p);
void pkt_arp(struct pkt *p);

void pkt_ipv4(struct pkt *p, const struct pkt_ipv4 *ip);
void pkt_ipv6(struct pkt *p, const char *src, const char *dst);
/* Hop-by-hop, routing or destination options of (len8 + 1) * 8 bytes. */
void pkt_ipv6_ext(struct pkt *p, enum pkt_kind kind, uint8_t len8);
void pkt_ipv6_frag(struct pkt *p, uint16_t offset, bool more, uint32_t id);
void pkt_ah(struct pkt *p, uint32_t spi);

void pkt_gre(struct pkt *p, const struct pkt_gre *gre);
void pkt_erspan2(struct pkt *p, uint16_t session_id, uint16_t vlan);
void pkt_erspan3(struct pkt *p, uint16_t session_id, uint16_t vlan, bool platform_subheader);
void pkt_vxlan(struct pkt *p, uint32_t vni);
/* Geneve with opt_len bytes (a multiple of 4) of options. */
void pkt_geneve(struct pkt *p, uint32_t vni, uint8_t opt_len);
/* Teredo authentication header with client id and authentication value lengths. */
void pkt_teredo_auth(struct pkt *p, uint8_t id_len, uint8_t auth_len);
void pkt_teredo_origin(struct pkt *p, uint16_t port, const char *addr);

void pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t flags, uint8_t opt_len);
void pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport);
void pkt_icmp(struct pkt *p, uint8_t type, uint8_t code, uint16_t id, uint16_t seq);
void pkt_icmpv6(struct pkt *p, uint8_t type, uint8_t code);
void pkt_sctp(struct pkt *p, uint16_t sport, uint16_t dport);
void pkt_esp(struct pkt *p, uint32_t spi, uint32_t seq);

/* len bytes of data (fill, fill+1, ...). */
void pkt_payload(struct pkt *p, size_t len, uint8_t fill);
/* Data that the header before names as type (ethertype, IP protocol...), e.g. the
 * TCP bytes inside a non-first fragment. */
void pkt_payload_as(struct pkt *p, uint32_t type, size_t len);

/* Fill in next-protocol and length fields, IPv4 checksums. Call once, after the last
 * header and before pkt_pad(). */
void pkt_finish(struct pkt *p);
/* Ethernet padding: zero bytes up to min_len (60 on the wire without FCS). They are not
 * part of any IP datagram. */
void pkt_pad(struct pkt *p, size_t min_len);

/* The n-th (0-based) layer of a kind, or NULL. */
struct pkt_layer *pkt_find(struct pkt *p, enum pkt_kind kind, int n);
/* Pointer to the first byte of a layer's header. */
static inline uint8_t *pkt_hdr(struct pkt *p, const struct pkt_layer *l)
{
	return p->data + l->off;
}

/* Parse "198.18.0.1" or "2001:db8::1" into 16 bytes (IPv4 in the first 4, rest 0).
 * Returns the family (4 or 6), 0 if it does not parse. */
int pkt_parse_addr(const char *text, uint8_t out[16]);

const char *pkt_kind_name(enum pkt_kind kind);

#endif /* EDGEWATCH_PACKET_BUILDER_H */
