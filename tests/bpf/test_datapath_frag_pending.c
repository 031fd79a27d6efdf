// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Datapath table: non-first fragments that arrive before their first fragment
 * (bpf/frag_pending.bpf.h). They count pkt_frag_first_missing on arrival and wait in
 * frag_pending; the first fragment, if it comes within the fragment timeout, adds
 * their packets and bytes to its flow and moves them to pkt_flow (frag_pending_joined).
 * What never joins stays first-missing: expired when its first fragment comes too late
 * or when the sweeper finds it older than the timeout (or at shutdown).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "datapath.skel.h"
#include "fragment_packets.h"

#define FRAG_TCP_FLOW_B                                                                        \
	.src = CLIENT4, .sport = CLIENT_PORT + 1, .dst = SERVER4, .dport = SERVER_PORT,       \
	.proto = IPPROTO_NUM_TCP, .tcp_flags = { PKT_TCP_SYN, 0 }, .encap = ENCAP(FRAGMENT),  \
	.flags = EW_FLOW_F_FRAGMENTED

static const struct row rows[] = {
	{ "ipv4_last_first", "last, middle, then first: the first fragment brings both",
	  { { v4_last, 0, EW_DIR_TO_SERVER, .held = true },
	    { v4_middle, 0, EW_DIR_TO_SERVER, .held = true },
	    { v4_first, 0, EW_DIR_TO_SERVER, .joins = 2 } },
	  { { FRAG_TCP_FLOW } },
	  { { EW_CNT_PKT_FLOW, 3 }, { EW_CNT_FLOW_CREATED, 1 }, { EW_CNT_FRAG_TRACKED, 1 },
	    { EW_CNT_ENCAP_FRAGMENT, 3 }, { EW_CNT_FRAG_PENDING_HELD, 2 },
	    { EW_CNT_FRAG_PENDING_JOINED, 2 } } },
	{ "ipv4_middle_first", "middle, first, last: the middle is held and joins, the last "
			       "finds the first fragment's entry (attributed)",
	  { { v4_middle, 0, EW_DIR_TO_SERVER, .held = true },
	    { v4_first, 0, EW_DIR_TO_SERVER, .joins = 1 },
	    { v4_last, 0, EW_DIR_TO_SERVER } },
	  { { FRAG_TCP_FLOW } },
	  { { EW_CNT_PKT_FLOW, 3 }, { EW_CNT_FLOW_CREATED, 1 }, { EW_CNT_FRAG_TRACKED, 1 },
	    { EW_CNT_FRAG_ATTRIBUTED, 1 }, { EW_CNT_ENCAP_FRAGMENT, 3 },
	    { EW_CNT_FRAG_PENDING_HELD, 1 }, { EW_CNT_FRAG_PENDING_JOINED, 1 } } },
	{ "ipv4_interleaved_datagrams", "two datagrams (ids 0x4242 and 0x4343, two flows) with "
					"their fragments interleaved: each first fragment brings "
					"its own datagram's held fragments, none of the other's",
	  { { v4_last, 0, EW_DIR_TO_SERVER, .held = true },
	    { v4b_last, 1, EW_DIR_TO_SERVER, .held = true },
	    { v4_middle, 0, EW_DIR_TO_SERVER, .held = true },
	    { v4b_first, 1, EW_DIR_TO_SERVER, .joins = 1 },
	    { v4_first, 0, EW_DIR_TO_SERVER, .joins = 2 },
	    { v4b_middle, 1, EW_DIR_TO_SERVER } },
	  { { FRAG_TCP_FLOW }, { FRAG_TCP_FLOW_B } },
	  { { EW_CNT_PKT_FLOW, 6 }, { EW_CNT_FLOW_CREATED, 2 }, { EW_CNT_FRAG_TRACKED, 2 },
	    { EW_CNT_FRAG_ATTRIBUTED, 1 }, { EW_CNT_ENCAP_FRAGMENT, 6 },
	    { EW_CNT_FRAG_PENDING_HELD, 3 }, { EW_CNT_FRAG_PENDING_JOINED, 3 } } },
	{ "ipv4_first_at_timeout", "the first fragment 60 s after the held one (the timeout, "
				   "not past it): it still joins",
	  { { v4_last, 0, EW_DIR_TO_SERVER, .held = true },
	    { v4_first, 0, EW_DIR_TO_SERVER, SECONDS(59), .joins = 1 } },
	  { { FRAG_TCP_FLOW } },
	  { { EW_CNT_PKT_FLOW, 2 }, { EW_CNT_FLOW_CREATED, 1 }, { EW_CNT_FRAG_TRACKED, 1 },
	    { EW_CNT_ENCAP_FRAGMENT, 2 }, { EW_CNT_FRAG_PENDING_HELD, 1 },
	    { EW_CNT_FRAG_PENDING_JOINED, 1 } } },
	{ "ipv4_first_after_timeout", "the first fragment 61 s after the held one: the held "
				      "one expired, stays first-missing, and is not in the flow",
	  { { v4_last, NO_FLOW, .held = true },
	    { v4_first, 0, EW_DIR_TO_SERVER, SECONDS(60) } },
	  { { FRAG_TCP_FLOW } },
	  { { EW_CNT_PKT_FRAG_FIRST_MISSING, 1 }, { EW_CNT_PKT_FLOW, 1 },
	    { EW_CNT_FLOW_CREATED, 1 }, { EW_CNT_FRAG_TRACKED, 1 },
	    { EW_CNT_ENCAP_FRAGMENT, 2 }, { EW_CNT_FRAG_PENDING_HELD, 1 },
	    { EW_CNT_FRAG_PENDING_EXPIRED, 1 } } },
	{ "ipv6_last_first", "IPv6 fragment header: the last fragment first, held and joined",
	  { { v6_last, 0, EW_DIR_TO_SERVER, .held = true },
	    { v6_first, 0, EW_DIR_TO_SERVER, .joins = 1 } },
	  { { FRAG6_UDP_FLOW } },
	  { { EW_CNT_PKT_FLOW, 2 }, { EW_CNT_FLOW_CREATED, 1 }, { EW_CNT_FRAG_TRACKED, 1 },
	    { EW_CNT_ENCAP_FRAGMENT, 2 }, { EW_CNT_ENCAP_IPV6_EXT, 2 },
	    { EW_CNT_FRAG_PENDING_HELD, 1 }, { EW_CNT_FRAG_PENDING_JOINED, 1 } } },
	{ "ipv6_interleaved_datagrams", "two IPv6 datagrams of one flow (fragment ids differ), "
					"both last fragments first: each first brings one",
	  { { v6_last, 0, EW_DIR_TO_SERVER, .held = true },
	    { v6b_last, 0, EW_DIR_TO_SERVER, .held = true },
	    { v6b_first, 0, EW_DIR_TO_SERVER, .joins = 1 },
	    { v6_first, 0, EW_DIR_TO_SERVER, .joins = 1 } },
	  { { FRAG6_UDP_FLOW } },
	  { { EW_CNT_PKT_FLOW, 4 }, { EW_CNT_FLOW_CREATED, 1 }, { EW_CNT_FRAG_TRACKED, 2 },
	    { EW_CNT_ENCAP_FRAGMENT, 4 }, { EW_CNT_ENCAP_IPV6_EXT, 4 },
	    { EW_CNT_FRAG_PENDING_HELD, 2 }, { EW_CNT_FRAG_PENDING_JOINED, 2 } } },
	{ "ipv6_first_after_timeout", "IPv6: the first fragment 61 s late: the held one expired",
	  { { v6_last, NO_FLOW, .held = true },
	    { v6_first, 0, EW_DIR_TO_SERVER, SECONDS(60) } },
	  { { FRAG6_UDP_FLOW } },
	  { { EW_CNT_PKT_FRAG_FIRST_MISSING, 1 }, { EW_CNT_PKT_FLOW, 1 },
	    { EW_CNT_FLOW_CREATED, 1 }, { EW_CNT_FRAG_TRACKED, 1 },
	    { EW_CNT_ENCAP_FRAGMENT, 2 }, { EW_CNT_ENCAP_IPV6_EXT, 2 },
	    { EW_CNT_FRAG_PENDING_HELD, 1 }, { EW_CNT_FRAG_PENDING_EXPIRED, 1 } } },
};

