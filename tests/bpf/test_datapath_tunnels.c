// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Datapath table: tunnels, one row per kind and the combinations seen on real uplinks
 * and mirror ports: GRE (flags, key, sequence, GRE-in-GRE, MPLS, PPTP), ERSPAN I/II/III,
 * VXLAN, Geneve, IP-in-IP (6in4 and the rest), Teredo. Each packet must land in the flow
 * of its innermost IP header and L4 ports, with the tunnel id and the outermost IP
 * header recorded on the flow; a tunnel whose inner frame is not IP is keyed on the IP
 * header that carried it.
 */
#include "datapath_packets.h"

static void gre_tcp(struct pkt *p)
{
	outer4(p);
	pkt_gre(p, &(struct pkt_gre){ 0 });
	syn4(p);
	finish(p);
}

static void gre_key_seq_csum_tcp(struct pkt *p)
{
	outer4(p);
	pkt_gre(p, &(struct pkt_gre){ .csum = true, .key_present = true, .key = 0xABCD0001,
				      .seq_present = true, .seq = 7 });
	syn4(p);
	finish(p);
}

static void gre_ipv6_tcp(struct pkt *p)
{
	pkt_eth(p);
	pkt_ipv6(p, OUTER6_A, OUTER6_B);
	pkt_gre(p, &(struct pkt_gre){ .key_present = true, .key = 77 });
	syn6(p);
	finish(p);
}

static void gre_in_gre_tcp(struct pkt *p)
{
	outer4(p);
	pkt_gre(p, &(struct pkt_gre){ .key_present = true, .key = 1 });
	ip4(p, "198.18.0.5", "198.18.0.6");
	pkt_gre(p, &(struct pkt_gre){ .key_present = true, .key = 2 });
	syn4(p);
	finish(p);
}

static void gre_mpls_tcp(struct pkt *p)
{
	outer4(p);
	pkt_gre(p, &(struct pkt_gre){ 0 });
	pkt_mpls(p, 500);
	syn4(p);
	finish(p);
}

static void pptp_gre_ppp_tcp(struct pkt *p)
{
	outer4(p);
	pkt_gre(p, &(struct pkt_gre){ .version = 1, .call_id = 0x4001, .seq_present = true,
				      .seq = 3, .ack_present = true });
	pkt_ppp(p);
	syn4(p);
	finish(p);
}

static void erspan1_tcp(struct pkt *p)
{
	/* type I: GRE without a sequence number, the mirrored frame right after it */
	outer4(p);
	pkt_gre(p, &(struct pkt_gre){ .proto = 0x88BE });
	pkt_eth(p);
	syn4(p);
	finish(p);
}

static void erspan2_tcp(struct pkt *p)
{
	outer4(p);
	pkt_gre(p, &(struct pkt_gre){ .seq_present = true, .seq = 1 });
	pkt_erspan2(p, 5, 0);
	pkt_eth(p);
	syn4(p);
	finish(p);
}

static void erspan2_vlan_tcp(struct pkt *p)
{
	outer4(p);
	pkt_gre(p, &(struct pkt_gre){ .seq_present = true, .seq = 1 });
	pkt_erspan2(p, 5, 30);
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021Q, 30);
	syn4(p);
	finish(p);
}

static void erspan3_tcp(struct pkt *p)
{
	outer4(p);
	pkt_gre(p, &(struct pkt_gre){ .seq_present = true, .seq = 1 });
	pkt_erspan3(p, 6, 0, false);
	pkt_eth(p);
	syn4(p);
	finish(p);
}

static void erspan3_platform_ipv6_tcp(struct pkt *p)
{
	outer4(p);
	pkt_gre(p, &(struct pkt_gre){ .seq_present = true, .seq = 1 });
	pkt_erspan3(p, 6, 0, true);
	pkt_eth(p);
	syn6(p);
	finish(p);
}

