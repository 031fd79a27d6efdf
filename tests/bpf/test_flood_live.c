// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The live flood counts in the kernel (datapath.h, "Live flood counts"), through the
 * real programs: new flows per destination and class in flood_dests (table-full ones
 * too), the handshakes completed toward it, what never counts (answers, mid-stream
 * pick-ups, an established flow's packets), and the sweeper's hot-flow reports
 * (EW_SWEEP_F_HOT) on hot_flows: a fast UDP or ICMP flow is reported, a slow one, a
 * short one or a TCP one is not.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.skel.h"
#include "../support/packet_builder.h"
#include "../support/packet_runner.h"
#include "../support/test.h"

#define NS 1000000000ULL
#define MS 1000000ULL
#define T0 (1700000000ULL * NS)
#define SERVER4 "198.18.7.1"
#define OTHER4 "198.18.7.2"
#define HOT_PKTS 1000

static struct dp live_dp;

static int send_tcp(struct dp *dp, const char *src, const char *dst, uint16_t sport,
		    uint16_t dport, uint8_t flags, uint64_t now)
{
	uint32_t verdict;
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p);
	pkt_ipv4(&p, &(struct pkt_ipv4){ .src = src, .dst = dst });
	pkt_tcp(&p, sport, dport, flags, 0);
	pkt_finish(&p);
	pkt_pad(&p, 60);
	return dp_run_xdp(dp, p.data, p.len, now, &verdict);
}

static int send_udp(struct dp *dp, const char *src, const char *dst, uint16_t sport,
		    uint16_t dport, uint64_t now)
{
	uint32_t verdict;
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p);
	pkt_ipv4(&p, &(struct pkt_ipv4){ .src = src, .dst = dst });
	pkt_udp(&p, sport, dport);
	pkt_payload(&p, 32, 'u');
	pkt_finish(&p);
	pkt_pad(&p, 60);
	return dp_run_xdp(dp, p.data, p.len, now, &verdict);
}

static int send_echo(struct dp *dp, const char *src, const char *dst, uint16_t seq, uint64_t now)
{
	uint32_t verdict;
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p);
	pkt_ipv4(&p, &(struct pkt_ipv4){ .src = src, .dst = dst });
	pkt_icmp(&p, 8, 0, 7, seq);
	pkt_finish(&p);
	pkt_pad(&p, 60);
	return dp_run_xdp(dp, p.data, p.len, now, &verdict);
}

/* The sums over the CPUs of dst's counts; -ENOENT when it has none. */
static int dest_counts(struct dp *dp, const char *dst, struct flood_dest_count *sum)
{
	int ncpu = libbpf_num_possible_cpus(), cpu, c;
	struct flood_dest_count per_cpu[ncpu > 0 ? ncpu : 1];
	struct flood_dest_key key = { .family = 4 };

	memset(sum, 0, sizeof(*sum));
	if (pkt_parse_addr(dst, key.addr.u8) != 4)
		return -EINVAL;
	memset(key.addr.u8 + 4, 0, 12);
	if (bpf_map_lookup_elem(bpf_map__fd(dp->skel->maps.flood_dests), &key, per_cpu))
		return -errno;
	for (cpu = 0; cpu < ncpu; cpu++) {
		for (c = 0; c < EW_FLOOD_CLASSES; c++)
			sum->new_flows[c] += per_cpu[cpu].new_flows[c];
		sum->handshakes += per_cpu[cpu].handshakes;
		if (per_cpu[cpu].last_proto)
			*sum = (struct flood_dest_count){
				.new_flows = { sum->new_flows[0], sum->new_flows[1], sum->new_flows[2] },
				.handshakes = sum->handshakes,
				.last_flow_seq = per_cpu[cpu].last_flow_seq,
				.last_src = per_cpu[cpu].last_src,
				.last_proto = per_cpu[cpu].last_proto,
			};
	}
	return 0;
}

static unsigned long long counter(struct dp *dp, enum ew_counter id)
{
	struct ew_counters c;

	if (dp_counters(dp, &c))
		return ~0ULL;
	return c.count[EW_HOOK_XDP_INGRESS][id] + c.count[EW_HOOK_TC_EGRESS][id];
}

