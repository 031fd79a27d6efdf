// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Replay's batch program (issue 11; userspace/replay_batch.h): several frames in one
 * BPF_PROG_TEST_RUN must each be run exactly as a frame alone: every frame once, in
 * order, with its own bytes, capture time and wire length. Each row packs frames of one
 * UDP flow per frame (its own source port, length and time) and checks, per frame, that
 * its flow exists with its bytes (the wire length), its time and one packet, and that
 * the counters saw each frame once. A frame skipped, run twice, cut or given a
 * neighbour's time or length fails the row. Rows: mixed sizes, 14-byte frames (the
 * minimum) between them, frames exactly filling the buffer, the most frames a batch
 * holds, and a frame too large to go beside others.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "counters.h"
#include "log.h"
#include "replay_batch.h"
#include "../support/packet_builder.h"
#include "../support/packet_runner.h"
#include "../support/test.h"
#include "datapath.skel.h"

#define T0 (1000ULL * 1000000000ULL)
#define SPORT0 20000

/* What a row's frame is: UDP from port SPORT0 + i (0: a 14-byte Ethernet-only frame). */
struct row_frame {
	uint32_t len;		/* bytes in the buffer (>= 42 for UDP, 14 for Ethernet only) */
	int udp;
};

static struct replay_batch batch;

static void build(struct pkt *p, int i, const struct row_frame *rf)
{
	pkt_init(p);
	pkt_eth(p);
	if (!rf->udp)
		return;
	pkt_ipv4(p, &(struct pkt_ipv4){ .src = "198.18.0.2", .dst = "198.18.0.1" });
	pkt_udp(p, (uint16_t)(SPORT0 + i), 53);
	pkt_payload(p, rf->len - 42, (uint8_t)i);
	pkt_finish(p);
}

static uint64_t seen(struct dp *dp)
{
	struct ew_counters c;

	return dp_counters(dp, &c) ? 0 : counters_total(&c, EW_CNT_PKT_SEEN);
}

/* Pack the frames (one batch, as replay packs them), run, check each frame's flow. */
static void run_row(struct test_case *t, struct dp *dp, const struct row_frame *rows, int n,
		    int want_runs)
{
	static struct pkt p[EW_REPLAY_BATCH_MAX];
	uint64_t runs0 = batch.runs, seen0 = seen(dp);
	struct flow_record rec;
	struct flow_key key;
	uint32_t first = 0, ran;
	bool src_is_a;
	int i, err;

	CHECK(t, dp_reset(dp) == 0, "cannot empty the tables");
	replay_batch_clear(&batch);
	for (i = 0; i < n; i++) {
		build(&p[i], i, &rows[i]);
		CHECK(t, pkt_ok(&p[i]) && p[i].len == rows[i].len, "frame %d: built %zu bytes, "
		      "want %u", i, p[i].len, rows[i].len);
		CHECK(t, i == 0 || replay_batch_fits(&batch, p[i].len), "frame %d does not fit", i);
		/* the wire length differs from the bytes: the flow's bytes say which was used */
		replay_batch_add(&batch, p[i].data, p[i].len, p[i].len + 1000 + i,
				 T0 + (uint64_t)i * 1000);
	}
	while (first < batch.n) {
		err = replay_batch_run(&batch, first, &ran);
		CHECK(t, err == 0, "run from frame %u: %s", first, strerror(-err));
		first += ran;
	}
	EXPECT(t, batch.runs - runs0 == (uint64_t)want_runs, "%llu test runs, want %d",
	       (unsigned long long)(batch.runs - runs0), want_runs);
	EXPECT(t, seen(dp) - seen0 == (uint64_t)n, "%llu frames seen, want %d",
	       (unsigned long long)(seen(dp) - seen0), n);
	for (i = 0; i < n; i++) {
		if (!rows[i].udp)
			continue;
		CHECK(t, dp_flow_key(&key, &src_is_a, "198.18.0.2", (uint16_t)(SPORT0 + i),
				     "198.18.0.1", 53, 17) == 0, "key");
		err = dp_flow_get(dp, &key, &rec);
		CHECK(t, err == 0, "frame %d (%u bytes): no flow (%s)", i, rows[i].len,
		      strerror(-err));
		EXPECT(t, rec.packets[0] + rec.packets[1] == 1, "frame %d: %llu packets, want 1",
		       i, (unsigned long long)(rec.packets[0] + rec.packets[1]));
		EXPECT(t, rec.bytes[0] + rec.bytes[1] == rows[i].len + 1000 + i,
		       "frame %d: %llu bytes, want its wire length %u", i,
		       (unsigned long long)(rec.bytes[0] + rec.bytes[1]), rows[i].len + 1000 + i);
		EXPECT(t, rec.first_seen_ns == T0 + (uint64_t)i * 1000 &&
			  rec.last_seen_ns == rec.first_seen_ns,
		       "frame %d: seen at %llu..%llu, want its own time %llu", i,
		       (unsigned long long)rec.first_seen_ns, (unsigned long long)rec.last_seen_ns,
		       (unsigned long long)(T0 + (uint64_t)i * 1000));
		EXPECT(t, batch.skel->bss->replay_batch[i].verdict == 2 /* XDP_PASS */,
		       "frame %d: verdict %u", i, batch.skel->bss->replay_batch[i].verdict);
	}
	replay_batch_clear(&batch);
}