static void vxlan_tcp(struct pkt *p)
{
	outer4(p);
	pkt_udp(p, TUNNEL_SPORT, 4789);
	pkt_vxlan(p, 4242);
	pkt_eth(p);
	syn4(p);
	finish(p);
}

static void vlan_vxlan_tcp(struct pkt *p)
{
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021Q, 100);
	ip4(p, OUTER_A, OUTER_B);
	pkt_udp(p, TUNNEL_SPORT, 4789);
	pkt_vxlan(p, 4242);
	pkt_eth(p);
	syn4(p);
	finish(p);
}

static void vlan_vxlan_vlan_tcp(struct pkt *p)
{
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021Q, 100);
	ip4(p, OUTER_A, OUTER_B);
	pkt_udp(p, TUNNEL_SPORT, 4789);
	pkt_vxlan(p, 4242);
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021Q, 200);
	syn4(p);
	finish(p);
}

static void qinq_vxlan_vlan_tcp(struct pkt *p)
{
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021AD, 10);
	pkt_vlan(p, PKT_TPID_8021Q, 20);
	ip4(p, OUTER_A, OUTER_B);
	pkt_udp(p, TUNNEL_SPORT, 4789);
	pkt_vxlan(p, 4242);
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021Q, 200);
	syn4(p);
	finish(p);
}

static void vxlan_ipv6_outer_tcp(struct pkt *p)
{
	pkt_eth(p);
	pkt_ipv6(p, OUTER6_A, OUTER6_B);
	pkt_udp(p, TUNNEL_SPORT, 4789);
	pkt_vxlan(p, 4242);
	pkt_eth(p);
	syn4(p);
	finish(p);
}

static void vxlan_arp(struct pkt *p)
{
	outer4(p);
	pkt_udp(p, TUNNEL_SPORT, 4789);
	pkt_vxlan(p, 4242);
	pkt_eth(p);
	pkt_arp(p);
	finish(p);
}

static void geneve_tcp(struct pkt *p)
{
	outer4(p);
	pkt_udp(p, TUNNEL_SPORT, 6081);
	pkt_geneve(p, 0x123456, 0);
	pkt_eth(p);
	syn4(p);
	finish(p);
}

static void geneve_options_tcp(struct pkt *p)
{
	outer4(p);
	pkt_udp(p, TUNNEL_SPORT, 6081);
	pkt_geneve(p, 0x123456, 12);
	pkt_eth(p);
	syn4(p);
	finish(p);
}

static void geneve_ipv4_tcp(struct pkt *p)
{
	/* Geneve names the inner protocol: IPv4 straight after the header, no Ethernet */
	outer4(p);
	pkt_udp(p, TUNNEL_SPORT, 6081);
	pkt_geneve(p, 99, 8);
	syn4(p);
	finish(p);
}

static void geneve_arp(struct pkt *p)
{
	outer4(p);
	pkt_udp(p, TUNNEL_SPORT, 6081);
	pkt_geneve(p, 0x123456, 8);
	pkt_eth(p);
	pkt_arp(p);
	finish(p);
}

static void gre_non_ip(struct pkt *p)
{
	outer4(p);
	pkt_gre(p, &(struct pkt_gre){ .key_present = true, .key = 9 });
	pkt_payload_as(p, 0x88B5, 40);
	finish(p);
}

static void gre_version_2(struct pkt *p)
{
	outer4(p);
	pkt_gre(p, &(struct pkt_gre){ .version = 2 });
	syn4(p);
	finish(p);
}

static void gre_source_routed(struct pkt *p)
{
	outer4(p);
	pkt_gre(p, &(struct pkt_gre){ .csum = true });
	syn4(p);
	finish(p);
	pkt_hdr(p, pkt_find(p, PKT_GRE, 0))[0] |= 0x40;	/* R: routing entries follow */
}

static void ipip_tcp(struct pkt *p)
{
	outer4(p);
	syn4(p);
	finish(p);
}

static void sixin4_tcp(struct pkt *p)
{
	outer4(p);
	syn6(p);
	finish(p);
}

