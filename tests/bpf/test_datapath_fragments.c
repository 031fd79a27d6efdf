// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Datapath table: IP fragments. Non-first fragments carry no L4 header; they must be
 * counted in the flow their first fragment opened (frags map), or as
 * EW_CNT_PKT_FRAG_FIRST_MISSING when that first fragment was never seen (held until
 * it comes: test_datapath_frag_pending.c).
 */
#include "fragment_packets.h"

/* Starts at byte 32, inside the first fragment's 40 bytes: an overlap. */
static void v4_overlap(struct pkt *p)
{
	pkt_eth(p);
	frag4(p, 32, false);
	pkt_payload_as(p, 6, 30);
	finish(p);
}

/*
 * The first fragment as a capture with a short snap length holds it: the frame ends 10
 * bytes into the TCP header, while the IP header says 40 bytes of payload follow.
 */
static void v4_first_cut_by_capture(struct pkt *p)
{
	v4_first(p);
	p->len -= 20 + 10;	/* the 20 bytes of data and the last 10 of the TCP header */
}

static void v4_last_on_vlan(struct pkt *p)
{
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021Q, 20);
	frag4(p, 80, false);
	pkt_payload_as(p, 6, 30);
	finish(p);
}

static void v4_first_on_vlan(struct pkt *p)
{
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021Q, 10);
	frag4(p, 0, true);
	pkt_tcp(p, CLIENT_PORT, SERVER_PORT, PKT_TCP_SYN, 0);
	pkt_payload(p, 20, 0);
	finish(p);
}

/*
 * The classic tiny fragment (RFC 1858): the first fragment holds only 8 bytes of the
 * TCP header (ports and sequence number, no flags); the frame is padded to 60 bytes,
 * so the padding sits where the rest of the TCP header would be.
 */
static void v4_tiny_first(struct pkt *p)
{
	struct pkt_layer *tcp;

	pkt_eth(p);
	frag4(p, 0, true);
	pkt_payload_as(p, 6, 8);
	tcp = pkt_find(p, PKT_PAYLOAD, 0);
	if (tcp) {
		pkt_hdr(p, tcp)[0] = CLIENT_PORT >> 8;
		pkt_hdr(p, tcp)[1] = CLIENT_PORT & 0xFF;
		pkt_hdr(p, tcp)[2] = SERVER_PORT >> 8;
		pkt_hdr(p, tcp)[3] = SERVER_PORT & 0xFF;
	}
	finish(p);
}

/* The rest of the TCP header (flags included) and data, at offset 8. */
static void v4_tiny_rest(struct pkt *p)
{
	pkt_eth(p);
	frag4(p, 8, false);
	pkt_payload_as(p, 6, 40);
	finish(p);
}


static void v6_hbh_first(struct pkt *p)
{
	pkt_eth(p);
	pkt_ipv6(p, CLIENT6, SERVER6);
	pkt_ipv6_ext(p, PKT_IPV6_HOPOPTS, 0);
	pkt_ipv6_frag(p, 0, true, FRAG6_ID);
	pkt_ipv6_ext(p, PKT_IPV6_DSTOPTS, 0);
	pkt_udp(p, 53000, 53);
	pkt_payload(p, 16, 0);	/* 8 + 8 + 16 = 32 bytes: a multiple of 8 */
	finish(p);
}

static void v6_hbh_last(struct pkt *p)
{
	pkt_eth(p);
	pkt_ipv6(p, CLIENT6, SERVER6);
	pkt_ipv6_ext(p, PKT_IPV6_HOPOPTS, 0);
	pkt_ipv6_frag(p, 32, false, FRAG6_ID);
	pkt_payload_as(p, 60, 100);	/* the fragment header names the first fragmentable
					 * header (dstopts) in every fragment */
	finish(p);
}

/*
 * RFC 7112 says the whole header chain must be in the first fragment; an evader splits
 * it: the first fragment ends inside a destination options header.
 */
