// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Datapath table: flow direction and identity. Who is the initiator, which packets
 * go to which direction, what makes two flows distinct (ESP SPI, VLAN), and the tc
 * egress program: GSO super-packets count as the wire packets they become, a flow
 * seen on both hooks is one flow, a full flow table is counted.
 */
#include "datapath_packets.h"

#define CLIENT4_HIGH "198.18.1.200"	/* sorts after SERVER4: the client is endpoint b */

static void tcp4(struct pkt *p, const char *src, uint16_t sport, const char *dst,
		 uint16_t dport, uint8_t flags, size_t payload)
{
	pkt_eth(p);
	ip4(p, src, dst);
	pkt_tcp(p, sport, dport, flags, 0);
	if (payload)
		pkt_payload(p, payload, 0);
	finish(p);
}

static void c_syn(struct pkt *p)
{
	tcp4(p, CLIENT4, CLIENT_PORT, SERVER4, SERVER_PORT, PKT_TCP_SYN, 0);
}

static void s_synack(struct pkt *p)
{
	tcp4(p, SERVER4, SERVER_PORT, CLIENT4, CLIENT_PORT, PKT_TCP_SYN | PKT_TCP_ACK, 0);
}

static void c_ack(struct pkt *p)
{
	tcp4(p, CLIENT4, CLIENT_PORT, SERVER4, SERVER_PORT, PKT_TCP_ACK, 0);
}

static void s_data(struct pkt *p)
{
	tcp4(p, SERVER4, SERVER_PORT, CLIENT4, CLIENT_PORT, PKT_TCP_ACK | PKT_TCP_PSH, 300);
}

static void c_rst(struct pkt *p)
{
	tcp4(p, CLIENT4, CLIENT_PORT, SERVER4, SERVER_PORT, PKT_TCP_RST, 0);
}

static void high_syn(struct pkt *p)
{
	tcp4(p, CLIENT4_HIGH, CLIENT_PORT, SERVER4, SERVER_PORT, PKT_TCP_SYN, 0);
}

static void high_synack(struct pkt *p)
{
	tcp4(p, SERVER4, SERVER_PORT, CLIENT4_HIGH, CLIENT_PORT, PKT_TCP_SYN | PKT_TCP_ACK, 0);
}

static void same_host_syn(struct pkt *p)
{
	tcp4(p, CLIENT4, 6000, CLIENT4, 5000, PKT_TCP_SYN, 0);
}

static void same_host_synack(struct pkt *p)
{
	tcp4(p, CLIENT4, 5000, CLIENT4, 6000, PKT_TCP_SYN | PKT_TCP_ACK, 0);
}

static void udp4(struct pkt *p, const char *src, uint16_t sport, const char *dst,
		 uint16_t dport, size_t payload)
{
	pkt_eth(p);
	ip4(p, src, dst);
	pkt_udp(p, sport, dport);
	pkt_payload(p, payload, 0);
	finish(p);
}

static void dns_query(struct pkt *p)
{
	udp4(p, CLIENT4, 53000, SERVER4, 53, 30);
}

static void dns_answer(struct pkt *p)
{
	udp4(p, SERVER4, 53, CLIENT4, 53000, 120);
}

static void icmp4(struct pkt *p, const char *src, const char *dst, uint8_t type)
{
	pkt_eth(p);
	ip4(p, src, dst);
	pkt_icmp(p, type, 0, 0x1234, 1);
	pkt_payload(p, 56, 0);
	finish(p);
}

static void echo_request(struct pkt *p)
{
	icmp4(p, CLIENT4, SERVER4, 8);
}

static void echo_reply(struct pkt *p)
{
	icmp4(p, SERVER4, CLIENT4, 0);
}

static void esp4(struct pkt *p, const char *src, const char *dst, uint32_t spi)
{
	pkt_eth(p);
	ip4(p, src, dst);
	pkt_esp(p, spi, 1);
	pkt_payload(p, 64, 0);
	finish(p);
}

static void esp_out(struct pkt *p)
{
	esp4(p, CLIENT4, SERVER4, 0x1000A);
}

static void esp_in(struct pkt *p)
{
	esp4(p, SERVER4, CLIENT4, 0x2000B);
}

static void esp_out_again(struct pkt *p)
{
	esp4(p, CLIENT4, SERVER4, 0x1000A);
}

