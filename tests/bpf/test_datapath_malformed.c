// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Datapath table: malformed, truncated and over-deep packets. Each must end in the
 * outcome counter that names its reason, pass (monitor mode) or be dropped after
 * accounting (passive), and never make the program fail. Three parts:
 *   - rows: one per malformation, at and just inside each parser bound;
 *   - truncations: deep stacks cut at every byte, and the outer IP datagram shortened
 *     at every byte, generated, each with the outcome the cut header implies;
 *   - fuzz: a few thousand random and mutated frames (seeded, deterministic) through
 *     both programs: one outcome each, the program never fails.
 */
#include <stdlib.h>

#include "datapath_packets.h"

static void empty_frame(struct pkt *p)
{
	p->len = 0;
}

static void short_frame(struct pkt *p)
{
	pkt_eth(p);
	p->len = 13;	/* one byte short of the ethertype's end */
}

static void arp(struct pkt *p)
{
	pkt_eth(p);
	pkt_arp(p);
	finish(p);
}

static void lldp(struct pkt *p)
{
	pkt_eth(p);
	pkt_payload_as(p, 0x88CC, 40);
	finish(p);
}

static void pppoe_discovery(struct pkt *p)
{
	pkt_eth(p);
	pkt_payload_as(p, 0x8863, 30);
	finish(p);
}

static void pppoe_lcp(struct pkt *p)
{
	pkt_eth(p);
	pkt_pppoe(p, 7);
	pkt_payload(p, 20, 0);	/* no IP after PPP: LCP */
	finish(p);
}

static void vlan_arp(struct pkt *p)
{
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021Q, 5);
	pkt_arp(p);
	finish(p);
}

static void mpls_unknown_payload(struct pkt *p)
{
	pkt_eth(p);
	pkt_mpls(p, 100);
	pkt_payload(p, 40, 0x50);	/* first nibble 5: neither IP nor a control word */
	finish(p);
}

/* Poke the IPv4 header of the first IPv4 layer after building. */
static uint8_t *first_ipv4(struct pkt *p)
{
	struct pkt_layer *l = pkt_find(p, PKT_IPV4, 0);

	return l ? pkt_hdr(p, l) : p->data;
}

static void ihl_below_5(struct pkt *p)
{
	pkt_eth(p);
	syn4(p);
	finish(p);
	first_ipv4(p)[0] = 0x44;
}

static void ihl_beyond_total_length(struct pkt *p)
{
	pkt_eth(p);
	syn4(p);
	finish(p);
	first_ipv4(p)[0] = 0x4F;	/* 60-byte header in a 40-byte datagram */
}

static void total_length_below_header(struct pkt *p)
{
	pkt_eth(p);
	syn4(p);
	finish(p);
	first_ipv4(p)[2] = 0;
	first_ipv4(p)[3] = 12;
}

static void total_length_zero(struct pkt *p)
{
	pkt_eth(p);
	syn4(p);
	finish(p);
	first_ipv4(p)[2] = 0;
	first_ipv4(p)[3] = 0;
}

static void ipv4_ethertype_version_6(struct pkt *p)
{
	pkt_eth(p);
	syn4(p);
	finish(p);
	first_ipv4(p)[0] = 0x65;
}

static void ipv6_ethertype_version_4(struct pkt *p)
{
	pkt_eth(p);
	syn6(p);
	finish(p);
	pkt_hdr(p, pkt_find(p, PKT_IPV6, 0))[0] = 0x45;
}

static void ipip_inner_version_6(struct pkt *p)
{
	outer4(p);
	syn4(p);
	finish(p);
	pkt_hdr(p, pkt_find(p, PKT_IPV4, 1))[0] = 0x65;
}

static void ipv6_ext_chain(struct pkt *p, int n)
{
	int i;

	pkt_eth(p);
	pkt_ipv6(p, CLIENT6, SERVER6);
	for (i = 0; i < n; i++)
		pkt_ipv6_ext(p, PKT_IPV6_DSTOPTS, 0);
	pkt_tcp(p, CLIENT_PORT, SERVER_PORT, PKT_TCP_SYN, 0);
	finish(p);
}

static void ipv6_ext_8(struct pkt *p)
{
	ipv6_ext_chain(p, EW_MAX_IPV6_EXT);
}

static void ipv6_ext_9(struct pkt *p)
{
	ipv6_ext_chain(p, EW_MAX_IPV6_EXT + 1);
}

static void vlan_tags(struct pkt *p, int n)
{
	int i;

	pkt_eth(p);
	for (i = 0; i < n; i++)
		pkt_vlan(p, i == 0 ? PKT_TPID_8021AD : PKT_TPID_8021Q, 10 + i);
	syn4(p);
	finish(p);
}

