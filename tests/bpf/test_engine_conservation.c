// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The conservation guard itself (issue 7, "Tests that can fail"): the engine loaded as
 * replay loads it, one frame run through it, then the final stats event. Balanced, it
 * returns 0 and writes "balanced": true; with a counter bumped behind its back in the
 * counters map (a packet seen with no outcome, or a packet put in a flow that no flow
 * record holds) it must return 1 and write "balanced": false. A guard that always says
 * "balanced" fails here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>
#include "counters.h"
#include "engine.h"
#include "replay_batch.h"
#include "log.h"
#include "../support/packet_builder.h"
#include "../support/test.h"

#define NS_PER_SEC 1000000000ULL

struct fixture {
	struct ew_config *cfg;
	struct engine e;
	char eve_path[64];
	int loaded;
};

static int fixture_open(struct fixture *fx)
{
	struct engine_settings s;
	int fd;

	memset(fx, 0, sizeof(*fx));
	snprintf(fx->eve_path, sizeof(fx->eve_path), "/tmp/edgewatch-cons-XXXXXX");
	fd = mkstemp(fx->eve_path);
	if (fd < 0)
		return -errno;
	close(fd);
	fx->cfg = config_defaults();
	if (!fx->cfg)
		return -ENOMEM;
	engine_settings_from_config(&s, fx->cfg, fx->eve_path);
	s.flow_table_size = 1024;
	s.replay = 1;
	if (engine_init(&fx->e, &s, fx->cfg, NULL, 1))
		return -EIO;
	fx->loaded = 1;
	return 0;
}

static void fixture_close(struct fixture *fx)
{
	if (fx->loaded)
		engine_destroy(&fx->e);
	config_free(fx->cfg);
	unlink(fx->eve_path);
}

/* A built frame (padded to 60 bytes) through the XDP program at capture time now_ns,
 * as replay runs it. */
static int run_frame(struct engine *e, struct pkt *p, uint64_t now_ns)
{
	static struct replay_batch batch;
	int err;

	pkt_finish(p);
	pkt_pad(p, 60);
	if (!pkt_ok(p))
		return -EINVAL;
	err = replay_batch_init(&batch, e->dp.skel, 1);
	return err ? err : replay_batch_run_one(&batch, p->data, p->len, p->len, now_ns, NULL);
}

/* One UDP frame through the XDP program at capture time now_ns. */
static int run_udp_frame(struct engine *e, uint64_t now_ns)
{
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p);
	pkt_ipv4(&p, &(struct pkt_ipv4){ .src = "198.18.0.2", .dst = "198.18.0.1" });
	pkt_udp(&p, 40000, 53);
	return run_frame(e, &p, now_ns);
}

struct bump {
	int id;		/* enum ew_counter; a row with n 0 ends a list */
	__u64 n;
};

/* Add to counters of the XDP hook on CPU 0 what a program could have added. */
static int bump_counters(struct engine *e, const struct bump *bumps)
{
	int fd = bpf_map__fd(e->dp.skel->maps.counters), ncpus = libbpf_num_possible_cpus();
	struct ew_counters *percpu;
	__u32 zero = 0;
	int err = 0;

	if (ncpus <= 0)
		return -EINVAL;
	percpu = calloc(ncpus, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &zero, percpu) == 0) {
		for (; bumps->n; bumps++)
			percpu[0].count[EW_HOOK_XDP_INGRESS][bumps->id] += bumps->n;
		if (bpf_map_update_elem(fd, &zero, percpu, BPF_ANY))
			err = -errno;
	} else {
		err = -errno;
	}
	free(percpu);
	return err;
}

/* conservation.balanced of the last stats event in the EVE file: 1, 0, or -1 if none. */
static int last_balanced(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[65536];
	int balanced = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		struct json_object *ev = json_tokener_parse(line), *stats, *cons, *b;

		if (ev && json_object_object_get_ex(ev, "stats", &stats) &&
		    json_object_object_get_ex(stats, "conservation", &cons) &&
		    json_object_object_get_ex(cons, "balanced", &b))
			balanced = json_object_get_boolean(b);
		json_object_put(ev);
	}
	fclose(f);
	return balanced;
}

/*
 * Load, run one frame, add bumps to the counters, flush, write the final stats: the
 * return of engine_write_stats, and what the stats event said in *balanced.
 */
static int final_stats_after(struct test_case *t, const struct bump *bumps, int *balanced)
{
	struct fixture fx;
	int ret = -1;

	*balanced = -1;
	if (fixture_open(&fx)) {
		test_fail(t, __FILE__, __LINE__, "cannot load the engine");
		goto out;
	}
	if (run_udp_frame(&fx.e, 5 * NS_PER_SEC)) {
		test_fail(t, __FILE__, __LINE__, "BPF_PROG_TEST_RUN failed");
		goto out;
	}
	if (bump_counters(&fx.e, bumps)) {
		test_fail(t, __FILE__, __LINE__, "cannot write the counters map");
		goto out;
	}
	engine_flush(&fx.e, 6 * NS_PER_SEC);
	ret = engine_write_stats(&fx.e, 6 * NS_PER_SEC, 1);
	*balanced = last_balanced(fx.eve_path);
out:
	fixture_close(&fx);
	return ret;
}

static void check_final(struct test_case *t, const struct bump *bumps, int want_balanced)
{
	int balanced, ret = final_stats_after(t, bumps, &balanced);

	CHECK(t, !t->failed, "setup");
	CHECK(t, ret == (want_balanced ? 0 : 1), "engine_write_stats returned %d, want %d", ret,
	      want_balanced ? 0 : 1);
	CHECK(t, balanced == want_balanced, "the stats event says balanced %d, want %d",
	      balanced, want_balanced);
}