static void syn_on_vlan(struct pkt *p, uint16_t vid)
{
	pkt_eth(p);
	pkt_vlan(p, PKT_TPID_8021Q, vid);
	syn4(p);
	finish(p);
}

static void syn_vlan10(struct pkt *p)
{
	syn_on_vlan(p, 10);
}

static void syn_vlan20(struct pkt *p)
{
	syn_on_vlan(p, 20);
}

static void v6_syn(struct pkt *p)
{
	pkt_eth(p);
	syn6(p);
	finish(p);
}

static void v6_synack(struct pkt *p)
{
	pkt_eth(p);
	pkt_ipv6(p, SERVER6, CLIENT6);
	pkt_tcp(p, SERVER_PORT, CLIENT_PORT, PKT_TCP_SYN | PKT_TCP_ACK, 0);
	finish(p);
}

#define SA (PKT_TCP_SYN | PKT_TCP_ACK)

static const struct row rows[] = {
	{ "tcp_handshake", "SYN, SYN-ACK, ACK, data: initiator is the SYN's sender; flags are "
			   "OR-ed per direction",
	  { { c_syn, 0, EW_DIR_TO_SERVER },
	    { s_synack, 0, EW_DIR_TO_CLIENT },
	    { c_ack, 0, EW_DIR_TO_SERVER },
	    { s_data, 0, EW_DIR_TO_CLIENT } },
	  { { .src = CLIENT4, .sport = CLIENT_PORT, .dst = SERVER4, .dport = SERVER_PORT,
	      .proto = IPPROTO_NUM_TCP, .tcp_flags = { SA, SA | PKT_TCP_PSH } } },
	  { { EW_CNT_PKT_FLOW, 4 }, { EW_CNT_FLOW_CREATED, 1 } } },
	{ "synack_seen_first", "capture started mid-handshake: a SYN-ACK seen first makes its "
			       "destination the initiator",
	  { { s_synack, 0, EW_DIR_TO_CLIENT },
	    { c_ack, 0, EW_DIR_TO_SERVER } },
	  { { .src = CLIENT4, .sport = CLIENT_PORT, .dst = SERVER4, .dport = SERVER_PORT,
	      .proto = IPPROTO_NUM_TCP, .tcp_flags = { PKT_TCP_ACK, SA } } },
	  { { EW_CNT_PKT_FLOW, 2 }, { EW_CNT_FLOW_CREATED, 1 } } },
	{ "client_is_endpoint_b", "the initiator sorts after the responder in the canonical key",
	  { { high_syn, 0, EW_DIR_TO_SERVER },
	    { high_synack, 0, EW_DIR_TO_CLIENT } },
	  { { .src = CLIENT4_HIGH, .sport = CLIENT_PORT, .dst = SERVER4, .dport = SERVER_PORT,
	      .proto = IPPROTO_NUM_TCP, .tcp_flags = { PKT_TCP_SYN, SA } } },
	  { { EW_CNT_PKT_FLOW, 2 }, { EW_CNT_FLOW_CREATED, 1 } } },
	{ "synack_first_client_is_endpoint_b", "SYN-ACK first, initiator sorting after responder",
	  { { high_synack, 0, EW_DIR_TO_CLIENT },
	    { high_syn, 0, EW_DIR_TO_SERVER } },
	  { { .src = CLIENT4_HIGH, .sport = CLIENT_PORT, .dst = SERVER4, .dport = SERVER_PORT,
	      .proto = IPPROTO_NUM_TCP, .tcp_flags = { PKT_TCP_SYN, SA } } },
	  { { EW_CNT_PKT_FLOW, 2 }, { EW_CNT_FLOW_CREATED, 1 } } },
	{ "same_address_ports_decide", "both endpoints on one address: the ports order the key",
	  { { same_host_syn, 0, EW_DIR_TO_SERVER },
	    { same_host_synack, 0, EW_DIR_TO_CLIENT } },
	  { { .src = CLIENT4, .sport = 6000, .dst = CLIENT4, .dport = 5000,
	      .proto = IPPROTO_NUM_TCP, .tcp_flags = { PKT_TCP_SYN, SA } } },
	  { { EW_CNT_PKT_FLOW, 2 }, { EW_CNT_FLOW_CREATED, 1 } } },
	{ "syn_then_rst", "flags accumulate: SYN then RST from the client",
	  { { c_syn, 0, EW_DIR_TO_SERVER },
	    { c_rst, 0, EW_DIR_TO_SERVER } },
	  { { .src = CLIENT4, .sport = CLIENT_PORT, .dst = SERVER4, .dport = SERVER_PORT,
	      .proto = IPPROTO_NUM_TCP, .tcp_flags = { PKT_TCP_SYN | PKT_TCP_RST, 0 } } },
	  { { EW_CNT_PKT_FLOW, 2 }, { EW_CNT_FLOW_CREATED, 1 } } },
	{ "ipv6_handshake", "IPv6 SYN and SYN-ACK",
	  { { v6_syn, 0, EW_DIR_TO_SERVER },
	    { v6_synack, 0, EW_DIR_TO_CLIENT } },
	  { { .src = CLIENT6, .sport = CLIENT_PORT, .dst = SERVER6, .dport = SERVER_PORT,
	      .proto = IPPROTO_NUM_TCP, .tcp_flags = { PKT_TCP_SYN, SA } } },
	  { { EW_CNT_PKT_FLOW, 2 }, { EW_CNT_FLOW_CREATED, 1 } } },
	{ "udp_reply", "UDP: the first sender is the initiator; the answer goes to_client",
	  { { dns_query, 0, EW_DIR_TO_SERVER },
	    { dns_answer, 0, EW_DIR_TO_CLIENT } },
	  { { .src = CLIENT4, .sport = 53000, .dst = SERVER4, .dport = 53,
	      .proto = IPPROTO_NUM_UDP } },
	  { { EW_CNT_PKT_FLOW, 2 }, { EW_CNT_FLOW_CREATED, 1 } } },
	{ "udp_answer_seen_first", "UDP has no handshake: whoever is seen first is the "
				   "initiator, even a server's answer (mid-stream capture)",
	  { { dns_answer, 0, EW_DIR_TO_SERVER },
	    { dns_query, 0, EW_DIR_TO_CLIENT } },
	  { { .src = SERVER4, .sport = 53, .dst = CLIENT4, .dport = 53000,
	      .proto = IPPROTO_NUM_UDP } },
	  { { EW_CNT_PKT_FLOW, 2 }, { EW_CNT_FLOW_CREATED, 1 } } },
	{ "icmp_echo_and_reply", "echo request and reply are one flow (ports 0); the type of "
				 "the first packet is recorded, and each way's echo messages in "
				 "its flag byte (the flood detector: who only answers)",
	  { { echo_request, 0, EW_DIR_TO_SERVER },
	    { echo_reply, 0, EW_DIR_TO_CLIENT } },
	  { { .src = CLIENT4, .dst = SERVER4, .proto = IPPROTO_NUM_ICMP, .icmp_type = 8,
	      .tcp_flags = { EW_ICMP_SENT_ECHO_REQUEST, EW_ICMP_SENT_ECHO_REPLY } } },
	  { { EW_CNT_PKT_FLOW, 2 }, { EW_CNT_FLOW_CREATED, 1 } } },
	{ "esp_two_spis", "each ESP security association is its own flow: outbound and "
			  "inbound SPIs give two flows, each with its own initiator",
	  { { esp_out, 0, EW_DIR_TO_SERVER },
	    { esp_in, 1, EW_DIR_TO_SERVER },
	    { esp_out_again, 0, EW_DIR_TO_SERVER } },
	  { { .src = CLIENT4, .dst = SERVER4, .proto = IPPROTO_NUM_ESP, .spi = 0x1000A,
	      .encap = ENCAP(ESP) },
	    { .src = SERVER4, .dst = CLIENT4, .proto = IPPROTO_NUM_ESP, .spi = 0x2000B,
	      .encap = ENCAP(ESP) } },
	  { { EW_CNT_PKT_FLOW, 3 }, { EW_CNT_FLOW_CREATED, 2 }, { EW_CNT_ENCAP_ESP, 3 } } },
	{ "same_tuple_two_vlans", "the same 5-tuple on two VLANs is two flows",
	  { { syn_vlan10, 0, EW_DIR_TO_SERVER },
	    { syn_vlan20, 1, EW_DIR_TO_SERVER } },
	  { { SYN4_FLOW, .vlan = { 10 }, .encap = ENCAP(VLAN) },
	    { SYN4_FLOW, .vlan = { 20 }, .encap = ENCAP(VLAN) } },
	  { { EW_CNT_PKT_FLOW, 2 }, { EW_CNT_FLOW_CREATED, 2 }, { EW_CNT_ENCAP_VLAN, 2 } } },
};