static void vlan_max(struct pkt *p)
{
	vlan_tags(p, EW_MAX_VLAN_TAGS);
}

static void vlan_too_many(struct pkt *p)
{
	vlan_tags(p, EW_MAX_VLAN_TAGS + 1);
}

static void mpls_labels(struct pkt *p, int n)
{
	int i;

	pkt_eth(p);
	for (i = 0; i < n; i++)
		pkt_mpls(p, 100 + i);
	syn4(p);
	finish(p);
}

static void mpls_max(struct pkt *p)
{
	mpls_labels(p, EW_MAX_MPLS_LABELS);
}

static void mpls_too_many(struct pkt *p)
{
	mpls_labels(p, EW_MAX_MPLS_LABELS + 1);
}

static void ipip_nest(struct pkt *p, int tunnels)
{
	int i;

	outer4(p);
	for (i = 1; i < tunnels; i++)
		ip4(p, OUTER_A, OUTER_B);
	syn4(p);
	finish(p);
}

static void tunnels_max(struct pkt *p)
{
	ipip_nest(p, EW_MAX_TUNNELS);
}

static void tunnels_too_many(struct pkt *p)
{
	ipip_nest(p, EW_MAX_TUNNELS + 1);
}

static void mixed_tunnels_too_many(struct pkt *p)
{
	outer4(p);
	pkt_gre(p, &(struct pkt_gre){ 0 });
	ip4(p, OUTER_A, OUTER_B);
	pkt_udp(p, TUNNEL_SPORT, 4789);
	pkt_vxlan(p, 1);
	pkt_eth(p);
	ip4(p, OUTER_A, OUTER_B);
	pkt_udp(p, TUNNEL_SPORT, 6081);
	pkt_geneve(p, 2, 0);
	pkt_eth(p);
	pkt_ipv6(p, OUTER6_A, OUTER6_B);
	syn4(p);
	finish(p);
}

/* Every bound at its limit in one packet: the parser's step budget runs out first. */
static void step_budget_exhausted(struct pkt *p)
{
	int i;

	pkt_eth(p);
	for (i = 0; i < EW_MAX_VLAN_TAGS; i++)
		pkt_vlan(p, PKT_TPID_8021Q, 10 + i);
	for (i = 0; i < EW_MAX_MPLS_LABELS; i++)
		pkt_mpls(p, 100 + i);
	pkt_pw_cw(p);
	pkt_eth(p);
	pkt_pppoe(p, 1);
	pkt_ipv6(p, OUTER6_A, OUTER6_B);
	for (i = 0; i < EW_MAX_IPV6_EXT; i++)
		pkt_ipv6_ext(p, PKT_IPV6_DSTOPTS, 0);
	pkt_gre(p, &(struct pkt_gre){ 0 });
	syn4(p);
	finish(p);
}

static void tcp_cut_by_total_length(struct pkt *p)
{
	/* the datagram holds 10 bytes of TCP; the frame's padding is not the rest */
	pkt_eth(p);
	ip4(p, CLIENT4, SERVER4);
	pkt_payload_as(p, 6, 10);
	finish(p);
}

static void udp_cut_by_ipv6_payload_length(struct pkt *p)
{
	pkt_eth(p);
	pkt_ipv6(p, CLIENT6, SERVER6);
	pkt_payload_as(p, 17, 4);
	pkt_finish(p);
	pkt_payload(p, 20, 0);	/* trailing bytes after the datagram (capture padding) */
}

static void geneve_options_beyond_datagram(struct pkt *p)
{
	outer4(p);
	pkt_udp(p, TUNNEL_SPORT, 6081);
	pkt_geneve(p, 7, 8);
	pkt_eth(p);
	syn4(p);
	finish(p);
	/* claim 252 bytes of options */
	pkt_hdr(p, pkt_find(p, PKT_GENEVE, 0))[0] = 63;
}

static void gre_key_cut(struct pkt *p)
{
	outer4(p);
	pkt_gre(p, &(struct pkt_gre){ .key_present = true, .key = 1 });
	pkt_finish(p);
	p->len -= 2;
	/* the datagram ends with the frame: fix its total length */
	first_ipv4(p)[3] -= 2;
}

#define MALFORMED(out) { out, 1 }