/* ---- the sweeper's part: entries whose first fragment never comes ------------------ */

/* One run of ew_sweep at now_ns that ends no flow by time (only shutdown ends them). */
static int sweep_at(struct dp *dp, uint64_t now_ns, int shutdown)
{
	struct sweep_args args = { .now_ns = now_ns, .idle_ns = ~0ULL, .tcp_closed_ns = ~0ULL,
				   .pressure_idle_ns = ~0ULL };
	/* a syscall program writes its context in place: no ctx_out */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));

	if (shutdown)
		args.flags |= EW_SWEEP_F_ALL;
	if (bpf_prog_test_run_opts(bpf_program__fd(dp->skel->progs.ew_sweep), &opts))
		return -errno;
	return 0;
}

static int pending_entries(struct dp *dp)
{
	struct frag_key key, next;
	int n = 0;

	if (bpf_map_get_next_key(dp->frag_pending_fd, NULL, &next))
		return 0;
	do {
		key = next;
		n++;
	} while (bpf_map_get_next_key(dp->frag_pending_fd, &key, &next) == 0);
	return n;
}

static uint64_t delta(const struct ew_counters *a, const struct ew_counters *b,
		      enum ew_counter id)
{
	return b->count[EW_HOOK_XDP_INGRESS][id] - a->count[EW_HOOK_XDP_INGRESS][id];
}