/* ---- tc egress ------------------------------------------------------------------ */

static void vxlan_data(struct pkt *p, size_t payload)
{
	outer4(p);
	pkt_udp(p, TUNNEL_SPORT, 4789);
	pkt_vxlan(p, 7);
	pkt_eth(p);
	ip4(p, CLIENT4, SERVER4);
	pkt_tcp(p, CLIENT_PORT, SERVER_PORT, PKT_TCP_ACK | PKT_TCP_PSH, 12);
	pkt_payload(p, payload, 0);
	pkt_finish(p);
}

/* Counter deltas and the flow after one tc run; want_* are per counter. */
static void run_tc_case(struct test_case *t, struct pkt *p, uint32_t segs, uint32_t seg_size,
			uint64_t want_pkts, uint64_t want_bytes, enum ew_counter encap, bool ipv6)
{
	uint64_t want[EW_HOOK_MAX][EW_CNT_MAX] = {};
	struct ew_counters before, after;
	struct flow_record rec;
	struct flow_key key;
	uint32_t verdict = ~0u;
	bool src_is_a;
	int err;

	CHECK(t, pkt_ok(p), "the builder failed");
	CHECK(t, dp_reset(&row_dp) == 0 && dp_counters(&row_dp, &before) == 0, "setup");
	err = dp_run_tc(&row_dp, p->data, p->len, segs, seg_size, row_time_ns(&rows[0], 0),
			&verdict);
	CHECK(t, err == 0, "BPF_PROG_TEST_RUN: %s", strerror(-err));
	CHECK(t, verdict == 0, "verdict %u, want TC_ACT_OK", verdict);
	CHECK(t, dp_counters(&row_dp, &after) == 0, "cannot read the counters");
	CHECK(t, check_one_packet(t, &before, &after, EW_HOOK_TC_EGRESS, want_pkts) ==
			 EW_CNT_PKT_FLOW, "outcome");
	want[EW_HOOK_TC_EGRESS][EW_CNT_PKT_SEEN] = want_pkts;
	want[EW_HOOK_TC_EGRESS][EW_CNT_PKT_FLOW] = want_pkts;
	want[EW_HOOK_TC_EGRESS][EW_CNT_VERDICT_PASS] = want_pkts;
	want[EW_HOOK_TC_EGRESS][EW_CNT_FLOW_CREATED] = 1;
	if (encap)
		want[EW_HOOK_TC_EGRESS][encap] = want_pkts;
	check_counter_deltas(t, &before, &after, want);

	CHECK(t, dp_flow_key(&key, &src_is_a, ipv6 ? CLIENT6 : CLIENT4, CLIENT_PORT,
			     ipv6 ? SERVER6 : SERVER4, SERVER_PORT, IPPROTO_NUM_TCP) == 0, "key");
	CHECK(t, dp_flow_get(&row_dp, &key, &rec) == 0, "flow not in the table");
	EXPECT(t, rec.first_hook == EW_HOOK_TC_EGRESS, "first_hook %u", rec.first_hook);
	EXPECT(t, rec.packets[0] == want_pkts && rec.packets[1] == 0, "packets %llu/%llu",
	       (unsigned long long)rec.packets[0], (unsigned long long)rec.packets[1]);
	EXPECT(t, rec.bytes[0] == want_bytes && rec.bytes[1] == 0,
	       "bytes %llu/%llu, want %llu (%u bytes + %llu x replicated headers)",
	       (unsigned long long)rec.bytes[0], (unsigned long long)rec.bytes[1],
	       (unsigned long long)want_bytes, (unsigned)p->len,
	       (unsigned long long)want_pkts - 1);
}