static void v6_split_chain_first(struct pkt *p)
{
	v6_frag(p, 0, true);
	pkt_ipv6_ext(p, PKT_IPV6_DSTOPTS, 2);	/* 24 bytes, only 16 in this fragment */
	pkt_tcp(p, CLIENT_PORT, SERVER_PORT, PKT_TCP_SYN, 0);
	pkt_finish(p);
	if (pkt_ok(p)) {
		/* the datagram (and frame) ends 16 bytes into the options */
		uint8_t *ip6 = pkt_hdr(p, pkt_find(p, PKT_IPV6, 0));

		p->len = pkt_find(p, PKT_IPV6_DSTOPTS, 0)->off + 16;
		ip6[4] = 0;
		ip6[5] = 8 + 16;
	}
}

static void v6_split_chain_rest(struct pkt *p)
{
	v6_frag(p, 16, false);
	pkt_payload_as(p, 60, 28);
	finish(p);
}

static void v6_atomic(struct pkt *p)
{
	/* RFC 6946 atomic fragment: offset 0, M 0: a whole datagram */
	v6_frag(p, 0, false);
	pkt_udp(p, 53000, 53);
	pkt_payload(p, 20, 0);
	finish(p);
}

/* An outer IPv4 datagram carrying GRE, fragmented by the path: the inner flow's
 * headers are in the first fragment only. */
static void gre_outer_first(struct pkt *p)
{
	pkt_eth(p);
	pkt_ipv4(p, &(struct pkt_ipv4){ .src = OUTER_A, .dst = OUTER_B, .id = 0x77,
					 .more_fragments = true });
	pkt_gre(p, &(struct pkt_gre){ .key_present = true, .key = 5 });
	/* inner datagram: its total length covers data that is in the next fragment */
	ip4(p, CLIENT4, SERVER4);
	pkt_tcp(p, CLIENT_PORT, SERVER_PORT, PKT_TCP_ACK | PKT_TCP_PSH, 0);
	pkt_payload(p, 1392, 0);	/* 8 + 20 + 20 + 1392 = 1440 */
	pkt_finish(p);
	/* the inner IPv4 header claims the whole inner datagram, 200 bytes more */
	if (pkt_ok(p)) {
		uint8_t *inner = pkt_hdr(p, pkt_find(p, PKT_IPV4, 1));
		uint16_t tot = ((inner[2] << 8) | inner[3]) + 200;

		inner[2] = tot >> 8;
		inner[3] = tot & 0xFF;
	}
}

static void gre_outer_rest(struct pkt *p)
{
	pkt_eth(p);
	pkt_ipv4(p, &(struct pkt_ipv4){ .src = OUTER_A, .dst = OUTER_B, .id = 0x77,
					 .frag_offset = 1440, .proto = 47 });
	pkt_payload(p, 200, 0);
	finish(p);
}

/* VXLAN carrying a fragmented inner datagram (the outer UDP is whole). */
static void vxlan_inner(struct pkt *p, uint16_t offset, bool more)
{
	outer4(p);
	pkt_udp(p, TUNNEL_SPORT, 4789);
	pkt_vxlan(p, 31);
	pkt_eth(p);
	frag4(p, offset, more);
}

static void vxlan_inner_first(struct pkt *p)
{
	vxlan_inner(p, 0, true);
	pkt_udp(p, 53000, 53);
	pkt_payload(p, 32, 0);
	finish(p);
}

static void vxlan_inner_last(struct pkt *p)
{
	vxlan_inner(p, 40, false);
	pkt_payload_as(p, 17, 50);
	finish(p);
}