static int send_at(struct dp *dp, void (*build)(struct pkt *p), uint64_t now_ns)
{
	uint32_t verdict;
	struct pkt p;

	pkt_init(&p);
	build(&p);
	if (!pkt_ok(&p))
		return -EINVAL;
	return dp_run_xdp(dp, p.data, p.len, now_ns, &verdict);
}

/* Every packet in exactly one outcome, on the XDP hook, between a and b. */
static void check_outcomes_add_up(struct test_case *t, const struct ew_counters *a,
				  const struct ew_counters *b)
{
	uint64_t outcomes = 0;
	int id;

	for (id = EW_CNT_PKT_FLOW; id <= EW_CNT_PKT_OUTCOME_LAST; id++)
		outcomes += delta(a, b, id);
	EXPECT(t, outcomes == delta(a, b, EW_CNT_PKT_SEEN),
	       "outcomes +%llu != pkt_seen +%llu (conservation)", (unsigned long long)outcomes,
	       (unsigned long long)delta(a, b, EW_CNT_PKT_SEEN));
}

/*
 * A datagram whose first fragment never comes in time: its middle and last fragment
 * wait through a sweep at 30 s, are expired by the sweep at 62 s (first-missing for
 * good), and the first fragment that comes after that finds nothing to join.
 */
