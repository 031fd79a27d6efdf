/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Table rows for the datapath tests (Katran fixtures, kernel selftests style): a row
 * is a description, the packets to send (built with tests/support/packet_builder.h),
 * which flow and direction each packet must land in, the flows the table must then
 * hold (exact key and record fields) and the counter deltas. row_run() sends the
 * packets through ew_xdp_ingress with BPF_PROG_TEST_RUN and checks everything:
 *   - every packet: the program ran, verdict (XDP_PASS, or XDP_DROP when passive),
 *     one SEEN, exactly one OUTCOME and one VERDICT counter moved (conservation);
 *   - the row: each counter of both hooks moved by exactly what the row lists (SEEN
 *     and the verdict are implied by the packet count), every other counter by 0;
 *   - the flow table holds exactly the expected flows, keyed canonically, with
 *     packets and bytes per direction summed from the packets' annotations.
 * Header-only: each tests/bpf/test_*.c is its own program.
 */
#ifndef EDGEWATCH_TESTS_ROW_RUNNER_H
#define EDGEWATCH_TESTS_ROW_RUNNER_H

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>

#include "counters.h"
#include "datapath.h"
#include "../support/packet_builder.h"
#include "../support/packet_runner.h"
#include "../support/test.h"

#define ROW_MAX_PACKETS 8
#define ROW_MAX_FLOWS 3
#define ROW_MAX_COUNTERS 12

#define ENCAP(cnt) EW_ENCAP_BIT(EW_CNT_ENCAP_##cnt)

#define IPPROTO_NUM_ICMP 1
#define IPPROTO_NUM_TCP 6
#define IPPROTO_NUM_UDP 17
#define IPPROTO_NUM_GRE 47
#define IPPROTO_NUM_ESP 50
#define IPPROTO_NUM_ICMPV6 58
#define IPPROTO_NUM_SCTP 132

/* BPF_PROG_TEST_RUN wants at least an Ethernet header's worth of frame. */
#define ETH_MIN_TEST_RUN_LEN 14

/* Flow index of a packet that must not land in any flow. */
#define NO_FLOW -1

struct row_packet {
	void (*build)(struct pkt *p);
	int flow;		/* index into row.flows, or NO_FLOW */
	enum ew_dir dir;	/* direction inside that flow */
	int64_t shift_ns;	/* added to the packet's time (captures are not always in order) */
	/*
	 * A non-first fragment before its first fragment (bpf/frag_pending.bpf.h): it
	 * counts pkt_frag_first_missing when it arrives, and its packet and bytes are in
	 * flow (when not NO_FLOW) once a later packet joins it; not its time.
	 */
	bool held;
	/* A first fragment that brings this many held packets into its flow: they move
	 * from pkt_frag_first_missing to pkt_flow as it is counted. */
	int joins;
};

/* A flow the table must hold. src:sport is the side the datapath must call initiator. */
struct flow_expect {
	const char *src;
	uint16_t sport;
	const char *dst;
	uint16_t dport;
	uint8_t proto;
	uint16_t vlan[EW_MAX_VLAN_TAGS];
	uint32_t spi;		/* host order */
	uint8_t tcp_flags[2];	/* per direction */
	uint32_t encap;
	uint32_t tunnel_id;
	const char *outer_src;	/* NULL: not tunnelled, outer_family 0 */
	const char *outer_dst;
	uint8_t flags;		/* EW_FLOW_F_* */
	uint8_t icmp_type;
	uint8_t icmp_code;
};

struct counter_expect {
	enum ew_counter id;
	uint64_t delta;		/* 0 ends the list */
};

struct row {
	const char *name;
	const char *why;	/* what the row pins down, and any debatable choice */
	struct row_packet packets[ROW_MAX_PACKETS];
	struct flow_expect flows[ROW_MAX_FLOWS];
	/* XDP hook deltas besides SEEN and the verdict (both = number of packets). */
	struct counter_expect counters[ROW_MAX_COUNTERS];
	bool passive;		/* run on the cfg_passive=1 datapath: verdict XDP_DROP */
};

static inline int row_packet_count(const struct row *row)
{
	int n = 0;

	while (n < ROW_MAX_PACKETS && row->packets[n].build)
		n++;
	return n;
}