static struct dp dp;

static void test_mixed_sizes(struct test_case *t)
{
	static const struct row_frame rows[] = {
		{ 60, 1 }, { 1000, 1 }, { 42, 1 }, { 333, 1 }, { 1514, 1 }, { 61, 1 },
	};

	run_row(t, &dp, rows, 6, 1);
}

/* The 14-byte minimum between frames, first and last. */
static void test_ethernet_only_frames(struct test_case *t)
{
	static const struct row_frame rows[] = {
		{ 14, 0 }, { 60, 1 }, { 14, 0 }, { 14, 0 }, { 100, 1 }, { 14, 0 },
	};

	run_row(t, &dp, rows, 6, 1);
}

/* Frames that fill the buffer to its last byte: one run. */
static void test_frames_fill_the_buffer(struct test_case *t)
{
	struct row_frame rows[4] = { { 1000, 1 }, { 1000, 1 }, { 1000, 1 }, { 0, 1 } };

	CHECK(t, batch.room >= 3042 && batch.room <= 4514, "room %u", batch.room);
	rows[3].len = batch.room - 3000;
	run_row(t, &dp, rows, 4, 1);
}

/* EW_REPLAY_BATCH_MAX frames in one run (the smallest UDP frames fit in the room). */
static void test_most_frames(struct test_case *t)
{
	struct row_frame rows[EW_REPLAY_BATCH_MAX];
	int i;

	for (i = 0; i < EW_REPLAY_BATCH_MAX; i++)
		rows[i] = (struct row_frame){ 42 + (i % 3), 1 };
	run_row(t, &dp, rows, EW_REPLAY_BATCH_MAX, 1);
}

/* A frame larger than the room runs alone, from its own bytes. */
static void test_frame_too_large_runs_alone(struct test_case *t)
{
	struct row_frame rows[1] = { { 0, 1 } };

	rows[0].len = batch.room + 100;
	CHECK(t, rows[0].len <= PKT_MAX_LEN, "room %u", batch.room);
	run_row(t, &dp, rows, 1, 1);
}

int main(void)
{
	test_program = "replay_batch";
	if (geteuid() != 0) {
		printf("SKIP %s: needs root (BPF)\n", test_program);
		return 0;
	}
	log_set_level(LOG_LEVEL_ERROR);
	if (dp_open(&dp, NULL) || replay_batch_init(&batch, dp.skel, 0)) {
		printf("FAIL %s: cannot load the datapath\n", test_program);
		return 1;
	}
	RUN(test_mixed_sizes);
	RUN(test_ethernet_only_frames);
	RUN(test_frames_fill_the_buffer);
	RUN(test_most_frames);
	RUN(test_frame_too_large_runs_alone);
	dp_close(&dp);
	return test_summary();
}