/* New flows by class, answers and pick-ups not counted, one destination entered. */
static void test_new_flows_per_destination(struct test_case *t)
{
	struct flood_dest_count n;
	unsigned long long created = counter(&live_dp, EW_CNT_FLOOD_DEST_CREATED);
	uint64_t now = T0;
	int err = 0;

	CHECK(t, dp_reset(&live_dp) == 0, "reset");
	/* three SYNs from three sources, one of them sent twice (one flow) */
	err = err ?: send_tcp(&live_dp, "198.18.8.1", SERVER4, 40001, 80, PKT_TCP_SYN, now);
	err = err ?: send_tcp(&live_dp, "198.18.8.2", SERVER4, 40002, 80, PKT_TCP_SYN, now);
	err = err ?: send_tcp(&live_dp, "198.18.8.3", SERVER4, 40003, 80, PKT_TCP_SYN, now);
	err = err ?: send_tcp(&live_dp, "198.18.8.3", SERVER4, 40003, 80, PKT_TCP_SYN, now + MS);
	/* not attempts: a SYN-ACK seen first (an answer), a bare ACK (mid-stream) */
	err = err ?: send_tcp(&live_dp, "198.18.8.4", SERVER4, 40004, 80,
			      PKT_TCP_SYN | PKT_TCP_ACK, now);
	err = err ?: send_tcp(&live_dp, "198.18.8.5", SERVER4, 40005, 80, PKT_TCP_ACK, now);
	/* two UDP flows (one with three packets), one ICMP echo flow */
	err = err ?: send_udp(&live_dp, "198.18.8.6", SERVER4, 5000, 53, now);
	err = err ?: send_udp(&live_dp, "198.18.8.6", SERVER4, 5000, 53, now + MS);
	err = err ?: send_udp(&live_dp, "198.18.8.6", SERVER4, 5000, 53, now + 2 * MS);
	err = err ?: send_udp(&live_dp, "198.18.8.7", SERVER4, 5001, 53, now);
	err = err ?: send_echo(&live_dp, "198.18.8.8", SERVER4, 1, now);
	CHECK(t, err == 0, "a packet did not run: %s", strerror(-err));
	CHECK(t, dest_counts(&live_dp, SERVER4, &n) == 0, "no counts for " SERVER4);
	EXPECT(t, n.new_flows[EW_FLOOD_SYN] == 3, "SYN flows %llu, want 3",
	       n.new_flows[EW_FLOOD_SYN]);
	EXPECT(t, n.new_flows[EW_FLOOD_UDP] == 2, "UDP flows %llu, want 2",
	       n.new_flows[EW_FLOOD_UDP]);
	EXPECT(t, n.new_flows[EW_FLOOD_ICMP] == 1, "ICMP flows %llu, want 1",
	       n.new_flows[EW_FLOOD_ICMP]);
	EXPECT(t, n.handshakes == 0, "handshakes %llu, want 0", n.handshakes);
	EXPECT(t, n.last_proto == 1 && n.last_flow_seq != 0, "latest flow: proto %u seq %llu",
	       n.last_proto, n.last_flow_seq);
	/* the answers' destinations (the SYN-ACK's responder is its source) are not entered */
	EXPECT(t, dest_counts(&live_dp, "198.18.8.4", &n) == -ENOENT &&
			  dest_counts(&live_dp, "198.18.8.5", &n) == -ENOENT,
	       "an answer or a pick-up entered a destination");
	EXPECT(t, counter(&live_dp, EW_CNT_FLOOD_DEST_CREATED) == created + 1,
	       "destinations created +%llu, want +1",
	       counter(&live_dp, EW_CNT_FLOOD_DEST_CREATED) - created);
}

