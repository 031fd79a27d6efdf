// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Datapath robustness: thousands of random frames and mutated deep stacks (seeded,
 * deterministic) through both programs. Each frame must end in exactly one outcome
 * per hook with the program never failing (XDP_PASS, TC_ACT_OK), and at the end the
 * flows must hold exactly the packets and bytes counted as pkt_flow.
 */
#include "deep_stacks.h"

#define FUZZ_FRAMES 10000
#define FUZZ_SEED 0x5EED0E06E0A7C4ULL

static uint64_t fuzz_state;

static uint64_t fuzz_next(void)
{
	/* xorshift64*: deterministic, good enough to pick bytes */
	fuzz_state ^= fuzz_state >> 12;
	fuzz_state ^= fuzz_state << 25;
	fuzz_state ^= fuzz_state >> 27;
	return fuzz_state * 0x2545F4914F6CDD1DULL;
}

static void (*const corpus[])(struct pkt *p) = {
	deep_stack_gre_erspan_vxlan,
	deep_stack_pppoe_geneve_6in4,
	deep_stack_pptp_sctp,
	deep_stack_pseudowire_esp,
	mixed_tunnels_too_many,
	step_budget_exhausted,
};

/* A frame: random bytes, or a corpus packet with a few header bytes changed and
 * possibly cut. */
static size_t fuzz_frame(uint8_t *frame)
{
	struct pkt p;
	size_t len, i, flips;
	uint64_t r = fuzz_next();

	if (r % 5 == 0) {
		len = fuzz_next() % 160;
		for (i = 0; i < len; i++)
			frame[i] = fuzz_next();
		if (len >= 14 && fuzz_next() % 2) {
			/* an IP ethertype, so the random bytes reach the IP parser */
			frame[12] = fuzz_next() % 2 ? 0x08 : 0x86;
			frame[13] = frame[12] == 0x08 ? 0x00 : 0xDD;
		}
		return len;
	}
	pkt_init(&p);
	corpus[(r >> 8) % (sizeof(corpus) / sizeof(corpus[0]))](&p);
	len = p.len;
	memcpy(frame, p.data, len);
	flips = 1 + fuzz_next() % 4;
	for (i = 0; i < flips; i++) {
		/* header bytes: the first 256, where the layers are */
		size_t at = fuzz_next() % (len < 256 ? len : 256);

		frame[at] = fuzz_next() % 3 ? (uint8_t)fuzz_next() : frame[at] ^ 0xFF;
	}
	if (fuzz_next() % 4 == 0)
		len = fuzz_next() % (len + 1);
	return len;
}

/*
 * Fragments held for their first fragment (bpf/frag_pending.bpf.h): held_bytes, the
 * bytes of frames the datapath held; joined_pkts, the held packets a first fragment
 * later put in its flow (which of the held frames, the counters do not say).
 */
static uint64_t held_bytes, joined_pkts;

/*
 * Every packet counted as pkt_flow is in exactly one flow: over the whole table, the
 * packets and bytes of all flows add up to what went in as pkt_flow, plus the held
 * fragments that joined a flow (their bytes: at most all the held bytes).
 */
static void check_flow_conservation(struct test_case *t, uint64_t flow_pkts, uint64_t flow_bytes)
{
	static struct flow_record recs[FUZZ_FRAMES * 2];
	uint64_t pkts = 0, bytes = 0;
	int n = dp_flow_list(&row_dp, NULL, recs, FUZZ_FRAMES * 2), i;

	CHECK(t, n >= 0, "cannot list the flows");
	for (i = 0; i < n; i++) {
		EXPECT(t, recs[i].packets[0] + recs[i].packets[1] > 0, "a flow without packets");
		EXPECT(t, recs[i].initiator <= 1, "initiator %u", recs[i].initiator);
		pkts += recs[i].packets[0] + recs[i].packets[1];
		bytes += recs[i].bytes[0] + recs[i].bytes[1];
	}
	EXPECT(t, pkts == flow_pkts + joined_pkts && bytes >= flow_bytes &&
		  bytes <= flow_bytes + held_bytes && (joined_pkts || bytes == flow_bytes),
	       "flows hold %llu packets / %llu bytes, pkt_flow counted %llu / %llu, held "
	       "fragments joined %llu packets (of %llu bytes held)",
	       (unsigned long long)pkts, (unsigned long long)bytes,
	       (unsigned long long)flow_pkts, (unsigned long long)flow_bytes,
	       (unsigned long long)joined_pkts, (unsigned long long)held_bytes);
}