static const struct row rows[] = {
	{ "zero_length_frame", "nothing at all", ONE_PACKET(empty_frame), {},
	  { MALFORMED(EW_CNT_PKT_EMPTY) } },
	{ "frame_shorter_than_ethernet", "13 bytes", { { short_frame, NO_FLOW } }, {},
	  { MALFORMED(EW_CNT_PKT_TRUNC_ETH) } },
	{ "arp", "non-IP", { { arp, NO_FLOW } }, {}, { MALFORMED(EW_CNT_PKT_NON_IP) } },
	{ "lldp", "non-IP", { { lldp, NO_FLOW } }, {}, { MALFORMED(EW_CNT_PKT_NON_IP) } },
	{ "pppoe_discovery", "PPPoE discovery (0x8863) carries no IP", { { pppoe_discovery,
									     NO_FLOW } },
	  {}, { MALFORMED(EW_CNT_PKT_NON_IP) } },
	{ "pppoe_session_lcp", "PPPoE session carrying LCP", { { pppoe_lcp, NO_FLOW } }, {},
	  { MALFORMED(EW_CNT_PKT_NON_IP), { EW_CNT_ENCAP_PPPOE, 1 } } },
	{ "vlan_arp", "ARP on a VLAN", { { vlan_arp, NO_FLOW } }, {},
	  { MALFORMED(EW_CNT_PKT_NON_IP), { EW_CNT_ENCAP_VLAN, 1 } } },
	{ "mpls_unknown_payload", "MPLS whose payload starts with nibble 5",
	  { { mpls_unknown_payload, NO_FLOW } }, {},
	  { MALFORMED(EW_CNT_PKT_NON_IP), { EW_CNT_ENCAP_MPLS, 1 } } },
	{ "ipv4_ihl_below_5", "IHL 4", { { ihl_below_5, NO_FLOW } }, {},
	  { MALFORMED(EW_CNT_PKT_BAD_IPV4_IHL) } },
	{ "ipv4_ihl_beyond_total_length", "IHL 15 in a 40-byte datagram",
	  { { ihl_beyond_total_length, NO_FLOW } }, {}, { MALFORMED(EW_CNT_PKT_BAD_IPV4_IHL) } },
	{ "ipv4_total_length_below_header", "total length 12 with IHL 5",
	  { { total_length_below_header, NO_FLOW } }, {},
	  { MALFORMED(EW_CNT_PKT_BAD_IPV4_IHL) } },
	{ "ipv4_total_length_zero", "total length 0 is BIG TCP only on tc egress GSO packets; "
				    "on ingress it is malformed",
	  { { total_length_zero, NO_FLOW } }, {}, { MALFORMED(EW_CNT_PKT_BAD_IPV4_IHL) } },
	{ "ipv4_ethertype_version_6", "ethertype IPv4, version nibble 6",
	  { { ipv4_ethertype_version_6, NO_FLOW } }, {},
	  { MALFORMED(EW_CNT_PKT_BAD_IP_VERSION) } },
	{ "ipv6_ethertype_version_4", "ethertype IPv6, version nibble 4",
	  { { ipv6_ethertype_version_4, NO_FLOW } }, {},
	  { MALFORMED(EW_CNT_PKT_BAD_IP_VERSION) } },
	{ "ipip_inner_version_6", "protocol 4 but the inner header says version 6",
	  { { ipip_inner_version_6, NO_FLOW } }, {},
	  { MALFORMED(EW_CNT_PKT_BAD_IP_VERSION), { EW_CNT_ENCAP_IPIP, 1 } } },
	{ "ipv6_ext_at_limit", "8 extension headers: still parsed",
	  ONE_PACKET(ipv6_ext_8), { { SYN6_FLOW, .encap = ENCAP(IPV6_EXT) } },
	  { NEW_FLOW, { EW_CNT_ENCAP_IPV6_EXT, 1 } } },
	{ "ipv6_ext_too_many", "9 extension headers", { { ipv6_ext_9, NO_FLOW } }, {},
	  { MALFORMED(EW_CNT_PKT_TOO_MANY_IPV6_EXT), { EW_CNT_ENCAP_IPV6_EXT, 1 } } },
	{ "vlan_at_limit", "EW_MAX_VLAN_TAGS tags: still parsed, all VIDs in the key",
	  ONE_PACKET(vlan_max),
	  { { SYN4_FLOW, .vlan = { 10, 11, 12 }, .encap = ENCAP(VLAN) | ENCAP(QINQ) } },
	  { NEW_FLOW, { EW_CNT_ENCAP_VLAN, 1 }, { EW_CNT_ENCAP_QINQ, 1 } } },
	{ "vlan_too_many", "one tag more than EW_MAX_VLAN_TAGS", { { vlan_too_many, NO_FLOW } },
	  {},
	  { MALFORMED(EW_CNT_PKT_TOO_MANY_VLAN), { EW_CNT_ENCAP_VLAN, 1 },
	    { EW_CNT_ENCAP_QINQ, 1 } } },
	{ "mpls_at_limit", "EW_MAX_MPLS_LABELS labels: still parsed", ONE_PACKET(mpls_max),
	  { { SYN4_FLOW, .encap = ENCAP(MPLS) } }, { NEW_FLOW, { EW_CNT_ENCAP_MPLS, 1 } } },
	{ "mpls_too_many", "one label more than EW_MAX_MPLS_LABELS",
	  { { mpls_too_many, NO_FLOW } }, {},
	  { MALFORMED(EW_CNT_PKT_TOO_MANY_MPLS), { EW_CNT_ENCAP_MPLS, 1 } } },
	{ "tunnels_at_limit", "EW_MAX_TUNNELS nested IP-in-IP: still parsed",
	  ONE_PACKET(tunnels_max), { { SYN4_FLOW, .encap = ENCAP(IPIP), .outer_src = OUTER_A,
				       .outer_dst = OUTER_B } },
	  { NEW_FLOW, { EW_CNT_ENCAP_IPIP, 1 } } },
	{ "tunnels_too_many", "one IP-in-IP more than EW_MAX_TUNNELS",
	  { { tunnels_too_many, NO_FLOW } }, {},
	  { MALFORMED(EW_CNT_PKT_TOO_MANY_LAYERS), { EW_CNT_ENCAP_IPIP, 1 } } },
	{ "mixed_tunnels_too_many", "GRE, VXLAN, Geneve, then IPv4-in-IPv6: four tunnels",
	  { { mixed_tunnels_too_many, NO_FLOW } }, {},
	  { MALFORMED(EW_CNT_PKT_TOO_MANY_LAYERS), { EW_CNT_ENCAP_GRE, 1 },
	    { EW_CNT_ENCAP_VXLAN, 1 }, { EW_CNT_ENCAP_GENEVE, 1 } } },
	{ "step_budget_exhausted", "3 VLAN tags, 6 labels, pseudowire, PPPoE, IPv6 with 8 "
				   "extension headers, GRE, IPv4, TCP: each bound is respected, "
				   "but it takes more than EW_PARSE_STEPS steps",
	  { { step_budget_exhausted, NO_FLOW } }, {},
	  { MALFORMED(EW_CNT_PKT_TOO_MANY_LAYERS), { EW_CNT_ENCAP_VLAN, 1 },
	    { EW_CNT_ENCAP_QINQ, 1 }, { EW_CNT_ENCAP_MPLS, 1 }, { EW_CNT_ENCAP_PPPOE, 1 },
	    { EW_CNT_ENCAP_IPV6_EXT, 1 }, { EW_CNT_ENCAP_GRE, 1 } } },
	{ "tcp_cut_by_total_length", "10 bytes of TCP in the datagram, then Ethernet padding: "
				     "the padding is not read as the rest of the header",
	  { { tcp_cut_by_total_length, NO_FLOW } }, {}, { MALFORMED(EW_CNT_PKT_TRUNC_L4) } },
	{ "udp_cut_by_ipv6_payload_length", "IPv6 payload length 4 with bytes after the datagram",
	  { { udp_cut_by_ipv6_payload_length, NO_FLOW } }, {},
	  { MALFORMED(EW_CNT_PKT_TRUNC_L4) } },
	{ "geneve_options_beyond_datagram", "option length says 252 bytes",
	  { { geneve_options_beyond_datagram, NO_FLOW } }, {},
	  { MALFORMED(EW_CNT_PKT_TRUNC_TUNNEL) } },
	{ "gre_key_cut", "GRE says a key follows; the datagram ends 2 bytes into it",
	  { { gre_key_cut, NO_FLOW } }, {},
	  { MALFORMED(EW_CNT_PKT_TRUNC_GRE), { EW_CNT_ENCAP_GRE, 1 } } },
	{ "passive_flow_dropped", "cfg_passive: a normal packet is accounted, then dropped",
	  ONE_PACKET(vlan_max),
	  { { SYN4_FLOW, .vlan = { 10, 11, 12 }, .encap = ENCAP(VLAN) | ENCAP(QINQ) } },
	  { NEW_FLOW, { EW_CNT_ENCAP_VLAN, 1 }, { EW_CNT_ENCAP_QINQ, 1 } }, .passive = true },
	{ "passive_malformed_dropped", "cfg_passive: a malformed packet is counted, then dropped",
	  { { ihl_below_5, NO_FLOW } }, {}, { MALFORMED(EW_CNT_PKT_BAD_IPV4_IHL) },
	  .passive = true },
	{ "passive_empty_dropped", "cfg_passive: even an empty frame is counted and dropped",
	  { { empty_frame, NO_FLOW } }, {}, { MALFORMED(EW_CNT_PKT_EMPTY) }, .passive = true },
};