/* A TSO super-packet of 3 x 1000 bytes of TCP payload (the last segment shorter). */
static void test_tc_gso_tcp(struct test_case *t)
{
	struct pkt p;
	size_t headers = 14 + 20 + 20;

	pkt_init(&p);
	pkt_eth(&p);
	ip4(&p, CLIENT4, SERVER4);
	pkt_tcp(&p, CLIENT_PORT, SERVER_PORT, PKT_TCP_ACK, 0);
	pkt_payload(&p, 2500, 0);
	pkt_finish(&p);
	run_tc_case(t, &p, 3, 1000, 3, p.len + 2 * headers, 0, false);
}

/* A GSO packet through a VXLAN tunnel (UDP tunnel GSO): the outer and the inner headers
 * are replicated, and each wire packet carries the encapsulation. */
static void test_tc_gso_vxlan(struct test_case *t)
{
	struct pkt p;
	size_t headers = 14 + 20 + 8 + 8 + 14 + 20 + 32;

	pkt_init(&p);
	vxlan_data(&p, 2800);
	run_tc_case(t, &p, 4, 700, 4, p.len + 3 * headers, EW_CNT_ENCAP_VXLAN, false);
}

/*
 * BIG TCP (Linux 6.3+ with gso_max_size / gso_ipv4_max_size above 64 KiB): a GSO packet
 * too long for the length field says 0 there (IPv4 total length, IPv6 payload length);
 * its length is the skb's. A short one stands in for it here: the test run's skb has
 * room for 3.5 KiB, and the parser only looks at the field.
 */