/* Run one fuzz frame through a hook: its outcome, RUN_REFUSED if the kernel refused it, or
 * -1 after a failure. */
static int fuzz_one(struct test_case *t, const uint8_t *frame, size_t len, bool tc, int i)
{
	struct ew_counters before, after;
	uint32_t verdict = ~0u;
	enum ew_hook hook = tc ? EW_HOOK_TC_EGRESS : EW_HOOK_XDP_INGRESS;
	uint64_t now = ROW_EPOCH_NS + i;
	int err, outcome, h;

	if (dp_counters(&row_dp, &before)) {
		EXPECT(t, 0, "frame %d: cannot read the counters", i);	/* not a silent stop */
		return -1;
	}
	err = tc ? dp_run_tc(&row_dp, frame, len, 0, 0, now, &verdict)
		 : dp_run_xdp(&row_dp, frame, len, now, &verdict);
	if (err == -EINVAL && kernel_refuses(frame, len, tc)) {
		check_not_run(t, &before, len);
		return t->failed ? -1 : RUN_REFUSED;
	}
	if (err || verdict != (tc ? 0u : (uint32_t)XDP_PASS)) {
		EXPECT(t, 0, "frame %d (%zu bytes): %s run %d, verdict %u", i, len,
		       hook_name(hook), err, verdict);
		return -1;
	}
	if (dp_counters(&row_dp, &after)) {
		EXPECT(t, 0, "frame %d: cannot read the counters", i);
		return -1;
	}
	/* a first fragment that joins held fragments moves their packets from
	 * pkt_frag_first_missing to pkt_flow, on the hook each was held on (counted as
	 * frag_pending_joined): this frame's own outcome is what remains */
	for (h = 0; h < EW_HOOK_MAX; h++) {
		uint64_t joined = after.count[h][EW_CNT_FRAG_PENDING_JOINED] -
				  before.count[h][EW_CNT_FRAG_PENDING_JOINED];

		joined_pkts += joined;
		if (after.count[h][EW_CNT_FRAG_PENDING_HELD] != before.count[h][EW_CNT_FRAG_PENDING_HELD])
			held_bytes += len;
		after.count[h][EW_CNT_PKT_FLOW] -= joined;
		after.count[h][EW_CNT_PKT_FRAG_FIRST_MISSING] += joined;
		if (h != (int)hook)
			EXPECT(t, after.count[h][EW_CNT_PKT_SEEN] == before.count[h][EW_CNT_PKT_SEEN],
			       "frame %d: the other hook saw a packet", i);
	}
	outcome = check_one_packet(t, &before, &after, hook, 1);
	if (outcome < 0)
		printf("#   frame %d (%zu bytes), %s\n", i, len, hook_name(hook));
	return outcome;
}

static void test_fuzz(struct test_case *t)
{
	uint8_t frame[PKT_MAX_LEN];
	uint64_t outcome_count[EW_CNT_MAX] = { 0 };
	uint64_t flow_pkts = 0, flow_bytes = 0;
	int i, hook, distinct = 0, not_run[2] = { 0, 0 };

	fuzz_state = FUZZ_SEED;
	CHECK(t, dp_reset(&row_dp) == 0, "cannot clear the tables");
	for (i = 0; i < FUZZ_FRAMES; i++) {
		size_t len = fuzz_frame(frame);

		for (hook = 0; hook < 2; hook++) {
			int outcome = fuzz_one(t, frame, len, hook == 1, i);

			if (outcome == RUN_REFUSED) {
				not_run[hook]++;
				continue;
			}
			if (outcome < 0)
				return;
			if (outcome == EW_CNT_PKT_FLOW) {
				flow_pkts++;
				flow_bytes += len;
			}
			if (hook == 0 && !outcome_count[outcome]++)
				distinct++;
		}
	}
	printf("# fuzz: %d frames (XDP refused %d too short, tc refused %d), XDP outcomes:",
	       FUZZ_FRAMES, not_run[0], not_run[1]);
	for (i = 0; i < EW_CNT_MAX; i++)
		if (outcome_count[i])
			printf(" %s=%llu", counter_name(i), (unsigned long long)outcome_count[i]);
	printf("\n");
	check_flow_conservation(t, flow_pkts, flow_bytes);
	/* the mutations must reach deep into the parser, not stop at Ethernet */
	CHECK(t, distinct >= 12, "only %d distinct outcomes", distinct);
}

int main(void)
{
	if (rows_open("datapath_fuzz"))
		return 1;
	RUN(test_fuzz);
	rows_close();
	return test_summary();
}
