// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Datapath table: malformed and over-deep packets, one row per malformation, at and
 * just inside each parser bound. Each must end in the outcome counter that names its
 * reason, pass (monitor mode) or be dropped after accounting (passive), and never make
 * the program fail. Truncation at every byte: test_datapath_truncation.c; random and
 * mutated frames: test_datapath_fuzz.c.
 */
#include "deep_stacks.h"

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

int main(void)
{
	if (rows_open("datapath_malformed"))
		return 1;
	rows_run(rows, sizeof(rows) / sizeof(rows[0]));
	rows_close();
	return test_summary();
}