static void test_tc_big_tcp(struct test_case *t, bool ipv6)
{
	struct pkt p;
	size_t headers = 14 + (ipv6 ? 40 : 20) + 20;
	struct pkt_layer *ip;

	pkt_init(&p);
	pkt_eth(&p);
	if (ipv6)
		pkt_ipv6(&p, CLIENT6, SERVER6);
	else
		ip4(&p, CLIENT4, SERVER4);
	pkt_tcp(&p, CLIENT_PORT, SERVER_PORT, PKT_TCP_ACK, 0);
	pkt_payload(&p, 3000, 0);
	pkt_finish(&p);
	ip = pkt_find(&p, ipv6 ? PKT_IPV6 : PKT_IPV4, 0);
	CHECK(t, ip != NULL, "no IP header");
	pkt_hdr(&p, ip)[ipv6 ? 4 : 2] = 0;
	pkt_hdr(&p, ip)[ipv6 ? 5 : 3] = 0;
	run_tc_case(t, &p, 3, 1000, 3, p.len + 2 * headers, 0, ipv6);
}

static void test_tc_big_tcp_ipv4(struct test_case *t)
{
	test_tc_big_tcp(t, false);
}

static void test_tc_big_tcp_ipv6(struct test_case *t)
{
	test_tc_big_tcp(t, true);
}

/* gso_segs 1 (or 0): an ordinary packet, counted once with its own length. */
static void test_tc_not_gso(struct test_case *t)
{
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p);
	ip4(&p, CLIENT4, SERVER4);
	pkt_tcp(&p, CLIENT_PORT, SERVER_PORT, PKT_TCP_ACK, 0);
	pkt_payload(&p, 100, 0);
	pkt_finish(&p);
	run_tc_case(t, &p, 1, 0, 1, p.len, 0, false);
}

/*
 * The gateway's own connection: its SYN leaves through tc egress, the SYN-ACK comes in
 * through XDP. One flow, opened on egress, the gateway its initiator.
 */
static void test_egress_then_ingress(struct test_case *t)
{
	struct pkt syn, synack;
	struct flow_record rec;
	struct flow_key key;
	uint32_t verdict;
	bool src_is_a;

	pkt_init(&syn);
	c_syn(&syn);
	pkt_init(&synack);
	s_synack(&synack);
	CHECK(t, pkt_ok(&syn) && pkt_ok(&synack), "the builder failed");
	CHECK(t, dp_reset(&row_dp) == 0, "setup");
	CHECK(t, dp_run_tc(&row_dp, syn.data, syn.len, 0, 0, row_time_ns(&rows[0], 0),
			   &verdict) == 0, "tc run");
	CHECK(t, dp_run_xdp(&row_dp, synack.data, synack.len, row_time_ns(&rows[0], 1),
			    &verdict) == 0, "xdp run");
	CHECK(t, dp_flow_count(&row_dp) == 1, "%d flows, want 1", dp_flow_count(&row_dp));
	CHECK(t, dp_flow_key(&key, &src_is_a, CLIENT4, CLIENT_PORT, SERVER4, SERVER_PORT,
			     IPPROTO_NUM_TCP) == 0, "key");
	CHECK(t, dp_flow_get(&row_dp, &key, &rec) == 0, "flow not in the table");
	EXPECT(t, rec.first_hook == EW_HOOK_TC_EGRESS, "first_hook %u", rec.first_hook);
	EXPECT(t, rec.initiator == (src_is_a ? 0 : 1), "initiator %u", rec.initiator);
	EXPECT(t, rec.packets[0] == 1 && rec.packets[1] == 1, "packets %llu/%llu",
	       (unsigned long long)rec.packets[0], (unsigned long long)rec.packets[1]);
	EXPECT(t, rec.bytes[0] == syn.len && rec.bytes[1] == synack.len, "bytes");
	EXPECT(t, rec.tcp_flags[0] == PKT_TCP_SYN && rec.tcp_flags[1] == SA, "flags");
	EXPECT(t, rec.first_seen_ns == row_time_ns(&rows[0], 0) &&
			  rec.last_seen_ns == row_time_ns(&rows[0], 1),
	       "first/last seen");
}

