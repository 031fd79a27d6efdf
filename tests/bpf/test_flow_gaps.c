// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The flows' gaps between bursts (flow_record.gap_*, bpf/flow.bpf.h flow_note_gap()):
 * packets in at chosen datapath times (the client's through ew_xdp_ingress, the
 * server's through ew_tc_egress), the flow record read back from the table, or from the
 * sweeper's ended_flows ring for an active-timeout record. Checked: a gap of 1 s or more
 * counts once, in ms, with its square; shorter ones (a burst) and a first packet do not;
 * a packet stamped before the flow's last one adds nothing; both directions count into
 * one series; an active-timeout record carries the gaps since the previous one and the
 * flow in the table starts again from zero.
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

#define CLIENT4 "198.18.1.1"
#define SERVER4 "198.18.1.2"
#define CPORT 41000
#define SPORT 443
#define XDP_PASS_VERDICT 2
#define TC_ACT_OK_VERDICT 0

static struct dp dp;

/* One UDP packet of the flow at now_ns: from the client (XDP) or the server (tc). */
static int send_at(int from_server, uint64_t now_ns)
{
	struct pkt p;
	uint32_t verdict = ~0u;
	int err;

	pkt_init(&p);
	pkt_eth(&p);
	pkt_ipv4(&p, &(struct pkt_ipv4){ .src = from_server ? SERVER4 : CLIENT4,
					  .dst = from_server ? CLIENT4 : SERVER4 });
	pkt_udp(&p, from_server ? SPORT : CPORT, from_server ? CPORT : SPORT);
	pkt_payload(&p, 120, 'b');
	pkt_finish(&p);
	if (!pkt_ok(&p))
		return -EINVAL;
	if (from_server)
		err = dp_run_tc(&dp, p.data, p.len, 0, 0, now_ns, &verdict);
	else
		err = dp_run_xdp(&dp, p.data, p.len, now_ns, &verdict);
	if (!err && verdict != (from_server ? TC_ACT_OK_VERDICT : XDP_PASS_VERDICT))
		err = -EPROTO;
	return err;
}

static int flow_now(struct flow_record *rec)
{
	struct flow_key key;
	bool client_is_a;

	if (dp_flow_key(&key, &client_is_a, CLIENT4, CPORT, SERVER4, SPORT, 17))
		return -EINVAL;
	return dp_flow_get(&dp, &key, rec);
}

/* The gap series expected: count, sum and sum of squares of gaps in ms. */
struct gaps {
	uint32_t count, sum_ms;
	uint64_t sumsq_ms;
};

static void gaps_add(struct gaps *g, uint64_t ms)
{
	g->count++;
	g->sum_ms += ms;
	g->sumsq_ms += ms * ms;
}

static void check_gaps(struct test_case *t, const char *when, const struct flow_record *rec,
		       const struct gaps *want)
{
	EXPECT(t, rec->gap_count == want->count && rec->gap_sum_ms == want->sum_ms &&
			  rec->gap_sumsq_ms == want->sumsq_ms,
	       "%s: gaps %u, %u ms, %" PRIu64 " ms^2; want %u, %u ms, %" PRIu64 " ms^2", when,
	       rec->gap_count, rec->gap_sum_ms, (uint64_t)rec->gap_sumsq_ms, want->count,
	       want->sum_ms, want->sumsq_ms);
}

/* (time after T0 in ms, from the server): a burst, gaps on both sides of 1 s, and
 * both directions opening a burst. */
static const struct { uint64_t at_ms; int from_server; int gap_ms; } beats[] = {
	{ 0, 0, -1 },		/* the first packet: no gap */
	{ 40, 1, -1 },		/* the answer, 40 ms later: the same burst */
	{ 80, 0, -1 },
	{ 2580, 0, 2500 },	/* 2.5 s of quiet: a gap */
	{ 3579, 1, -1 },	/* 999 ms: still the same burst */
	{ 4579, 1, 1000 },	/* exactly 1 s: a gap (EW_GAP_MIN_NS is inclusive) */
	{ 34579, 1, 30000 },	/* a 30 s heartbeat, opened by the server this time */
	{ 34600, 0, -1 },
};

static void test_gaps_between_bursts(struct test_case *t)
{
	struct flow_record rec;
	struct gaps want = {};
	size_t i;

	CHECK(t, dp_reset(&dp) == 0, "reset");
	for (i = 0; i < sizeof(beats) / sizeof(beats[0]); i++) {
		char when[48];

		CHECK(t, send_at(beats[i].from_server, T0 + beats[i].at_ms * MS) == 0,
		      "packet %zu did not run", i);
		if (beats[i].gap_ms >= 0)
			gaps_add(&want, (uint64_t)beats[i].gap_ms);
		CHECK(t, flow_now(&rec) == 0, "no flow after packet %zu", i);
		snprintf(when, sizeof(when), "after packet %zu (%" PRIu64 " ms)", i,
			 beats[i].at_ms);
		check_gaps(t, when, &rec, &want);
	}
	EXPECT(t, rec.packets[0] == 4 && rec.packets[1] == 4, "packets %llu/%llu",
	       (unsigned long long)rec.packets[0], (unsigned long long)rec.packets[1]);
}

/* A packet stamped before the flow's last one (two CPUs, a clock read late): no gap,
 * and the next gap is measured from the latest packet, not the late one. */
static void test_late_packet(struct test_case *t)
{
	struct flow_record rec;
	struct gaps want = {};

	CHECK(t, dp_reset(&dp) == 0, "reset");
	CHECK(t, send_at(0, T0 + 10 * NS) == 0, "first");
	CHECK(t, send_at(1, T0 + 5 * NS) == 0, "late");
	CHECK(t, flow_now(&rec) == 0, "no flow");
	check_gaps(t, "after the late packet", &rec, &want);
	CHECK(t, send_at(0, T0 + 12 * NS) == 0, "next");
	gaps_add(&want, 2000);
	CHECK(t, flow_now(&rec) == 0, "no flow");
	check_gaps(t, "after the next packet", &rec, &want);
}

static struct flow_end ended;
static int ended_count;

static int on_ended(void *ctx, void *data, size_t len)
{
	if (len >= sizeof(ended))
		memcpy(&ended, data, sizeof(ended));
	ended_count++;
	return 0;
}

/* One pass of the kernel's sweeper at now_ns with an active timeout; records read. */
static int sweep_active(uint64_t now_ns, uint64_t active_ns)
{
	struct sweep_args a = {
		.now_ns = now_ns,
		.idle_ns = 60 * NS,
		.tcp_closed_ns = 5 * NS,
		.active_ns = active_ns,
		.pressure_idle_ns = 60 * NS,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &a, .ctx_size_in = sizeof(a));
	struct ring_buffer *rb;
	int err;

	rb = ring_buffer__new(bpf_map__fd(dp.skel->maps.ended_flows), on_ended, NULL, NULL);
	if (!rb)
		return -errno;
	ended_count = 0;
	err = bpf_prog_test_run_opts(bpf_program__fd(dp.skel->progs.ew_sweep), &opts);
	if (!err)
		err = ring_buffer__consume(rb) < 0 ? -EIO : 0;
	ring_buffer__free(rb);
	return err;
}

static void test_active_timeout_record(struct test_case *t)
{
	struct flow_record rec;
	struct gaps first = {}, second = {};
	int i;

	CHECK(t, dp_reset(&dp) == 0, "reset");
	/* 5 beats 20 s apart (4 gaps), each a request and its answer */
	for (i = 0; i < 5; i++) {
		CHECK(t, send_at(0, T0 + i * 20 * NS) == 0, "request %d", i);
		CHECK(t, send_at(1, T0 + i * 20 * NS + 30 * MS) == 0, "answer %d", i);
		if (i)
			gaps_add(&first, 20000 - 30);
	}
	CHECK(t, sweep_active(T0 + 100 * NS, 100 * NS) == 0, "sweep");
	CHECK(t, ended_count == 1 && ended.reason == EW_END_ACTIVE_TIMEOUT,
	      "%d records, reason %u", ended_count, ended.reason);
	check_gaps(t, "the active-timeout record", &ended.record, &first);
	CHECK(t, flow_now(&rec) == 0, "the flow left the table");
	check_gaps(t, "the flow after its record", &rec, &second);

	/* the gap across the record's end (80.03 s -> 110 s) and the next beat's go in the
	 * next record only */
	CHECK(t, send_at(0, T0 + 110 * NS) == 0, "request after the record");
	CHECK(t, send_at(1, T0 + 125 * NS) == 0, "answer after the record");
	gaps_add(&second, 110000 - 80030);
	gaps_add(&second, 15000);
	/* 75 s after the first record, before the flow is idle for 60 s */
	CHECK(t, sweep_active(T0 + 175 * NS, 75 * NS) == 0, "second sweep");
	CHECK(t, ended_count == 1 && ended.reason == EW_END_ACTIVE_TIMEOUT,
	      "%d records, reason %u", ended_count, ended.reason);
	check_gaps(t, "the second active-timeout record", &ended.record, &second);
}

int main(void)
{
	test_program = "flow_gaps";
	if (geteuid() != 0) {
		printf("SKIP %s: needs root (BPF)\n", test_program);
		return 0;
	}
	if (dp_open(&dp, &(struct dp_options){ 0 })) {
		printf("FAIL %s/load: cannot load the datapath (root? BTF?)\n", test_program);
		return 1;
	}
	RUN(test_gaps_between_bursts);
	RUN(test_late_packet);
	RUN(test_active_timeout_record);
	dp_close(&dp);
	return test_summary();
}