/* ---- truncation: every cut of a deep stack -------------------------------------- */

/* Truncation counter of a header kind. */
static enum ew_counter trunc_counter(enum pkt_kind kind)
{
	switch (kind) {
	case PKT_ETH:
		return EW_CNT_PKT_TRUNC_ETH;
	case PKT_VLAN:
		return EW_CNT_PKT_TRUNC_VLAN;
	case PKT_MPLS:
	case PKT_PW_CW:
		return EW_CNT_PKT_TRUNC_MPLS;
	case PKT_PPPOE:
		return EW_CNT_PKT_TRUNC_PPPOE;
	case PKT_IPV4:
		return EW_CNT_PKT_TRUNC_IPV4;
	case PKT_IPV6:
		return EW_CNT_PKT_TRUNC_IPV6;
	case PKT_IPV6_HOPOPTS:
	case PKT_IPV6_ROUTING:
	case PKT_IPV6_DSTOPTS:
	case PKT_IPV6_FRAG:
	case PKT_AH:
		return EW_CNT_PKT_TRUNC_IPV6_EXT;
	case PKT_GRE:
	case PKT_ERSPAN2:
	case PKT_ERSPAN3:
	case PKT_PPP:
		return EW_CNT_PKT_TRUNC_GRE;
	case PKT_VXLAN:
	case PKT_GENEVE:
	case PKT_TEREDO_AUTH:
	case PKT_TEREDO_ORIGIN:
		return EW_CNT_PKT_TRUNC_TUNNEL;
	default:
		return EW_CNT_PKT_TRUNC_L4;
	}
}