static void sweeper_expires_pending(struct test_case *t)
{
	uint64_t t0 = ROW_EPOCH_NS;
	struct ew_counters start, now;
	struct flow_key key;
	struct flow_record rec;
	bool src_is_a;

	CHECK(t, dp_reset(&row_dp) == 0, "cannot clear the tables");
	CHECK(t, dp_counters(&row_dp, &start) == 0, "cannot read the counters");
	CHECK(t, send_at(&row_dp, v4_middle, t0) == 0, "middle fragment: cannot run");
	CHECK(t, send_at(&row_dp, v4_last, t0 + SECONDS(1)) == 0, "last fragment: cannot run");
	CHECK(t, pending_entries(&row_dp) == 1, "%d pending entries, want 1 (one datagram)",
	      pending_entries(&row_dp));

	CHECK(t, sweep_at(&row_dp, t0 + SECONDS(30), 0) == 0, "ew_sweep failed");
	CHECK(t, dp_counters(&row_dp, &now) == 0, "cannot read the counters");
	EXPECT(t, pending_entries(&row_dp) == 1, "the sweep at 30 s removed a waiting entry");
	EXPECT(t, delta(&start, &now, EW_CNT_FRAG_PENDING_EXPIRED) == 0,
	       "expired +%llu at 30 s, want 0",
	       (unsigned long long)delta(&start, &now, EW_CNT_FRAG_PENDING_EXPIRED));

	CHECK(t, sweep_at(&row_dp, t0 + SECONDS(62), 0) == 0, "ew_sweep failed");
	CHECK(t, dp_counters(&row_dp, &now) == 0, "cannot read the counters");
	EXPECT(t, pending_entries(&row_dp) == 0, "the sweep at 62 s left the entry");
	EXPECT(t, delta(&start, &now, EW_CNT_FRAG_PENDING_EXPIRED) == 2,
	       "expired +%llu at 62 s, want 2",
	       (unsigned long long)delta(&start, &now, EW_CNT_FRAG_PENDING_EXPIRED));

	CHECK(t, send_at(&row_dp, v4_first, t0 + SECONDS(63)) == 0, "first fragment: cannot run");
	CHECK(t, dp_counters(&row_dp, &now) == 0, "cannot read the counters");
	EXPECT(t, delta(&start, &now, EW_CNT_PKT_FRAG_FIRST_MISSING) == 2,
	       "pkt_frag_first_missing +%llu, want 2 (expired, never joined)",
	       (unsigned long long)delta(&start, &now, EW_CNT_PKT_FRAG_FIRST_MISSING));
	EXPECT(t, delta(&start, &now, EW_CNT_PKT_FLOW) == 1, "pkt_flow +%llu, want 1",
	       (unsigned long long)delta(&start, &now, EW_CNT_PKT_FLOW));
	EXPECT(t, delta(&start, &now, EW_CNT_FRAG_PENDING_HELD) == 2, "held +%llu, want 2",
	       (unsigned long long)delta(&start, &now, EW_CNT_FRAG_PENDING_HELD));
	EXPECT(t, delta(&start, &now, EW_CNT_FRAG_PENDING_JOINED) == 0, "joined +%llu, want 0",
	       (unsigned long long)delta(&start, &now, EW_CNT_FRAG_PENDING_JOINED));
	EXPECT(t, delta(&start, &now, EW_CNT_FRAG_PENDING_EXPIRED) == 2, "expired +%llu, want 2",
	       (unsigned long long)delta(&start, &now, EW_CNT_FRAG_PENDING_EXPIRED));
	check_outcomes_add_up(t, &start, &now);

	CHECK(t, dp_flow_key(&key, &src_is_a, CLIENT4, CLIENT_PORT, SERVER4, SERVER_PORT,
			     IPPROTO_NUM_TCP) == 0, "bad flow key");
	CHECK(t, dp_flow_get(&row_dp, &key, &rec) == 0, "the first fragment's flow is missing");
	EXPECT(t, rec.packets[0] + rec.packets[1] == 1,
	       "flow packets %llu/%llu, want the first fragment only",
	       (unsigned long long)rec.packets[0], (unsigned long long)rec.packets[1]);
}

/* Shutdown (the final sweep): what still waits is over, counted expired, none joined. */
static void shutdown_expires_pending(struct test_case *t)
{
	uint64_t t0 = ROW_EPOCH_NS;
	struct ew_counters start, now;

	CHECK(t, dp_reset(&row_dp) == 0, "cannot clear the tables");
	CHECK(t, dp_counters(&row_dp, &start) == 0, "cannot read the counters");
	CHECK(t, send_at(&row_dp, v6_last, t0) == 0, "IPv6 last fragment: cannot run");
	CHECK(t, send_at(&row_dp, v4_last, t0) == 0, "IPv4 last fragment: cannot run");
	CHECK(t, sweep_at(&row_dp, t0 + SECONDS(1), 1) == 0, "ew_sweep failed");
	CHECK(t, dp_counters(&row_dp, &now) == 0, "cannot read the counters");
	EXPECT(t, pending_entries(&row_dp) == 0, "%d entries left after shutdown",
	       pending_entries(&row_dp));
	EXPECT(t, delta(&start, &now, EW_CNT_FRAG_PENDING_EXPIRED) == 2, "expired +%llu, want 2",
	       (unsigned long long)delta(&start, &now, EW_CNT_FRAG_PENDING_EXPIRED));
	EXPECT(t, delta(&start, &now, EW_CNT_PKT_FRAG_FIRST_MISSING) == 2,
	       "pkt_frag_first_missing +%llu, want 2",
	       (unsigned long long)delta(&start, &now, EW_CNT_PKT_FRAG_FIRST_MISSING));
	check_outcomes_add_up(t, &start, &now);
}