/* A handshake counts once, when the initiator first ACKs a SYN-ACK; a refused one not. */
static void test_handshakes(struct test_case *t)
{
	struct flood_dest_count n;
	uint64_t now = T0 + 10 * NS;
	int err = 0;

	CHECK(t, dp_reset(&live_dp) == 0, "reset");
	err = err ?: send_tcp(&live_dp, "198.18.9.1", OTHER4, 41000, 443, PKT_TCP_SYN, now);
	err = err ?: send_tcp(&live_dp, OTHER4, "198.18.9.1", 443, 41000,
			      PKT_TCP_SYN | PKT_TCP_ACK, now + MS);
	err = err ?: send_tcp(&live_dp, "198.18.9.1", OTHER4, 41000, 443, PKT_TCP_ACK, now + 2 * MS);
	err = err ?: send_tcp(&live_dp, "198.18.9.1", OTHER4, 41000, 443,
			      PKT_TCP_ACK | PKT_TCP_PSH, now + 3 * MS);
	err = err ?: send_tcp(&live_dp, "198.18.9.1", OTHER4, 41000, 443, PKT_TCP_ACK, now + 4 * MS);
	/* refused: SYN, RST-ACK */
	err = err ?: send_tcp(&live_dp, "198.18.9.2", OTHER4, 41001, 443, PKT_TCP_SYN, now);
	err = err ?: send_tcp(&live_dp, OTHER4, "198.18.9.2", 443, 41001,
			      PKT_TCP_RST | PKT_TCP_ACK, now + MS);
	/* a spoofed source never answers the SYN-ACK: its RST (a real host's) is no ACK */
	err = err ?: send_tcp(&live_dp, "198.18.9.3", OTHER4, 41002, 443, PKT_TCP_SYN, now);
	err = err ?: send_tcp(&live_dp, OTHER4, "198.18.9.3", 443, 41002,
			      PKT_TCP_SYN | PKT_TCP_ACK, now + MS);
	err = err ?: send_tcp(&live_dp, "198.18.9.3", OTHER4, 41002, 443, PKT_TCP_RST, now + 2 * MS);
	CHECK(t, err == 0, "a packet did not run: %s", strerror(-err));
	CHECK(t, dest_counts(&live_dp, OTHER4, &n) == 0, "no counts for " OTHER4);
	EXPECT(t, n.new_flows[EW_FLOOD_SYN] == 3 && n.handshakes == 1,
	       "SYN flows %llu (want 3), handshakes %llu (want 1)",
	       n.new_flows[EW_FLOOD_SYN], n.handshakes);
}

/* New flows the full table refused are counted too (latest flow_seq 0: no flow). */
static void test_table_full_counted(struct test_case *t)
{
	struct flood_dest_count n;
	struct dp small = {};
	char src[32];
	int i, err = 0;

	CHECK(t, dp_open(&small, &(struct dp_options){ .flow_table_size = 4 }) == 0,
	      "cannot load a datapath with a 4-flow table");
	for (i = 0; i < 10 && !err; i++) {
		snprintf(src, sizeof(src), "198.18.10.%d", i + 1);
		err = send_tcp(&small, src, SERVER4, 42000, 22, PKT_TCP_SYN, T0 + i * MS);
	}
	EXPECT(t, err == 0, "a packet did not run");
	EXPECT(t, counter(&small, EW_CNT_PKT_FLOW_TABLE_FULL) == 6, "table full %llu",
	       counter(&small, EW_CNT_PKT_FLOW_TABLE_FULL));
	EXPECT(t, dest_counts(&small, SERVER4, &n) == 0 && n.new_flows[EW_FLOOD_SYN] == 10,
	       "SYN flows %llu, want 10 (6 refused by the table)",
	       n.new_flows[EW_FLOOD_SYN]);
	EXPECT(t, n.last_flow_seq == 0, "the latest (refused) flow has seq %llu",
	       n.last_flow_seq);
	dp_close(&small);
}

struct hot_list {
	int n;
	struct flow_hot h[8];
};

static int on_hot(void *ctx, void *data, size_t size)
{
	struct hot_list *l = ctx;

	if (size == sizeof(struct flow_hot) && l->n < 8)
		memcpy(&l->h[l->n], data, size);
	l->n++;
	return 0;
}

/* Run the sweeper at now with hot reports on; the reports in *l. */
static int sweep_hot(struct dp *dp, uint64_t now, struct hot_list *l, struct sweep_args *out)
{
	struct sweep_args a = {
		.now_ns = now, .idle_ns = 60 * NS, .tcp_closed_ns = 5 * NS,
		.pressure_idle_ns = 60 * NS / 8, .flags = EW_SWEEP_F_HOT, .hot_pkts = HOT_PKTS,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &a, .ctx_size_in = sizeof(a));
	struct ring_buffer *rb;
	int err;

	memset(l, 0, sizeof(*l));
	rb = ring_buffer__new(bpf_map__fd(dp->skel->maps.hot_flows), on_hot, l, NULL);
	if (!rb)
		return -errno;
	err = bpf_prog_test_run_opts(bpf_program__fd(dp->skel->progs.ew_sweep), &opts);
	if (!err)
		err = ring_buffer__consume(rb) < 0 ? -EIO : 0;
	ring_buffer__free(rb);
	*out = a;
	return err;
}