/*
 * Bytes of a header the parser needs. TCP options are not needed: a TCP header whose
 * options are cut still has its ports and flags, and the packet is counted in its flow
 * (an analyst would rather see it there than as a truncation).
 */
static size_t needed_len(const struct pkt_layer *l)
{
	if (l->kind == PKT_TCP)
		return 20;
	return l->len;
}

/*
 * The outcome of the packet cut to len bytes (frame), or with its outermost IP datagram
 * ending at len (datagram_cut: the frame keeps its length).
 */
static enum ew_counter cut_outcome(const struct pkt *p, size_t len, bool datagram_cut)
{
	int i;

	if (len == 0)
		return EW_CNT_PKT_EMPTY;
	for (i = 0; i < p->layers; i++) {
		const struct pkt_layer *l = &p->layer[i];

		if (l->kind == PKT_PAYLOAD)
			return EW_CNT_PKT_FLOW;	/* every header is there */
		/* after the bottom MPLS label the parser peeks at one byte to learn what
		 * follows */
		if (i > 0 && p->layer[i - 1].kind == PKT_MPLS && l->kind != PKT_MPLS &&
		    len == l->off)
			return EW_CNT_PKT_TRUNC_MPLS;
		if (l->off + needed_len(l) <= len)
			continue;
		/* a UDP datagram too short for a tunnel header is plain UDP */
		if (datagram_cut && (l->kind == PKT_VXLAN || l->kind == PKT_GENEVE) &&
		    len < l->off + 8u)
			return EW_CNT_PKT_FLOW;
		return trunc_counter(l->kind);
	}
	return EW_CNT_PKT_FLOW;
}

static void deep_stack_gre_erspan_vxlan(struct pkt *p)
{
	static const uint8_t options[8] = { 0x94, 0x04, 0, 0, 0x01, 0x01, 0x01, 0x00 };

	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021AD, 10);
	pkt_vlan(p, PKT_TPID_8021Q, 20);
	pkt_mpls(p, 1000);
	pkt_mpls(p, 2000);
	pkt_ipv4(p, &(struct pkt_ipv4){ .src = OUTER_A, .dst = OUTER_B, .options = options,
					 .options_len = sizeof(options) });
	pkt_gre(p, &(struct pkt_gre){ .csum = true, .key_present = true, .key = 3,
				      .seq_present = true, .seq = 9 });
	pkt_erspan3(p, 4, 30, true);
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021Q, 30);
	pkt_ipv6(p, OUTER6_A, OUTER6_B);
	pkt_ipv6_ext(p, PKT_IPV6_HOPOPTS, 0);
	pkt_ipv6_ext(p, PKT_IPV6_DSTOPTS, 1);
	pkt_udp(p, TUNNEL_SPORT, 4789);
	pkt_vxlan(p, 4242);
	pkt_eth(p);
	ip4(p, CLIENT4, SERVER4);
	pkt_tcp(p, CLIENT_PORT, SERVER_PORT, PKT_TCP_SYN, 12);
	pkt_payload(p, 10, 0);
	pkt_finish(p);
}

static void deep_stack_pppoe_geneve_6in4(struct pkt *p)
{
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021Q, 7);
	pkt_pppoe(p, 0x55);
	ip4(p, OUTER_A, OUTER_B);
	pkt_udp(p, TUNNEL_SPORT, 6081);
	pkt_geneve(p, 77, 8);
	pkt_eth(p);
	ip4(p, "198.18.0.3", "198.18.0.4");
	pkt_ipv6(p, CLIENT6, SERVER6);
	pkt_ipv6_frag(p, 0, false, 1);	/* atomic */
	pkt_icmpv6(p, 128, 0);
	pkt_payload(p, 8, 0);
	pkt_finish(p);
}