/* Each flow has its own sequence number (userspace's flow_id derives from it). */
static void test_flow_seq_unique(struct test_case *t)
{
	struct flow_record recs[2];
	struct pkt a, b;
	uint32_t verdict;

	pkt_init(&a);
	syn_vlan10(&a);
	pkt_init(&b);
	syn_vlan20(&b);
	CHECK(t, dp_reset(&row_dp) == 0, "setup");
	CHECK(t, dp_run_xdp(&row_dp, a.data, a.len, 1, &verdict) == 0 &&
			 dp_run_xdp(&row_dp, b.data, b.len, 2, &verdict) == 0,
	      "xdp run");
	CHECK(t, dp_flow_list(&row_dp, NULL, recs, 2) == 2, "want 2 flows");
	EXPECT(t, recs[0].flow_seq != recs[1].flow_seq, "both flows have flow_seq %llu",
	       (unsigned long long)recs[0].flow_seq);
}

/* A full flow table refuses new flows and counts them; existing flows keep counting. */
static void test_flow_table_full(struct test_case *t)
{
	uint64_t want[EW_HOOK_MAX][EW_CNT_MAX] = {};
	struct ew_counters before, after;
	struct dp small;
	struct pkt p;
	uint32_t verdict;
	char client[32];
	int i, err;

	CHECK(t, dp_open(&small, &(struct dp_options){ .flow_table_size = 4 }) == 0,
	      "cannot load a datapath with a 4-flow table");
	err = dp_counters(&small, &before);
	for (i = 0; i < 6 && !err; i++) {
		/* 5 distinct flows, then the first one again */
		snprintf(client, sizeof(client), "198.18.2.%d", i < 5 ? i + 1 : 1);
		pkt_init(&p);
		pkt_eth(&p);
		ip4(&p, client, SERVER4);
		pkt_tcp(&p, CLIENT_PORT, SERVER_PORT, PKT_TCP_SYN, 0);
		finish(&p);
		err = dp_run_xdp(&small, p.data, p.len, row_time_ns(&rows[0], i), &verdict);
		err = err ? err : dp_counters(&small, &after);
		if (!err && check_one_packet(t, &before, &after, EW_HOOK_XDP_INGRESS, 1) < 0)
			err = -1;
		before = after;
	}
	if (!err) {
		EXPECT(t, dp_flow_count(&small) == 4, "%d flows, want 4", dp_flow_count(&small));
		CHECK(t, dp_counters(&small, &after) == 0, "counters");
		memset(&before, 0, sizeof(before));
		want[EW_HOOK_XDP_INGRESS][EW_CNT_PKT_SEEN] = 6;
		want[EW_HOOK_XDP_INGRESS][EW_CNT_VERDICT_PASS] = 6;
		want[EW_HOOK_XDP_INGRESS][EW_CNT_PKT_FLOW] = 5;
		want[EW_HOOK_XDP_INGRESS][EW_CNT_FLOW_CREATED] = 4;
		want[EW_HOOK_XDP_INGRESS][EW_CNT_PKT_FLOW_TABLE_FULL] = 1;
		/* the live flood counts: one destination (test_flood_live.c) */
		want[EW_HOOK_XDP_INGRESS][EW_CNT_FLOOD_DEST_CREATED] = 1;
		check_counter_deltas(t, &before, &after, want);
	}
	dp_close(&small);
	CHECK(t, err == 0, "run failed: %d", err);
}

int main(void)
{
	if (rows_open("datapath_flows"))
		return 1;
	rows_run(rows, sizeof(rows) / sizeof(rows[0]));
	RUN(test_tc_gso_tcp);
	RUN(test_tc_gso_vxlan);
	RUN(test_tc_not_gso);
	RUN(test_tc_big_tcp_ipv4);
	RUN(test_tc_big_tcp_ipv6);
	RUN(test_egress_then_ingress);
	RUN(test_flow_seq_unique);
	RUN(test_flow_table_full);
	rows_close();
	return test_summary();
}