static void test_balanced(struct test_case *t)
{
	check_final(t, (const struct bump[]){ { 0, 0 } }, 1);
}

/* A packet seen that has no outcome and no verdict: the XDP hook's sums are off. */
static void test_seen_without_outcome(struct test_case *t)
{
	check_final(t, (const struct bump[]){ { EW_CNT_PKT_SEEN, 1 }, { 0, 0 } }, 0);
}

/*
 * Two packets counted into flows (seen, outcome pkt_flow and verdict pass agree) that no
 * flow record holds: each program's sums add up, the flows' do not.
 */
static void test_flow_packets_unexported(struct test_case *t)
{
	check_final(t, (const struct bump[]){ { EW_CNT_PKT_SEEN, 2 }, { EW_CNT_PKT_FLOW, 2 },
					      { EW_CNT_VERDICT_PASS, 2 }, { 0, 0 } }, 0);
}

/* A table-full packet is an outcome like any other: counted right, it balances. */
static void test_table_full_is_an_outcome(struct test_case *t)
{
	check_final(t, (const struct bump[]){ { EW_CNT_PKT_SEEN, 3 },
					      { EW_CNT_PKT_FLOW_TABLE_FULL, 3 },
					      { EW_CNT_VERDICT_PASS, 3 }, { 0, 0 } }, 1);
}

/*
 * One IPv4 fragment of datagram id from 198.18.0.2 to 198.18.0.1 through the XDP program at
 * now_ns: offset in bytes; the first (offset 0) carries a UDP header, the others 32 bytes.
 */
static int run_fragment(struct engine *e, uint16_t id, uint16_t offset, bool more,
			uint64_t now_ns)
{
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p);
	pkt_ipv4(&p, &(struct pkt_ipv4){ .src = "198.18.0.2", .dst = "198.18.0.1", .id = id,
					  .proto = 17, .frag_offset = offset,
					  .more_fragments = more });
	if (offset == 0)
		pkt_udp(&p, 40000, 53);
	pkt_payload(&p, offset == 0 ? 24 : 32, 0);
	return run_frame(e, &p, now_ns);
}

/*
 * Fragments before their first fragment (bpf/frag_pending.bpf.h): two of datagram 1 are
 * held and join its flow when its first fragment comes (they move from
 * pkt_frag_first_missing to pkt_flow, and into the flow's record); one of datagram 2
 * never gets its first and is expired by the final sweep. The final account balances:
 * the joined packets are in pkt_flow and in the exported flow, each counted once.
 */
static void test_held_fragments_balance(struct test_case *t)
{
	struct fixture fx;
	struct ew_counters c;
	int balanced;

	CHECK(t, fixture_open(&fx) == 0, "cannot load the engine");
	EXPECT(t, run_fragment(&fx.e, 1, 64, false, 5 * NS_PER_SEC) == 0 &&
			  run_fragment(&fx.e, 1, 32, true, 5 * NS_PER_SEC) == 0 &&
			  run_fragment(&fx.e, 2, 32, false, 5 * NS_PER_SEC) == 0 &&
			  run_fragment(&fx.e, 1, 0, true, 6 * NS_PER_SEC) == 0,
	       "BPF_PROG_TEST_RUN failed");
	engine_flush(&fx.e, 7 * NS_PER_SEC);
	EXPECT(t, engine_write_stats(&fx.e, 7 * NS_PER_SEC, 1) == 0,
	       "engine_write_stats: the final account does not balance");
	balanced = last_balanced(fx.eve_path);
	EXPECT(t, balanced == 1, "the stats event says balanced %d, want 1", balanced);
	EXPECT(t, engine_read_counters(&fx.e, &c) == 0, "cannot read the counters");
	EXPECT(t, counters_total(&c, EW_CNT_PKT_FLOW) == 3, "pkt_flow %llu, want 3",
	       (unsigned long long)counters_total(&c, EW_CNT_PKT_FLOW));
	EXPECT(t, counters_total(&c, EW_CNT_PKT_FRAG_FIRST_MISSING) == 1,
	       "pkt_frag_first_missing %llu, want 1",
	       (unsigned long long)counters_total(&c, EW_CNT_PKT_FRAG_FIRST_MISSING));
	EXPECT(t, counters_total(&c, EW_CNT_FRAG_PENDING_HELD) == 3 &&
			  counters_total(&c, EW_CNT_FRAG_PENDING_JOINED) == 2 &&
			  counters_total(&c, EW_CNT_FRAG_PENDING_EXPIRED) == 1,
	       "held/joined/expired %llu/%llu/%llu, want 3/2/1",
	       (unsigned long long)counters_total(&c, EW_CNT_FRAG_PENDING_HELD),
	       (unsigned long long)counters_total(&c, EW_CNT_FRAG_PENDING_JOINED),
	       (unsigned long long)counters_total(&c, EW_CNT_FRAG_PENDING_EXPIRED));
	fixture_close(&fx);
}

int main(void)
{
	test_program = "engine_conservation";
	if (geteuid() != 0) {
		printf("SKIP %s: needs root (BPF)\n", test_program);
		return 0;
	}
	log_set_level(LOG_LEVEL_ERROR);
	RUN(test_balanced);
	RUN(test_seen_without_outcome);
	RUN(test_flow_packets_unexported);
	RUN(test_table_full_is_an_outcome);
	RUN(test_held_fragments_balance);
	return test_summary();
}
