// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Datapath table: link layer (VLAN, QinQ, MPLS, pseudowire, PPPoE), IP (options,
 * extension headers, AH) and L4 protocols, one row each, and the combinations seen
 * on real uplinks. Each packet must land in the flow of its IP header and L4 ports,
 * with the encapsulation recorded on the flow. Tunnels: test_datapath_tunnels.c.
 */
#include "datapath_packets.h"

static void plain_tcp(struct pkt *p)
{
	pkt_eth(p);
	syn4(p);
	finish(p);
}

static void vlan_tcp(struct pkt *p)
{
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021Q, 100);
	syn4(p);
	finish(p);
}

static void qinq_tcp(struct pkt *p)
{
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021AD, 10);
	pkt_vlan(p, PKT_TPID_8021Q, 20);
	syn4(p);
	finish(p);
}

static void qinq_9100_tcp(struct pkt *p)
{
	pkt_eth(p);
	pkt_vlan(p, 0x9100, 10);
	pkt_vlan(p, PKT_TPID_8021Q, 20);
	syn4(p);
	finish(p);
}

static void mpls_tcp(struct pkt *p)
{
	pkt_eth(p);
	pkt_mpls(p, 1000);
	pkt_mpls(p, 2000);
	syn4(p);
	finish(p);
}

static void qinq_mpls_tcp(struct pkt *p)
{
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021AD, 10);
	pkt_vlan(p, PKT_TPID_8021Q, 20);
	pkt_mpls(p, 1000);
	pkt_mpls(p, 2000);
	pkt_mpls(p, 3000);
	syn6(p);
	finish(p);
}

static void mpls_pw_eth_tcp(struct pkt *p)
{
	pkt_eth(p);
	pkt_mpls(p, 1000);
	pkt_mpls(p, 2000);
	pkt_pw_cw(p);
	pkt_eth(p);
	syn4(p);
	finish(p);
}

static void pppoe_tcp(struct pkt *p)
{
	pkt_eth(p);
	pkt_pppoe(p, 0x1234);
	syn4(p);
	finish(p);
}

static void pppoe_ipv6_tcp(struct pkt *p)
{
	pkt_eth(p);
	pkt_pppoe(p, 0x1234);
	syn6(p);
	finish(p);
}

static void qinq_pppoe_tcp(struct pkt *p)
{
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021AD, 10);
	pkt_vlan(p, PKT_TPID_8021Q, 20);
	pkt_pppoe(p, 0x1234);
	syn4(p);
	finish(p);
}

static void ipv4_options_tcp(struct pkt *p)
{
	/* router alert + record route with room for 9 addresses: a 60-byte header */
	uint8_t options[40] = { 0x94, 0x04, 0x00, 0x00, 0x07, 35, 4 };

	pkt_eth(p);
	pkt_ipv4(p, &(struct pkt_ipv4){ .src = CLIENT4, .dst = SERVER4, .options = options,
					 .options_len = sizeof(options) });
	pkt_tcp(p, CLIENT_PORT, SERVER_PORT, PKT_TCP_SYN, 0);
	finish(p);
}

static void ipv6_tcp(struct pkt *p)
{
	pkt_eth(p);
	syn6(p);
	finish(p);
}

static void ipv6_ext_chain_tcp(struct pkt *p)
{
	pkt_eth(p);
	pkt_ipv6(p, CLIENT6, SERVER6);
	pkt_ipv6_ext(p, PKT_IPV6_HOPOPTS, 0);
	pkt_ipv6_ext(p, PKT_IPV6_DSTOPTS, 1);
	pkt_ipv6_ext(p, PKT_IPV6_ROUTING, 2);
	pkt_ah(p, 0x1001);
	pkt_ipv6_ext(p, PKT_IPV6_DSTOPTS, 0);
	pkt_tcp(p, CLIENT_PORT, SERVER_PORT, PKT_TCP_SYN, 0);
	finish(p);
}

static void ipv4_ah_tcp(struct pkt *p)
{
	pkt_eth(p);
	ip4(p, CLIENT4, SERVER4);
	pkt_ah(p, 0x1001);
	pkt_tcp(p, CLIENT_PORT, SERVER_PORT, PKT_TCP_SYN, 0);
	finish(p);
}

static void udp_dns(struct pkt *p)
{
	pkt_eth(p);
	ip4(p, CLIENT4, SERVER4);
	pkt_udp(p, 53000, 53);
	pkt_payload(p, 30, 1);
	finish(p);
}

static void icmp_echo(struct pkt *p)
{
	pkt_eth(p);
	ip4(p, CLIENT4, SERVER4);
	pkt_icmp(p, 8, 0, 0x77, 1);
	pkt_payload(p, 32, 0);
	finish(p);
}