static void deep_stack_pptp_sctp(struct pkt *p)
{
	pkt_eth(p);
	pkt_ipv6(p, OUTER6_A, OUTER6_B);
	pkt_ipv6_ext(p, PKT_IPV6_ROUTING, 0);
	pkt_ah(p, 0x99);
	pkt_gre(p, &(struct pkt_gre){ .version = 1, .call_id = 3, .seq_present = true,
				      .ack_present = true });
	pkt_ppp(p);
	ip4(p, CLIENT4, SERVER4);
	pkt_sctp(p, 5000, 5001);
	pkt_payload(p, 4, 0);
	pkt_finish(p);
}

static void deep_stack_pseudowire_esp(struct pkt *p)
{
	pkt_eth(p);
	pkt_mpls(p, 16);
	pkt_mpls(p, 17);
	pkt_mpls(p, 18);
	pkt_pw_cw(p);
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021Q, 99);
	ip4(p, OUTER_A, OUTER_B);
	ip4(p, CLIENT4, SERVER4);
	pkt_esp(p, 0x1234, 1);
	pkt_payload(p, 16, 0);
	pkt_finish(p);
}

struct stack {
	const char *name;
	void (*build)(struct pkt *p);
};

static const struct stack stacks[] = {
	{ "qinq_mpls_ipv4opt_gre_erspan3_vlan_ipv6ext_vxlan_tcp", deep_stack_gre_erspan_vxlan },
	{ "vlan_pppoe_geneve_6in4_frag_icmpv6", deep_stack_pppoe_geneve_6in4 },
	{ "ipv6_rh_ah_pptp_ppp_sctp", deep_stack_pptp_sctp },
	{ "mpls_pw_vlan_ipip_esp", deep_stack_pseudowire_esp },
};

/*
 * Did the kernel refuse to run the frame (BPF_PROG_TEST_RUN's own input checks), as
 * opposed to the program failing? XDP: frames shorter than an Ethernet header. tc: also
 * IPv4/IPv6 frames without a whole IP header.
 */
static bool kernel_refuses(const uint8_t *frame, size_t len, bool tc)
{
	uint16_t ethertype;

	if (len < ETH_MIN_TEST_RUN_LEN)
		return true;
	if (!tc)
		return false;
	ethertype = (frame[12] << 8) | frame[13];
	return (ethertype == 0x0800 && len < 14 + 20) || (ethertype == 0x86DD && len < 14 + 40);
}

/* Frames the kernel refused to run: they must not have moved any counter. */
static void check_not_run(struct test_case *t, const struct ew_counters *before, size_t len)
{
	struct ew_counters after;

	if (dp_counters(&row_dp, &after) == 0)
		EXPECT(t, memcmp(before, &after, sizeof(after)) == 0,
		       "%zu-byte frame refused by the kernel, yet counters moved", len);
}

#define CUT_NOT_RUN -2

/* Run one cut and compare its outcome; returns the outcome, CUT_NOT_RUN when the kernel
 * refuses the frame, or -1 after a failure. */
static int run_cut(struct test_case *t, const uint8_t *frame, size_t len, enum ew_counter want,
		   const char *what, size_t at)
{
	struct ew_counters before, after;
	uint32_t verdict = ~0u;
	int err, outcome;

	if (dp_counters(&row_dp, &before))
		return -1;
	err = dp_run_xdp(&row_dp, frame, len, row_time_ns(&rows[0], 0), &verdict);
	if (err == -EINVAL && kernel_refuses(frame, len, false)) {
		check_not_run(t, &before, len);
		return t->failed ? -1 : CUT_NOT_RUN;
	}
	if (err || verdict != XDP_PASS) {
		EXPECT(t, 0, "%s %zu: test run %d, verdict %u", what, at, err, verdict);
		return -1;
	}
	if (dp_counters(&row_dp, &after))
		return -1;
	outcome = check_one_packet(t, &before, &after, EW_HOOK_XDP_INGRESS, 1);
	if (outcome < 0)
		return -1;
	if (outcome != (int)want) {
		EXPECT(t, 0, "%s at %zu bytes: outcome %s, want %s", what, at,
		       counter_name(outcome), counter_name(want));
		return -1;
	}
	return outcome;
}