/* Packets held in all pending entries (the XDP hook's). */
static uint64_t pending_packets(struct dp *dp)
{
	struct frag_key key, next;
	struct frag_pending held;
	uint64_t n = 0;

	if (bpf_map_get_next_key(dp->frag_pending_fd, NULL, &next))
		return 0;
	do {
		key = next;
		if (bpf_map_lookup_elem(dp->frag_pending_fd, &key, &held) == 0)
			n += held.packets[EW_HOOK_XDP_INGRESS];
	} while (bpf_map_get_next_key(dp->frag_pending_fd, &key, &next) == 0);
	return n;
}

static uint16_t overflow_id;	/* the datagram id overflow_last builds */

static void overflow_last(struct pkt *p) { v4_last_of(p, overflow_id); }
static void overflow_first(struct pkt *p) { v4_first_of(p, overflow_id, CLIENT_PORT); }

/*
 * More datagrams waiting than the table holds (a flood of fragments whose first never
 * comes): the LRU evicts, the table stays at its bound, and an evicted entry's packets
 * stay first-missing: held == packets still pending + evicted, and the outcomes still add
 * up. The newest datagram is still there and joins its first fragment.
 */
static void overflow_evicts_oldest(struct test_case *t)
{
	uint32_t cap = bpf_map__max_entries(row_dp.skel->maps.frag_pending), i, n = cap + 256;
	uint64_t t0 = ROW_EPOCH_NS, in_table;
	struct ew_counters start, now;

	CHECK(t, n <= 65536, "the table is larger than the IPv4 id space (%u)", cap);
	CHECK(t, dp_reset(&row_dp) == 0, "cannot clear the tables");
	CHECK(t, dp_counters(&row_dp, &start) == 0, "cannot read the counters");
	for (i = 0; i < n; i++) {
		overflow_id = (uint16_t)i;
		CHECK(t, send_at(&row_dp, overflow_last, t0) == 0, "fragment %u: cannot run", i);
	}
	CHECK(t, dp_counters(&row_dp, &now) == 0, "cannot read the counters");
	in_table = pending_packets(&row_dp);
	EXPECT(t, pending_entries(&row_dp) <= (int)cap, "%d entries, over the bound %u",
	       pending_entries(&row_dp), cap);
	EXPECT(t, in_table < n, "nothing evicted: %llu of %u held packets still pending",
	       (unsigned long long)in_table, n);
	EXPECT(t, delta(&start, &now, EW_CNT_FRAG_PENDING_HELD) +
				  delta(&start, &now, EW_CNT_FRAG_PENDING_FAILED) == n,
	       "held +%llu + failed +%llu, want %u",
	       (unsigned long long)delta(&start, &now, EW_CNT_FRAG_PENDING_HELD),
	       (unsigned long long)delta(&start, &now, EW_CNT_FRAG_PENDING_FAILED), n);
	EXPECT(t, delta(&start, &now, EW_CNT_PKT_FRAG_FIRST_MISSING) == n,
	       "pkt_frag_first_missing +%llu, want %u (evicted ones stay first-missing)",
	       (unsigned long long)delta(&start, &now, EW_CNT_PKT_FRAG_FIRST_MISSING), n);

	overflow_id = (uint16_t)(n - 1);	/* the most recent: not evicted */
	CHECK(t, send_at(&row_dp, overflow_first, t0 + SECONDS(1)) == 0, "first: cannot run");
	CHECK(t, dp_counters(&row_dp, &now) == 0, "cannot read the counters");
	EXPECT(t, delta(&start, &now, EW_CNT_FRAG_PENDING_JOINED) == 1,
	       "joined +%llu, want 1 (the newest datagram)",
	       (unsigned long long)delta(&start, &now, EW_CNT_FRAG_PENDING_JOINED));
	EXPECT(t, delta(&start, &now, EW_CNT_PKT_FLOW) == 2, "pkt_flow +%llu, want 2",
	       (unsigned long long)delta(&start, &now, EW_CNT_PKT_FLOW));
	check_outcomes_add_up(t, &start, &now);
}

int main(void)
{
	if (rows_open("datapath_frag_pending"))
		return 1;
	rows_run(rows, sizeof(rows) / sizeof(rows[0]));
	RUN(sweeper_expires_pending);
	RUN(shutdown_expires_pending);
	RUN(overflow_evicts_oldest);
	rows_close();
	return test_summary();
}