static void icmpv6_echo(struct pkt *p)
{
	pkt_eth(p);
	pkt_ipv6(p, CLIENT6, SERVER6);
	pkt_icmpv6(p, 128, 0);
	pkt_payload(p, 32, 0);
	finish(p);
}

static void sctp_init(struct pkt *p)
{
	pkt_eth(p);
	ip4(p, CLIENT4, SERVER4);
	pkt_sctp(p, 36412, 36412);
	pkt_payload(p, 20, 0);
	finish(p);
}

static void esp_ipv4(struct pkt *p)
{
	pkt_eth(p);
	ip4(p, CLIENT4, SERVER4);
	pkt_esp(p, 0xC0FFEE01, 1);
	pkt_payload(p, 48, 0);
	finish(p);
}

static void ospf_portless(struct pkt *p)
{
	pkt_eth(p);
	pkt_ipv4(p, &(struct pkt_ipv4){ .src = CLIENT4, .dst = "224.0.0.5", .proto = 89 });
	pkt_payload(p, 44, 0);
	finish(p);
}

/* Headers that end exactly at data_end: no payload, no Ethernet padding. */
static void tcp_exact_end(struct pkt *p)
{
	pkt_eth(p);
	syn4(p);
	pkt_finish(p);
}

static void icmpv6_exact_end(struct pkt *p)
{
	pkt_eth(p);
	pkt_ipv6(p, CLIENT6, SERVER6);
	pkt_icmpv6(p, 135, 0);
	pkt_finish(p);
}