static inline int row_flow_count(const struct row *row)
{
	int n = 0;

	while (n < ROW_MAX_FLOWS && row->flows[n].src)
		n++;
	return n;
}

/* A capture-like clock: Nov 2023, in ns. */
#define ROW_EPOCH_NS (1700000000ULL * 1000000000ULL)

/* Time of the row's i-th packet: one second apart, unless shifted. */
static inline uint64_t row_time_ns(const struct row *row, int i)
{
	return ROW_EPOCH_NS + (uint64_t)i * 1000000000ULL + row->packets[i].shift_ns;
}

static inline const char *addr_text(const union ew_addr *a, int family, char *buf, size_t len)
{
	if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, a->u8, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

static inline void key_text(const struct flow_key *k, char *buf, size_t len)
{
	char a[64], b[64], vlans[32] = "";
	int i, at = 0;

	for (i = 0; i < EW_MAX_VLAN_TAGS; i++)
		at += snprintf(vlans + at, sizeof(vlans) - at, "%s%u", i ? "/" : "", k->vlan[i]);
	snprintf(buf, len, "%s:%u <-> %s:%u proto %u vlan %s spi 0x%x",
		 addr_text(&k->addr_a, k->family, a, sizeof(a)), ntohs(k->port_a),
		 addr_text(&k->addr_b, k->family, b, sizeof(b)), ntohs(k->port_b), k->proto,
		 vlans, ntohl(k->spi));
}

/* What the table holds, for a failure message. */
static inline void dump_flows(struct dp *dp)
{
	struct flow_key keys[16];
	struct flow_record recs[16];
	int n = dp_flow_list(dp, keys, recs, 16), i;
	char text[256];

	for (i = 0; i < n; i++) {
		key_text(&keys[i], text, sizeof(text));
		printf("#   table: %s pkts %llu/%llu init %u encap 0x%x flags 0x%x\n", text,
		       (unsigned long long)recs[i].packets[0],
		       (unsigned long long)recs[i].packets[1], recs[i].initiator,
		       recs[i].encap, recs[i].flags);
	}
}

/* Counters that moved, for a failure message. */
static inline void dump_counter_deltas(const struct ew_counters *before,
				       const struct ew_counters *after)
{
	int hook, id;

	for (hook = 0; hook < EW_HOOK_MAX; hook++)
		for (id = 0; id < EW_CNT_MAX; id++)
			if (after->count[hook][id] != before->count[hook][id])
				printf("#   %s %s +%llu\n", hook_name(hook), counter_name(id),
				       (unsigned long long)(after->count[hook][id] -
							    before->count[hook][id]));
}

/*
 * Exactly one packet went through hook: one SEEN, one OUTCOME, one VERDICT.
 * Returns the outcome counter that moved, or -1 (after reporting) if that is not so.
 */
static inline int check_one_packet(struct test_case *t, const struct ew_counters *before,
				   const struct ew_counters *after, enum ew_hook hook,
				   uint64_t segs)
{
	uint64_t seen = after->count[hook][EW_CNT_PKT_SEEN] - before->count[hook][EW_CNT_PKT_SEEN];
	uint64_t outcomes = 0, verdicts = 0;
	int id, moved = -1;

	for (id = EW_CNT_PKT_FLOW; id <= EW_CNT_PKT_OUTCOME_LAST; id++) {
		uint64_t d = after->count[hook][id] - before->count[hook][id];

		if (d) {
			if (moved >= 0) {
				EXPECT(t, 0, "two outcomes for one packet: %s and %s",
				       counter_name(moved), counter_name(id));
				return -1;
			}
			moved = id;
		}
		outcomes += d;
	}
	for (id = EW_CNT_VERDICT_PASS; id <= EW_CNT_VERDICT_LAST; id++)
		verdicts += after->count[hook][id] - before->count[hook][id];
	EXPECT(t, seen == segs, "%s: pkt_seen +%llu, want +%llu", hook_name(hook),
	       (unsigned long long)seen, (unsigned long long)segs);
	EXPECT(t, outcomes == seen, "%s: outcomes +%llu != pkt_seen +%llu (conservation)",
	       hook_name(hook), (unsigned long long)outcomes, (unsigned long long)seen);
	EXPECT(t, verdicts == seen, "%s: verdicts +%llu != pkt_seen +%llu", hook_name(hook),
	       (unsigned long long)verdicts, (unsigned long long)seen);
	if (t->failed)
		return -1;
	return moved;
}

/* Every counter of both hooks moved by exactly the expected delta. */
static inline void check_counter_deltas(struct test_case *t, const struct ew_counters *before,
					const struct ew_counters *after,
					const uint64_t want[EW_HOOK_MAX][EW_CNT_MAX])
{
	int hook, id;

	for (hook = 0; hook < EW_HOOK_MAX; hook++)
		for (id = 0; id < EW_CNT_MAX; id++) {
			uint64_t got = after->count[hook][id] - before->count[hook][id];

			EXPECT(t, got == want[hook][id], "%s %s: +%llu, want +%llu",
			       hook_name(hook), counter_name(id), (unsigned long long)got,
			       (unsigned long long)want[hook][id]);
		}
	if (t->failed)
		dump_counter_deltas(before, after);
}

/* One expected flow against the table. pkts/bytes: what the row's packets add up to. */
static inline void check_flow(struct test_case *t, struct dp *dp, int index,
			      const struct flow_expect *fe, const uint64_t pkts[2],
			      const uint64_t bytes[2], uint64_t first_ns, uint64_t last_ns)
{
	struct flow_key key, reversed;
	struct flow_record rec;
	union ew_addr outer;
	bool src_is_a;
	char text[256];
	int err, family;

	err = dp_flow_key(&key, &src_is_a, fe->src, fe->sport, fe->dst, fe->dport, fe->proto);
	CHECK(t, err == 0, "flow %d: bad address in the row", index);
	memcpy(key.vlan, fe->vlan, sizeof(key.vlan));
	key.spi = htonl(fe->spi);
	key_text(&key, text, sizeof(text));
	err = dp_flow_get(dp, &key, &rec);
	if (err) {
		reversed = key;
		reversed.addr_a = key.addr_b;
		reversed.addr_b = key.addr_a;
		reversed.port_a = key.port_b;
		reversed.port_b = key.port_a;
		if (dp_flow_get(dp, &reversed, &rec) == 0)
			EXPECT(t, 0, "flow %d (%s) stored with its endpoints not in canonical order",
			       index, text);
		else
			EXPECT(t, 0, "flow %d (%s) not in the table", index, text);
		dump_flows(dp);
		return;
	}
	EXPECT(t, rec.initiator == (src_is_a ? 0 : 1), "flow %d: initiator %u, want %u", index,
	       rec.initiator, src_is_a ? 0 : 1);
	EXPECT(t, rec.packets[0] == pkts[0] && rec.packets[1] == pkts[1],
	       "flow %d: packets %llu/%llu, want %llu/%llu", index,
	       (unsigned long long)rec.packets[0], (unsigned long long)rec.packets[1],
	       (unsigned long long)pkts[0], (unsigned long long)pkts[1]);
	EXPECT(t, rec.bytes[0] == bytes[0] && rec.bytes[1] == bytes[1],
	       "flow %d: bytes %llu/%llu, want %llu/%llu", index,
	       (unsigned long long)rec.bytes[0], (unsigned long long)rec.bytes[1],
	       (unsigned long long)bytes[0], (unsigned long long)bytes[1]);
	EXPECT(t, rec.tcp_flags[0] == fe->tcp_flags[0] && rec.tcp_flags[1] == fe->tcp_flags[1],
	       "flow %d: tcp flags 0x%02x/0x%02x, want 0x%02x/0x%02x", index, rec.tcp_flags[0],
	       rec.tcp_flags[1], fe->tcp_flags[0], fe->tcp_flags[1]);
	EXPECT(t, rec.encap == fe->encap, "flow %d: encap 0x%x, want 0x%x", index, rec.encap,
	       fe->encap);
	EXPECT(t, rec.tunnel_id == fe->tunnel_id, "flow %d: tunnel_id %u, want %u", index,
	       rec.tunnel_id, fe->tunnel_id);
	EXPECT(t, rec.flags == fe->flags, "flow %d: flags 0x%x, want 0x%x", index, rec.flags,
	       fe->flags);
	EXPECT(t, rec.icmp_type == fe->icmp_type && rec.icmp_code == fe->icmp_code,
	       "flow %d: icmp %u/%u, want %u/%u", index, rec.icmp_type, rec.icmp_code,
	       fe->icmp_type, fe->icmp_code);
	EXPECT(t, rec.first_hook == EW_HOOK_XDP_INGRESS, "flow %d: first_hook %u", index,
	       rec.first_hook);
	EXPECT(t, rec.first_seen_ns == first_ns && rec.last_seen_ns == last_ns,
	       "flow %d: seen %llu..%llu, want %llu..%llu", index,
	       (unsigned long long)rec.first_seen_ns, (unsigned long long)rec.last_seen_ns,
	       (unsigned long long)first_ns, (unsigned long long)last_ns);
	if (!fe->outer_src) {
		EXPECT(t, rec.outer_family == 0, "flow %d: outer_family %u, want 0 (no tunnel)",
		       index, rec.outer_family);
		return;
	}
	family = pkt_parse_addr(fe->outer_src, outer.u8);
	EXPECT(t, rec.outer_family == family, "flow %d: outer_family %u, want %d", index,
	       rec.outer_family, family);
	EXPECT(t, memcmp(&rec.outer_src, &outer, sizeof(outer)) == 0, "flow %d: outer_src %s",
	       index, addr_text(&rec.outer_src, rec.outer_family, text, sizeof(text)));
	pkt_parse_addr(fe->outer_dst, outer.u8);
	EXPECT(t, memcmp(&rec.outer_dst, &outer, sizeof(outer)) == 0, "flow %d: outer_dst %s",
	       index, addr_text(&rec.outer_dst, rec.outer_family, text, sizeof(text)));
}

/* Run a row on dp (the passive datapath for passive rows). */
static inline void row_run(struct test_case *t, struct dp *dp, const struct row *row)
{
	uint64_t want[EW_HOOK_MAX][EW_CNT_MAX] = {};
	uint64_t pkts[ROW_MAX_FLOWS][2] = {}, bytes[ROW_MAX_FLOWS][2] = {};
	uint64_t first_ns[ROW_MAX_FLOWS] = {}, last_ns[ROW_MAX_FLOWS] = {};
	uint32_t want_verdict = row->passive ? XDP_DROP : XDP_PASS;
	int npkts = row_packet_count(row), nflows = row_flow_count(row);
	struct ew_counters start, before, after, moved;
	int i, err, outcome, in_table;

	CHECK(t, dp_reset(dp) == 0, "cannot clear the tables");
	CHECK(t, dp_counters(dp, &start) == 0, "cannot read the counters");
	before = start;
	for (i = 0; i < npkts; i++) {
		const struct row_packet *rp = &row->packets[i];
		uint32_t verdict = ~0u;
		struct pkt p;

		pkt_init(&p);
		rp->build(&p);
		CHECK(t, pkt_ok(&p), "packet %d: the builder failed", i);
		err = dp_run_xdp(dp, p.data, p.len, row_time_ns(row, i), &verdict);
		if (err == -EINVAL && p.len < ETH_MIN_TEST_RUN_LEN)
			SKIP(t, "this kernel's BPF_PROG_TEST_RUN refuses %zu-byte frames (it wants "
				"a whole Ethernet header), so this path cannot be run here; "
				"replay must count such capture records itself", p.len);
		CHECK(t, err == 0, "packet %d: BPF_PROG_TEST_RUN: %s", i, strerror(-err));
		CHECK(t, verdict == want_verdict, "packet %d: verdict %u, want %u", i, verdict,
		      want_verdict);
		CHECK(t, dp_counters(dp, &after) == 0, "cannot read the counters");
		/* a join moves held packets between two outcomes: this packet's own is
		 * what remains (moved is after as if nothing had been moved) */
		moved = after;
		moved.count[EW_HOOK_XDP_INGRESS][EW_CNT_PKT_FLOW] -= rp->joins;
		moved.count[EW_HOOK_XDP_INGRESS][EW_CNT_PKT_FRAG_FIRST_MISSING] += rp->joins;
		outcome = check_one_packet(t, &before, &moved, EW_HOOK_XDP_INGRESS, 1);
		if (outcome < 0) {
			printf("#   packet %d\n", i);
			dump_counter_deltas(&before, &after);
			return;
		}
		if (rp->held) {
			EXPECT(t, outcome == EW_CNT_PKT_FRAG_FIRST_MISSING,
			       "packet %d: outcome %s, want pkt_frag_first_missing (held)", i,
			       counter_name(outcome));
			if (rp->flow != NO_FLOW) {
				CHECK(t, rp->flow < nflows, "packet %d: row names flow %d of %d", i,
				      rp->flow, nflows);
				pkts[rp->flow][rp->dir & 1]++;
				bytes[rp->flow][rp->dir & 1] += p.len;
			}
		} else if (rp->flow != NO_FLOW) {
			CHECK(t, rp->flow < nflows, "packet %d: row names flow %d of %d", i,
			      rp->flow, nflows);
			EXPECT(t, outcome == EW_CNT_PKT_FLOW, "packet %d: outcome %s, want pkt_flow",
			       i, counter_name(outcome));
			pkts[rp->flow][rp->dir & 1]++;
			bytes[rp->flow][rp->dir & 1] += p.len;
			/* the flow's first packet sets both; later ones only move last_seen on */
			if (!first_ns[rp->flow])
				first_ns[rp->flow] = row_time_ns(row, i);
			if (row_time_ns(row, i) > last_ns[rp->flow])
				last_ns[rp->flow] = row_time_ns(row, i);
		} else {
			EXPECT(t, outcome != EW_CNT_PKT_FLOW, "packet %d: counted in a flow", i);
		}
		before = after;
	}

	want[EW_HOOK_XDP_INGRESS][EW_CNT_PKT_SEEN] = npkts;
	want[EW_HOOK_XDP_INGRESS][row->passive ? EW_CNT_VERDICT_DROP_PASSIVE
					       : EW_CNT_VERDICT_PASS] = npkts;
	/*
	 * The live flood counts' destinations depend on which addresses earlier rows
	 * entered (the LRU outlives dp_reset, as in a run): checked where they are the
	 * subject (test_flood_live.c), or where a row names them.
	 */
	want[EW_HOOK_XDP_INGRESS][EW_CNT_FLOOD_DEST_CREATED] =
		after.count[EW_HOOK_XDP_INGRESS][EW_CNT_FLOOD_DEST_CREATED] -
		start.count[EW_HOOK_XDP_INGRESS][EW_CNT_FLOOD_DEST_CREATED];
	for (i = 0; i < ROW_MAX_COUNTERS && row->counters[i].delta; i++)
		want[EW_HOOK_XDP_INGRESS][row->counters[i].id] = row->counters[i].delta;
	check_counter_deltas(t, &start, &after, want);

	in_table = dp_flow_count(dp);
	EXPECT(t, in_table == nflows, "%d flows in the table, want %d", in_table, nflows);
	if (in_table != nflows)
		dump_flows(dp);
	for (i = 0; i < nflows; i++)
		check_flow(t, dp, i, &row->flows[i], pkts[i], bytes[i], first_ns[i], last_ns[i]);
}

/* The datapaths rows run on: monitor mode, and passive (cfg_passive=1) for passive rows. */
static struct dp row_dp, row_passive_dp;
static bool row_dp_loaded, row_passive_dp_loaded;

static inline void row_case(struct test_case *t, const struct row *row)
{
	if (row->passive && !row_passive_dp_loaded) {
		CHECK(t, dp_open(&row_passive_dp, &(struct dp_options){ .passive = true }) == 0,
		      "cannot load the passive datapath");
		row_passive_dp_loaded = true;
	}
	row_run(t, row->passive ? &row_passive_dp : &row_dp, row);
	if (t->failed)
		printf("#   row: %s\n", row->why);
}

/* Load the datapath into row_dp (one failed case if it cannot be). 0 or -1. */
static inline int rows_open(const char *program)
{
	struct test_case t = { .name = "load" };

	test_program = program;
	if (dp_open(&row_dp, NULL)) {
		test_fail(&t, __FILE__, __LINE__, "cannot load the datapath (root? BTF?)");
		test_finish(&t);
		return -1;
	}
	row_dp_loaded = true;
	return 0;
}

static inline void rows_run(const struct row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		RUN_ROW(row_case, rows[i].name, &rows[i]);
}

static inline void rows_close(void)
{
	if (row_dp_loaded)
		dp_close(&row_dp);
	if (row_passive_dp_loaded)
		dp_close(&row_passive_dp);
	row_dp_loaded = row_passive_dp_loaded = false;
}

#endif /* EDGEWATCH_TESTS_ROW_RUNNER_H */