static void ipv6_in_ipv6_tcp(struct pkt *p)
{
	pkt_eth(p);
	pkt_ipv6(p, OUTER6_A, OUTER6_B);
	syn6(p);
	finish(p);
}

static void ipv4_in_ipv6_tcp(struct pkt *p)
{
	pkt_eth(p);
	pkt_ipv6(p, OUTER6_A, OUTER6_B);
	syn4(p);
	finish(p);
}

static void teredo_tcp(struct pkt *p)
{
	outer4(p);
	pkt_udp(p, 3544, 3544);
	syn6(p);
	finish(p);
}

static void teredo_origin_tcp(struct pkt *p)
{
	outer4(p);
	pkt_udp(p, 3544, 61000);
	pkt_teredo_origin(p, 40001, "198.18.9.9");
	syn6(p);
	finish(p);
}

static void teredo_auth_origin_tcp(struct pkt *p)
{
	outer4(p);
	pkt_udp(p, 3544, 61000);
	pkt_teredo_auth(p, 3, 5);
	pkt_teredo_origin(p, 40001, "198.18.9.9");
	syn6(p);
	finish(p);
}

static void pptp_compressed_ppp_ipv6_tcp(struct pkt *p)
{
	outer4(p);
	pkt_gre(p, &(struct pkt_gre){ .version = 1, .call_id = 0x4001 });
	pkt_ppp_compressed(p);
	syn6(p);
	finish(p);
}

static void udp_3544_not_teredo(struct pkt *p)
{
	outer4(p);
	pkt_udp(p, 61000, 3544);
	pkt_payload(p, 60, 0x60);	/* starts with 0x60 like IPv6, but no length match */
	finish(p);
}

static void udp_4789_without_vni_flag(struct pkt *p)
{
	outer4(p);
	pkt_udp(p, TUNNEL_SPORT, 4789);
	pkt_payload(p, 30, 0);
	finish(p);
}

/* Headers that end exactly at data_end: no payload, no Ethernet padding. */
static void udp_vxlan_port_exact_end(struct pkt *p)
{
	outer4(p);
	pkt_udp(p, TUNNEL_SPORT, 4789);
	pkt_finish(p);
}

#define OUTER4 .outer_src = OUTER_A, .outer_dst = OUTER_B
#define OUTER6 .outer_src = OUTER6_A, .outer_dst = OUTER6_B