static const struct row rows[] = {
	{ "plain_ipv4_tcp", "baseline: Ethernet, IPv4, TCP SYN",
	  ONE_PACKET(plain_tcp), { { SYN4_FLOW } }, { NEW_FLOW } },
	{ "vlan_8021q", "one 802.1Q tag: its VID is part of the key",
	  ONE_PACKET(vlan_tcp), { { SYN4_FLOW, .vlan = { 100, 0 }, .encap = ENCAP(VLAN) } },
	  { NEW_FLOW, { EW_CNT_ENCAP_VLAN, 1 } } },
	{ "qinq_8021ad", "802.1ad outer + 802.1Q inner tag, both VIDs in the key, outermost first",
	  ONE_PACKET(qinq_tcp),
	  { { SYN4_FLOW, .vlan = { 10, 20 }, .encap = ENCAP(VLAN) | ENCAP(QINQ) } },
	  { NEW_FLOW, { EW_CNT_ENCAP_VLAN, 1 }, { EW_CNT_ENCAP_QINQ, 1 } } },
	{ "qinq_9100", "pre-standard 0x9100 outer tag",
	  ONE_PACKET(qinq_9100_tcp),
	  { { SYN4_FLOW, .vlan = { 10, 20 }, .encap = ENCAP(VLAN) | ENCAP(QINQ) } },
	  { NEW_FLOW, { EW_CNT_ENCAP_VLAN, 1 }, { EW_CNT_ENCAP_QINQ, 1 } } },
	{ "mpls_two_labels", "MPLS stack of 2, IPv4 found by its first nibble",
	  ONE_PACKET(mpls_tcp), { { SYN4_FLOW, .encap = ENCAP(MPLS) } },
	  { NEW_FLOW, { EW_CNT_ENCAP_MPLS, 1 } } },
	{ "qinq_mpls_ipv6", "QinQ, then 3 MPLS labels, then IPv6",
	  ONE_PACKET(qinq_mpls_tcp),
	  { { SYN6_FLOW, .vlan = { 10, 20 }, .encap = ENCAP(VLAN) | ENCAP(QINQ) | ENCAP(MPLS) } },
	  { NEW_FLOW, { EW_CNT_ENCAP_VLAN, 1 }, { EW_CNT_ENCAP_QINQ, 1 },
	    { EW_CNT_ENCAP_MPLS, 1 } } },
	{ "mpls_pw_control_word_eth", "MPLS pseudowire: control word, then an Ethernet frame",
	  ONE_PACKET(mpls_pw_eth_tcp), { { SYN4_FLOW, .encap = ENCAP(MPLS) } },
	  { NEW_FLOW, { EW_CNT_ENCAP_MPLS, 1 } } },
	{ "pppoe_ipv4", "PPPoE session carrying IPv4",
	  ONE_PACKET(pppoe_tcp), { { SYN4_FLOW, .encap = ENCAP(PPPOE) } },
	  { NEW_FLOW, { EW_CNT_ENCAP_PPPOE, 1 } } },
	{ "pppoe_ipv6", "PPPoE session carrying IPv6",
	  ONE_PACKET(pppoe_ipv6_tcp), { { SYN6_FLOW, .encap = ENCAP(PPPOE) } },
	  { NEW_FLOW, { EW_CNT_ENCAP_PPPOE, 1 } } },
	{ "qinq_pppoe", "PPPoE over QinQ (a BNG uplink)",
	  ONE_PACKET(qinq_pppoe_tcp),
	  { { SYN4_FLOW, .vlan = { 10, 20 },
	      .encap = ENCAP(VLAN) | ENCAP(QINQ) | ENCAP(PPPOE) } },
	  { NEW_FLOW, { EW_CNT_ENCAP_VLAN, 1 }, { EW_CNT_ENCAP_QINQ, 1 },
	    { EW_CNT_ENCAP_PPPOE, 1 } } },
	{ "ipv4_options", "IPv4 with 40 bytes of options (IHL 15): ports read after them",
	  ONE_PACKET(ipv4_options_tcp), { { SYN4_FLOW } }, { NEW_FLOW } },
	{ "ipv6_tcp", "plain IPv6", ONE_PACKET(ipv6_tcp), { { SYN6_FLOW } }, { NEW_FLOW } },
	{ "ipv6_ext_chain", "hop-by-hop, dstopts, routing, AH, dstopts, then TCP",
	  ONE_PACKET(ipv6_ext_chain_tcp), { { SYN6_FLOW, .encap = ENCAP(IPV6_EXT) } },
	  { NEW_FLOW, { EW_CNT_ENCAP_IPV6_EXT, 1 } } },
	{ "ipv4_ah", "AH in IPv4 is walked like an extension header, but an IPv4 flow does not "
		     "count as carrying IPv6 extension headers",
	  ONE_PACKET(ipv4_ah_tcp), { { SYN4_FLOW } }, { NEW_FLOW } },
	{ "udp", "UDP ports", ONE_PACKET(udp_dns),
	  { { .src = CLIENT4, .sport = 53000, .dst = SERVER4, .dport = 53,
	      .proto = IPPROTO_NUM_UDP } },
	  { NEW_FLOW } },
	{ "icmp_echo", "ICMP: ports 0, type/code recorded, the echo request noted in the "
		       "sender's flag byte",
	  ONE_PACKET(icmp_echo),
	  { { .src = CLIENT4, .dst = SERVER4, .proto = IPPROTO_NUM_ICMP, .icmp_type = 8,
	      .tcp_flags = { EW_ICMP_SENT_ECHO_REQUEST, 0 } } },
	  { NEW_FLOW } },
	{ "icmpv6_echo", "ICMPv6: ports 0, type/code recorded, the echo request noted in "
			 "the sender's flag byte",
	  ONE_PACKET(icmpv6_echo),
	  { { .src = CLIENT6, .dst = SERVER6, .proto = IPPROTO_NUM_ICMPV6, .icmp_type = 128,
	      .tcp_flags = { EW_ICMP_SENT_ECHO_REQUEST, 0 } } },
	  { NEW_FLOW } },
	{ "sctp", "SCTP ports from its common header",
	  ONE_PACKET(sctp_init),
	  { { .src = CLIENT4, .sport = 36412, .dst = SERVER4, .dport = 36412,
	      .proto = IPPROTO_NUM_SCTP } },
	  { NEW_FLOW } },
	{ "esp", "ESP: ports 0, SPI in the key",
	  ONE_PACKET(esp_ipv4),
	  { { .src = CLIENT4, .dst = SERVER4, .proto = IPPROTO_NUM_ESP, .spi = 0xC0FFEE01,
	      .encap = ENCAP(ESP) } },
	  { NEW_FLOW, { EW_CNT_ENCAP_ESP, 1 } } },
	{ "portless_protocol", "OSPF: a flow with ports 0",
	  ONE_PACKET(ospf_portless), { { .src = CLIENT4, .dst = "224.0.0.5", .proto = 89 } },
	  { NEW_FLOW } },
	{ "tcp_ends_at_data_end", "Ethernet+IPv4+TCP, 54 bytes, nothing after the TCP header",
	  ONE_PACKET(tcp_exact_end), { { SYN4_FLOW } }, { NEW_FLOW } },
	{ "icmpv6_ends_at_data_end", "ICMPv6 header ends at data_end",
	  ONE_PACKET(icmpv6_exact_end),
	  { { .src = CLIENT6, .dst = SERVER6, .proto = IPPROTO_NUM_ICMPV6, .icmp_type = 135 } },
	  { NEW_FLOW } },
};

int main(void)
{
	if (rows_open("datapath_encap"))
		return 1;
	rows_run(rows, sizeof(rows) / sizeof(rows[0]));
	rows_close();
	return test_summary();
}