/*
 * The sweeper's hot flows: UDP at 1500 packets in 0.5 s is reported with its counts; a
 * UDP flow of 500 packets (under hot_pkts), one of 1500 over 10 s (150 a second), and a
 * TCP flow of 1500 are not; nothing ends at this sweep.
 */
static void test_hot_flows(struct test_case *t)
{
	uint64_t now = T0 + 100 * NS, start = now - 12 * NS;
	struct sweep_args a;
	struct hot_list l;
	int i, err = 0;

	CHECK(t, dp_reset(&live_dp) == 0, "reset");
	for (i = 0; i < 1500 && !err; i++) {
		err = send_udp(&live_dp, "198.18.11.1", SERVER4, 6000, 9, now - NS + i * 333333ULL);
		err = err ?: send_udp(&live_dp, "198.18.11.2", SERVER4, 6001, 9, start + i * 6666666ULL);
		err = err ?: send_tcp(&live_dp, "198.18.11.3", SERVER4, 6002, 80,
				      i ? PKT_TCP_ACK : PKT_TCP_SYN, now - NS + i * 333333ULL);
		if (i < 500)
			err = err ?: send_udp(&live_dp, "198.18.11.4", SERVER4, 6003, 9,
					      now - NS + i * MS);
	}
	CHECK(t, err == 0, "a packet did not run: %s", strerror(-err));
	CHECK(t, sweep_hot(&live_dp, now, &l, &a) == 0, "sweep");
	EXPECT(t, l.n == 1 && a.hot_reported == 1 && a.hot_lost == 0,
	       "%d reports (hot_reported %llu, lost %llu), want 1", l.n,
	       (unsigned long long)a.hot_reported, (unsigned long long)a.hot_lost);
	EXPECT(t, a.ended == 0, "%llu flows ended", (unsigned long long)a.ended);
	if (l.n >= 1) {
		char want_src[4] = { (char)198, 18, 11, 1 };
		const struct flow_hot *h = &l.h[0];
		const union ew_addr *src = h->initiator ? &h->key.addr_b : &h->key.addr_a;

		EXPECT(t, memcmp(src->u8, want_src, 4) == 0, "the report is not the fast flow's");
		EXPECT(t, h->packets == 1500 && h->exported_packets == 0 && h->key.proto == 17,
		       "packets %llu exported %llu proto %u", h->packets,
		       h->exported_packets, h->key.proto);
		EXPECT(t, h->since_ns == h->first_seen_ns && h->first_seen_ns == now - NS &&
				  h->flow_seq != 0,
		       "since %llu first %llu", h->since_ns, h->first_seen_ns);
	}
	/* without the flag, nothing is reported (the debris pass and shutdown) */
	{
		struct sweep_args b = {
			.now_ns = now, .idle_ns = 60 * NS, .tcp_closed_ns = 5 * NS,
			.pressure_idle_ns = 60 * NS / 8, .hot_pkts = HOT_PKTS,
		};
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &b, .ctx_size_in = sizeof(b));

		CHECK(t, bpf_prog_test_run_opts(bpf_program__fd(live_dp.skel->progs.ew_sweep),
						&opts) == 0, "sweep");
		EXPECT(t, b.hot_reported == 0, "%llu reports without EW_SWEEP_F_HOT",
		       (unsigned long long)b.hot_reported);
		/* drain what a failure would have left */
		sweep_hot(&live_dp, now, &l, &a);
	}
}

int main(void)
{
	test_program = "flood_live";
	if (geteuid() != 0) {
		printf("SKIP %s: needs root (BPF)\n", test_program);
		return 0;
	}
	if (dp_open(&live_dp, &(struct dp_options){ 0 })) {
		printf("FAIL %s/load: cannot load the datapath (root? BTF?)\n", test_program);
		return 1;
	}
	RUN(test_new_flows_per_destination);
	RUN(test_handshakes);
	RUN(test_table_full_counted);
	RUN(test_hot_flows);
	dp_close(&live_dp);
	return test_summary();
}