/* What the full packet must be, so the cuts mean something: a flow, not an error. */
static void test_stack_cuts(struct test_case *t, const struct stack *st)
{
	struct pkt p;
	uint8_t frame[PKT_MAX_LEN];
	size_t len;
	int i, trunc_kinds = 0;
	bool seen[EW_CNT_MAX] = { false };
	int ran, not_run = 0;

	pkt_init(&p);
	st->build(&p);
	CHECK(t, pkt_ok(&p), "the builder failed");
	CHECK(t, dp_reset(&row_dp) == 0, "cannot clear the tables");
	for (len = 0; len <= p.len; len++) {
		enum ew_counter want = cut_outcome(&p, len, false);

		ran = run_cut(t, p.data, len, want, "frame cut", len);
		if (ran == CUT_NOT_RUN) {
			not_run++;
			continue;
		}
		if (ran < 0)
			return;
		if (!seen[want]) {
			seen[want] = true;
			trunc_kinds++;
		}
	}
	/* the outermost IP datagram says it ends at len; the frame is padded as on the
	 * wire, so the bytes after the datagram are still there to be misread */
	for (i = 0; i < p.layers; i++)
		if (p.layer[i].kind == PKT_IPV4 || p.layer[i].kind == PKT_IPV6)
			break;
	CHECK(t, i < p.layers, "no IP header in the stack");
	for (len = p.layer[i].off + p.layer[i].len; len <= p.len; len++) {
		const struct pkt_layer *ip = &p.layer[i];
		size_t dgram = len - ip->off;
		enum ew_counter want = cut_outcome(&p, len, true);

		memcpy(frame, p.data, p.len);
		if (ip->kind == PKT_IPV4) {
			frame[ip->off + 2] = dgram >> 8;
			frame[ip->off + 3] = dgram & 0xFF;
		} else {
			frame[ip->off + 4] = (dgram - 40) >> 8;
			frame[ip->off + 5] = (dgram - 40) & 0xFF;
		}
		if (ip->kind == PKT_IPV6 && dgram == 40)
			continue;	/* payload length 0 means a jumbogram, not "empty" */
		if (run_cut(t, frame, p.len, want, "datagram cut", len) < 0)
			return;
	}
	/* a stack that yields fewer distinct outcomes than headers would be a weak test */
	CHECK(t, trunc_kinds >= 5, "only %d distinct outcomes over all cuts", trunc_kinds);
	if (not_run)
		printf("# %s: %d cuts shorter than an Ethernet header not run (kernel refuses)\n",
		       st->name, not_run);
}

/* ---- fuzz: random and mutated frames ---------------------------------------------- */

#define FUZZ_FRAMES 10000
#define FUZZ_SEED 0x5EED0E06E0A7C4ULL

static uint64_t fuzz_state;

static uint64_t fuzz_next(void)
{
	/* xorshift64*: deterministic, good enough to pick bytes */
	fuzz_state ^= fuzz_state >> 12;
	fuzz_state ^= fuzz_state << 25;
	fuzz_state ^= fuzz_state >> 27;
	return fuzz_state * 0x2545F4914F6CDD1DULL;
}

static void (*const corpus[])(struct pkt *p) = {
	deep_stack_gre_erspan_vxlan,
	deep_stack_pppoe_geneve_6in4,
	deep_stack_pptp_sctp,
	deep_stack_pseudowire_esp,
	mixed_tunnels_too_many,
	ipv6_ext_8,
	vlan_max,
	mpls_max,
	tunnels_max,
	geneve_options_beyond_datagram,
};

/* A frame: random bytes, or a corpus packet with a few header bytes changed and
 * possibly cut. */
static size_t fuzz_frame(uint8_t *frame)
{
	struct pkt p;
	size_t len, i, flips;
	uint64_t r = fuzz_next();

	if (r % 5 == 0) {
		len = fuzz_next() % 160;
		for (i = 0; i < len; i++)
			frame[i] = fuzz_next();
		if (len >= 14 && fuzz_next() % 2) {
			/* an IP ethertype, so the random bytes reach the IP parser */
			frame[12] = fuzz_next() % 2 ? 0x08 : 0x86;
			frame[13] = frame[12] == 0x08 ? 0x00 : 0xDD;
		}
		return len;
	}
	pkt_init(&p);
	corpus[(r >> 8) % (sizeof(corpus) / sizeof(corpus[0]))](&p);
	len = p.len;
	memcpy(frame, p.data, len);
	flips = 1 + fuzz_next() % 4;
	for (i = 0; i < flips; i++) {
		/* header bytes: the first 256, where the layers are */
		size_t at = fuzz_next() % (len < 256 ? len : 256);

		frame[at] = fuzz_next() % 3 ? (uint8_t)fuzz_next() : frame[at] ^ 0xFF;
	}
	if (fuzz_next() % 4 == 0)
		len = fuzz_next() % (len + 1);
	return len;
}

/*
 * Every packet counted as pkt_flow is in exactly one flow: over the whole table, the
 * packets and bytes of all flows add up to what went in as pkt_flow.
 */