static const struct row rows[] = {
	{ "ipv4_first_then_rest", "first, middle, last fragment: all three in the flow",
	  { { v4_first, 0, EW_DIR_TO_SERVER },
	    { v4_middle, 0, EW_DIR_TO_SERVER },
	    { v4_last, 0, EW_DIR_TO_SERVER } },
	  { { FRAG_TCP_FLOW } },
	  { { EW_CNT_PKT_FLOW, 3 }, { EW_CNT_FLOW_CREATED, 1 }, { EW_CNT_FRAG_TRACKED, 1 },
	    { EW_CNT_FRAG_ATTRIBUTED, 2 }, { EW_CNT_ENCAP_FRAGMENT, 3 } } },
	{ "ipv4_follower_timestamp_before_first", "a capture from several queues is not quite in "
						  "time order: a follower stamped 0.5 s before "
						  "its first fragment still belongs to it",
	  { { v4_first, 0, EW_DIR_TO_SERVER },
	    { v4_last, 0, EW_DIR_TO_SERVER, -SECONDS(1) - SECONDS(1) / 2 } },
	  { { FRAG_TCP_FLOW } },
	  { { EW_CNT_PKT_FLOW, 2 }, { EW_CNT_FLOW_CREATED, 1 }, { EW_CNT_FRAG_TRACKED, 1 },
	    { EW_CNT_FRAG_ATTRIBUTED, 1 }, { EW_CNT_ENCAP_FRAGMENT, 2 } } },
	{ "ipv4_follower_after_timeout", "a follower 61 s after its first fragment: the "
					 "reassembly window (60 s) is over, FRAG_FIRST_MISSING "
					 "(held, for a first fragment of a newer datagram "
					 "with its id)",
	  { { v4_first, 0, EW_DIR_TO_SERVER },
	    { v4_last, NO_FLOW, EW_DIR_TO_SERVER, SECONDS(60), .held = true } },
	  { { FRAG_TCP_FLOW } },
	  { { EW_CNT_PKT_FLOW, 1 }, { EW_CNT_FLOW_CREATED, 1 }, { EW_CNT_FRAG_TRACKED, 1 },
	    { EW_CNT_PKT_FRAG_FIRST_MISSING, 1 }, { EW_CNT_ENCAP_FRAGMENT, 2 },
	    { EW_CNT_FRAG_PENDING_HELD, 1 } } },
	{ "ipv4_fragment_other_vlan", "same addresses and id on another VLAN is another "
				      "datagram: FRAG_FIRST_MISSING, held for a first "
				      "fragment of its own",
	  { { v4_first_on_vlan, 0, EW_DIR_TO_SERVER },
	    { v4_last_on_vlan, NO_FLOW, .held = true } },
	  { { .src = CLIENT4, .sport = CLIENT_PORT, .dst = SERVER4, .dport = SERVER_PORT,
	      .proto = IPPROTO_NUM_TCP, .tcp_flags = { PKT_TCP_SYN, 0 }, .vlan = { 10 },
	      .encap = ENCAP(FRAGMENT) | ENCAP(VLAN), .flags = EW_FLOW_F_FRAGMENTED } },
	  { { EW_CNT_PKT_FLOW, 1 }, { EW_CNT_FLOW_CREATED, 1 }, { EW_CNT_FRAG_TRACKED, 1 },
	    { EW_CNT_PKT_FRAG_FIRST_MISSING, 1 }, { EW_CNT_ENCAP_FRAGMENT, 2 },
	    { EW_CNT_ENCAP_VLAN, 2 }, { EW_CNT_FRAG_PENDING_HELD, 1 } } },
	{ "ipv4_duplicate_first", "a repeated first fragment counts again in the same flow, and "
				  "overlaps its first copy (the datagram could be reassembled "
				  "from either): the flow is flagged FRAG_OVERLAP",
	  { { v4_first, 0, EW_DIR_TO_SERVER },
	    { v4_first, 0, EW_DIR_TO_SERVER },
	    { v4_last, 0, EW_DIR_TO_SERVER } },
	  { { FRAG_TCP_FLOW | EW_FLOW_F_FRAG_OVERLAP } },
	  { { EW_CNT_PKT_FLOW, 3 }, { EW_CNT_FLOW_CREATED, 1 }, { EW_CNT_FRAG_TRACKED, 1 },
	    { EW_CNT_FRAG_OVERLAP, 1 }, { EW_CNT_FRAG_ATTRIBUTED, 1 },
	    { EW_CNT_ENCAP_FRAGMENT, 3 } } },
	{ "ipv4_overlapping_follower", "a follower whose data overlaps the first fragment's: "
				       "counted in the flow, flagged FRAG_OVERLAP",
	  { { v4_first, 0, EW_DIR_TO_SERVER },
	    { v4_overlap, 0, EW_DIR_TO_SERVER } },
	  { { FRAG_TCP_FLOW | EW_FLOW_F_FRAG_OVERLAP } },
	  { { EW_CNT_PKT_FLOW, 2 }, { EW_CNT_FLOW_CREATED, 1 }, { EW_CNT_FRAG_TRACKED, 1 },
	    { EW_CNT_FRAG_OVERLAP, 1 }, { EW_CNT_FRAG_ATTRIBUTED, 1 },
	    { EW_CNT_ENCAP_FRAGMENT, 2 } } },
	{ "ipv4_tiny_first_fragment", "a first fragment with 8 bytes of TCP header (padded frame): "
				      "no trustworthy ports, so a portless flow flagged "
				      "TINY_FRAGMENT; the rest of the datagram follows it there",
	  { { v4_tiny_first, 0, EW_DIR_TO_SERVER },
	    { v4_tiny_rest, 0, EW_DIR_TO_SERVER } },
	  { { .src = CLIENT4, .dst = SERVER4, .proto = IPPROTO_NUM_TCP, .encap = ENCAP(FRAGMENT),
	      .flags = EW_FLOW_F_FRAGMENTED | EW_FLOW_F_TINY_FRAGMENT } },
	  { { EW_CNT_PKT_FLOW, 2 }, { EW_CNT_FLOW_CREATED, 1 }, { EW_CNT_FRAG_TRACKED, 1 },
	    { EW_CNT_FRAG_ATTRIBUTED, 1 }, { EW_CNT_FRAG_TINY_FIRST, 1 },
	    { EW_CNT_ENCAP_FRAGMENT, 2 } } },
	{ "ipv4_first_fragment_cut_by_capture", "a first fragment whose FRAME ends inside the TCP "
					       "header (a capture's snap length) is a truncated "
					       "packet, not a tiny fragment: its datagram is long "
					       "enough, so no evasion flag and no flow",
	  { { v4_first_cut_by_capture, NO_FLOW } },
	  { },
	  { { EW_CNT_PKT_TRUNC_L4, 1 }, { EW_CNT_ENCAP_FRAGMENT, 1 } } },
	{ "ipv6_first_then_rest", "IPv6 fragment header: first with UDP ports, then the rest",
	  { { v6_first, 0, EW_DIR_TO_SERVER },
	    { v6_last, 0, EW_DIR_TO_SERVER } },
	  { { FRAG6_UDP_FLOW } },
	  { { EW_CNT_PKT_FLOW, 2 }, { EW_CNT_FLOW_CREATED, 1 }, { EW_CNT_FRAG_TRACKED, 1 },
	    { EW_CNT_FRAG_ATTRIBUTED, 1 }, { EW_CNT_ENCAP_FRAGMENT, 2 },
	    { EW_CNT_ENCAP_IPV6_EXT, 2 } } },
	{ "ipv6_fragments_between_ext_headers", "hop-by-hop before the fragment header, "
						"destination options after it",
	  { { v6_hbh_first, 0, EW_DIR_TO_SERVER },
	    { v6_hbh_last, 0, EW_DIR_TO_SERVER } },
	  { { FRAG6_UDP_FLOW } },
	  { { EW_CNT_PKT_FLOW, 2 }, { EW_CNT_FLOW_CREATED, 1 }, { EW_CNT_FRAG_TRACKED, 1 },
	    { EW_CNT_FRAG_ATTRIBUTED, 1 }, { EW_CNT_ENCAP_FRAGMENT, 2 },
	    { EW_CNT_ENCAP_IPV6_EXT, 2 } } },
	{ "ipv6_header_chain_split", "first fragment ends inside the extension header chain "
				     "(RFC 7112 evasion): tiny, portless, and keyed on the "
				     "protocol the fragment header names (60, dstopts): the L4 "
				     "protocol is not in the packet",
	  { { v6_split_chain_first, 0, EW_DIR_TO_SERVER },
	    { v6_split_chain_rest, 0, EW_DIR_TO_SERVER } },
	  { { .src = CLIENT6, .dst = SERVER6, .proto = 60,
	      .encap = ENCAP(IPV6_EXT) | ENCAP(FRAGMENT),
	      .flags = EW_FLOW_F_FRAGMENTED | EW_FLOW_F_TINY_FRAGMENT } },
	  { { EW_CNT_PKT_FLOW, 2 }, { EW_CNT_FLOW_CREATED, 1 }, { EW_CNT_FRAG_TRACKED, 1 },
	    { EW_CNT_FRAG_ATTRIBUTED, 1 }, { EW_CNT_FRAG_TINY_FIRST, 1 },
	    { EW_CNT_ENCAP_FRAGMENT, 2 }, { EW_CNT_ENCAP_IPV6_EXT, 2 } } },
	{ "ipv6_atomic_fragment", "offset 0 and M 0 is a whole datagram: not fragmented, "
				  "nothing tracked",
	  ONE_PACKET(v6_atomic),
	  { { .src = CLIENT6, .sport = 53000, .dst = SERVER6, .dport = 53,
	      .proto = IPPROTO_NUM_UDP, .encap = ENCAP(IPV6_EXT) } },
	  { NEW_FLOW, { EW_CNT_ENCAP_IPV6_EXT, 1 } } },
	{ "vxlan_inner_fragments", "a fragmented datagram inside VXLAN: the inner follower "
				   "finds its first fragment's flow",
	  { { vxlan_inner_first, 0, EW_DIR_TO_SERVER },
	    { vxlan_inner_last, 0, EW_DIR_TO_SERVER } },
	  { { .src = CLIENT4, .sport = 53000, .dst = SERVER4, .dport = 53,
	      .proto = IPPROTO_NUM_UDP, .encap = ENCAP(VXLAN) | ENCAP(FRAGMENT), .tunnel_id = 31,
	      .outer_src = OUTER_A, .outer_dst = OUTER_B, .flags = EW_FLOW_F_FRAGMENTED } },
	  { { EW_CNT_PKT_FLOW, 2 }, { EW_CNT_FLOW_CREATED, 1 }, { EW_CNT_FRAG_TRACKED, 1 },
	    { EW_CNT_FRAG_ATTRIBUTED, 1 }, { EW_CNT_ENCAP_FRAGMENT, 2 },
	    { EW_CNT_ENCAP_VXLAN, 2 } } },
	{ "gre_outer_fragments", "outer IPv4 fragmented on the path: the follower (no GRE "
				 "header) lands in the inner flow its first fragment opened",
	  { { gre_outer_first, 0, EW_DIR_TO_SERVER },
	    { gre_outer_rest, 0, EW_DIR_TO_SERVER } },
	  { { .src = CLIENT4, .sport = CLIENT_PORT, .dst = SERVER4, .dport = SERVER_PORT,
	      .proto = IPPROTO_NUM_TCP, .tcp_flags = { PKT_TCP_ACK | PKT_TCP_PSH, 0 },
	      .encap = ENCAP(GRE) | ENCAP(FRAGMENT), .tunnel_id = 5,
	      .outer_src = OUTER_A, .outer_dst = OUTER_B, .flags = EW_FLOW_F_FRAGMENTED } },
	  { { EW_CNT_PKT_FLOW, 2 }, { EW_CNT_FLOW_CREATED, 1 }, { EW_CNT_FRAG_TRACKED, 1 },
	    { EW_CNT_FRAG_ATTRIBUTED, 1 }, { EW_CNT_ENCAP_FRAGMENT, 2 },
	    { EW_CNT_ENCAP_GRE, 1 } } },
};

int main(void)
{
	if (rows_open("datapath_fragments"))
		return 1;
	rows_run(rows, sizeof(rows) / sizeof(rows[0]));
	rows_close();
	return test_summary();
}