static const struct row rows[] = {
	{ "gre_plain", "GRE without options, IPv4 inside; tunnel endpoints recorded",
	  ONE_PACKET(gre_tcp), { { SYN4_FLOW, .encap = ENCAP(GRE), OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_GRE, 1 } } },
	{ "gre_csum_key_seq", "GRE with checksum, key and sequence: the key is the tunnel id",
	  ONE_PACKET(gre_key_seq_csum_tcp),
	  { { SYN4_FLOW, .encap = ENCAP(GRE), .tunnel_id = 0xABCD0001, OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_GRE, 1 } } },
	{ "gre_over_ipv6", "GRE over IPv6 carrying IPv6",
	  ONE_PACKET(gre_ipv6_tcp),
	  { { SYN6_FLOW, .encap = ENCAP(GRE), .tunnel_id = 77, OUTER6 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_GRE, 1 } } },
	{ "gre_in_gre", "GRE in GRE: innermost key, outermost endpoints",
	  ONE_PACKET(gre_in_gre_tcp),
	  { { SYN4_FLOW, .encap = ENCAP(GRE), .tunnel_id = 2, OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_GRE, 1 } } },
	{ "gre_mpls", "MPLS over GRE",
	  ONE_PACKET(gre_mpls_tcp), { { SYN4_FLOW, .encap = ENCAP(GRE) | ENCAP(MPLS), OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_GRE, 1 }, { EW_CNT_ENCAP_MPLS, 1 } } },
	{ "pptp_enhanced_gre_ppp", "PPP in enhanced GRE (PPTP) with sequence and ack numbers",
	  ONE_PACKET(pptp_gre_ppp_tcp), { { SYN4_FLOW, .encap = ENCAP(GRE), OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_GRE, 1 } } },
	{ "pptp_compressed_ppp", "enhanced GRE without sequence number, PPP with address/control "
				 "and protocol compressed (one byte: 0x57, IPv6)",
	  ONE_PACKET(pptp_compressed_ppp_ipv6_tcp), { { SYN6_FLOW, .encap = ENCAP(GRE), OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_GRE, 1 } } },
	{ "erspan_type1", "ERSPAN type I: no ERSPAN header, mirrored frame right after GRE",
	  ONE_PACKET(erspan1_tcp),
	  { { SYN4_FLOW, .encap = ENCAP(GRE) | ENCAP(ERSPAN), OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_GRE, 1 }, { EW_CNT_ENCAP_ERSPAN, 1 } } },
	{ "erspan_type2", "ERSPAN type II (GRE sequence + 8-byte header)",
	  ONE_PACKET(erspan2_tcp),
	  { { SYN4_FLOW, .encap = ENCAP(GRE) | ENCAP(ERSPAN), OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_GRE, 1 }, { EW_CNT_ENCAP_ERSPAN, 1 } } },
	{ "erspan_type2_vlan", "ERSPAN II mirroring a tagged frame: the mirrored VLAN keys the "
			       "flow, as Suricata keys it",
	  ONE_PACKET(erspan2_vlan_tcp),
	  { { SYN4_FLOW, .vlan = { 30, 0 }, .encap = ENCAP(GRE) | ENCAP(ERSPAN) | ENCAP(VLAN),
	      OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_GRE, 1 }, { EW_CNT_ENCAP_ERSPAN, 1 },
	    { EW_CNT_ENCAP_VLAN, 1 } } },
	{ "erspan_type3", "ERSPAN type III, 12-byte header",
	  ONE_PACKET(erspan3_tcp),
	  { { SYN4_FLOW, .encap = ENCAP(GRE) | ENCAP(ERSPAN), OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_GRE, 1 }, { EW_CNT_ENCAP_ERSPAN, 1 } } },
	{ "erspan_type3_platform", "ERSPAN III with the optional platform subheader, IPv6 inside",
	  ONE_PACKET(erspan3_platform_ipv6_tcp),
	  { { SYN6_FLOW, .encap = ENCAP(GRE) | ENCAP(ERSPAN), OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_GRE, 1 }, { EW_CNT_ENCAP_ERSPAN, 1 } } },
	{ "vxlan", "VXLAN on 4789: VNI is the tunnel id",
	  ONE_PACKET(vxlan_tcp), { { SYN4_FLOW, .encap = ENCAP(VXLAN), .tunnel_id = 4242, OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_VXLAN, 1 } } },
	{ "vlan_vxlan", "VXLAN underlay on VLAN 100: the VID stays in the key",
	  ONE_PACKET(vlan_vxlan_tcp),
	  { { SYN4_FLOW, .vlan = { 100, 0 }, .encap = ENCAP(VLAN) | ENCAP(VXLAN),
	      .tunnel_id = 4242, OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_VLAN, 1 }, { EW_CNT_ENCAP_VXLAN, 1 } } },
	{ "vlan_vxlan_vlan", "one tag outside and one inside the tunnel: both VIDs key the flow "
			     "(outermost first); two tags in two frames are not QinQ",
	  ONE_PACKET(vlan_vxlan_vlan_tcp),
	  { { SYN4_FLOW, .vlan = { 100, 200 }, .encap = ENCAP(VLAN) | ENCAP(VXLAN),
	      .tunnel_id = 4242, OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_VLAN, 1 }, { EW_CNT_ENCAP_VXLAN, 1 } } },
	{ "qinq_vxlan_vlan", "QinQ underlay + a tagged inner frame: all 3 VIDs key the flow",
	  ONE_PACKET(qinq_vxlan_vlan_tcp),
	  { { SYN4_FLOW, .vlan = { 10, 20, 200 }, .encap = ENCAP(VLAN) | ENCAP(QINQ) | ENCAP(VXLAN),
	      .tunnel_id = 4242, OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_VLAN, 1 }, { EW_CNT_ENCAP_QINQ, 1 },
	    { EW_CNT_ENCAP_VXLAN, 1 } } },
	{ "vxlan_over_ipv6", "VXLAN with an IPv6 underlay",
	  ONE_PACKET(vxlan_ipv6_outer_tcp),
	  { { SYN4_FLOW, .encap = ENCAP(VXLAN), .tunnel_id = 4242, OUTER6 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_VXLAN, 1 } } },
	{ "vxlan_arp", "VXLAN carrying ARP: keyed on the outer UDP header, flagged",
	  ONE_PACKET(vxlan_arp),
	  { { .src = OUTER_A, .sport = TUNNEL_SPORT, .dst = OUTER_B, .dport = 4789,
	      .proto = IPPROTO_NUM_UDP, .encap = ENCAP(VXLAN), .tunnel_id = 4242,
	      .flags = EW_FLOW_F_INNER_NON_IP } },
	  { NEW_FLOW, { EW_CNT_ENCAP_VXLAN, 1 }, { EW_CNT_TUNNEL_INNER_NON_IP, 1 } } },
	{ "geneve", "Geneve on 6081 carrying Ethernet: VNI is the tunnel id",
	  ONE_PACKET(geneve_tcp),
	  { { SYN4_FLOW, .encap = ENCAP(GENEVE), .tunnel_id = 0x123456, OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_GENEVE, 1 } } },
	{ "geneve_options", "Geneve with 12 bytes of options skipped",
	  ONE_PACKET(geneve_options_tcp),
	  { { SYN4_FLOW, .encap = ENCAP(GENEVE), .tunnel_id = 0x123456, OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_GENEVE, 1 } } },
	{ "geneve_ipv4_payload", "Geneve with options whose protocol is IPv4 (no inner Ethernet)",
	  ONE_PACKET(geneve_ipv4_tcp),
	  { { SYN4_FLOW, .encap = ENCAP(GENEVE), .tunnel_id = 99, OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_GENEVE, 1 } } },
	{ "geneve_arp", "Geneve carrying ARP: keyed on the outer UDP header (the carrier is "
			"the key, so no separate outer endpoints), flagged inner-non-IP",
	  ONE_PACKET(geneve_arp),
	  { { .src = OUTER_A, .sport = TUNNEL_SPORT, .dst = OUTER_B, .dport = 6081,
	      .proto = IPPROTO_NUM_UDP, .encap = ENCAP(GENEVE), .tunnel_id = 0x123456,
	      .flags = EW_FLOW_F_INNER_NON_IP } },
	  { NEW_FLOW, { EW_CNT_ENCAP_GENEVE, 1 }, { EW_CNT_TUNNEL_INNER_NON_IP, 1 } } },
	{ "gre_non_ip", "GRE carrying an unknown ethertype: keyed on the outer IP header",
	  ONE_PACKET(gre_non_ip),
	  { { .src = OUTER_A, .dst = OUTER_B, .proto = IPPROTO_NUM_GRE, .encap = ENCAP(GRE),
	      .tunnel_id = 9, .flags = EW_FLOW_F_INNER_NON_IP } },
	  { NEW_FLOW, { EW_CNT_ENCAP_GRE, 1 }, { EW_CNT_TUNNEL_INNER_NON_IP, 1 } } },
	{ "gre_unknown_version", "GRE version 2 is undefined: no inner frame to find, keyed on "
				 "the outer IP header",
	  ONE_PACKET(gre_version_2),
	  { { .src = OUTER_A, .dst = OUTER_B, .proto = IPPROTO_NUM_GRE, .encap = ENCAP(GRE),
	      .flags = EW_FLOW_F_INNER_NON_IP } },
	  { NEW_FLOW, { EW_CNT_ENCAP_GRE, 1 }, { EW_CNT_TUNNEL_INNER_NON_IP, 1 } } },
	{ "gre_source_routed", "RFC 1701 routing bit: routing entries of unknown length come "
			       "first, so keyed on the outer IP header (Linux drops these)",
	  ONE_PACKET(gre_source_routed),
	  { { .src = OUTER_A, .dst = OUTER_B, .proto = IPPROTO_NUM_GRE, .encap = ENCAP(GRE),
	      .flags = EW_FLOW_F_INNER_NON_IP } },
	  { NEW_FLOW, { EW_CNT_ENCAP_GRE, 1 }, { EW_CNT_TUNNEL_INNER_NON_IP, 1 } } },
	{ "ipip", "IPv4 in IPv4",
	  ONE_PACKET(ipip_tcp), { { SYN4_FLOW, .encap = ENCAP(IPIP), OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_IPIP, 1 } } },
	{ "6in4", "IPv6 in IPv4 (protocol 41)",
	  ONE_PACKET(sixin4_tcp), { { SYN6_FLOW, .encap = ENCAP(IPIP), OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_IPIP, 1 } } },
	{ "ipv6_in_ipv6", "IPv6 in IPv6",
	  ONE_PACKET(ipv6_in_ipv6_tcp), { { SYN6_FLOW, .encap = ENCAP(IPIP), OUTER6 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_IPIP, 1 } } },
	{ "ipv4_in_ipv6", "IPv4 in IPv6 (next header 4)",
	  ONE_PACKET(ipv4_in_ipv6_tcp), { { SYN4_FLOW, .encap = ENCAP(IPIP), OUTER6 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_IPIP, 1 } } },
	{ "teredo", "Teredo: IPv6 in UDP/3544 whose length fills the datagram",
	  ONE_PACKET(teredo_tcp), { { SYN6_FLOW, .encap = ENCAP(TEREDO), OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_TEREDO, 1 } } },
	{ "teredo_origin_indication", "Teredo with an origin indication header before IPv6",
	  ONE_PACKET(teredo_origin_tcp), { { SYN6_FLOW, .encap = ENCAP(TEREDO), OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_TEREDO, 1 } } },
	{ "teredo_auth_origin", "Teredo with authentication then origin indication headers",
	  ONE_PACKET(teredo_auth_origin_tcp), { { SYN6_FLOW, .encap = ENCAP(TEREDO), OUTER4 } },
	  { NEW_FLOW, { EW_CNT_ENCAP_TEREDO, 1 } } },
	{ "udp_3544_not_teredo", "port 3544 without a matching IPv6 header stays plain UDP",
	  ONE_PACKET(udp_3544_not_teredo),
	  { { .src = OUTER_A, .sport = 61000, .dst = OUTER_B, .dport = 3544,
	      .proto = IPPROTO_NUM_UDP } },
	  { NEW_FLOW } },
	{ "udp_4789_without_vni_flag", "port 4789 without the VXLAN I flag stays plain UDP",
	  ONE_PACKET(udp_4789_without_vni_flag),
	  { { .src = OUTER_A, .sport = TUNNEL_SPORT, .dst = OUTER_B, .dport = 4789,
	      .proto = IPPROTO_NUM_UDP } },
	  { NEW_FLOW } },
	{ "udp_4789_ends_at_data_end", "UDP to 4789 with no payload: a UDP flow, not a "
				       "truncated VXLAN header",
	  ONE_PACKET(udp_vxlan_port_exact_end),
	  { { .src = OUTER_A, .sport = TUNNEL_SPORT, .dst = OUTER_B, .dport = 4789,
	      .proto = IPPROTO_NUM_UDP } },
	  { NEW_FLOW } },
};

int main(void)
{
	if (rows_open("datapath_tunnels"))
		return 1;
	rows_run(rows, sizeof(rows) / sizeof(rows[0]));
	rows_close();
	return test_summary();
}