static void check_flow_conservation(struct test_case *t, uint64_t flow_pkts, uint64_t flow_bytes)
{
	static struct flow_record recs[FUZZ_FRAMES * 2];
	uint64_t pkts = 0, bytes = 0;
	int n = dp_flow_list(&row_dp, NULL, recs, FUZZ_FRAMES * 2), i;

	CHECK(t, n >= 0, "cannot list the flows");
	for (i = 0; i < n; i++) {
		EXPECT(t, recs[i].packets[0] + recs[i].packets[1] > 0, "a flow without packets");
		EXPECT(t, recs[i].initiator <= 1, "initiator %u", recs[i].initiator);
		pkts += recs[i].packets[0] + recs[i].packets[1];
		bytes += recs[i].bytes[0] + recs[i].bytes[1];
	}
	EXPECT(t, pkts == flow_pkts && bytes == flow_bytes,
	       "flows hold %llu packets / %llu bytes, pkt_flow counted %llu / %llu",
	       (unsigned long long)pkts, (unsigned long long)bytes,
	       (unsigned long long)flow_pkts, (unsigned long long)flow_bytes);
}

/* Run one fuzz frame through a hook: its outcome, NOT_RUN if the kernel refused it, or
 * -1 after a failure. */
static int fuzz_one(struct test_case *t, const uint8_t *frame, size_t len, bool tc, int i)
{
	struct ew_counters before, after;
	uint32_t verdict = ~0u;
	enum ew_hook hook = tc ? EW_HOOK_TC_EGRESS : EW_HOOK_XDP_INGRESS;
	uint64_t now = row_time_ns(&rows[0], 0) + i;
	int err, outcome;

	if (dp_counters(&row_dp, &before))
		return -1;
	err = tc ? dp_run_tc(&row_dp, frame, len, 0, 0, now, &verdict)
		 : dp_run_xdp(&row_dp, frame, len, now, &verdict);
	if (err == -EINVAL && kernel_refuses(frame, len, tc)) {
		check_not_run(t, &before, len);
		return t->failed ? -1 : CUT_NOT_RUN;
	}
	if (err || verdict != (tc ? 0u : (uint32_t)XDP_PASS)) {
		EXPECT(t, 0, "frame %d (%zu bytes): %s run %d, verdict %u", i, len,
		       hook_name(hook), err, verdict);
		return -1;
	}
	if (dp_counters(&row_dp, &after))
		return -1;
	outcome = check_one_packet(t, &before, &after, hook, 1);
	if (outcome < 0)
		printf("#   frame %d (%zu bytes), %s\n", i, len, hook_name(hook));
	return outcome;
}

static void test_fuzz(struct test_case *t)
{
	uint8_t frame[PKT_MAX_LEN];
	uint64_t outcome_count[EW_CNT_MAX] = { 0 };
	uint64_t flow_pkts = 0, flow_bytes = 0;
	int i, hook, distinct = 0, not_run[2] = { 0, 0 };

	fuzz_state = FUZZ_SEED;
	CHECK(t, dp_reset(&row_dp) == 0, "cannot clear the tables");
	for (i = 0; i < FUZZ_FRAMES; i++) {
		size_t len = fuzz_frame(frame);

		for (hook = 0; hook < 2; hook++) {
			int outcome = fuzz_one(t, frame, len, hook == 1, i);

			if (outcome == CUT_NOT_RUN) {
				not_run[hook]++;
				continue;
			}
			if (outcome < 0)
				return;
			if (outcome == EW_CNT_PKT_FLOW) {
				flow_pkts++;
				flow_bytes += len;
			}
			if (hook == 0 && !outcome_count[outcome]++)
				distinct++;
		}
	}
	printf("# fuzz: %d frames (XDP refused %d too short, tc refused %d), XDP outcomes:",
	       FUZZ_FRAMES, not_run[0], not_run[1]);
	for (i = 0; i < EW_CNT_MAX; i++)
		if (outcome_count[i])
			printf(" %s=%llu", counter_name(i), (unsigned long long)outcome_count[i]);
	printf("\n");
	check_flow_conservation(t, flow_pkts, flow_bytes);
	/* the mutations must reach deep into the parser, not stop at Ethernet */
	CHECK(t, distinct >= 12, "only %d distinct outcomes", distinct);
}

int main(void)
{
	size_t i;
	char name[128];

	if (rows_open("datapath_malformed"))
		return 1;
	rows_run(rows, sizeof(rows) / sizeof(rows[0]));
	for (i = 0; i < sizeof(stacks) / sizeof(stacks[0]); i++) {
		snprintf(name, sizeof(name), "cuts_%s", stacks[i].name);
		RUN_ROW(test_stack_cuts, name, &stacks[i]);
	}
	RUN(test_fuzz);
	rows_close();
	return test_summary();
}
